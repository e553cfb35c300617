"""Dask worker processes writing and reading a lmdb store (zarr-core's Dask kit)."""

from __future__ import annotations

from zarr_core.testing.dask import DaskStoreTests


class TestDask(DaskStoreTests):
    def store_url(self, tmp_path):
        return f"lmdb:///{tmp_path / 'x.lmdb'}"
