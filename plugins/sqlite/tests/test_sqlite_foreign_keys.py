"""A SQLite database written by other software, holding keys that are not valid zarr keys
(zarr-core's foreign-keys kit): listings skip them, the hierarchy lists, opens and copies."""

from __future__ import annotations

import sqlite3

from zarr_core_sqlite import SQLiteStore

from zarr_core.testing.foreign import ForeignKeysTests


class TestForeignKeys(ForeignKeysTests):
    def open_store(self, tmp_path, read_only=False):
        return SQLiteStore(tmp_path / "x.sqlite", read_only=read_only)

    def write_raw(self, tmp_path, items):
        conn = sqlite3.connect(tmp_path / "x.sqlite")
        # Bytes as BLOB keys, as a careless writer stores them; the rest as TEXT.
        conn.executemany("INSERT INTO zarr VALUES (?, ?)", list(items.items()))
        conn.commit()
        conn.close()
