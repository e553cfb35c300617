"""Compatibility both ways with zarr-python 2.18's SQLiteStore (the ``.peers/zp2`` environment).

zarr-core's kit (:mod:`zarr_core.testing.compat`) has zarr-python 2.18 write a hierarchy
of groups and arrays with attributes into a database file for zarr-core to read, and the
other way round. A missing peer environment is a failure, not a skip: ``bash
scripts/test.sh`` creates it.
"""

from __future__ import annotations

from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests


class TestZarrPython2(ZarrPython2CompatTests):
    peer_store = PeerStore("SQLiteStore")
    suffix = ".sqldb"

    def store_url(self, path):
        return f"sqlite:///{path}"
