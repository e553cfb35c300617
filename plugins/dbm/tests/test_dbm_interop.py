"""Compatibility both ways with zarr-python 2.18's DBMStore (the ``.peers/zp2`` environment).

zarr-core's kit (:mod:`zarr_core.testing.compat`) has zarr-python 2.18 write a hierarchy
of groups and arrays with attributes into a DBM database for zarr-core to read, and the
other way round. Both sides use ``dbm.dumb``: the peer's interpreter (pyenv's) has no
other implementation, and the file formats differ. A missing peer environment is a
failure, not a skip: ``bash scripts/test.sh`` creates it.
"""

from __future__ import annotations

from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests


class TestZarrPython2(ZarrPython2CompatTests):
    peer_store = PeerStore("DBMStore", objects={"open": "dbm.dumb:open"})
    suffix = ".db"
    storage_options = {"open": "dbm.dumb"}

    def store_url(self, path):
        return f"dbm:///{path}"
