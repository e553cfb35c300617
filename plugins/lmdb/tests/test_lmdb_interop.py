"""Compatibility both ways with zarr-python 2.18's LMDBStore (the ``.peers/zp2`` environment).

zarr-core's kit (:mod:`zarr_core.testing.compat`) has zarr-python 2.18 write a hierarchy
of groups and arrays with attributes into an LMDB environment for zarr-core to read, and
the other way round. A missing peer environment is a failure, not a skip: ``bash
scripts/test.sh`` creates it.
"""

from __future__ import annotations

from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests


class TestZarrPython2(ZarrPython2CompatTests):
    peer_store = PeerStore("LMDBStore")
    suffix = ".mdb"

    def store_url(self, path):
        return f"lmdb:///{path}"
