"""Building blocks for store backends: PathStore, dir_prefix, Store._check_rename."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterator

import pytest

from zarr_core.errors import InvalidKeyError, ReadOnlyError
from zarr_core.storage.base import PathStore
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
        raise NotImplementedError

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


def test_check_rename(tmp_path):
    store = JSONFileStore(tmp_path / "x.json")
    assert store._check_rename("/a/b/", "c") == ("a/b", "c")
    for src, dst in [("a", "a"), ("a", "a/b"), ("a/", "/a/b/c")]:
        with pytest.raises(ValueError, match="onto or into itself"):
            store._check_rename(src, dst)
    assert store._check_rename("a", "ab") == ("a", "ab")  # a sibling, not inside
    with pytest.raises(InvalidKeyError):
        store._check_rename("a", "../b")
    with pytest.raises(ReadOnlyError):
        JSONFileStore(tmp_path / "x.json", read_only=True)._check_rename("a", "b")
