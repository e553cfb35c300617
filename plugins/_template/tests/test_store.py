"""Tests of the example plugin: zarr-core's conformance kit plus the plugin's own behaviour."""

from __future__ import annotations

import pytest
import zarr_core_example.plugin
from zarr_core_example import ExampleStore

from zarr_core.errors import StorageOptionsError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests


# The kit: every contract test runs against the store make_store returns. Persistent
# stores must return a store over the same data for the same tmp_path.
class TestExampleStore(StoreTests):
    persistent = False  # the data lives as long as the object

    def make_store(self, tmp_path, read_only=False):
        return ExampleStore(read_only=read_only)

    # Reach the backend without the store's methods (a file, a table, a server key), so a
    # bug that the store's reads undo symmetrically still fails.
    def backend_get(self, store, key):
        return store._data.get(key)

    def backend_set(self, store, key, value):
        store._data[key] = value


# Resolution: register the plugin module with a fresh registry (the `plugin_registry`
# fixture ships with zarr-core), so this works whether or not the plugin is installed.
@pytest.fixture
def registered(plugin_registry):
    plugin_registry.register(
        zarr_core_example.plugin, name="example", distribution="zarr-core-example"
    )
    return plugin_registry


def test_url_opens_the_store(registered):
    store = open_store("example://shared")
    assert isinstance(store, ExampleStore)
    store["a/b"] = b"1"
    assert open_store("example://shared")["a/b"] == b"1"
    assert open_store("example://shared", mode="r").read_only
    assert len(open_store("example://")) == 0


def test_unknown_storage_options_are_refused(registered):
    with pytest.raises(StorageOptionsError, match="timeout"):
        open_store("example://x", storage_options={"timeout": 1})
