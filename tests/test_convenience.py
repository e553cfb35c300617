"""save/load, tree, copy/copy_all (zarr-core and h5py, both ways) and copy_store."""

from __future__ import annotations

import io
import os

import numcodecs
import numpy as np
import pytest

import zarr_core
from zarr_core import CopyError
from zarr_core.errors import PathNotFoundError
from zarr_core.storage import MemoryStore


@pytest.fixture
def h5py():
    import h5py  # a test dependency: missing, the tests fail rather than skip

    return h5py


@pytest.fixture(params=[2, 3], ids=["v2", "v3"])
def fmt(request: pytest.FixtureRequest) -> int:
    return request.param


# -- save / load ----------------------------------------------------------------------


def test_save_array_and_load(tmp_path, fmt: int) -> None:
    path = str(tmp_path / "example.zarr")
    data = np.arange(10000)
    zarr_core.save(path, data, zarr_format=fmt)
    np.testing.assert_array_equal(zarr_core.load(path), data)
    assert zarr_core.open_array(path, mode="r").zarr_format == fmt
    zarr_core.save_array(path, data[:10], chunks=5, compressor=None)
    assert zarr_core.open_array(path, mode="r").chunks == (5,)
    np.testing.assert_array_equal(zarr_core.load(path), data[:10])


def test_save_group_and_lazy_load(tmp_path, fmt: int) -> None:
    path = str(tmp_path / "example.zarr")
    a1, a2 = np.arange(100), np.arange(100, 0, -1)
    zarr_core.save(path, a1, a2, zarr_format=fmt)
    loader = zarr_core.load(path)
    assert repr(loader) == "<LazyLoader: arr_0, arr_1>"
    assert list(loader) == ["arr_0", "arr_1"] and len(loader) == 2 and "arr_0" in loader
    np.testing.assert_array_equal(loader["arr_1"], a2)
    assert loader["arr_1"] is loader["arr_1"]  # loaded once
    with pytest.raises(KeyError):
        loader["nope"]
    zarr_core.save_group(path, foo=a1, bar=a2, zarr_format=fmt)
    with zarr_core.load(path) as loader:
        assert repr(loader) == "<LazyLoader: bar, foo>"
        np.testing.assert_array_equal(loader["foo"], a1)
    zarr_core.save(path, np.ones(3), named=np.zeros(2))
    assert sorted(zarr_core.load(path)) == ["arr_0", "named"]


def test_save_at_path_in_a_store(fmt: int) -> None:
    store = MemoryStore()
    zarr_core.save(store, x=np.arange(3), path="inner", zarr_format=fmt)
    assert list(zarr_core.load(store, path="inner")) == ["x"]
    zarr_core.save(store, np.arange(4), path="inner/one")
    np.testing.assert_array_equal(zarr_core.load(store, path="inner/one"), np.arange(4))


def test_save_needs_arrays() -> None:
    with pytest.raises(ValueError):
        zarr_core.save(MemoryStore())
    with pytest.raises(ValueError):
        zarr_core.save_group(MemoryStore())
    with pytest.raises(ValueError, match="arr_0"):
        zarr_core.save_group(MemoryStore(), np.ones(1), arr_0=np.ones(1))


def test_load_nothing() -> None:
    with pytest.raises(PathNotFoundError):
        zarr_core.load(MemoryStore())


# -- tree -----------------------------------------------------------------------------


def test_tree_of_h5py(tmp_path, h5py) -> None:
    with h5py.File(tmp_path / "t.h5", "w") as f:
        f.create_dataset("foo/bar/baz", data=np.arange(100), chunks=(50,))
        f.create_dataset("spam", data=np.arange(100, 200))
        assert repr(zarr_core.tree(f)) == "\n".join(
            [
                "/",
                " ├── foo",
                " │   └── bar",
                " │       └── baz (100,) int64",
                " └── spam (100,) int64",
            ]
        )
        assert repr(zarr_core.tree(f["foo"], level=1)) == "foo\n └── bar"
        assert "spam (100,) int64" in zarr_core.tree(f)._repr_html_()


# -- copy between zarr-core groups ----------------------------------------------------


def _source(fmt: int) -> zarr_core.Group:
    src = zarr_core.group(zarr_format=fmt)
    src.attrs["root"] = True
    foo = src.create_group("foo")
    foo.attrs["level"] = 1
    baz = foo.create_dataset("bar/baz", data=np.arange(100), chunks=(30,))
    baz.attrs["units"] = "m"
    src.create_dataset("spam", data=np.arange(100, 200, dtype="i4"), chunks=(40,))
    return src


def test_copy_logs_like_zarr_python(fmt: int) -> None:
    src, dest, out = _source(fmt), zarr_core.group(zarr_format=fmt), io.StringIO()
    assert zarr_core.copy(src["foo"], dest, log=out) == (3, 0, 800)
    assert out.getvalue().splitlines() == [
        "copy /foo",
        "copy /foo/bar",
        "copy /foo/bar/baz (100,) int64",
        "all done: 3 copied, 0 skipped, 800 bytes copied",
    ]
    assert repr(dest.tree()) == "/\n └── foo\n     └── bar\n         └── baz (100,) int64"
    baz = dest["foo/bar/baz"]
    np.testing.assert_array_equal(baz[:], np.arange(100))
    assert baz.chunks == (30,) and baz.attrs["units"] == "m" and dest["foo"].attrs["level"] == 1


def test_copy_all_thousands_separator(fmt: int) -> None:
    src, dest, lines = _source(fmt), zarr_core.group(zarr_format=fmt), []
    assert zarr_core.copy_all(src, dest, log=lines.append) == (4, 0, 1200)
    assert lines[-1] == "all done: 4 copied, 0 skipped, 1,200 bytes copied"
    assert dest.attrs["root"] is True
    assert sorted(dest.array_keys(recurse=True)) == ["baz", "spam"]


def test_copy_log_to_file(tmp_path, fmt: int) -> None:
    log = tmp_path / "copy.log"
    zarr_core.copy(_source(fmt)["spam"], zarr_core.group(), log=str(log))
    assert log.read_text().splitlines()[0] == "copy /spam (100,) int32"
    with pytest.raises(TypeError, match="log"):
        zarr_core.copy(_source(fmt)["spam"], zarr_core.group(), log=42)


def test_copy_name_shallow_without_attrs(fmt: int) -> None:
    src, dest = _source(fmt), zarr_core.group(zarr_format=fmt)
    zarr_core.copy(src["foo"], dest, name="renamed", without_attrs=True)
    assert dest["renamed/bar/baz"].attrs.asdict() == {} and dest["renamed"].attrs.asdict() == {}
    with pytest.raises(TypeError, match="name"):
        zarr_core.copy(src, dest)
    assert zarr_core.copy(src, dest, name="all", shallow=True) == (2, 0, 400)
    assert list(dest["all"]) == ["spam"]  # sub-groups left out
    shallow = zarr_core.group(zarr_format=fmt)
    assert zarr_core.copy_all(src, shallow, shallow=True) == (1, 0, 400)


def test_copy_if_exists(fmt: int) -> None:
    src, dest = zarr_core.group(zarr_format=fmt), zarr_core.group(zarr_format=fmt)
    src.create_dataset("foo/bar/baz", data=np.arange(100))
    src.create_dataset("foo/spam", data=np.arange(1000))
    dest.create_dataset("foo/spam", data=np.arange(1000, 2000), chunks=100)
    out = io.StringIO()
    with pytest.raises(CopyError, match="an object 'spam' already exists in destination '/foo'"):
        zarr_core.copy(src["foo"], dest, log=out, dry_run=True)
    assert out.getvalue().splitlines() == [
        "copy /foo",
        "copy /foo/bar",
        "copy /foo/bar/baz (100,) int64",
    ]
    assert "bar" not in dest["foo"]  # dry run: nothing created

    lines: list[str] = []
    assert zarr_core.copy(
        src["foo"], dest, log=lines.append, if_exists="replace", dry_run=True
    ) == (4, 0, 0)
    assert lines[-2:] == ["copy /foo/spam (1000,) int64", "dry run: 4 copied, 0 skipped"]
    lines.clear()
    assert zarr_core.copy(src["foo"], dest, log=lines.append, if_exists="skip", dry_run=True) == (
        3,
        1,
        0,
    )
    assert lines[-2:] == ["skip /foo/spam (1000,) int64", "dry run: 3 copied, 1 skipped"]
    assert dest["foo/spam"][0] == 1000

    # skip_initialized: skipped while every chunk is stored, copied once one is missing
    assert zarr_core.copy(src["foo"], dest, if_exists="skip_initialized") == (3, 1, 800)
    del dest["foo/spam"].chunk_store[dest["foo/spam"]._io.keys([(0,)])[0]]
    # baz, copied by the call before, is complete now and skipped in turn
    assert zarr_core.copy(src["foo"], dest, if_exists="skip_initialized") == (3, 1, 8000)
    np.testing.assert_array_equal(dest["foo/spam"][:], np.arange(1000))

    assert zarr_core.copy(src["foo"], dest, if_exists="replace")[0] == 4
    with pytest.raises(ValueError, match="if_exists"):
        zarr_core.copy(src["foo"], dest, if_exists="bogus")


def test_copy_group_onto_array(fmt: int) -> None:
    src, dest = zarr_core.group(zarr_format=fmt), zarr_core.group(zarr_format=fmt)
    src.create_group("g").create_dataset("x", data=[1])
    dest.create_dataset("g", data=[0])
    with pytest.raises(CopyError, match="an array 'g'"):
        zarr_core.copy(src["g"], dest)
    assert zarr_core.copy(src["g"], dest, if_exists="skip") == (0, 1, 0)
    assert zarr_core.copy(src["g"], dest, if_exists="replace") == (2, 0, 8)
    assert dest["g/x"][:].tolist() == [1]


def test_copy_dest_must_be_a_group(fmt: int) -> None:
    src = _source(fmt)
    with pytest.raises(ValueError, match="group"):
        zarr_core.copy(src["spam"], src["spam"])


@pytest.mark.parametrize(("src_fmt", "dest_fmt"), [(2, 2), (2, 3), (3, 2), (3, 3)])
def test_copy_keeps_encoding_across_formats(src_fmt: int, dest_fmt: int) -> None:
    src, dest = zarr_core.group(zarr_format=src_fmt), zarr_core.group(zarr_format=dest_fmt)
    data = np.arange(20, dtype=">i4").reshape(4, 5)
    x = src.array("x", data, chunks=(2, 2), order="F", compressor=numcodecs.Zlib(3), fill_value=7)
    x.attrs["a"] = 1
    src.array("s", np.array(["a", "bcd", ""], dtype=object), dtype=str)
    src.array("b", np.array([b"x", b"yz"], dtype=object), dtype=bytes)
    zarr_core.copy_all(src, dest)
    y = dest["x"]
    assert y.zarr_format == dest_fmt and y.chunks == (2, 2) and y.order == "F"
    assert y.fill_value == 7 and y.attrs["a"] == 1
    if dest_fmt == 2:
        assert y.compressor == numcodecs.Zlib(level=3)
    else:
        assert y.codecs[-1] == {"name": "numcodecs.zlib", "configuration": {"level": 3}}
    np.testing.assert_array_equal(y[:], data)
    assert dest["s"][:].tolist() == ["a", "bcd", ""]
    assert dest["b"][:].tolist() == [b"x", b"yz"]


def test_copy_create_kws_override(fmt: int) -> None:
    src, dest = _source(fmt), zarr_core.group(zarr_format=fmt)
    zarr_core.copy(src["spam"], dest, chunks=(7,), compressor=None)
    assert dest["spam"].chunks == (7,)
    np.testing.assert_array_equal(dest["spam"][:], np.arange(100, 200))


def test_copy_v3_only_codec_to_v2_uses_defaults() -> None:
    src, dest = zarr_core.group(zarr_format=3), zarr_core.group(zarr_format=2)
    # format 2 has C and F order only: a partial transpose has no equivalent
    codecs = [
        {"name": "transpose", "configuration": {"order": [1, 0, 2]}},
        {"name": "bytes", "configuration": {"endian": "little"}},
    ]
    data = np.arange(24.0).reshape(2, 3, 4)
    src.array("x", data, chunks=(2, 2, 2), codecs=codecs)
    zarr_core.copy_all(src, dest)
    assert dest["x"].order == "C" and dest["x"].chunks == (2, 2, 2)
    np.testing.assert_array_equal(dest["x"][:], data)


def test_copy_large_chunks_block_by_block(fmt: int, monkeypatch) -> None:
    from zarr_core.api import convenience

    monkeypatch.setattr(convenience, "_BLOCK_BYTES", 100)  # force chunk-by-chunk
    src = zarr_core.group(zarr_format=fmt)
    data = np.arange(600).reshape(20, 30)
    src.array("x", data, chunks=(6, 7))
    src.array("z", np.array(5.5), chunks=())
    src.zeros("e", shape=(0, 3), chunks=(1, 3))
    dest = zarr_core.group(zarr_format=fmt)
    zarr_core.copy_all(src, dest)
    np.testing.assert_array_equal(dest["x"][:], data)
    assert dest["z"][()] == 5.5 and dest["e"].shape == (0, 3)


# -- copy with h5py -------------------------------------------------------------------


def _h5(h5py, path):
    f = h5py.File(path, "w")
    f.attrs["root"] = 1
    foo = f.create_group("foo")
    foo.attrs["title"] = "ä"
    baz = foo.create_dataset("bar/baz", data=np.arange(100), chunks=(50,), fillvalue=-1)
    baz.attrs["scale"] = np.float32(0.5)
    f.create_dataset("spam", data=np.arange(100, 200), chunks=(30,))
    f.create_dataset("names", data=["a", "bb"], dtype=h5py.string_dtype())
    return f


def test_copy_from_h5py(tmp_path, h5py, fmt: int) -> None:
    with _h5(h5py, tmp_path / "x.h5") as source:
        dest = zarr_core.group(zarr_format=fmt)
        out = io.StringIO()
        assert zarr_core.copy(source["foo"], dest, log=out) == (3, 0, 800)
        assert out.getvalue().splitlines() == [
            "copy /foo",
            "copy /foo/bar",
            "copy /foo/bar/baz (100,) int64",
            "all done: 3 copied, 0 skipped, 800 bytes copied",
        ]
        dest2 = zarr_core.group(zarr_format=fmt)
        assert zarr_core.copy_all(source, dest2) == (5, 0, 1616)
    baz = dest2["foo/bar/baz"]
    assert baz.chunks == (50,) and baz.fill_value == -1 and baz.attrs["scale"] == 0.5
    np.testing.assert_array_equal(baz[:], np.arange(100))
    assert dest2.attrs["root"] == 1 and dest2["foo"].attrs["title"] == "ä"
    assert dest2["spam"].chunks == (30,)
    assert dest2["names"][:].tolist() == ["a", "bb"]


def test_copy_to_h5py(tmp_path, h5py, fmt: int) -> None:
    src = _source(fmt)
    src.array("names", np.array(["x", "yy"], dtype=object), dtype=str)
    with h5py.File(tmp_path / "out.h5", "w") as dest:
        assert zarr_core.copy_all(src, dest) == (5, 0, 1216)
        baz = dest["foo/bar/baz"]
        np.testing.assert_array_equal(baz[:], np.arange(100))
        assert baz.chunks == (30,) and baz.compression == "gzip" and baz.attrs["units"] == "m"
        assert dest.attrs["root"] and dest["names"].asstr()[:].tolist() == ["x", "yy"]
        assert repr(zarr_core.tree(dest)).splitlines()[1] == " ├── foo"
        with pytest.raises(ValueError, match="skip_initialized"):
            zarr_core.copy_all(src, dest, if_exists="skip_initialized")
        assert zarr_core.copy_all(src, dest, if_exists="skip")[1] == 3
        assert zarr_core.copy(src["spam"], dest, if_exists="replace")[0] == 1


def test_copy_h5py_to_h5py(tmp_path, h5py) -> None:
    with _h5(h5py, tmp_path / "a.h5") as source, h5py.File(tmp_path / "b.h5", "w") as dest:
        source.create_dataset("z", data=np.ones(10), compression="gzip", compression_opts=4)
        zarr_core.copy(source["z"], dest)
        assert dest["z"].compression == "gzip" and dest["z"].compression_opts == 4


# -- copy_store -----------------------------------------------------------------------


class BatchCounting(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[tuple[str, int]] = []

    def _get_many(self, keys):
        self.batches.append(("get", len(keys)))
        return super()._get_many(keys)

    def _set_many(self, items):
        self.batches.append(("set", len(items)))
        super()._set_many(items)


def _store_with_tree(fmt: int) -> MemoryStore:
    store = MemoryStore()
    root = zarr_core.group(store, zarr_format=fmt)
    root.create_dataset("foo/bar/baz", data=np.arange(100), chunks=(50,))
    root.create_dataset("spam", data=np.arange(100, 200), chunks=(30,))
    return store


def test_copy_store_logs_like_zarr_python() -> None:
    store1 = _store_with_tree(2)
    out = io.StringIO()
    n_copied, n_skipped, n_bytes = zarr_core.copy_store(store1, {}, log=out)
    assert (n_copied, n_skipped) == (11, 0) and n_bytes == sum(len(store1[k]) for k in store1)
    assert out.getvalue().splitlines() == [
        "copy .zgroup",
        "copy foo/.zgroup",
        "copy foo/bar/.zgroup",
        "copy foo/bar/baz/.zarray",
        "copy foo/bar/baz/0",
        "copy foo/bar/baz/1",
        "copy spam/.zarray",
        "copy spam/0",
        "copy spam/1",
        "copy spam/2",
        "copy spam/3",
        f"all done: 11 copied, 0 skipped, {n_bytes:,} bytes copied",
    ]


def test_copy_store_raw_and_batched(fmt: int, monkeypatch) -> None:
    from zarr_core.api import convenience

    monkeypatch.setattr(convenience, "_KEY_BATCH", 4)
    source = BatchCounting()
    for key, value in _store_with_tree(fmt).items():
        source[key] = value
    dest = BatchCounting()
    n = len(source)
    zarr_core.copy_store(source, dest)
    assert {k: dest[k] for k in dest} == {k: source[k] for k in source}  # bytes as stored
    assert [size for op, size in source.batches if op == "get"] == [4] * (n // 4) + [n % 4] * (
        n % 4 > 0
    )
    assert all(op == "set" for op, _ in dest.batches) and len(dest.batches) == -(-n // 4)
    np.testing.assert_array_equal(zarr_core.open_array(dest, path="foo/bar/baz")[:], np.arange(100))


def test_copy_store_paths_and_patterns(fmt: int) -> None:
    source = _store_with_tree(fmt)
    dest: dict = {}
    lines: list[str] = []
    zarr_core.copy_store(source, dest, source_path="foo", dest_path="x/y", log=lines.append)
    assert all(line.startswith("copy foo/") and " -> x/y/" in line for line in lines[:-1])
    group = zarr_core.open_group(dest, path="x/y", mode="r")
    np.testing.assert_array_equal(group["bar/baz"][:], np.arange(100))

    only_meta: dict = {}
    doc = r"\.zarray$|\.zgroup$" if fmt == 2 else r"zarr\.json$"
    zarr_core.copy_store(source, only_meta, excludes=".*", includes=doc)
    assert all(k.endswith((".zarray", ".zgroup", "zarr.json")) for k in only_meta)
    assert len(only_meta) == 5
    upper: dict = {}
    import re

    zarr_core.copy_store(source, upper, excludes=["SPAM"], flags=re.IGNORECASE)
    assert not any(k.startswith("spam") for k in upper)


def test_copy_store_if_exists_and_dry_run() -> None:
    source = _store_with_tree(2)
    dest: dict = {"spam/0": b"old"}
    lines: list[str] = []
    with pytest.raises(CopyError, match="'spam/0' exists"):
        zarr_core.copy_store(source, dest, log=lines.append)
    # keys before the conflict were copied, as logged
    assert sorted(dest) == sorted(k for k in source if k < "spam/0") + ["spam/0"]
    assert dest["spam/0"] == b"old"
    assert zarr_core.copy_store(source, dest, if_exists="skip")[:2] == (3, 8)
    assert dest["spam/0"] == b"old"
    assert zarr_core.copy_store(source, dest, if_exists="replace")[:2] == (11, 0)
    assert dest["spam/0"] == source["spam/0"]
    empty: dict = {}
    lines.clear()
    assert zarr_core.copy_store(source, empty, dry_run=True, log=lines.append) == (11, 0, 0)
    assert empty == {} and lines[-1] == "dry run: 11 copied, 0 skipped"
    with pytest.raises(ValueError, match="if_exists"):
        zarr_core.copy_store(source, {}, if_exists="skip_initialized")


def test_copy_store_between_paths(tmp_path) -> None:
    src = str(tmp_path / "a.zarr")
    zarr_core.save(src, np.arange(6))
    dst = str(tmp_path / "b.zarr")
    zarr_core.copy_store(src, dst)
    np.testing.assert_array_equal(zarr_core.load(dst), np.arange(6))
    assert sorted(os.listdir(dst)) == sorted(os.listdir(src))
