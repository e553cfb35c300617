"""A DBM file written by other software, holding keys that are not valid zarr keys
(zarr-core's foreign-keys kit): listings skip them, the hierarchy lists, opens and copies."""

from __future__ import annotations

import dbm.dumb

from zarr_core_dbm import DBMStore

from zarr_core.testing.foreign import ForeignKeysTests


class TestForeignKeys(ForeignKeysTests):
    # dbm.dumb: the implementation every interpreter has (and zarr-python 2 uses).
    def open_store(self, tmp_path, read_only=False):
        flag = "r" if read_only else "c"
        return DBMStore(tmp_path / "x.db", flag=flag, open="dbm.dumb", read_only=read_only)

    def write_raw(self, tmp_path, items):
        with dbm.dumb.open(str(tmp_path / "x.db"), "w") as db:  # another program's writes
            for key, value in items.items():
                db[key] = value
