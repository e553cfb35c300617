"""FSStore: the conformance kit on fsspec's memory and local file systems and on S3 (moto)."""

from __future__ import annotations

import pytest

from zarr_core.errors import ReadOnlyError
from zarr_core.storage import FSStore, open_store
from zarr_core.testing import StoreTests


class TestFSStoreMemory(StoreTests):
    def make_store(self, tmp_path, read_only=False):
        # fsspec's memory file system is global: a root per test keeps tests apart.
        return FSStore(f"memory://{tmp_path.name}/data.zarr", mode="r" if read_only else "w")


class TestFSStoreLocal(StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return FSStore(str(tmp_path / "data.zarr"), mode="r" if read_only else "w")


class TestFSStoreS3(StoreTests):
    @pytest.fixture(autouse=True)
    def _s3(self, s3_bucket, s3_storage_options):
        self.bucket, self.options = s3_bucket, s3_storage_options

    def make_store(self, tmp_path, read_only=False):
        return FSStore(
            f"s3://{self.bucket}/data.zarr", mode="r" if read_only else "w", **self.options
        )
