"""The store conformance kit: one pytest base class covering the whole Store contract.

Usage (a store plugin's ``tests/test_store.py``)::

    from zarr_core.testing import StoreTests

    class TestMyStore(StoreTests):
        def make_store(self, tmp_path, read_only=False):
            return MyStore(tmp_path / "data", read_only=read_only)

        persistent = True

        def make_store(self, tmp_path, read_only=False):
            return MyStore(tmp_path / "data", read_only=read_only)

        def backend_get(self, store, key):      # read the backend directly
            return (tmp_path_of(store) / key).read_bytes()

        def backend_set(self, store, key, value):  # write the backend directly
            ...

``persistent`` says whether the data outlives the store object; the kit checks that the
store declares the same (``is_persistent``) and runs the persistence checks on what the test
declares, so a store that wrongly calls itself non-persistent cannot escape them.
``make_store`` must return a store over the *same* data each time it is called with the
same ``tmp_path`` when the store is persistent, and a fresh, empty one otherwise. Override
:meth:`StoreTests.reopen` if reopening needs more than calling ``make_store`` again.
``backend_get``/``backend_set`` reach the backend without the store's own methods (a file,
a table row, a server key), so an encoding bug that the store's reads undo symmetrically
still fails. Every test starts from an empty store.
"""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import pytest

from zarr_core.errors import InvalidKeyError, ReadOnlyError
from zarr_core.storage.base import InvalidKeyWarning, Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.testing.concurrency import run_in_threads

__all__ = ["StoreTests", "HOSTILE_KEYS"]

#: Keys every store must refuse with InvalidKeyError, for reads and writes alike.
HOSTILE_KEYS = (
    "",
    "../escape",
    "a/../../escape",
    "a/./b",
    "..",
    ".",
    "/etc/passwd",
    "/abs",
    "a\\..\\escape",
    "a//b",
    "a/",
    "nul\x00byte",
    "lone\udcffsurrogate",
)

NESTED = {
    "a/b/c": b"abc",
    "a/b/d": b"abd",
    "a/e": b"ae",
    "a-b/f": b"a-bf",
    "g": b"g",
    "zarr.json": b"{}",
}


class StoreTests:
    """Conformance tests for a :class:`~zarr_core.storage.Store` implementation."""

    #: Whether the data outlives the store object (see the module docstring). Required.
    persistent: bool

    #: A key the backend can hold but that is not a valid zarr key (as software other than
    #: zarr-core may write); listings must skip it with an InvalidKeyWarning.
    invalid_backend_key = "bad\\key"

    def make_store(self, tmp_path: Any, read_only: bool = False) -> Store:
        """Return the store under test (see the module docstring)."""
        raise NotImplementedError

    def backend_get(self, store: Store, key: str) -> bytes | None:
        """The value the backend holds for ``key`` (``None`` if none), read without the
        store's own methods."""
        raise NotImplementedError(
            f"{type(self).__name__} must define backend_get(store, key) reading the backend "
            "directly (see zarr_core.testing.store)"
        )

    def backend_set(self, store: Store, key: str, value: bytes) -> None:
        """Write ``value`` under ``key`` into the backend without the store's own methods."""
        raise NotImplementedError(
            f"{type(self).__name__} must define backend_set(store, key, value) writing the "
            "backend directly (see zarr_core.testing.store)"
        )

    def reopen(self, store: Store, tmp_path: Any, read_only: bool = False) -> Store:
        """Close ``store`` and open the same data again."""
        store.close()
        return self.make_store(tmp_path, read_only=read_only)

    @pytest.fixture
    def store(self, tmp_path):
        store = self.make_store(tmp_path)
        yield store
        store.close()

    @pytest.fixture
    def filled(self, store):
        store.setitems(NESTED)
        return store

    # -- basic mapping ------------------------------------------------------------------
    def test_is_store(self, store):
        assert isinstance(store, Store)
        for flag in (
            "supports_writes",
            "supports_deletes",
            "supports_listing",
            "supports_partial_reads",
            "is_persistent",
        ):
            assert isinstance(getattr(store, flag), bool), flag
        assert isinstance(self.persistent, bool), "the test class must declare `persistent`"
        assert store.is_persistent is self.persistent, (
            f"{store!r} declares is_persistent={store.is_persistent}, "
            f"the test declares persistent={self.persistent}"
        )
        assert store.is_readable() and store.is_writeable() and store.is_listable()
        assert store.is_erasable() is store.supports_deletes

    # -- the backend, reached directly ------------------------------------------------------
    def test_backend_sees_writes(self, store):
        value = bytes(range(256)) * 3
        store["a/b/c.0"] = value
        store.setitems({"x/y": b"batch"})
        assert bytes(self.backend_get(store, "a/b/c.0")) == value
        assert bytes(self.backend_get(store, "x/y")) == b"batch"
        del store["x/y"]
        assert self.backend_get(store, "x/y") is None

    def test_store_sees_backend_writes(self, store):
        self.backend_set(store, "p/q/zarr.json", b'{"x": 1}')
        assert bytes(store["p/q/zarr.json"]) == b'{"x": 1}'
        assert store.listdir("p") == ["q"]
        assert store.list_prefix("p/") == ["p/q/zarr.json"]

    def test_invalid_backend_keys_are_skipped(self, store):
        store["ok"] = b"1"
        self.backend_set(store, self.invalid_backend_key, b"x")
        with pytest.warns(InvalidKeyWarning):
            assert list(store) == ["ok"]
        with warnings.catch_warnings():  # a store may warn once per key rather than per listing
            warnings.simplefilter("ignore", InvalidKeyWarning)
            assert store.list_prefix("") == ["ok"]
            assert store.listdir("") == ["ok"]

    def test_empty(self, store):
        assert len(store) == 0
        assert list(store) == []
        assert "x" not in store
        assert store.listdir("") == []
        assert store.list_prefix("") == []

    def test_set_get(self, store):
        store["foo"] = b"bar"
        assert store["foo"] == b"bar"
        assert isinstance(store["foo"], bytes | bytearray | memoryview)
        store["c/0/0"] = b""
        assert bytes(store["c/0/0"]) == b""
        store["nested/deeper/zarr.json"] = b'{"a": 1}'
        assert bytes(store["nested/deeper/zarr.json"]) == b'{"a": 1}'

    def test_overwrite(self, store):
        store["k"] = b"first value, longer"
        store["k"] = b"second"
        assert bytes(store["k"]) == b"second"

    def test_buffer_values(self, store):
        import numpy as np

        store["a"] = bytearray(b"ba")
        store["b"] = memoryview(b"mv")
        store["c"] = np.arange(4, dtype="<u2")
        assert bytes(store["a"]) == b"ba"
        assert bytes(store["b"]) == b"mv"
        assert bytes(store["c"]) == np.arange(4, dtype="<u2").tobytes()

    def test_large_value(self, store):
        value = bytes(range(256)) * 4096  # 1 MiB
        store["big"] = value
        assert bytes(store["big"]) == value

    def test_missing_key(self, store):
        with pytest.raises(KeyError):
            store["missing"]
        with pytest.raises(KeyError):
            store["missing/nested/key"]

    def test_delete(self, store):
        store["x/y"] = b"1"
        store["x/z"] = b"2"
        del store["x/y"]
        assert "x/y" not in store
        assert bytes(store["x/z"]) == b"2"
        with pytest.raises(KeyError):
            store["x/y"]
        with pytest.raises(KeyError):
            del store["x/y"]

    def test_contains_iter_len(self, filled):
        assert sorted(filled) == sorted(NESTED)
        assert len(filled) == len(NESTED)
        for key in NESTED:
            assert key in filled
        assert "a" not in filled  # a directory is not a key
        assert "a/b" not in filled

    def test_directory_is_not_a_value(self, filled):
        with pytest.raises(KeyError):
            filled["a/b"]

    # -- listing ------------------------------------------------------------------------
    def test_listdir(self, filled):
        assert filled.listdir("") == ["a", "a-b", "g", "zarr.json"]
        assert filled.listdir("a") == ["b", "e"]
        assert filled.listdir("a/") == ["b", "e"]
        assert filled.listdir("a/b") == ["c", "d"]
        assert filled.listdir("nope") == []

    def test_list_prefix(self, filled):
        assert filled.list_prefix("a/") == ["a/b/c", "a/b/d", "a/e"]
        assert filled.list_prefix("a") == ["a-b/f", "a/b/c", "a/b/d", "a/e"]
        assert filled.list_prefix("a/b/") == ["a/b/c", "a/b/d"]
        assert filled.list_prefix("") == sorted(NESTED)
        assert filled.list_prefix("zz") == []

    def test_rmdir(self, filled):
        filled.rmdir("a")
        assert sorted(filled) == ["a-b/f", "g", "zarr.json"]
        assert filled.listdir("") == ["a-b", "g", "zarr.json"]
        filled.rmdir("does/not/exist")
        filled.rmdir("")
        assert len(filled) == 0

    def test_rename_key_and_dir(self, filled):
        filled.rename("g", "h/g")
        assert "g" not in filled
        assert bytes(filled["h/g"]) == b"g"
        filled.rename("a/b", "moved")
        assert filled.list_prefix("moved/") == ["moved/c", "moved/d"]
        assert bytes(filled["moved/c"]) == b"abc"
        assert filled.list_prefix("a/") == ["a/e"]
        with pytest.raises(KeyError):
            filled.rename("missing", "other")
        with pytest.raises(ValueError, match="itself"):
            filled.rename("moved", "moved")
        with pytest.raises(ValueError, match="itself"):
            filled.rename("moved", "moved/inner")
        assert bytes(filled["moved/c"]) == b"abc"

    def test_emptied_directory_is_not_listed(self, filled):
        filled.delitems(["a/b/c", "a/b/d"])
        assert filled.listdir("a") == ["e"]
        del filled["a/e"]
        assert "a" not in filled.listdir("")

    def test_getsize(self, filled):
        assert filled.getsize("a/b/c") == 3
        assert filled.getsize("a/b") == 6
        assert filled.getsize("a") == 8
        assert filled.getsize("") == sum(len(v) for v in NESTED.values())
        assert filled.getsize("missing") == 0

    # -- batches ------------------------------------------------------------------------
    def test_getitems(self, filled):
        got = filled.getitems(["g", "missing", "a/e", "a/b/c"])
        assert {k: bytes(v) for k, v in got.items()} == {"g": b"g", "a/e": b"ae", "a/b/c": b"abc"}
        assert filled.getitems([]) == {}

    def test_setitems_delitems(self, store):
        store.setitems({f"k/{i}": bytes([i]) * i for i in range(20)})
        assert len(store) == 20
        assert bytes(store["k/7"]) == bytes([7]) * 7
        store.delitems(["k/1", "k/2", "never-existed"])
        assert "k/1" not in store and "k/2" not in store
        assert len(store) == 18
        store.setitems({})
        store.delitems([])

    # -- byte ranges --------------------------------------------------------------------
    def test_get_partial_values(self, store):
        store["v"] = b"0123456789"
        store["w"] = b"abc"
        requests = [
            ("v", None),
            ("v", (0, None)),
            ("v", (2, 3)),
            ("v", (-3, None)),
            ("w", (-10, None)),
            ("v", (8, 100)),
            ("v", (20, None)),
            ("v", (20, 5)),
            ("missing", (0, 1)),
            ("v", (0, 0)),
            ("v", (2, 3)),
        ]
        got = store.get_partial_values(iter(requests))
        expected = [
            b"0123456789",
            b"0123456789",
            b"234",
            b"789",
            b"abc",
            b"89",
            b"",
            b"",
            None,
            b"",
            b"234",
        ]
        assert [None if g is None else bytes(g) for g in got] == expected
        assert store.get_partial_values([]) == []
        ranges = [
            ByteRange(2, 3),
            ByteRange.last(3),
            ByteRange(8),
            ByteRange(20),
            ByteRange.last(0),
        ]
        got = store.get_partial_values([("v", r) for r in ranges])
        assert [bytes(g) for g in got] == [b"234", b"789", b"89", b"", b""]

    # -- atomic create ------------------------------------------------------------------
    def test_set_if_not_exists(self, store):
        assert store.set_if_not_exists("m/zarr.json", b"first") is True
        assert store.set_if_not_exists("m/zarr.json", b"second") is False
        assert bytes(store["m/zarr.json"]) == b"first"

    def test_set_if_not_exists_race(self, store):
        winners = []

        def create(worker: int) -> None:
            for i in range(10):
                if store.set_if_not_exists(f"race/{i}", f"{worker}".encode()):
                    winners.append((i, worker))

        run_in_threads(create, 4)
        assert sorted(i for i, _ in winners) == list(range(10))  # one winner per key
        for i, worker in winners:
            assert bytes(store[f"race/{i}"]) == f"{worker}".encode()

    def test_clear(self, filled):
        filled.clear()
        assert len(filled) == 0 and filled.listdir("") == []

    # -- modes and keys -----------------------------------------------------------------
    def test_read_only(self, tmp_path):
        writer = self.make_store(tmp_path)
        writer["k"] = b"v"
        if self.persistent:
            reader = self.reopen(writer, tmp_path, read_only=True)
        else:
            reader = self.make_store(tmp_path, read_only=True)
        assert reader.read_only
        for attempt in (
            lambda: reader.__setitem__("k", b"new"),
            lambda: reader.__delitem__("k"),
            lambda: reader.setitems({"k": b"new"}),
            lambda: reader.delitems(["k"]),
            lambda: reader.rmdir(""),
            lambda: reader.rename("k", "k2"),
            lambda: reader.set_if_not_exists("new", b"1"),
            lambda: reader.clear(),
        ):
            with pytest.raises(ReadOnlyError, match="read-only"):
                attempt()
        assert not reader.is_writeable()
        if self.persistent:
            assert bytes(reader["k"]) == b"v"
        reader.close()

    @pytest.mark.parametrize("key", HOSTILE_KEYS)
    def test_hostile_keys(self, store, key):
        for attempt in (
            lambda: store.__setitem__(key, b"x"),
            lambda: store.__getitem__(key),
            lambda: store.__delitem__(key),
            lambda: store.setitems({key: b"x"}),
            lambda: store.getitems([key]),
            lambda: store.delitems([key]),
            lambda: store.get_partial_values([(key, (0, 1))]),
        ):
            with pytest.raises(InvalidKeyError):
                attempt()
        assert key not in store  # a string that cannot be a key is simply absent
        assert len(store) == 0

    def test_non_string_key(self, store):
        with pytest.raises(InvalidKeyError):
            store[1] = b"x"  # type: ignore[index]

    # -- lifecycle ----------------------------------------------------------------------
    def test_pickle(self, store):
        store["p/q"] = b"pickled"
        clone = pickle.loads(pickle.dumps(store))
        assert clone == store
        assert bytes(clone["p/q"]) == b"pickled"
        if self.persistent:
            clone["written/by/clone"] = b"1"
            clone.flush()
            assert bytes(store["written/by/clone"]) == b"1"
        clone.close()

    def test_eq(self, store):
        assert store == store
        assert store != object()

    def test_context_manager(self, tmp_path):
        with self.make_store(tmp_path) as store:
            store["a"] = b"1"
            assert isinstance(store, Store)

    def test_close_reopen(self, tmp_path):
        store = self.make_store(tmp_path)
        store.setitems({"x/0": b"zero", "x/1": b"one"})
        store.flush()
        store.close()
        store.close()  # idempotent
        again = self.make_store(tmp_path)
        if self.persistent:
            assert {k: bytes(v) for k, v in again.getitems(["x/0", "x/1"]).items()} == {
                "x/0": b"zero",
                "x/1": b"one",
            }
        again.close()

    def test_concurrent_writers(self, store):
        def write(worker: int) -> None:
            for i in range(25):
                store[f"t{worker}/{i}"] = f"{worker}-{i}".encode()

        run_in_threads(write, 8)
        assert len(store) == 200
        for w in range(8):
            for i in range(25):
                assert bytes(store[f"t{w}/{i}"]) == f"{w}-{i}".encode()
