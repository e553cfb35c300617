"""Groups and attributes, in both Zarr formats: creation, navigation, visiting, trees,
h5py-style datasets, moving and deleting, info, pickling, modes and read-only rules."""

from __future__ import annotations

import json
import pickle
import warnings

import numcodecs
import numpy as np
import pytest

import zarr_core
from zarr_core import Group
from zarr_core.errors import (
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    MetadataError,
    PathNotFoundError,
    ReadOnlyError,
)
from zarr_core.node.attrs import AttributeValueError
from zarr_core.storage import MemoryStore

FORMATS = pytest.mark.parametrize("fmt", [2, 3])


def _docs(fmt: int) -> tuple[str, ...]:
    return (".zgroup",) if fmt == 2 else ("zarr.json",)


@pytest.fixture(params=[2, 3], ids=["v2", "v3"])
def fmt(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture
def root(fmt: int) -> Group:
    """The tree of the zarr-python 2 docstrings: /bar/{baz,quux/baz}, /foo."""
    g = zarr_core.group(zarr_format=fmt)
    g.create_group("foo")
    bar = g.create_group("bar")
    bar.create_group("baz")
    bar.create_group("quux").create_dataset("baz", shape=100, chunks=10)
    return g


# -- creation -------------------------------------------------------------------------


def test_group_creates_root_document(fmt: int) -> None:
    store = MemoryStore()
    g = zarr_core.group(store, zarr_format=fmt)
    assert list(store) == list(_docs(fmt))
    assert g.zarr_format == fmt
    assert repr(g) == "<zarr_core.Group '/'>"
    assert (g.name, g.path, g.basename) == ("/", "", "")
    assert g.store is store and g.chunk_store is store and not g.read_only


def test_nested_create_writes_every_parent(fmt: int) -> None:
    """Both formats write explicit group documents for missing parents."""
    store = MemoryStore()
    g = zarr_core.group(store, zarr_format=fmt)
    q = g.create_group("baz/quux")
    doc = _docs(fmt)[0]
    assert {"baz/" + doc, "baz/quux/" + doc} <= set(store)
    assert (q.name, q.path, q.basename) == ("/baz/quux", "baz/quux", "quux")
    z = g.zeros("x/y/z", shape=3)
    assert z.name == "/x/y/z" and isinstance(g["x/y"], Group)


def test_group_at_path_and_existing(fmt: int) -> None:
    store = MemoryStore()
    g = zarr_core.group(store, path="a/b", zarr_format=fmt)
    assert g.path == "a/b" and isinstance(zarr_core.open_group(store, path="a"), Group)
    g.attrs["x"] = 1
    again = zarr_core.group(store, path="a/b")
    assert again.attrs["x"] == 1 and again.zarr_format == fmt
    fresh = zarr_core.group(store, path="a/b", overwrite=True, zarr_format=fmt)
    assert dict(fresh.attrs) == {}


def test_group_on_array_is_an_error(fmt: int) -> None:
    store = MemoryStore()
    zarr_core.zeros(5, store=store, zarr_format=fmt)
    with pytest.raises(ContainsArrayError):
        zarr_core.group(store)
    with pytest.raises(ContainsArrayError):
        zarr_core.open_group(store, mode="a")


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_open_group_needs_existing(fmt: int, mode: str) -> None:
    with pytest.raises(GroupNotFoundError):
        zarr_core.open_group(MemoryStore(), mode=mode, zarr_format=fmt)


def test_open_group_modes(fmt: int) -> None:
    store = MemoryStore()
    g = zarr_core.open_group(store, mode="w", zarr_format=fmt)
    g.create_group("child")
    assert zarr_core.open_group(store, mode="a").group_keys().__next__() == "child"
    r = zarr_core.open_group(store, mode="r")
    assert r.read_only and r == g
    with pytest.raises(ReadOnlyError):
        r.create_group("nope")
    with pytest.raises(ReadOnlyError):
        r.attrs["x"] = 1
    with pytest.raises(ReadOnlyError):
        r["child"].attrs["x"] = 1
    assert not zarr_core.open_group(store, mode="r+").read_only
    with pytest.raises(ContainsGroupError):
        zarr_core.open_group(store, mode="w-")
    assert list(zarr_core.open_group(store, mode="w", zarr_format=fmt)) == []
    with pytest.raises(ValueError, match="invalid mode"):
        zarr_core.open_group(store, mode="q")


def test_open_group_on_directory_with_options(tmp_path, fmt: int) -> None:
    chunk_dir = tmp_path / "chunks"
    sync = zarr_core.ThreadSynchronizer()
    g = zarr_core.open_group(
        str(tmp_path / "g.zarr"),
        mode="w",
        zarr_format=fmt,
        chunk_store=str(chunk_dir),
        cache_attrs=False,
        synchronizer=sync,
    )
    z = g.zeros("a/x", shape=10, chunks=5, dtype="i4")
    z[:] = np.arange(10)
    assert g.synchronizer is sync and z._synchronizer is sync
    assert g["a"].attrs._cache is False
    assert any(p.is_file() for p in chunk_dir.rglob("*"))
    assert not any(p.is_file() for p in (tmp_path / "g.zarr" / "a" / "x").rglob("*c*"))
    again = zarr_core.open_group(str(tmp_path / "g.zarr"), mode="r", chunk_store=str(chunk_dir))
    np.testing.assert_array_equal(again["a/x"][:], np.arange(10))


def test_storage_options_need_a_url() -> None:
    with pytest.raises(TypeError):
        zarr_core.open_group(MemoryStore(), storage_options={"anon": True})


def test_open_group_memory_url(fmt: int) -> None:
    g = zarr_core.open_group(f"memory://group-test-{fmt}", mode="w", zarr_format=fmt)
    g.create_group("a")
    assert list(zarr_core.open_group(f"memory://group-test-{fmt}", mode="r")) == ["a"]


# -- navigation -----------------------------------------------------------------------


def test_members(root: Group) -> None:
    assert list(root) == ["bar", "foo"] and len(root) == 2
    assert list(root.keys()) == ["bar", "foo"]
    assert sorted(root.group_keys()) == ["bar", "foo"]
    assert [n for n, _ in root.groups()] == ["bar", "foo"]
    assert list(root.array_keys()) == []
    assert list(root.array_keys(recurse=True)) == ["baz"]
    name, arr = next(root.arrays(recurse=True))
    assert name == "baz" and arr.name == "/bar/quux/baz"
    assert [type(v) for v in root.values()] == [Group, Group]
    assert [n for n, _ in root.items()] == ["bar", "foo"]


def test_getitem_paths(root: Group) -> None:
    assert root["bar/quux"].name == "/bar/quux"
    assert root["/bar/quux/baz"].shape == (100,)
    assert root["bar"]["quux/baz"] == root["bar/quux/baz"]
    assert root.bar.quux.name == "/bar/quux"  # h5py-style attribute access
    with pytest.raises(KeyError):
        root["nope"]
    with pytest.raises(AttributeError):
        _ = root.nope
    assert root.get("nope") is None and root.get("bar/baz").name == "/bar/baz"
    assert "foo" in dir(root)


def test_contains(root: Group) -> None:
    assert "foo" in root and "bar/quux/baz" in root
    assert "nope" not in root and "bar/nope" not in root


def test_visit(root: Group) -> None:
    seen: list[str] = []
    assert root.visit(seen.append) is None
    assert seen == ["bar", "bar/baz", "bar/quux", "bar/quux/baz", "foo"]
    seen.clear()
    root["bar"].visitkeys(seen.append)
    assert seen == ["baz", "quux", "quux/baz"]
    values: list[str] = []
    root.visitvalues(lambda node: values.append(node.name))
    assert values == ["/bar", "/bar/baz", "/bar/quux", "/bar/quux/baz", "/foo"]
    items: list[tuple[str, str]] = []
    root["bar"].visititems(lambda path, node: items.append((path, node.name)))
    assert items[0] == ("baz", "/bar/baz")
    # a non-None return value stops the walk and is returned
    assert root.visit(lambda path: path if path.endswith("quux") else None) == "bar/quux"


def test_tree(root: Group) -> None:
    expected = "\n".join(
        [
            "/",
            " ├── bar",
            " │   ├── baz",
            " │   └── quux",
            " │       └── baz (100,) float64",
            " └── foo",
        ]
    )
    assert repr(root.tree()) == expected
    assert repr(zarr_core.tree(root)) == expected
    assert repr(root.tree(level=1)) == "/\n ├── bar\n └── foo"
    assert repr(root["bar"].tree()).splitlines()[0] == "bar"
    html = root.tree()._repr_html_()
    assert "<details" in html and "baz (100,) float64" in html and " open>" in html
    assert root.tree(expand=True)._repr_html_().count("<details open>") == 3


def test_info(root: Group, fmt: int) -> None:
    text = repr(root["bar"].info)
    rows = dict(line.split(" : ", 1) for line in text.strip().splitlines())
    assert {k.strip(): v for k, v in rows.items()} == {
        "Name": "/bar",
        "Type": f"zarr_core.Group (Zarr format {fmt})",
        "Read-only": "False",
        "Store type": "zarr_core.storage.memory.MemoryStore",
        "No. members": "2",
        "No. arrays": "0",
        "No. groups": "2",
        "Groups": "baz, quux",
    }
    assert "<table" in root.info._repr_html_()


# -- creating arrays ------------------------------------------------------------------


def test_array_factories(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    data = np.arange(12, dtype="i2").reshape(3, 4)
    assert g.empty("e", shape=(2,), dtype="u1").zarr_format == fmt
    np.testing.assert_array_equal(g.zeros("z", shape=3)[:], np.zeros(3))
    np.testing.assert_array_equal(g.ones("o", shape=3)[:], np.ones(3))
    np.testing.assert_array_equal(g.full("f", 7, shape=3, dtype="i4")[:], [7, 7, 7])
    np.testing.assert_array_equal(g.array("a", data, chunks=2)[:], data)
    like = g.full_like("fl", data, fill_value=5)
    assert like.shape == (3, 4) and like.dtype == np.dtype("i2") and like[0, 0] == 5
    assert g.zeros_like("zl", data)[:].sum() == 0
    assert g.ones_like("ol", data)[:].sum() == 12
    assert g.empty_like("el", data).shape == (3, 4)
    assert g.create("c", shape=(5,), chunks=2).chunks == (2,)
    assert sorted(g.array_keys()) == ["a", "c", "e", "el", "f", "fl", "o", "ol", "z", "zl"]


def test_setitem_stores_an_array(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    g["x"] = [1, 2, 3]
    g["x"] = np.arange(5)  # replaces
    np.testing.assert_array_equal(g["x"][:], np.arange(5))


def test_create_dataset_h5py_style(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    d = g.create_dataset("a/b", data=np.arange(10), chunks=(5,))
    assert d.name == "/a/b" and d.dtype == np.dtype("i8") and d.chunks == (5,)
    d2 = g.create_dataset("s", (4, 4), "f4", fillvalue=2.5, compression="zlib", compression_opts=3)
    assert d2.fill_value == 2.5 and d2[0, 0] == 2.5
    if fmt == 2:
        assert d2.compressor == numcodecs.Zlib(level=3)
    else:
        assert d2.codecs[-1] == {"name": "numcodecs.zlib", "configuration": {"level": 3}}
    with pytest.warns(UserWarning, match="maxshape"):
        g.create_dataset("m", shape=(3,), maxshape=(None,))
    with pytest.raises(TypeError, match="shape"):
        g.create_dataset("nothing")
    with pytest.raises(ContainsArrayError):
        g.create_dataset("a/b", shape=3)
    assert g.create_dataset("a/b", shape=3, overwrite=True).shape == (3,)


def test_require_dataset(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    a = g.require_dataset("x", shape=(10,), dtype="i4", chunks=5)
    assert g.require_dataset("x", shape=10, dtype="i2") == a  # i2 values fit in i4
    with pytest.raises(TypeError, match="shapes"):
        g.require_dataset("x", shape=(11,))
    with pytest.raises(TypeError, match="exactly"):
        g.require_dataset("x", shape=10, dtype="i2", exact=True)
    with pytest.raises(TypeError, match="compatible"):
        g.require_dataset("x", shape=10, dtype="f8")
    g.create_group("grp")
    with pytest.raises(ContainsGroupError):
        g.require_dataset("grp", shape=1)


def test_require_group(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    a = g.require_group("foo")
    assert g.require_group("foo") == a
    assert [x.name for x in g.require_groups("foo", "bar/baz")] == ["/foo", "/bar/baz"]
    assert [x.name for x in g.create_groups("p", "q")] == ["/p", "/q"]
    g.zeros("arr", shape=1)
    with pytest.raises(ContainsArrayError):
        g.require_group("arr")
    assert isinstance(g.require_group("arr", overwrite=True), Group)
    with pytest.raises(ContainsGroupError):
        g.create_group("foo")
    g["foo"].attrs["x"] = 1
    assert dict(g.create_group("foo", overwrite=True).attrs) == {}


# -- moving and deleting --------------------------------------------------------------


def test_move_and_delete(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    g.create_dataset("a/x", data=np.arange(4), chunks=2).attrs["u"] = "m"
    g.move("a", "b/c")
    assert "a" not in g and g["b/c/x"].attrs["u"] == "m"
    np.testing.assert_array_equal(g["b/c/x"][:], np.arange(4))
    g["b"].move("c/x", "y")
    assert list(g["b"]) == ["c", "y"]
    with pytest.raises(KeyError):
        g.move("nope", "z")
    with pytest.raises(ContainsGroupError):
        g.move("b/c", "b")
    del g["b/y"]
    assert list(g["b"]) == ["c"]
    with pytest.raises(KeyError):
        del g["nope"]


def test_move_and_delete_with_chunk_store(fmt: int) -> None:
    chunks = MemoryStore()
    g = zarr_core.group(zarr_format=fmt, chunk_store=chunks)
    g.create_group("empty")
    g.create_dataset("x", data=np.arange(4), chunks=2)
    assert chunks.list_prefix("x/")
    g.move("empty", "moved")  # nothing of a group in the chunk store: still moves
    g.move("x", "y")
    assert not chunks.list_prefix("x/") and chunks.list_prefix("y/")
    np.testing.assert_array_equal(g["y"][:], np.arange(4))
    del g["y"]
    assert not chunks.list_prefix("y/")


# -- lifecycle ------------------------------------------------------------------------


def test_equality_and_hash(root: Group) -> None:
    assert root == zarr_core.open_group(root.store) and root != root["bar"]
    assert root["bar"] == root["bar"]
    with pytest.raises(TypeError):
        hash(root)


def test_pickle_memory(root: Group) -> None:
    copy = pickle.loads(pickle.dumps(root))
    assert repr(copy.tree()) == repr(root.tree())
    assert copy.zarr_format == root.zarr_format


def test_pickle_directory_is_small(tmp_path, fmt: int) -> None:
    g = zarr_core.open_group(str(tmp_path / "g.zarr"), mode="w", zarr_format=fmt)
    g.create_dataset("x", data=np.arange(100000))
    data = pickle.dumps(g)
    assert len(data) < 1000  # store parameters, not data
    again = pickle.loads(data)
    assert again == g
    np.testing.assert_array_equal(again["x"][:10], np.arange(10))


def test_context_manager_closes_store(fmt: int) -> None:
    class Closing(MemoryStore):
        closed = False

        def close(self) -> None:
            Closing.closed = True

    with zarr_core.group(Closing(), zarr_format=fmt) as g:
        g.create_group("a")
    assert Closing.closed


def test_format_pinning(fmt: int) -> None:
    store = MemoryStore()
    zarr_core.group(store, zarr_format=fmt)
    other = 5 - fmt
    with pytest.raises(GroupNotFoundError):
        zarr_core.open_group(store, mode="r", zarr_format=other)
    assert zarr_core.open_group(store, mode="r").zarr_format == fmt


def test_open_dispatches_on_what_is_there(fmt: int) -> None:
    store = MemoryStore()
    assert isinstance(zarr_core.open(store, mode="w", zarr_format=fmt), Group)
    a = zarr_core.open(store, mode="w", shape=(3,), zarr_format=fmt)
    assert isinstance(a, zarr_core.Array)
    assert isinstance(zarr_core.open(store, mode="r"), zarr_core.Array)
    with pytest.raises(PathNotFoundError):
        zarr_core.open(store, mode="r", path="nothing")


# -- attributes -----------------------------------------------------------------------


def test_attributes_mapping(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    g.attrs["foo"] = "bar"
    z = g.zeros("zzz", shape=(10, 10))
    z.attrs["baz"] = 42
    z.attrs["qux"] = [1, 4, 7, 12]
    assert sorted(g.attrs) == ["foo"] and "foo" in g.attrs and g.attrs["foo"] == "bar"
    assert sorted(z.attrs) == ["baz", "qux"] and z.attrs["qux"] == [1, 4, 7, 12]
    assert len(z.attrs) == 2 and z.attrs.asdict() == {"baz": 42, "qux": [1, 4, 7, 12]}
    del z.attrs["baz"]
    with pytest.raises(KeyError):
        del z.attrs["baz"]
    z.attrs.update({"a": 1}, b=2)
    assert z.attrs.asdict() == {"qux": [1, 4, 7, 12], "a": 1, "b": 2}
    z.attrs.put({"only": True})
    assert z.attrs.asdict() == {"only": True}
    assert repr(z.attrs) == "{'only': True}"


def test_attributes_stored_as_zarr_python_writes_them(fmt: int) -> None:
    store = MemoryStore()
    g = zarr_core.group(store, zarr_format=fmt)
    g.attrs.update(b=1, a=[1, 2])
    if fmt == 2:
        assert store[".zattrs"] == b'{\n    "a": [\n        1,\n        2\n    ],\n    "b": 1\n}'
    else:
        doc = json.loads(store["zarr.json"])
        assert doc == {"attributes": {"b": 1, "a": [1, 2]}, "zarr_format": 3, "node_type": "group"}


def test_attributes_nonfinite_and_numpy(fmt: int) -> None:
    store = MemoryStore()
    g = zarr_core.group(store, zarr_format=fmt)
    g.attrs.update(nan=float("nan"), inf=np.float32("inf"), ninf=-np.inf, n=np.int64(3))
    g.attrs["arr"] = np.arange(3)
    raw = store[g.attrs.key].decode()
    assert "NaN" in raw and "-Infinity" in raw and "Infinity" in raw
    for attrs in (g.attrs, zarr_core.open_group(store).attrs):
        assert np.isnan(attrs["nan"]) and attrs["inf"] == float("inf")
        assert attrs["ninf"] == float("-inf")
        assert attrs["n"] == 3 and type(attrs["n"]) is int and attrs["arr"] == [0, 1, 2]


def test_attributes_must_be_json(fmt: int) -> None:
    g = zarr_core.group(zarr_format=fmt)
    g.attrs["ok"] = 1
    key = ".zattrs" if fmt == 2 else "zarr.json"
    # a TypeError as in zarr-python, and a MetadataError naming the key and the attribute
    with pytest.raises(TypeError, match="'bad'.*JSON serializable"):
        g.attrs["bad"] = object()
    with pytest.raises(MetadataError, match=f"in '{key}'.*attribute names must be str"):
        g.attrs[1] = 2  # type: ignore[index]
    with pytest.raises(AttributeValueError, match="'s'"):
        g.attrs.update(s={1, 2})
    assert g.attrs.asdict() == {"ok": 1}  # nothing half-written


def test_attributes_cache(fmt: int) -> None:
    store = MemoryStore()
    cached = zarr_core.group(store, zarr_format=fmt)
    uncached = zarr_core.open_group(store, cache_attrs=False)
    cached.attrs["x"] = 1
    assert uncached.attrs["x"] == 1
    other = zarr_core.open_group(store)
    other.attrs["x"] = 2
    assert uncached.attrs["x"] == 2  # re-read on every access
    assert cached.attrs["x"] == 1  # cached
    cached.attrs.refresh()
    assert cached.attrs["x"] == 2


def test_attributes_of_array_survive_resize(fmt: int) -> None:
    z = zarr_core.zeros(10, chunks=5, zarr_format=fmt)
    z.attrs["keep"] = True
    z.resize(20)
    z.attrs.refresh()
    assert z.attrs["keep"] is True and z.shape == (20,)


def test_attributes_synchronized(fmt: int) -> None:
    """Concurrent updates of different attributes under a synchronizer all land."""
    from concurrent.futures import ThreadPoolExecutor

    store = MemoryStore()
    zarr_core.group(store, zarr_format=fmt)
    sync = zarr_core.ThreadSynchronizer()

    def put_shared(i: int) -> None:
        zarr_core.open_group(store, synchronizer=sync).attrs[f"k{i}"] = i

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put_shared, range(64)))
    assert zarr_core.open_group(store).attrs.asdict() == {f"k{i}": i for i in range(64)}


def test_read_only_array_through_group(fmt: int) -> None:
    store = MemoryStore()
    zarr_core.group(store, zarr_format=fmt).zeros("x", shape=3)
    r = zarr_core.open_group(store, mode="r")
    with pytest.raises(ReadOnlyError):
        r["x"][0] = 1
    with pytest.raises(ReadOnlyError):
        del r["x"]
    with pytest.raises(ReadOnlyError):
        r.move("x", "y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert r["x"][:].tolist() == [0, 0, 0]
