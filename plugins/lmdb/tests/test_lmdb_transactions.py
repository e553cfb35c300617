"""Transactions on lmdb: racing creators (one winner for mode w-) and partial chunk updates
from several processes without a synchronizer (zarr-core's concurrency kits)."""

from __future__ import annotations

from zarr_core_lmdb import LMDBStore

from zarr_core.testing.concurrency import AtomicCreationTests, TransactionalUpdateTests


class TestTransactions(AtomicCreationTests, TransactionalUpdateTests):
    def make_store(self, tmp_path):
        return LMDBStore(tmp_path / "x.lmdb")
