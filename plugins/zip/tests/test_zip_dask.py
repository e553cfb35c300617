"""Dask worker processes and zip archives: refused with a clear error (zarr-core's Dask kit).

Several processes cannot write one zip archive; write a directory, then pack it with
``zarr_core.copy_store``, as the README says."""

from __future__ import annotations

from zarr_core.testing.dask import DaskStoreTests


class TestDask(DaskStoreTests):
    multiprocess_writes = False

    def store_url(self, tmp_path):
        return f"zip://{tmp_path / 'x.zip'}"
