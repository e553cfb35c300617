"""Dask worker processes writing and reading a MongoDB store (zarr-core's Dask kit)."""

from __future__ import annotations

import pytest
from zarr_core_mongodb.testing import database_name, mongodb_client, mongodb_url

from zarr_core.testing.dask import DaskStoreTests


class TestDask(DaskStoreTests):
    @pytest.fixture(autouse=True)
    def _server(self, mongodb_server, tmp_path):
        self.server = mongodb_server
        yield
        client = mongodb_client(mongodb_server)
        client.drop_database(database_name(tmp_path))
        client.close()

    def store_url(self, tmp_path):
        return mongodb_url(self.server, database_name(tmp_path), "zarr")
