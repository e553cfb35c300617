"""Dask worker processes writing and reading a sqlite store (zarr-core's Dask kit)."""

from __future__ import annotations

from zarr_core.testing.dask import DaskStoreTests


class TestDask(DaskStoreTests):
    def store_url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'x.sqlite'}"
