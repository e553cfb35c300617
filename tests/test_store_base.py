"""Building blocks for store backends: PathStore, dir_prefix, the template methods, 2.x-style
subclasses."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterator

import pytest

from zarr_core.errors import InvalidKeyError, ReadOnlyError
from zarr_core.storage import KVStore
from zarr_core.storage.base import PathStore, Store
from zarr_core.storage.keys import dir_prefix


class JSONFileStore(PathStore):
    """A toy store over one JSON file (values latin-1 text), for the tests below."""

    is_persistent = True
    opens = 0  # how many times __init__ ran, in this class

    def __init__(self, path, *, read_only: bool = False):
        super().__init__(read_only=read_only)
        self.path = os.path.abspath(os.fspath(path))
        type(self).opens += 1

    def _load(self) -> dict[str, str]:
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def _get(self, key: str) -> bytes:
        return self._load()[key].encode("latin-1")

    def _set(self, key: str, value: bytes) -> None:
        data = self._load()
        data[key] = bytes(value).decode("latin-1")
        with open(self.path, "w") as f:
            json.dump(data, f)

    def _delete(self, key: str) -> None:
        data = self._load()
        del data[key]
        with open(self.path, "w") as f:
            json.dump(data, f)

    def _keys(self) -> Iterator[str]:
        return iter(self._load())

    def __getstate__(self):
        return {"path": self.path, "read_only": self.read_only}


def test_path_store_repr_and_pickle_reopen(tmp_path):
    store = JSONFileStore(tmp_path / "x.json")
    store["a/b"] = b"1"
    assert repr(store) == f"<JSONFileStore {str(tmp_path / 'x.json')!r}>"
    opens = JSONFileStore.opens
    clone = pickle.loads(pickle.dumps(store))
    assert JSONFileStore.opens == opens + 1  # reopened by __init__, not copied
    assert clone.path == store.path and clone["a/b"] == b"1"
    reader = pickle.loads(pickle.dumps(JSONFileStore(tmp_path / "x.json", read_only=True)))
    assert reader.read_only and repr(reader).endswith(" (read-only)>")


def test_path_store_subclasses_say_what_pickles_carry(tmp_path):
    class NoState(PathStore):
        pass

    store = NoState.__new__(NoState)
    with pytest.raises(NotImplementedError, match="NoState must define __getstate__"):
        pickle.dumps(store)


@pytest.mark.parametrize(
    ("path", "prefix"), [("", ""), ("/", ""), ("a", "a/"), ("/a/b/", "a/b/"), ("a.b", "a.b/")]
)
def test_dir_prefix(path, prefix):
    assert dir_prefix(path) == prefix


@pytest.mark.parametrize("path", ["../x", "a/../b", "a//b", "a\\b"])
def test_dir_prefix_refuses_what_is_not_a_key(path):
    with pytest.raises(InvalidKeyError):
        dir_prefix(path)


def test_rename_is_checked_once_then_moves(tmp_path):
    store = JSONFileStore(tmp_path / "x.json")
    store.setitems({"a/b/c": b"1", "a/b/d": b"2", "a/bc": b"3"})
    for src, dst in [("a", "a"), ("a", "a/b"), ("a/", "/a/b/c")]:
        with pytest.raises(ValueError, match="onto or into itself"):
            store.rename(src, dst)
    with pytest.raises(InvalidKeyError):
        store.rename("a", "../b")
    with pytest.raises(KeyError, match="nothing"):
        store.rename("nothing", "b")
    store.rename("/a/b/", "c")  # slashes around a path are dropped
    assert sorted(store) == ["a/bc", "c/c", "c/d"]
    with pytest.raises(ReadOnlyError):
        JSONFileStore(tmp_path / "x.json", read_only=True).rename("c", "e")


class LegacyStore(Store):
    """A store written for zarr-python 2: mapping methods, no primitives, no __init__."""

    def __init__(self):  # never calls super().__init__()
        self.data = {}

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def __delitem__(self, key):
        del self.data[key]

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


def test_a_zarr_python_2_style_subclass_works():
    store = LegacyStore()
    store["a/b"] = b"1"
    store.setitems({"a/c": b"2", "d": b"3"})
    assert store.getitems(["a/b", "missing"]) == {"a/b": b"1"}
    assert store.listdir("a") == ["b", "c"]
    assert store.get_partial_values([("a/c", (0, 1))]) == [b"2"]
    assert "d" in store and "x" not in store and not store.read_only
    assert store.set_if_not_exists("d", b"4") is False
    store.rmdir("a")
    assert list(store) == ["d"] and len(store) == 1 and store.getsize() == 1


def test_primitives_get_valid_distinct_keys():
    seen = []

    class Recording(KVStore):
        def _get_many(self, keys):
            seen.append(keys)
            return super()._get_many(keys)

    store = Recording({"a": b"1"})
    assert store.getitems(["a", "a", "b"]) == {"a": b"1"}
    assert seen == [["a", "b"]]
    with pytest.raises(InvalidKeyError):
        store.getitems(["a", "../b"])
    assert len(seen) == 1  # refused before reaching the backend


class DuckMapping:
    """Has the mapping methods without being a MutableMapping (nor a Store)."""

    def __init__(self):
        self.d = {}

    def __getitem__(self, key):
        return self.d[key]

    def __setitem__(self, key, value):
        self.d[key] = value

    def __delitem__(self, key):
        del self.d[key]

    def __iter__(self):
        return iter(self.d)

    def __contains__(self, key):
        return key in self.d


def test_any_object_with_the_mapping_methods_is_a_store():
    import numpy as np

    import zarr_core

    duck = DuckMapping()
    z = zarr_core.zeros((4,), chunks=(2,), dtype="i4", store=duck, zarr_format=2)
    z[:] = [1, 2, 3, 4]
    assert ".zarray" in duck.d and "0" in duck.d
    assert np.array_equal(zarr_core.open_array(duck, mode="r")[:], [1, 2, 3, 4])


def test_a_non_store_is_refused_by_name():
    from zarr_core.errors import InvalidStoreError
    from zarr_core.storage import open_store

    with pytest.raises(InvalidStoreError, match="cannot use a int as a store"):
        open_store(42)
    with pytest.raises(TypeError):  # still a TypeError for 2.x code
        open_store(object())
