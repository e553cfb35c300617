"""The conformance kit on the stores that ship in core, plus their own behaviour."""

from __future__ import annotations

import pickle

import pytest

from zarr_core.errors import InvalidKeyError, ReadOnlyError
from zarr_core.storage import KVStore, MemoryStore, PrefixStore, open_store
from zarr_core.testing import StoreTests


class TestKVStore(StoreTests):
    persistent = False

    def make_store(self, tmp_path, read_only=False):
        return KVStore({}, read_only=read_only)

    def backend_get(self, store, key):
        return store._mutable_mapping.get(key)

    def backend_set(self, store, key, value):
        store._mutable_mapping[key] = value


def _tree_get(root: dict, key: str) -> bytes | None:
    node = root
    for segment in key.split("/"):
        if not isinstance(node, dict) or segment not in node:
            return None
        node = node[segment]
    return None if isinstance(node, dict) else node


def _tree_set(root: dict, key: str, value: bytes) -> None:
    *dirs, name = key.split("/")
    for segment in dirs:
        root = root.setdefault(segment, {})
    root[name] = value


class TestMemoryStore(StoreTests):
    persistent = False

    def make_store(self, tmp_path, read_only=False):
        return MemoryStore(read_only=read_only)

    def backend_get(self, store, key):
        return _tree_get(store.root, key)

    def backend_set(self, store, key, value):
        _tree_set(store.root, key, value)


class TestPrefixStore(StoreTests):
    persistent = False

    def make_store(self, tmp_path, read_only=False):
        return PrefixStore(MemoryStore(read_only=read_only), "some/prefix")

    def backend_get(self, store, key):
        return _tree_get(store.store.root, f"some/prefix/{key}")

    def backend_set(self, store, key, value):
        _tree_set(store.store.root, f"some/prefix/{key}", value)


def test_kvstore_uses_the_mapping_itself():
    data = {}
    store = KVStore(data)
    store["a/b"] = b"1"
    assert data == {"a/b": b"1"}
    assert KVStore({"a/b": b"1"}) == store


def test_memory_store_is_hierarchical():
    store = MemoryStore()
    store["a/b/c"] = b"1"
    assert store.root == {"a": {"b": {"c": b"1"}}}
    with pytest.raises(KeyError, match="is a value"):
        store["a/b/c/d"] = b"2"
    # As in zarr-python 2, a value replaces a directory (and what it held).
    store["a/b"] = b"2"
    assert store.root == {"a": {"b": b"2"}}
    assert list(store) == ["a/b"]


def test_memory_store_pickle_copies_data():
    store = MemoryStore()
    store["x"] = b"1"
    clone = pickle.loads(pickle.dumps(store))
    clone["y"] = b"2"
    assert "y" not in store


def test_named_memory_stores_are_shared_and_read_only_views_refuse_writes():
    writer = open_store("memory://shared-test-store")
    writer["k"] = b"v"
    assert open_store("memory://shared-test-store")["k"] == b"v"
    reader = open_store("memory://shared-test-store", mode="r")
    assert reader["k"] == b"v"
    with pytest.raises(ReadOnlyError, match="read-only.*'k'"):
        reader["k"] = b"w"
    assert open_store("memory://") is not open_store("memory://")


def test_prefix_store_scopes_keys():
    inner = MemoryStore()
    view = PrefixStore(inner, "/a/b/")
    view["c"] = b"1"
    assert inner["a/b/c"] == b"1"
    assert view.listdir() == ["c"]
    assert view.getitems(["c", "d"]) == {"c": b"1"}
    with pytest.raises(InvalidKeyError):
        view["../escape"] = b"x"
