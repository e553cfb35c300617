"""Format conversion of hierarchies: metadata rewritten, chunk bytes kept (re-keyed where
the key encodings differ), data re-encoded only where the target format cannot describe
the codecs."""

from __future__ import annotations

import json

import numcodecs
import numpy as np
import pytest

import zarr_core
from zarr_core.errors import ContainsGroupError, MetadataError
from zarr_core.storage import MemoryStore

_DOCUMENTS = {2: (".zarray", ".zgroup", ".zattrs", ".zmetadata"), 3: ("zarr.json",)}


def _documents(store, fmt: int) -> list[str]:
    return sorted(k for k in store if k.rsplit("/", 1)[-1] in _DOCUMENTS[fmt])


def _snapshot(group: zarr_core.Group) -> dict:
    """Everything a reader sees: tree, attributes, dtypes, chunks, fill values, data."""
    out: dict = {"": json.dumps(group.attrs.asdict(), sort_keys=True)}

    def visit(path: str, node) -> None:
        if isinstance(node, zarr_core.Group):
            out[path] = json.dumps(node.attrs.asdict(), sort_keys=True)
        else:
            attrs = {k: v for k, v in node.attrs.asdict().items() if k != "_ARRAY_DIMENSIONS"}
            # (a format 2 string array without fill value reads "" as format 3 does)
            fill = None if node.dtype.kind == "O" else repr(node.fill_value)
            out[path] = (
                json.dumps(attrs, sort_keys=True),
                node.shape,
                node.chunks,
                node.dtype.newbyteorder("=") if node.dtype.kind != "O" else node.dtype,
                fill,
                repr(node[...].tolist()),
            )

    group.visititems(visit)
    return out


def _v2_tree(store) -> zarr_core.Group:
    root = zarr_core.group(store, zarr_format=2)
    root.attrs.update(title="t", nan=float("nan"))
    g = root.create_group("g")
    g.attrs["level"] = 1
    x = g.array("x", np.arange(30, dtype=">i4").reshape(5, 6), chunks=(2, 4), order="F")
    x.attrs["_ARRAY_DIMENSIONS"] = ["row", "col"]
    g.array("z", np.linspace(0, 1, 7), chunks=3, compressor=numcodecs.Zstd(3), fill_value=np.nan)
    root.array(
        "s", np.array(["a", "bc", ""], dtype=object), dtype=str, dimension_separator="/", chunks=2
    )
    root.array("d", np.arange(10, dtype="u2"), chunks=4, filters=[numcodecs.Delta("u2")])
    root.create_group("empty/deeper")
    root.zeros("missing", shape=(4,), chunks=2)  # no chunk written
    root.array("scalar", np.array(3.5), chunks=())
    return root


def _v3_tree(store, separator: str = "/") -> zarr_core.Group:
    root = zarr_core.group(store, zarr_format=3)
    root.attrs["title"] = "v3"
    x = root.array(
        "x",
        np.arange(12.0).reshape(3, 4),
        chunks=(2, 2),
        dimension_names=["y", "x"],
        chunk_key_encoding=("default", separator),
        compressor=numcodecs.GZip(2),
    )
    x.attrs["units"] = "m"
    root.array("g/s", np.array(["α", "b"], dtype=object), dtype=str, chunks=1)
    root.array("g/b", np.array([b"x", b"yz"], dtype=object), dtype=bytes, chunks=2)
    root.array("scalar", np.array(7, dtype="i8"), chunks=())
    return root


# -- format 2 to 3 --------------------------------------------------------------------


def test_v2_to_v3_in_place_keeps_chunks() -> None:
    store = MemoryStore()
    before = _snapshot(_v2_tree(store))
    chunks = {k: store[k] for k in store if k.rsplit("/", 1)[-1] not in _DOCUMENTS[2]}
    report = zarr_core.convert(store, 3)
    assert report.chunks_moved == 0 and not report.reencoded
    assert sorted(report.arrays) == ["/d", "/g/x", "/g/z", "/missing", "/s", "/scalar"]
    assert report.groups == ["/", "/empty", "/empty/deeper", "/g"]
    assert _documents(store, 2) == []  # the old documents are gone
    # every chunk is where it was, byte for byte
    assert {k: store[k] for k in chunks} == chunks
    root = zarr_core.open_group(store, mode="r")
    assert root.zarr_format == 3 and _snapshot(root) == before
    x = root["g/x"]
    assert x.dimension_names == ("row", "col") and x.order == "F"
    assert x.metadata.chunk_key_encoding.name == "v2"


def test_v2_to_v3_rekeyed() -> None:
    store = MemoryStore()
    before = _snapshot(_v2_tree(store))
    report = zarr_core.convert(store, 3, chunk_key_encoding="default")
    assert report.chunks_moved > 0
    assert not any(
        k.startswith("g/x/") and not k.startswith("g/x/c/") and k != "g/x/zarr.json" for k in store
    )
    assert "g/x/c/0/0" in store and "s/c/1" in store and "scalar/c" in store
    assert _snapshot(zarr_core.open_group(store)) == before


def test_v2_to_v3_into_another_store() -> None:
    source, dest = MemoryStore(), MemoryStore()
    before = _snapshot(_v2_tree(source))
    snapshot = {k: source[k] for k in source}
    lines: list[str] = []
    report = zarr_core.convert(source, 3, dest, dest_path="converted", log=lines.append)
    assert {k: source[k] for k in source} == snapshot  # the source is untouched
    assert _snapshot(zarr_core.open_group(dest, path="converted")) == before
    assert report.chunks_moved == sum(
        1 for k in source if k.rsplit("/", 1)[-1] not in _DOCUMENTS[2]
    )
    assert "group /g" in lines and any(
        line.startswith("array /g/x: metadata rewritten") for line in lines
    )
    with pytest.raises(ContainsGroupError):
        zarr_core.convert(source, 3, dest, dest_path="converted")
    zarr_core.convert(source, 3, dest, dest_path="converted", overwrite=True)


def test_convert_one_array() -> None:
    store = MemoryStore()
    _v2_tree(store)
    report = zarr_core.convert(store, 3, path="g/z")
    assert report.arrays == ["/g/z"]
    assert zarr_core.open_array(store, path="g/z", mode="r").zarr_format == 3
    assert zarr_core.open_group(store, path="g").zarr_format == 2


def test_other_format_nodes_are_left_alone() -> None:
    store = MemoryStore()
    root = zarr_core.group(store, zarr_format=2)
    root.zeros("old", shape=2)
    zarr_core.zeros(3, store=store, path="new", zarr_format=3)
    zarr_core.convert(store, 3)
    assert zarr_core.open_array(store, path="new").zarr_format == 3
    assert list(zarr_core.open_group(store)) == ["new", "old"]


# -- format 3 to 2 --------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["/", "."])
def test_v3_to_v2_in_place_rekeys(separator: str) -> None:
    store = MemoryStore()
    before = _snapshot(_v3_tree(store, separator))
    report = zarr_core.convert(store, 2)
    assert not report.reencoded and report.chunks_moved > 0
    assert _documents(store, 3) == []
    assert not any("/c/" in k or "/c." in k for k in store)
    root = zarr_core.open_group(store, mode="r")
    assert root.zarr_format == 2 and _snapshot(root) == before
    x = root["x"]
    assert x.attrs["_ARRAY_DIMENSIONS"] == ["y", "x"]
    assert f"x/1{separator}1" in store and "scalar/0" in store


def test_round_trip_keeps_bytes() -> None:
    store = MemoryStore()
    _v2_tree(store)
    original = {k: store[k] for k in store}
    zarr_core.convert(store, 3)
    zarr_core.convert(store, 2)
    chunks = {k: v for k, v in original.items() if k.rsplit("/", 1)[-1] not in _DOCUMENTS[2]}
    assert {k: store[k] for k in chunks} == chunks
    assert set(store) == set(original)
    root = zarr_core.open_group(store)
    assert root["g/x"].order == "F" and root["g/x"].dtype == np.dtype(">i4")
    assert root["g/z"].compressor == numcodecs.Zstd(level=3)


_PARTIAL_TRANSPOSE = [
    {"name": "transpose", "configuration": {"order": [1, 0, 2]}},
    {"name": "bytes", "configuration": {"endian": "little"}},
]


def test_reencode_into_another_store() -> None:
    source, dest = MemoryStore(), MemoryStore()
    data = np.arange(8, dtype="u1").reshape(2, 2, 2)
    zarr_core.array(data, chunks=1, codecs=_PARTIAL_TRANSPOSE, store=source, path="a")
    report = zarr_core.convert(source, 2, dest, path="a")
    assert list(report.reencoded) == ["/a"]
    np.testing.assert_array_equal(zarr_core.open_array(dest, mode="r")[:], data)


def test_root_array_reencode_in_place_is_refused() -> None:
    store = MemoryStore()
    zarr_core.zeros((2, 2, 2), chunks=1, codecs=_PARTIAL_TRANSPOSE, store=store)
    with pytest.raises(ValueError, match="dest="):
        zarr_core.convert(store, 2)


# -- consolidated metadata ------------------------------------------------------------


@pytest.mark.parametrize(("source_fmt", "target_fmt"), [(2, 3), (3, 2)])
def test_consolidated_metadata_follows(source_fmt: int, target_fmt: int) -> None:
    store = MemoryStore()
    before = _snapshot(_v2_tree(store) if source_fmt == 2 else _v3_tree(store))
    zarr_core.consolidate_metadata(store)
    report = zarr_core.convert(store, target_fmt)
    assert report.consolidated
    root = zarr_core.open_consolidated(store, mode="r")
    assert root.zarr_format == target_fmt and _snapshot(root) == before
    if target_fmt == 3:
        assert ".zmetadata" not in store
    other = MemoryStore()
    (_v2_tree if source_fmt == 2 else _v3_tree)(other)
    zarr_core.consolidate_metadata(other)
    assert not zarr_core.convert(other, target_fmt, consolidated=False).consolidated
    with pytest.raises(MetadataError):
        zarr_core.open_consolidated(other)


# -- errors ---------------------------------------------------------------------------


def test_errors() -> None:
    store = MemoryStore()
    _v2_tree(store)
    with pytest.raises(ValueError, match="already in Zarr format 2"):
        zarr_core.convert(store, 2)
    with pytest.raises(ValueError, match="zarr_format"):
        zarr_core.convert(store, 4)
    with pytest.raises(ValueError, match="chunk_key_encoding"):
        zarr_core.convert(store, 3, chunk_key_encoding="weird")
    v3 = MemoryStore()
    _v3_tree(v3)
    with pytest.raises(ValueError, match="format 3"):
        zarr_core.convert(v3, 2, chunk_key_encoding="default")
    objects = MemoryStore()
    root = zarr_core.group(objects, zarr_format=2)
    root.zeros("a_first", shape=2)
    root.array("b_json", [{"a": 1}], dtype=object, object_codec=numcodecs.JSON())
    snapshot = {k: objects[k] for k in objects}
    with pytest.raises(MetadataError):
        zarr_core.convert(objects, 3)
    assert {k: objects[k] for k in objects} == snapshot  # nothing half-converted


def test_directory_store(tmp_path) -> None:
    path = str(tmp_path / "data.zarr")
    before = _snapshot(_v2_tree(path))
    zarr_core.convert(path, 3, chunk_key_encoding="default")
    assert (tmp_path / "data.zarr" / "g" / "x" / "c").is_dir()
    assert not list((tmp_path / "data.zarr").rglob(".zarray"))
    assert _snapshot(zarr_core.open_group(path, mode="r")) == before
