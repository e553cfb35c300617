"""Transactions on sqlite: racing creators (one winner for mode w-) and partial chunk updates
from several processes without a synchronizer (zarr-core's concurrency kits)."""

from __future__ import annotations

from zarr_core_sqlite import SQLiteStore

from zarr_core.testing.concurrency import AtomicCreationTests, TransactionalUpdateTests


class TestTransactions(AtomicCreationTests, TransactionalUpdateTests):
    def make_store(self, tmp_path):
        return SQLiteStore(tmp_path / "x.sqlite")
