"""Compatibility both ways with zarr-python 2.18's MongoDBStore (the ``.peers/zp2`` environment).

zarr-core's kit (:mod:`zarr_core.testing.compat`) has zarr-python 2.18 write a hierarchy
of groups and arrays with attributes into a database on the test server for zarr-core to
read, and the other way round, on each server kind. A missing peer environment is a
failure, not a skip: ``bash scripts/test.sh`` creates it.
"""

from __future__ import annotations

import pytest
from zarr_core_mongodb.testing import database_name, mongodb_client, mongodb_url

from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests


class TestZarrPython2(ZarrPython2CompatTests):
    @pytest.fixture(autouse=True)
    def _server(self, mongodb_server):
        self.server = mongodb_server
        self.databases = []
        yield
        client = mongodb_client(mongodb_server)
        for name in self.databases:
            client.drop_database(name)
        client.close()

    @property
    def peer_store(self):
        # zarr.MongoDBStore(database=<location>, collection="zarr", host=..., port=...)
        return PeerStore(
            "MongoDBStore",
            kwargs={
                "collection": "zarr",
                "host": self.server.host,
                "port": self.server.port,
                "directConnection": True,
            },
            location_keyword="database",
        )

    def location(self, tmp_path, name):
        database = database_name(tmp_path / name)
        self.databases.append(database)
        return database

    def store_url(self, path):
        return mongodb_url(self.server, path, "zarr")
