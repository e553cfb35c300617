"""Durability: a writer killed with SIGKILL mid-write leaves every chunk old or new.

zarr-core's kit (:mod:`zarr_core.testing.durability`) kills writers at random moments and
inside a transaction; here each kill is also followed by SQLite's own integrity check.
"""

from __future__ import annotations

import sqlite3

from zarr_core.testing.durability import DurabilityTests


class TestDurability(DurabilityTests):
    filename = "x.sqlite"
    # Garble half the chunks inside one transaction that never commits.
    torn_transaction = """
with store._writing() as conn:
    for key in keys:
        conn.execute("UPDATE zarr SET v = ? WHERE k = ?", (b"torn", key))
    hold()
"""

    def store_url(self, path):
        return f"sqlite:///{path}"

    def check_store(self, path):
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
