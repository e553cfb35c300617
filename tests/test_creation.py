"""Creating and opening arrays and groups: zarr_core.create and friends, open_array,
group, open_group and open, with the stored documents and chunk keys they produce."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numcodecs
import numpy as np
import pytest

import zarr_core
from zarr_core.errors import (
    ArrayNotFoundError,
    BadCompressorError,
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    MetadataError,
    PathNotFoundError,
    PluginNotFoundError,
    ReadOnlyError,
)

METADATA_NAMES = {".zarray", ".zattrs", ".zgroup", "zarr.json"}


def chunk_keys(store: zarr_core.Store) -> list[str]:
    return sorted(k for k in store if k.rsplit("/", 1)[-1] not in METADATA_NAMES)


def array_document(store: zarr_core.Store, path: str, zarr_format: int) -> dict:
    name = ".zarray" if zarr_format == 2 else "zarr.json"
    return json.loads(store[f"{path}/{name}" if path else name])


# -- the creation functions --------------------------------------------------------------


def test_zeros_ones_full_empty(zarr_format):
    assert (zarr_core.zeros((3, 2), zarr_format=zarr_format)[:] == 0).all()
    ones = zarr_core.ones(4, dtype="i4", zarr_format=zarr_format)
    assert ones.fill_value == 1 and ones[:].tolist() == [1, 1, 1, 1]
    full = zarr_core.full(3, 2.5, zarr_format=zarr_format)
    assert full.fill_value == 2.5 and full[:].tolist() == [2.5] * 3
    empty = zarr_core.empty((2,), dtype="u1", zarr_format=zarr_format)
    assert empty.shape == (2,) and empty.dtype == np.dtype("u1")
    z = zarr_core.create(5, zarr_format=zarr_format)
    assert z.shape == (5,) and z.dtype == np.dtype("f8") and z.fill_value == 0


def test_array_copies_data(zarr_format):
    data = np.arange(12, dtype="i2").reshape(3, 4)
    z = zarr_core.array(data, chunks=(2, 3), zarr_format=zarr_format)
    data[0, 0] = 99
    assert z.dtype == np.dtype("i2") and z[0, 0] == 0
    assert zarr_core.array([[1, 2], [3, 4]]).dtype == np.dtype(int)
    assert zarr_core.array(z).chunks == (2, 3)  # a zarr source keeps its chunking
    assert zarr_core.array(z, chunks=2).chunks == (2, 2)
    assert zarr_core.array(data, dtype="f4")[1].dtype == np.dtype("f4")


def test_like_functions_copy_the_layout():
    src = zarr_core.array(
        np.arange(10, dtype="i2").reshape(2, 5),
        chunks=(1, 3),
        fill_value=3,
        order="F",
        compressor=numcodecs.Zstd(level=1),
        filters=[numcodecs.Delta(dtype="i2")],
        zarr_format=2,
    )
    for like, fill in [
        (zarr_core.empty_like, None),  # no fill value, as in zarr-python 2
        (zarr_core.zeros_like, 0),
        (zarr_core.ones_like, 1),
        (zarr_core.full_like, 3),
    ]:
        z = like(src)
        assert z.store is not src.store
        assert (z.shape, z.chunks, z.dtype, z.order, z.zarr_format) == (
            (2, 5),
            (1, 3),
            np.dtype("i2"),
            "F",
            2,
        )
        assert z.compressor == numcodecs.Zstd(level=1) and z.filters == [
            numcodecs.Delta(dtype="i2")
        ]
        assert z.fill_value == fill and (fill is None or (z[:] == fill).all())
    assert zarr_core.full_like(src, fill_value=9)[0, 0] == 9
    assert zarr_core.zeros_like(src, dtype="f4", chunks=5).chunks == (5, 5)
    from_numpy = zarr_core.zeros_like(np.ones((3, 4), dtype="u1"))
    assert from_numpy.shape == (3, 4) and from_numpy.dtype == np.dtype("u1")
    assert from_numpy.zarr_format == 3


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (True, (625, 625)),
        (None, (625, 625)),
        (False, (10000, 10000)),
        (1000, (1000, 1000)),
        ((100, None), (100, 10000)),
        ((None, 100), (10000, 100)),
        ((-1, 50), (10000, 50)),
        ((100,), (100, 10000)),
    ],
)
def test_chunks_argument(chunks, expected):
    assert zarr_core.zeros((10000, 10000), chunks=chunks, dtype="i4").chunks == expected


def test_guessed_chunks_grow_with_the_array():
    small = zarr_core.zeros((10, 7)).chunks
    assert small == (10, 7)
    big = zarr_core.zeros((10**6, 10**3), dtype="f8").chunks
    assert np.prod(big) * 8 <= 64 * 2**20 and np.prod(big) * 8 >= 128 * 2**10


@pytest.mark.parametrize(
    ("chunks", "message"),
    [
        (0, r"chunk sizes must be positive, got \(0, 0\)"),
        ((2, -3), r"chunk sizes must be positive, got \(2, -3\)"),
        ((1, 2, 3), r"chunks \(1, 2, 3\) have more dimensions than shape \(10, 7\)"),
    ],
)
def test_bad_chunks(chunks, message):
    with pytest.raises(ValueError, match=message):
        zarr_core.zeros((10, 7), chunks=chunks)


def test_order(zarr_format):
    assert zarr_core.zeros((2, 2), zarr_format=zarr_format).order == "C"
    z = zarr_core.zeros((2, 2), order="F", zarr_format=zarr_format)
    assert z.order == "F" and zarr_core.open_array(z.store).order == "F"
    with zarr_core.config.set({"array.order": "F"}):
        assert zarr_core.zeros((2, 2), zarr_format=zarr_format).order == "F"
    with pytest.raises(ValueError, match="order must be 'C' or 'F', got 'X'"):
        zarr_core.zeros(3, order="X", zarr_format=zarr_format)


def test_fill_value_is_stored(store, zarr_format):
    zarr_core.full((2,), np.nan, store=store, zarr_format=zarr_format)
    assert array_document(store, "", zarr_format)["fill_value"] == "NaN"
    z = zarr_core.zeros(3, dtype="S6", store=store, overwrite=True, zarr_format=zarr_format)
    assert z.fill_value == b"" and z[0] == b""


def test_bad_fill_value(zarr_format):
    with pytest.raises(MetadataError, match="fill value 'abc' cannot be converted to int32"):
        zarr_core.full(3, "abc", dtype="i4", zarr_format=zarr_format)


def test_overwrite(store, zarr_format):
    z = zarr_core.zeros((4,), chunks=2, store=store, path="a", zarr_format=zarr_format)
    z[:] = 1
    with pytest.raises(ContainsArrayError, match="an array already exists at path 'a'"):
        zarr_core.zeros((4,), store=store, path="a", zarr_format=zarr_format)
    z = zarr_core.zeros(
        (6,), chunks=3, store=store, path="a", overwrite=True, zarr_format=zarr_format
    )
    assert z.shape == (6,) and chunk_keys(store) == []
    zarr_core.group(store, path="g", zarr_format=zarr_format)
    with pytest.raises(ContainsGroupError, match="a group already exists at path 'g'"):
        zarr_core.zeros(3, store=store, path="g", zarr_format=zarr_format)
    with pytest.raises(ContainsArrayError, match="an array already exists at path 'a'"):
        zarr_core.zeros(3, store=store, path="a/b", zarr_format=zarr_format)


def test_read_only_creation(zarr_format):
    z = zarr_core.zeros((4,), chunks=2, read_only=True, zarr_format=zarr_format)
    assert z.read_only and z.shape == (4,)
    with pytest.raises(ReadOnlyError, match="array '/' is read-only"):
        z[0] = 1


def test_path_creates_parent_groups(store, zarr_format):
    z = zarr_core.zeros((3,), store=store, path="a/b/c", zarr_format=zarr_format)
    assert z.path == "a/b/c" and z.name == "/a/b/c"
    if zarr_format == 2:
        expected = [".zgroup", "a/.zgroup", "a/b/.zgroup", "a/b/c/.zarray"]
    else:
        expected = ["a/b/c/zarr.json", "a/b/zarr.json", "a/zarr.json", "zarr.json"]
    assert sorted(store) == expected
    root = zarr_core.open_group(store, mode="r")
    assert root["a/b/c"] == z
    assert zarr_core.zeros((3,), store=store, path="/a//x/", zarr_format=zarr_format).path == "a/x"


@pytest.mark.parametrize("separator", [".", "/"])
def test_dimension_separator(store, zarr_format, separator):
    z = zarr_core.zeros(
        (4, 4), chunks=2, dimension_separator=separator, store=store, zarr_format=zarr_format
    )
    z[:] = 1
    prefix = "" if zarr_format == 2 else f"c{separator}"
    assert chunk_keys(store) == sorted(
        f"{prefix}{i}{separator}{j}" for i in range(2) for j in range(2)
    )
    doc = array_document(store, "", zarr_format)
    if zarr_format == 2:
        assert doc["dimension_separator"] == separator
    else:
        assert doc["chunk_key_encoding"] == {
            "name": "default",
            "configuration": {"separator": separator},
        }
    np.testing.assert_array_equal(zarr_core.open_array(store, mode="r")[:], np.ones((4, 4)))


def test_dimension_separator_defaults_to_the_stores():
    store = zarr_core.MemoryStore(dimension_separator="/")
    z = zarr_core.zeros((2, 2), chunks=1, store=store, zarr_format=2)
    z[:] = 1
    assert chunk_keys(store) == ["0/0", "0/1", "1/0", "1/1"]


def test_bad_dimension_separator():
    with pytest.raises(
        MetadataError, match="field 'dimension_separator': expected '.' or '/', got '-'"
    ):
        zarr_core.zeros(3, dimension_separator="-", zarr_format=2)


@pytest.mark.parametrize(
    ("encoding", "keys", "document"),
    [
        (None, ["c/0/0", "c/0/1"], {"name": "default", "configuration": {"separator": "/"}}),
        ("default", ["c/0/0", "c/0/1"], {"name": "default", "configuration": {"separator": "/"}}),
        (
            ("default", "."),
            ["c.0.0", "c.0.1"],
            {"name": "default", "configuration": {"separator": "."}},
        ),
        ("v2", ["0.0", "0.1"], {"name": "v2", "configuration": {"separator": "."}}),
        (("v2", "/"), ["0/0", "0/1"], {"name": "v2", "configuration": {"separator": "/"}}),
        (
            {"name": "v2", "configuration": {"separator": "/"}},
            ["0/0", "0/1"],
            {"name": "v2", "configuration": {"separator": "/"}},
        ),
    ],
)
def test_chunk_key_encoding(store, encoding, keys, document):
    z = zarr_core.zeros((2, 4), chunks=2, chunk_key_encoding=encoding, store=store)
    z[:] = 1
    assert chunk_keys(store) == keys
    assert array_document(store, "", 3)["chunk_key_encoding"] == document
    np.testing.assert_array_equal(zarr_core.open_array(store, mode="r")[:], np.ones((2, 4)))


def test_unknown_chunk_key_encoding():
    with pytest.raises(MetadataError, match="unknown chunk key encoding 'fancy'"):
        zarr_core.zeros(3, chunk_key_encoding="fancy")


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"chunk_key_encoding": "v2"}, "chunk_key_encoding"),
        ({"dimension_names": ["x"]}, "dimension_names"),
        ({"storage_transformers": [{"name": "x"}]}, "storage_transformers"),
        ({"codecs": [{"name": "bytes"}]}, "codecs"),
        ({"shards": (4,)}, "shards"),
    ],
)
def test_format_3_only_arguments(kwargs, names):
    with pytest.raises(ValueError, match=f"{names} need zarr_format=3"):
        zarr_core.zeros(8, chunks=2, zarr_format=2, **kwargs)


def test_dimension_names(store):
    z = zarr_core.zeros((2, 3), dimension_names=("y", None), store=store)
    assert z.dimension_names == ("y", None)
    assert array_document(store, "", 3)["dimension_names"] == ["y", None]
    assert zarr_core.open_array(store).dimension_names == ("y", None)
    assert zarr_core.zeros(3).dimension_names is None
    with pytest.raises(
        MetadataError, match="dimension_names.*has 1 entries but the array has 2 dimensions"
    ):
        zarr_core.zeros((2, 3), dimension_names=("y",))


def test_codecs_argument_is_validated_and_completed():
    z = zarr_core.zeros(
        3, dtype="i4", codecs=[{"name": "bytes"}, {"name": "gzip", "configuration": {"level": 1}}]
    )
    assert z.codecs == [
        {"name": "bytes", "configuration": {"endian": "little"}},
        {"name": "gzip", "configuration": {"level": 1}},
    ]
    with pytest.raises(MetadataError, match=r"codecs\[0\].*'gzip' needs an array->bytes codec"):
        zarr_core.zeros(3, codecs=[{"name": "gzip"}])


def test_shards_need_the_sharding_plugin(plugin_registry):
    with pytest.raises(
        PluginNotFoundError,
        match="codec 'sharding_indexed'; install it with: pip install zarr-core-sharding",
    ):
        zarr_core.zeros(16, chunks=4, shards=(8,))


# -- compressors and filters ---------------------------------------------------------------


def test_default_compressors():
    assert zarr_core.zeros(3, zarr_format=2).compressor == numcodecs.Blosc(
        cname="lz4", clevel=5, shuffle=1
    )
    assert [c["name"] for c in zarr_core.zeros(3, zarr_format=3).codecs] == ["bytes", "zstd"]


def test_default_compressor_from_config(zarr_format):
    with zarr_core.config.set({"array.default_compressor": {"id": "zstd", "level": 3}}):
        z = zarr_core.zeros(3, zarr_format=zarr_format)
        f = zarr_core.zeros((2, 2), order="F", zarr_format=zarr_format)
    if zarr_format == 2:
        assert z.compressor == f.compressor == numcodecs.Zstd(level=3)
    else:
        expected = {"name": "zstd", "configuration": {"level": 3, "checksum": False}}
        assert z.codecs[-1] == f.codecs[-1] == expected
    assert zarr_core.zeros(3, zarr_format=zarr_format).compressor != numcodecs.Zstd(level=3)


@pytest.mark.parametrize(
    ("compressor", "v3_codec"),
    [
        (
            numcodecs.Zstd(level=1),
            {"name": "zstd", "configuration": {"level": 1, "checksum": False}},
        ),
        (numcodecs.GZip(level=5), {"name": "gzip", "configuration": {"level": 5}}),
        (
            numcodecs.LZMA(preset=1),
            {
                "name": "numcodecs.lzma",
                "configuration": {"format": 1, "check": -1, "preset": 1, "filters": None},
            },
        ),
        (numcodecs.Zlib(level=2), {"name": "numcodecs.zlib", "configuration": {"level": 2}}),
    ],
)
def test_numcodecs_compressors(zarr_format, compressor, v3_codec):
    data = np.arange(1000, dtype="i4")
    z = zarr_core.array(data, chunks=300, compressor=compressor, zarr_format=zarr_format)
    if zarr_format == 2:
        assert z.compressor == compressor
        assert numcodecs.get_codec(array_document(z.store, "", 2)["compressor"]) == compressor
    else:
        assert z.codecs[-1] == v3_codec
    np.testing.assert_array_equal(zarr_core.open_array(z.store, mode="r")[:], data)


def test_bad_compressor(zarr_format):
    with pytest.raises(
        BadCompressorError,
        match="bad compressor 'zstd': expected a numcodecs codec object, None or 'none'",
    ):
        zarr_core.zeros(3, compressor="zstd", zarr_format=zarr_format)


@pytest.mark.parametrize(
    "filters",
    [
        [numcodecs.Delta(dtype="i4")],
        [numcodecs.Delta(dtype="i4"), numcodecs.Shuffle(elementsize=4)],
        [numcodecs.FixedScaleOffset(offset=0, scale=1, dtype="i4", astype="i2")],
    ],
)
def test_filters(zarr_format, filters):
    data = np.arange(100, dtype="i4")
    z = zarr_core.array(data, chunks=30, filters=filters, zarr_format=zarr_format)
    np.testing.assert_array_equal(zarr_core.open_array(z.store, mode="r")[:], data)
    if zarr_format == 2:
        assert z.filters == filters
    else:
        assert [c["name"] for c in z.filters] == [
            f"numcodecs.{f.codec_id}" for f in filters if f.codec_id != "shuffle"
        ]


# -- formats -----------------------------------------------------------------------------


def test_format_arguments():
    assert zarr_core.zeros(3).zarr_format == 3
    assert zarr_core.zeros(3, zarr_format=2).zarr_format == 2
    assert zarr_core.zeros(3, zarr_version=2).zarr_format == 2
    assert zarr_core.zeros(3, zarr_version=3, zarr_format=3).zarr_format == 3
    with pytest.raises(ValueError, match="zarr_format=3 and zarr_version=2 disagree"):
        zarr_core.zeros(3, zarr_version=2, zarr_format=3)
    with pytest.raises(ValueError, match="zarr_format must be 2 or 3, got 4"):
        zarr_core.zeros(3, zarr_format=4)


def test_default_format_from_config():
    with zarr_core.config.set({"default_zarr_format": 2}):
        assert zarr_core.zeros(3).zarr_format == 2
        assert zarr_core.group().zarr_format == 2
        assert zarr_core.zeros(3, zarr_format=3).zarr_format == 3
    assert zarr_core.zeros(3).zarr_format == 3


def test_default_format_from_environment():
    code = "import zarr_core; print(zarr_core.zeros(3).zarr_format, zarr_core.group().zarr_format)"
    env = {**os.environ, "ZARR_CORE_DEFAULT_ZARR_FORMAT": "2"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["2", "2"]


def test_url_pins_the_format():
    z = zarr_core.open_array("memory://creation-pinned|zarr2:", mode="w", shape=3)
    assert z.zarr_format == 2


# -- open_array modes ----------------------------------------------------------------------


def test_open_array_modes(store, zarr_format):
    with pytest.raises(ArrayNotFoundError, match="no array found at path 'a'"):
        zarr_core.open_array(store, mode="r", path="a")
    with pytest.raises(ArrayNotFoundError, match="no array found at path 'a'"):
        zarr_core.open_array(store, mode="r+", path="a")
    with pytest.raises(ArrayNotFoundError, match="no array found at path 'a'"):
        zarr_core.open_array(store, mode="a", path="a")  # nothing there and no shape
    z = zarr_core.open_array(
        store, mode="a", path="a", shape=(4,), chunks=2, zarr_format=zarr_format
    )
    z[:] = 1
    # "a" opens what exists, ignoring creation arguments
    assert zarr_core.open_array(store, mode="a", path="a", shape=(9,)).shape == (4,)
    ro = zarr_core.open_array(store, mode="r", path="a")
    assert ro.read_only and ro[:].tolist() == [1, 1, 1, 1]
    rw = zarr_core.open_array(store, mode="r+", path="a")
    rw[0] = 5
    assert not rw.read_only and ro[0] == 5
    with pytest.raises(ContainsArrayError, match="an array already exists at path 'a'"):
        zarr_core.open_array(store, mode="w-", path="a", shape=(4,))
    with pytest.raises(ContainsArrayError, match="an array already exists at path 'a'"):
        zarr_core.open_array(store, mode="x", path="a", shape=(4,))
    w = zarr_core.open_array(
        store, mode="w", path="a", shape=(3,), chunks=3, zarr_format=zarr_format
    )
    assert w.shape == (3,) and w[:].tolist() == [0, 0, 0]
    assert [k for k in chunk_keys(store) if k.startswith("a/")] == []
    with pytest.raises(ValueError, match="shape is required to create an array"):
        zarr_core.open_array(store, mode="w", path="b")
    with pytest.raises(ValueError, match="invalid mode 'q'"):
        zarr_core.open_array(store, mode="q", path="a")


def test_open_array_on_a_group(store, zarr_format):
    zarr_core.group(store, path="g", zarr_format=zarr_format)
    for mode in ("r", "r+", "a"):
        with pytest.raises(
            ContainsGroupError,
            match=r"a group, not an array, is at path 'g' in <.*>; open it with open_group\(\)",
        ):
            zarr_core.open_array(store, mode=mode, path="g")
    with pytest.raises(ContainsGroupError, match="a group already exists at path 'g'"):
        zarr_core.open_array(store, mode="w-", path="g", shape=3)
    z = zarr_core.open_array(store, mode="w", path="g", shape=3, zarr_format=zarr_format)
    assert z.shape == (3,) and zarr_core.open(store, mode="r", path="g") == z


def test_open_array_on_a_directory(tmp_path, zarr_format):
    path = tmp_path / "example.zarr"
    z1 = zarr_core.open_array(
        path, mode="w", shape=(100, 100), chunks=(10, 10), dtype="i4", zarr_format=zarr_format
    )
    z1[:] = 42
    z2 = zarr_core.open_array(str(path), mode="r")
    assert z2.zarr_format == zarr_format
    np.testing.assert_array_equal(z2[:], z1[:])
    with pytest.raises(ArrayNotFoundError, match="no array found"):
        zarr_core.open_array(tmp_path / "missing", mode="r")


def test_open_array_of_the_other_format():
    store = zarr_core.MemoryStore()
    zarr_core.zeros(3, store=store, zarr_format=2)
    with pytest.raises(ArrayNotFoundError, match="no array found"):
        zarr_core.open_array(store, mode="r", zarr_format=3)
    assert zarr_core.open_array(store, mode="r", zarr_format=2).zarr_format == 2


def test_corrupt_array_metadata(zarr_format):
    store = zarr_core.MemoryStore()
    zarr_core.zeros(3, store=store, zarr_format=zarr_format)
    key = ".zarray" if zarr_format == 2 else "zarr.json"
    doc = json.loads(store[key])
    doc["shape"] = "three"
    store[key] = json.dumps(doc).encode()
    with pytest.raises(MetadataError, match=f"in '{key}'.*field 'shape'"):
        zarr_core.open_array(store, mode="r")
    store[key] = b"{truncated"
    with pytest.raises(MetadataError, match=f"in '{key}': not valid JSON"):
        zarr_core.open_array(store, mode="r")


# -- groups ----------------------------------------------------------------------------------


def test_group_hierarchy(store, zarr_format):
    root = zarr_core.group(store, zarr_format=zarr_format)
    assert root.name == "/" and root.path == "" and root.zarr_format == zarr_format
    foo = root.create_group("foo")
    bar = foo.create_group("bar")
    baz = bar.zeros("baz", shape=(100, 100), chunks=(10, 10), dtype="i4")
    quux = bar.create_dataset("quux", shape=(10,), chunks=(5,), dtype="i4")
    assert baz.name == "/foo/bar/baz" and quux.zarr_format == zarr_format
    assert root["foo"] == foo and root["foo/bar"] == bar and root["foo/bar/baz"] == baz
    assert root.foo == foo
    assert "foo/bar" in root and "foo/bar/baz" in root and "nope" not in root
    assert list(root) == ["foo"] and len(foo) == 1 and sorted(bar) == ["baz", "quux"]
    assert [name for name, _ in bar.arrays()] == ["baz", "quux"]
    assert list(bar.array_keys()) == ["baz", "quux"] and list(root.array_keys()) == []
    assert list(root.array_keys(recurse=True)) == ["baz", "quux"]
    assert list(root.group_keys()) == ["foo"]
    visited = []
    root.visit(visited.append)
    assert visited == ["foo", "foo/bar", "foo/bar/baz", "foo/bar/quux"]
    items = []
    foo.visititems(lambda path, node: items.append((path, type(node).__name__)))
    assert items == [("bar", "Group"), ("bar/baz", "Array"), ("bar/quux", "Array")]
    assert (
        root.visitvalues(lambda node: node.name if node.basename == "quux" else None)
        == "/foo/bar/quux"
    )
    assert repr(root.tree()) == "\n".join(
        [
            "/",
            " └── foo",
            "     └── bar",
            "         ├── baz (100, 100) int32",
            "         └── quux (10,) int32",
        ]
    )
    with pytest.raises(KeyError, match="nope"):
        root["nope"]
    with pytest.raises(AttributeError, match="nope"):
        _ = root.nope


def test_group_require_and_errors(zarr_format):
    root = zarr_core.group(zarr_format=zarr_format)
    foo = root.create_group("foo")
    assert root.require_group("foo") == foo
    deep = root.require_group("new/deep")
    assert deep.path == "new/deep" and "new" in root
    root.zeros("arr", shape=3)
    with pytest.raises(ContainsGroupError, match="a group already exists at path 'foo'"):
        root.create_group("foo")
    with pytest.raises(ContainsArrayError, match="an array already exists at path 'arr'"):
        root.require_group("arr")
    with pytest.raises(ContainsArrayError, match="an array already exists at path 'arr'"):
        root.create_group("arr/inside")
    assert root.create_group("foo", overwrite=True) == foo
    arr = root.require_dataset("arr", shape=3, dtype="f8")
    assert arr.shape == (3,)
    with pytest.raises(
        TypeError, match=r"shapes do not match: existing \(3,\) vs requested \(4,\)"
    ):
        root.require_dataset("arr", shape=4)


def test_group_move_and_delete(store, zarr_format):
    root = zarr_core.group(store, zarr_format=zarr_format)
    z = root.zeros("a/b/arr", shape=(4,), chunks=2)
    z[:] = 1
    root.move("a/b/arr", "c/moved")
    assert "a/b/arr" not in root and root["c/moved"][:].tolist() == [1, 1, 1, 1]
    with pytest.raises(KeyError, match="a/b/arr"):
        root.move("a/b/arr", "elsewhere")
    del root["c"]
    assert sorted(root) == ["a"] and not any(k.startswith("c/") for k in store)
    with pytest.raises(KeyError, match="c"):
        del root["c"]


def test_group_attributes(store, zarr_format):
    root = zarr_core.group(store, zarr_format=zarr_format)
    root.attrs["foo"] = "bar"
    assert zarr_core.open_group(store, mode="r").attrs["foo"] == "bar"
    key = ".zattrs" if zarr_format == 2 else "zarr.json"
    doc = json.loads(store[key])
    assert (doc if zarr_format == 2 else doc["attributes"]) == {"foo": "bar"}
    ro = zarr_core.open_group(store, mode="r")
    with pytest.raises(ReadOnlyError, match="attributes of '/' is read-only"):
        ro.attrs["x"] = 1
    g = zarr_core.group(zarr_core.MemoryStore(), attributes={"a": 1}, zarr_format=zarr_format)
    assert g.attrs.asdict() == {"a": 1}


def test_group_info(zarr_format):
    root = zarr_core.group(zarr_format=zarr_format)
    foo = root.create_group("foo")
    foo.zeros("bar", shape=10)
    foo.zeros("baz", shape=(10, 10))
    rows = dict(foo.info_items())
    assert rows["Name"] == "/foo" and rows["Type"] == f"zarr_core.Group (Zarr format {zarr_format})"
    assert rows["No. members"] == "2" and rows["No. arrays"] == "2" and rows["No. groups"] == "0"
    assert rows["Arrays"] == "bar, baz"
    assert re.search(r"^Groups +: foo$", repr(root.info), re.MULTILINE)


def test_read_only_group(store, zarr_format):
    zarr_core.group(store, zarr_format=zarr_format).zeros("arr", shape=3)
    root = zarr_core.open_group(store, mode="r")
    assert root.read_only and root["arr"].read_only
    with pytest.raises(ReadOnlyError, match="group '/' is read-only"):
        root.create_group("x")
    with pytest.raises(ReadOnlyError, match="group '/' is read-only"):
        root.zeros("y", shape=3)
    with pytest.raises(ReadOnlyError, match="group '/' is read-only"):
        del root["arr"]
    with pytest.raises(ReadOnlyError, match="array '/arr' is read-only"):
        root["arr"][0] = 1


def test_open_group_modes(store, zarr_format):
    with pytest.raises(GroupNotFoundError, match="no group found at path 'g'"):
        zarr_core.open_group(store, mode="r", path="g")
    with pytest.raises(GroupNotFoundError, match="no group found at path 'g'"):
        zarr_core.open_group(store, mode="r+", path="g")
    g = zarr_core.open_group(store, mode="a", path="g", zarr_format=zarr_format)
    g.zeros("arr", shape=3)
    assert zarr_core.open_group(store, mode="a", path="g") == g
    with pytest.raises(ContainsGroupError, match="a group already exists at path 'g'"):
        zarr_core.open_group(store, mode="w-", path="g")
    fresh = zarr_core.open_group(store, mode="w", path="g", zarr_format=zarr_format)
    assert list(fresh) == []
    zarr_core.zeros(3, store=store, path="a", zarr_format=zarr_format)
    with pytest.raises(ContainsArrayError, match="an array, not a group, is at path 'a'"):
        zarr_core.open_group(store, mode="r", path="a")
    with pytest.raises(ValueError, match="invalid mode 'q'"):
        zarr_core.open_group(store, mode="q")


def test_group_function(zarr_format):
    store = zarr_core.MemoryStore()
    g = zarr_core.group(store, path="p/q", zarr_format=zarr_format)
    assert g.path == "p/q" and zarr_core.group(store, path="p/q") == g
    g.zeros("x", shape=1)
    assert list(zarr_core.group(store, path="p/q", overwrite=True)) == []
    zarr_core.zeros(3, store=store, path="arr", zarr_format=zarr_format)
    with pytest.raises(ContainsArrayError, match="an array, not a group, is at path 'arr'"):
        zarr_core.group(store, path="arr")


@pytest.mark.parametrize("opener", ["group", "open_group"])
def test_a_group_of_the_other_format_is_kept(opener):
    """Asking for a format the existing group does not have is an error, not a reason
    to delete it; overwrite=True (or mode "w") replaces it."""
    store = zarr_core.MemoryStore()
    zarr_core.group(store, zarr_format=2).zeros("a", shape=3)
    with pytest.raises(ContainsGroupError, match="a group already exists"):
        getattr(zarr_core, opener)(store, zarr_format=3)
    assert sorted(store) == [".zgroup", "a/.zarray"]
    assert zarr_core.group(store, zarr_format=3, overwrite=True).zarr_format == 3
    assert sorted(store) == ["zarr.json"]


def test_open(store, zarr_format):
    root = zarr_core.open(store, mode="w", zarr_format=zarr_format)
    assert isinstance(root, zarr_core.Group)
    z = root.zeros("foo/bar/baz", shape=(10, 10), chunks=(5, 5), dtype="i4")
    assert zarr_core.open(store, mode="r", path="foo/bar/baz") == z
    assert isinstance(zarr_core.open(store, mode="r", path="foo"), zarr_core.Group)
    arr = zarr_core.open(store, mode="w", path="new", shape=(3,), zarr_format=zarr_format)
    assert isinstance(arr, zarr_core.Array)
    with pytest.raises(PathNotFoundError, match="nothing found at path 'zz'"):
        zarr_core.open(store, mode="r", path="zz")
    with pytest.raises(
        TypeError, match=r"arguments \['chunks'\] apply to arrays, but a group is being opened"
    ):
        zarr_core.open(store, mode="a", path="foo", chunks=3)


def test_group_as_context_manager(tmp_path):
    with zarr_core.open_group(tmp_path / "g.zarr", mode="w") as g:
        g.zeros("a", shape=3)[:] = 1
    assert zarr_core.open_group(tmp_path / "g.zarr", mode="r")["a"][:].tolist() == [1, 1, 1]


def test_group_arrays_use_the_groups_chunk_store(zarr_format):
    meta, chunks = zarr_core.MemoryStore(), zarr_core.MemoryStore()
    g = zarr_core.group(meta, chunk_store=chunks, zarr_format=zarr_format)
    g.zeros("a", shape=4, chunks=2)[:] = 1
    assert chunk_keys(meta) == [] and len(chunk_keys(chunks)) == 2
    assert g["a"][:].tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize(
    "opener, kind",
    [
        (lambda s: zarr_core.open_array(s, mode="r"), "array"),
        (lambda s: zarr_core.open(s, mode="r"), "array"),
        (lambda s: zarr_core.open(s, mode="r+"), "array"),
        (lambda s: zarr_core.open_group(s, mode="r"), "group"),
        (lambda s: zarr_core.open(s, mode="a"), "group"),
    ],
)
def test_opening_a_node_is_one_store_read(zarr_format, opener, kind):
    # On a remote store every read is a round trip: the documents fetched to find what
    # the node is are the ones it is opened from.
    from zarr_core.testing.counting import CountingStore

    store = CountingStore()
    if kind == "array":
        zarr_core.create((4,), chunks=(2,), store=store, zarr_format=zarr_format)
    else:
        zarr_core.group(store, zarr_format=zarr_format)
    store.reset()
    node = opener(store)
    assert isinstance(node, zarr_core.Array if kind == "array" else zarr_core.Group)
    assert node.zarr_format == zarr_format
    assert [op for op, _ in store.reads()] == ["getitems"]
