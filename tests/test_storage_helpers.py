"""The storage helper functions over Stores and plain mappings: native methods are used
where a store has them, defaults otherwise."""

from __future__ import annotations

import json
from collections.abc import MutableMapping

import numcodecs
import numpy as np
import pytest

import zarr_core
from zarr_core.errors import ContainsArrayError, ContainsGroupError, MetadataError
from zarr_core.storage import (
    KVStore,
    MemoryStore,
    contains_array,
    contains_group,
    getsize,
    init_array,
    init_group,
    listdir,
    migrate_1to2,
    rename,
    rmdir,
)


class PlainMapping(MutableMapping):
    """A mapping with nothing but the mapping methods (no listdir, rmdir, ...)."""

    def __init__(self) -> None:
        self.data: dict = {}

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


class Recording(MemoryStore):
    """A store whose native methods record that they were used."""

    def __init__(self) -> None:
        super().__init__()
        self.used: list[str] = []

    def listdir(self, path=""):
        self.used.append("listdir")
        return super().listdir(path)

    def rmdir(self, path=""):
        self.used.append("rmdir")
        super().rmdir(path)

    def getsize(self, path=""):
        self.used.append("getsize")
        return super().getsize(path)

    def rename(self, src, dst):
        self.used.append("rename")
        super().rename(src, dst)


@pytest.fixture(params=["dict", "plain", "memory"])
def store(request: pytest.FixtureRequest):
    return {"dict": dict, "plain": PlainMapping, "memory": MemoryStore}[request.param]()


def _fill(store) -> None:
    for key, value in {"a/b": b"12", "a/c/d": b"345", "ab": b"6", "a/c/e/f": b"7"}.items():
        store[key] = value


def test_listdir(store) -> None:
    _fill(store)
    assert listdir(store) == ["a", "ab"]
    assert listdir(store, "a") == ["b", "c"]
    assert listdir(store, "/a/c/") == ["d", "e"]
    assert listdir(store, "nothing") == []


def test_rmdir(store) -> None:
    _fill(store)
    rmdir(store, "a/c")
    assert sorted(store) == ["a/b", "ab"]
    rmdir(store, "a")
    assert sorted(store) == ["ab"]
    rmdir(store)
    assert len(store) == 0


def test_getsize(store) -> None:
    _fill(store)
    assert getsize(store) == 7
    assert getsize(store, "a") == 6  # recursive
    assert getsize(store, "a/c/d") == 3
    assert getsize(store, "missing") == 0


def test_getsize_unknown() -> None:
    assert getsize(object()) == -1
    assert getsize({"a": object()}) == -1


def test_rename(store) -> None:
    _fill(store)
    rename(store, "a/c", "x/y")
    assert sorted(store) == ["a/b", "ab", "x/y/d", "x/y/e/f"]
    rename(store, "ab", "z")
    assert store["z"] == b"6"
    with pytest.raises(KeyError):
        rename(store, "missing", "q")
    with pytest.raises(ValueError):
        rename(store, "x", "x/inside")


def test_native_methods_are_used() -> None:
    store = Recording()
    _fill(store)
    listdir(store, "a")
    getsize(store, "a")
    rename(store, "a", "b")
    rmdir(store, "b")
    assert store.used == ["listdir", "getsize", "rename", "rmdir"]


@pytest.mark.parametrize("fmt", [2, 3])
def test_init_group(store, fmt: int) -> None:
    init_group(store, path="a/b", zarr_format=fmt, attributes={"x": 1})
    doc = ".zgroup" if fmt == 2 else "zarr.json"
    assert {doc, f"a/{doc}", f"a/b/{doc}"} <= set(store)
    assert contains_group(store, "a/b") and contains_group(store, "a/b", zarr_format=fmt)
    assert not contains_group(store, "a/b", zarr_format=5 - fmt)
    assert zarr_core.open_group(store, path="a/b").attrs["x"] == 1
    with pytest.raises(ContainsGroupError):
        init_group(store, path="a/b", zarr_format=fmt)
    store[f"a/b/c/{doc}"] = store[f"a/b/{doc}"]
    init_group(store, path="a/b", zarr_format=fmt, overwrite=True)
    assert f"a/b/c/{doc}" not in store and contains_group(store, "a/b")


def test_init_group_clears_chunk_store() -> None:
    store, chunks = {}, {"g/x/0": b"old", "other": b"keep"}
    init_group(store, path="g", zarr_format=2)
    init_group(store, path="g", zarr_format=2, overwrite=True, chunk_store=chunks)
    assert chunks == {"other": b"keep"}


def test_init_array_as_zarr_python_2() -> None:
    store = KVStore({})
    init_array(store, shape=(10000, 10000), chunks=(1000, 1000), zarr_format=2)
    assert sorted(store) == [".zarray"]
    meta = json.loads(store[".zarray"])
    assert meta["fill_value"] is None  # init_array's default, unlike create's 0
    assert meta["compressor"]["id"] == "blosc" and meta["chunks"] == [1000, 1000]
    store = KVStore({})
    init_array(store, shape=100000000, chunks=1000000, dtype="i1", path="foo", zarr_format=2)
    assert sorted(store) == [".zgroup", "foo/.zarray"]
    assert json.loads(store["foo/.zarray"])["dtype"] == "|i1"


@pytest.mark.parametrize("fmt", [2, 3])
def test_init_array(store, fmt: int) -> None:
    init_array(store, shape=(4, 4), chunks=2, dtype="u2", path="x", zarr_format=fmt)
    assert contains_array(store, "x") and contains_array(store, "x", zarr_format=fmt)
    assert not contains_array(store, "x", zarr_format=5 - fmt)
    assert not contains_array(store) and contains_group(store)
    assert not contains_group(store, "x")
    z = zarr_core.open_array(store, path="x")
    assert z.shape == (4, 4) and z.dtype == np.dtype("u2")
    with pytest.raises(ContainsArrayError):
        init_array(store, shape=3, path="x", zarr_format=fmt)
    init_array(store, shape=3, path="x", zarr_format=fmt, overwrite=True)
    assert zarr_core.open_array(store, path="x").shape == (3,)


def test_contains_on_empty_and_implicit() -> None:
    store = {"a/b/c/0": b"x"}
    assert not contains_array(store, "a") and not contains_group(store, "a")
    assert contains_group(store, "a", explicit_only=False)
    assert not contains_group(store, "q", explicit_only=False)


def _v1(store, **changes) -> None:
    meta = {
        "zarr_format": 1,
        "shape": [10, 10],
        "chunks": [5, 5],
        "dtype": "<f8",
        "compression": "blosc",
        "compression_opts": {"cname": "lz4", "clevel": 5, "shuffle": 1},
        "fill_value": None,
        "order": "C",
    }
    meta.update(changes)
    store["meta"] = json.dumps(meta).encode()
    store["attrs"] = json.dumps({"units": "m"}).encode()


def test_migrate_1to2() -> None:
    store: dict = {}
    _v1(store)
    data = np.arange(25, dtype="<f8").reshape(5, 5)
    codec = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1)
    store["0.0"] = codec.encode(data.tobytes())
    migrate_1to2(store)
    assert sorted(store) == [".zarray", ".zattrs", "0.0"]
    meta = json.loads(store[".zarray"])
    assert meta["zarr_format"] == 2 and meta["filters"] is None
    assert meta["compressor"] == codec.get_config()
    z = zarr_core.open_array(store, mode="r")
    assert z.attrs["units"] == "m"
    np.testing.assert_array_equal(z[:5, :5], data)


@pytest.mark.parametrize(
    ("compression", "options", "expected"),
    [
        ("zlib", 1, {"id": "zlib", "level": 1}),
        ("none", None, None),
        (None, None, None),
        ("bz2", 9, {"id": "bz2", "level": 9}),
    ],
)
def test_migrate_1to2_compressors(compression, options, expected) -> None:
    store: dict = {}
    _v1(store, compression=compression, compression_opts=options, fill_value="NaN")
    del store["attrs"]
    migrate_1to2(store)
    assert sorted(store) == [".zarray"]
    meta = json.loads(store[".zarray"])
    assert meta["compressor"] == expected and meta["fill_value"] == "NaN"


def test_migrate_1to2_nonfinite_fill() -> None:
    store: dict = {}
    _v1(store)
    store["meta"] = store["meta"].replace(b"null", b"Infinity")
    migrate_1to2(store)
    assert json.loads(store[".zarray"])["fill_value"] == "Infinity"


def test_migrate_1to2_refuses_other_documents() -> None:
    with pytest.raises(MetadataError):
        migrate_1to2({"meta": b'{"zarr_format": 2}'})
    with pytest.raises(MetadataError):
        migrate_1to2({"meta": b"not json"})
    store: dict = {}
    _v1(store, compression="no-such-codec")
    with pytest.raises(MetadataError, match="no-such-codec"):
        migrate_1to2(store)
    assert "meta" in store  # left as it was


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_migrate_1to2_on_newer_data_says_what_is_there(zarr_format):
    import zarr_core
    from zarr_core.errors import MetadataError
    from zarr_core.storage import KVStore, migrate_1to2

    store = KVStore({})
    zarr_core.zeros((4,), chunks=(2,), store=store, zarr_format=zarr_format)
    expected = "Zarr format 3 metadata" if zarr_format == 3 else "nothing to migrate"
    with pytest.raises(MetadataError, match=f"no Zarr format 1 array.*{expected}"):
        migrate_1to2(store)
