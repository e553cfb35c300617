"""An LMDB environment written by other software, holding keys that are not valid zarr keys
(zarr-core's foreign-keys kit): listings skip them, the hierarchy lists, opens and copies."""

from __future__ import annotations

import lmdb
from zarr_core_lmdb import LMDBStore

from zarr_core.testing.foreign import ForeignKeysTests


class TestForeignKeys(ForeignKeysTests):
    def open_store(self, tmp_path, read_only=False):
        return LMDBStore(tmp_path / "x.lmdb", read_only=read_only)

    def write_raw(self, tmp_path, items):
        env = lmdb.open(str(tmp_path / "x.lmdb"))  # the store closed it: another program's
        with env.begin(write=True) as txn:
            for key, value in items.items():
                txn.put(key if isinstance(key, bytes) else key.encode(), value)
        env.close()
