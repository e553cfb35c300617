"""Fixtures of the mongodb plugin's tests: a raw client and a database per test.

The servers come from :mod:`zarr_core_mongodb.testing` (a pytest11 plugin).
"""

from __future__ import annotations

import pytest
from zarr_core_mongodb.testing import database_name, mongodb_client


@pytest.fixture
def client(mongodb_server):
    """A raw pymongo client on the current server (reaches data without the store)."""
    client = mongodb_client(mongodb_server)
    yield client
    client.close()


@pytest.fixture
def database(client, tmp_path):
    """This test's database name; the database is dropped afterwards."""
    name = database_name(tmp_path)
    yield name
    client.drop_database(name)
