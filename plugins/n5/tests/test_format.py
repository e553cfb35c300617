"""The N5 <-> Zarr v2 translation: keys, axes, attributes, blocks, compressions, errors.

Blocks and documents here are written byte by byte from the N5 specification (struct,
the standard library's compressors), not with the plugin's own encoder, so an encoding
bug that the plugin's reader would undo symmetrically still fails.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from zarr_core_n5 import (
    N5AttributeWarning,
    N5Container,
    N5MetadataError,
    N5Store,
    N5TensorstoreWarning,
    N5UnsupportedError,
    lz4block,
)

import zarr_core
from zarr_core.errors import CorruptChunkError
from zarr_core.testing.counting import CountingStore


def write_json(path: Path, doc: dict) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "attributes.json").write_text(json.dumps(doc))


def n5_block(values: np.ndarray, compress=lambda b: b, mode: int = 0) -> bytes:
    """An N5 block of ``values`` given in *N5* axis order (first axis fastest)."""
    dims = values.shape
    head = struct.pack(">HH", mode, len(dims)) + struct.pack(f">{len(dims)}I", *dims)
    payload = np.asarray(values, dtype=values.dtype.newbyteorder(">")).tobytes(order="F")
    return head + compress(payload)


def dataset(path: Path, dims, block, dtype="uint16", **extra) -> None:
    doc = {"dimensions": dims, "blockSize": block, "dataType": dtype, **extra}
    doc.setdefault("compression", {"type": "raw"})
    write_json(path, doc)


# -- layout --------------------------------------------------------------------------
def test_axes_reversed_and_blocks_nested(tmp_path):
    z = zarr_core.zeros((10, 7), chunks=(4, 3), dtype="<u2", store=N5Store(tmp_path / "c.n5"))
    z[...] = np.arange(70).reshape(10, 7)
    doc = json.loads((tmp_path / "c.n5" / "attributes.json").read_text())
    assert doc == {
        "n5": "2.0.0",  # a root dataset carries the version, which zarr-python 2 requires
        "dimensions": [7, 10],
        "blockSize": [3, 4],
        "dataType": "uint16",
        "compression": doc["compression"],
    }
    # Zarr chunk (2, 1) -> N5 grid position (1, 2) -> path 1/2, holding rows 8..9, columns
    # 3..5 whole (zero-padded past row 9), big-endian, N5's first axis fastest.
    raw = (tmp_path / "c.n5" / "1" / "2").read_bytes()
    assert raw[:12] == struct.pack(">HHII", 0, 2, 3, 4)
    inner = zarr_core.open_array(N5Store(tmp_path / "c.n5"), mode="r")
    assert inner.compressor.compression == doc["compression"]
    expected = np.zeros((4, 3), dtype=">u2")
    expected[:2] = np.arange(70).reshape(10, 7)[8:, 3:6]
    from zarr_core_n5 import compression as comp

    payload = comp.decompress(doc["compression"], raw[12:], 24)
    assert payload == expected.tobytes()
    store = N5Store(tmp_path / "c.n5")
    assert "2.1" in store.listdir("")
    assert store.list_prefix("2.") == ["2.0", "2.1", "2.2"]
    assert (tmp_path / "c.n5" / "1" / "2").is_file() and "1/2" not in store.listdir("")


def test_groups_carry_the_version_and_user_attributes(tmp_path):
    root = zarr_core.open_group(N5Store(tmp_path / "c.n5"), mode="w", zarr_format=2)
    root.attrs["title"] = "t"
    root.create_group("a/b").attrs["k"] = [1, 2]
    assert json.loads((tmp_path / "c.n5" / "attributes.json").read_text()) == {
        "n5": "2.0.0",
        "title": "t",
    }
    assert json.loads((tmp_path / "c.n5" / "a" / "b" / "attributes.json").read_text()) == {
        "n5": "2.0.0",
        "k": [1, 2],
    }
    again = zarr_core.open_group(N5Store(tmp_path / "c.n5", mode="r"), mode="r")
    assert again.attrs.asdict() == {"title": "t"}  # "n5" never leaks
    assert again["a/b"].attrs.asdict() == {"k": [1, 2]}


def test_batches_stay_one_call(tmp_path):
    counting = CountingStore()
    z = zarr_core.zeros((40, 40), chunks=(10, 10), dtype="i4", store=N5Container(counting))
    z[...] = 1
    counting.reset()
    got = N5Container(counting).getitems([".zarray", "0.0", "3.3", ".zattrs"])
    assert sorted(got) == [".zarray", "0.0", "3.3"]
    assert [op for op, _ in counting.calls] == ["getitems"]
    assert sorted(counting.calls[0][1]) == ["0/0", "3/3", "attributes.json"]
    counting.reset()
    z[...] = 2
    assert [op for op, _ in counting.calls] == ["setitems"]
    assert len(counting.calls[0][1]) == 16


# -- reading other writers' blocks ---------------------------------------------------
def test_truncated_and_padded_edge_blocks_mixed(tmp_path):
    """Java N5 and z5py truncate edge blocks; zarr-python 2 and tensorstore pad them."""
    root = tmp_path / "c.n5"
    dataset(root, [5, 3], [4, 2], compression={"type": "gzip", "useZlib": False})
    full = np.arange(15, dtype="u2").reshape(3, 5)  # Zarr axes
    n5 = full.T  # N5 axes: dims [5, 3]
    blocks = {
        "0/0": n5[0:4, 0:2],
        "1/0": n5[4:5, 0:2],  # truncated: 1 x 2
        "0/1": n5[0:4, 2:3],  # truncated: 4 x 1
    }
    padded = np.zeros((4, 2), "u2")
    padded[:1, :1] = n5[4:5, 2:3]
    blocks["1/1"] = padded  # full size, zero padded
    for key, values in blocks.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(n5_block(values, gzip.compress))
    z = zarr_core.open_array(N5Store(root), mode="r")
    assert z.shape == (3, 5) and z.chunks == (2, 4)
    np.testing.assert_array_equal(z[...], full)


@pytest.mark.parametrize(
    "compression, compress",
    [
        ({"type": "raw"}, lambda b: b),
        ({"type": "gzip"}, gzip.compress),
        ({"type": "gzip", "useZlib": True, "level": 9}, zlib.compress),
        ({"type": "bzip2", "blockSize": 3}, bz2.compress),
        ({"type": "xz", "preset": 2}, lambda b: lzma.compress(b, preset=2)),
        ({"type": "lz4", "blockSize": 64}, None),
    ],
    ids=["raw", "gzip", "zlib", "bzip2", "xz", "lz4"],
)
def test_compressions_from_the_spec(tmp_path, compression, compress):
    if compress is None:  # Java's LZ4BlockOutputStream framing, stored-raw frames
        compress = java_lz4_raw_frames
    root = tmp_path / "c.n5"
    dataset(root, [300], [200], dtype="int32", compression=compression)
    values = (np.arange(300) * 1000003).astype("i4")
    (root / "0").write_bytes(n5_block(values[:200], compress))
    (root / "1").write_bytes(n5_block(values[200:], compress))  # truncated
    z = zarr_core.open_array(N5Store(root), mode="r")
    np.testing.assert_array_equal(z[...], values)
    # ...and what zarr-core writes with that compression reads back the same.
    z2 = zarr_core.open_array(
        N5Store(tmp_path / "w.n5"), mode="w", shape=(300,), chunks=(200,), dtype="i4", zarr_format=2
    )
    z2.store.store["attributes.json"] = (root / "attributes.json").read_bytes()
    z2 = zarr_core.open_array(N5Store(tmp_path / "w.n5"), mode="r+")
    z2[...] = values
    np.testing.assert_array_equal(zarr_core.open_array(N5Store(tmp_path / "w.n5"))[...], values)


def java_lz4_raw_frames(payload: bytes, block: int = 64) -> bytes:
    """lz4-java's LZ4BlockOutputStream output with incompressible (raw) frames."""
    import xxhash

    out = b""
    level = max(0, (block - 1).bit_length() - 10)
    for i in range(0, len(payload), block):
        piece = payload[i : i + block]
        check = xxhash.xxh32_intdigest(piece, 0x9747B28C) & 0xFFFFFFF
        out += b"LZ4Block" + struct.pack("<BIII", 0x10 | level, len(piece), len(piece), check)
        out += piece
    return out + b"LZ4Block" + struct.pack("<BIII", 0x10 | level, 0, 0, 0)


def test_lz4_frames_compress_and_verify_their_checksum():
    data = (b"n5 lz4 " * 40000)[:200001]
    framed = lz4block.compress(memoryview(data), 65536)
    assert framed.startswith(b"LZ4Block") and len(framed) < len(data) // 10
    assert lz4block.decompress(framed, len(data)) == data
    assert lz4block.decompress(java_lz4_raw_frames(data[:1000]), 1000) == data[:1000]
    broken = bytearray(java_lz4_raw_frames(data[:100]))
    broken[30] ^= 1
    with pytest.raises(ValueError, match="checksum"):
        lz4block.decompress(bytes(broken), 100)
    with pytest.raises(ValueError, match="bad LZ4Block frame"):
        lz4block.decompress(framed, 1000)  # more than the block header allows


def test_legacy_compression_type(tmp_path):
    root = tmp_path / "c.n5"
    write_json(
        root, {"dimensions": [4], "blockSize": [4], "dataType": "uint8", "compressionType": "gzip"}
    )
    (root / "0").write_bytes(n5_block(np.arange(4, dtype="u1"), gzip.compress))
    z = zarr_core.open_array(N5Store(root), mode="r")
    assert z[...].tolist() == [0, 1, 2, 3]
    assert "compressionType" not in z.attrs.asdict()


def test_varlength_and_object_blocks_are_refused(tmp_path):
    root = tmp_path / "c.n5"
    dataset(root / "vol" / "raw", [4], [4], dtype="uint8")
    head = struct.pack(">HHII", 1, 1, 4, 4)
    (root / "vol" / "raw" / "0").write_bytes(head + bytes(4))
    z = zarr_core.open_array(N5Store(root), path="vol/raw", mode="r")
    with pytest.raises(
        CorruptChunkError, match="'vol/raw' holds a block in varlength mode"
    ) as info:
        z[...]
    assert isinstance(info.value.__cause__, N5UnsupportedError)
    (root / "vol" / "raw" / "0").write_bytes(struct.pack(">HHI", 2, 1, 4) + bytes(4))
    with pytest.raises(CorruptChunkError, match="object mode"):
        z[...]


@pytest.mark.parametrize("data_type", ["string", "object"])
def test_string_and_object_datasets_are_refused(tmp_path, data_type):
    dataset(tmp_path / "c.n5" / "labels", [4], [4], dtype=data_type)
    with pytest.raises(N5UnsupportedError, match=f"'labels' has dataType '{data_type}'") as info:
        zarr_core.open_array(N5Store(tmp_path / "c.n5"), path="labels", mode="r")
    assert info.value.field == "dataType"
    assert info.value.key.startswith("labels/attributes.json")


@pytest.mark.parametrize(
    "doc, field, message",
    [
        ({"dimensions": [4], "blockSize": [4, 4], "dataType": "uint8"}, "blockSize", "has 2"),
        ({"dimensions": [4], "blockSize": [0], "dataType": "uint8"}, "blockSize", ">= 1"),
        ({"dimensions": "4", "blockSize": [4], "dataType": "uint8"}, "dimensions", "list"),
        ({"dimensions": [4], "blockSize": [4], "dataType": "bool"}, "dataType", "unknown"),
        (
            {
                "dimensions": [4],
                "blockSize": [4],
                "dataType": "uint8",
                "compression": {"type": "lzf"},
            },
            "compression",
            "unsupported N5 compression type 'lzf'",
        ),
        (
            {
                "dimensions": [4],
                "blockSize": [4],
                "dataType": "uint8",
                "compression": {"type": "gzip", "level": 12},
            },
            "compression.level",
            r"\[-1, 9\]",
        ),
    ],
)
def test_invalid_dataset_attributes(tmp_path, doc, field, message):
    write_json(tmp_path / "c.n5" / "d", doc)
    with pytest.raises(N5MetadataError, match=message) as info:
        zarr_core.open_array(N5Store(tmp_path / "c.n5"), path="d", mode="r")
    assert info.value.field == field
    assert "d/attributes.json" in info.value.key


def test_invalid_json_names_the_file(tmp_path):
    (tmp_path / "c.n5").mkdir()
    (tmp_path / "c.n5" / "attributes.json").write_text("{broken")
    with pytest.raises(N5MetadataError, match="not valid JSON") as info:
        N5Store(tmp_path / "c.n5")[".zgroup"]
    assert info.value.key.startswith("attributes.json in <DirectoryStore")


def test_block_headers_that_do_not_fit_are_corrupt(tmp_path):
    root = tmp_path / "c.n5"
    dataset(root, [4, 4], [2, 2])
    z = zarr_core.open_array(N5Store(root), mode="r")
    (root / "0").mkdir()
    (root / "0" / "0").write_bytes(n5_block(np.zeros((3, 2), "u2")))
    with pytest.raises(CorruptChunkError, match="exceeds the block size"):
        z[...]
    (root / "0" / "0").write_bytes(n5_block(np.zeros((2, 2), "u2"))[:-1])
    with pytest.raises(CorruptChunkError, match="decodes to 7 bytes, the block header says 8"):
        z[...]
    (root / "0" / "0").write_bytes(struct.pack(">HHI", 0, 1, 2) + bytes(4))
    with pytest.raises(CorruptChunkError, match="1 dimensions, the dataset 2"):
        z[...]


def test_decompression_is_bounded_by_the_header(tmp_path):
    root = tmp_path / "c.n5"
    dataset(root, [8], [8], dtype="uint8", compression={"type": "gzip"})
    bomb = gzip.compress(bytes(50_000_000))  # 50 MB of zeros in ~50 kB
    (root / "0").write_bytes(struct.pack(">HHI", 0, 1, 8) + bomb)
    with pytest.raises(CorruptChunkError, match="decodes to 9 bytes, the block header says 8"):
        zarr_core.open_array(N5Store(root), mode="r")[...]


# -- attributes ------------------------------------------------------------------------
def test_reserved_attribute_names_never_break_metadata(tmp_path):
    z = zarr_core.zeros((6, 4), chunks=(3, 2), dtype="f4", store=N5Store(tmp_path / "c.n5"))
    with pytest.warns(N5AttributeWarning, match=r"\['blockSize', 'dimensions'\] are reserved"):
        z.attrs.update({"dimensions": [1], "blockSize": "x", "ok": 1})
    again = zarr_core.open_array(N5Store(tmp_path / "c.n5"), mode="r")
    assert again.shape == (6, 4) and again.chunks == (3, 2)
    assert again.attrs.asdict() == {"ok": 1}


@pytest.mark.parametrize(
    "attrs, bad",
    [
        ({"units": "counts"}, "units"),
        ({"units": ["nm"]}, "units"),
        ({"resolution": [1, "2"]}, "resolution"),
        ({"axes": "xy"}, "axes"),
    ],
)
def test_tensorstore_unreadable_attributes_warn(tmp_path, attrs, bad):
    z = zarr_core.zeros((6, 4), chunks=(3, 2), dtype="f4", store=N5Store(tmp_path / "c.n5"))
    with pytest.warns(N5TensorstoreWarning, match=f"attribute '{bad}' as a list of 2") as rec:
        z.attrs.update(attrs)
    assert rec[0].filename == __file__  # the warning points at the user's line
    assert zarr_core.open_array(N5Store(tmp_path / "c.n5")).attrs.asdict() == attrs  # stored


def test_tensorstore_readable_attributes_do_not_warn(tmp_path):
    z = zarr_core.zeros((6, 4), chunks=(3, 2), dtype="f4", store=N5Store(tmp_path / "c.n5"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z.attrs.update({"units": ["nm", "um"], "resolution": [4, 0.5], "axes": ["x", "y"]})
        # Groups are not datasets: tensorstore never parses their attributes.
        g = zarr_core.open_group(N5Store(tmp_path / "g.n5"), mode="w", zarr_format=2)
        g.attrs["units"] = "counts"


def test_deleting_views_keeps_the_rest(tmp_path):
    z = zarr_core.zeros((4,), chunks=(2,), dtype="u1", store=N5Store(tmp_path / "c.n5"))
    z.attrs["k"] = "v"
    store = N5Store(tmp_path / "c.n5")
    del store[".zattrs"]
    assert ".zattrs" not in store and ".zarray" in store
    store[".zattrs"] = b'{"k": "again"}'
    del store[".zarray"]
    assert json.loads((tmp_path / "c.n5" / "attributes.json").read_text()) == {"k": "again"}
    assert ".zgroup" in store  # a directory with attributes and no dataset is a group
    del store[".zattrs"]
    assert not (tmp_path / "c.n5" / "attributes.json").exists()
    with pytest.raises(KeyError):
        del store[".zgroup"]


# -- what N5 cannot express ---------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        ({"fill_value": 7}, "fill_value", "N5 has no fill value"),
        ({"order": "F"}, "order", "C order"),
        ({"dtype": "complex64"}, "dtype", "numeric types"),
        ({"dtype": "bool"}, "dtype", "numeric types"),
        ({"dimension_separator": "/"}, "dimension_separator", "leave it unset"),
        ({"compressor": "shuffle"}, "compressor", "no compression equivalent"),
        ({"filters": "delta"}, "filters", "N5 has no filters"),
    ],
)
def test_unrepresentable_arrays_are_refused(tmp_path, kwargs, field, message):
    import numcodecs

    if kwargs.get("compressor") == "shuffle":
        kwargs["compressor"] = numcodecs.Shuffle(elementsize=4)
    if kwargs.get("filters") == "delta":
        kwargs["filters"] = [numcodecs.Delta(dtype="f8")]
    kwargs.setdefault("dtype", "f8")
    with pytest.raises(N5MetadataError, match=message) as info:
        zarr_core.create((4,), chunks=(2,), store=N5Store(tmp_path / "c.n5"), **kwargs)
    assert info.value.field == field
    assert info.value.key.startswith("attributes.json in ")


def test_dimension_separator_argument(tmp_path):
    assert N5Store(tmp_path / "a.n5", dimension_separator="/").dimension_separator == "."
    with pytest.raises(ValueError, match="always nest their blocks with '/'"):
        N5Store(tmp_path / "a.n5", dimension_separator=".")


def test_threads_updating_one_node_lose_nothing(tmp_path):
    """.zarray and .zattrs share one attributes.json: concurrent updates both land."""
    from zarr_core.testing.concurrency import run_in_threads

    store = N5Store(tmp_path / "c.n5")
    z = zarr_core.zeros((4,), chunks=(2,), dtype="u1", store=store)
    zarray = json.loads(store[".zarray"])

    def work(worker: int) -> None:
        for i in range(1, 60):
            if worker == 0:
                store[".zarray"] = json.dumps({**zarray, "shape": [i]}).encode()
            else:
                store[".zattrs"] = json.dumps({"i": i}).encode()

    run_in_threads(work, 2)
    doc = json.loads((tmp_path / "c.n5" / "attributes.json").read_text())
    assert (doc["dimensions"], doc["i"]) == ([59], 59)
    assert z.store is store


def test_directories_of_an_n5_container_are_groups(tmp_path):
    """Java N5 writes no attributes.json for groups without attributes; N5 makes every
    directory a group. With the root's N5 version present, zarr-core sees them too."""
    root = tmp_path / "c.n5"
    write_json(root, {"n5": "4.0.0"})
    dataset(root / "volumes" / "raw", [3, 2], [2, 2], dtype="int16")
    (root / "volumes" / "raw" / "0").mkdir()
    (root / "volumes" / "raw" / "0" / "0").write_bytes(
        n5_block(np.arange(4, dtype="i2").reshape(2, 2))
    )
    (root / "empty").mkdir()  # holds nothing: not a group (no store lists empty directories)
    group = zarr_core.open_group(N5Store(root, mode="r"), mode="r")
    assert list(group.group_keys()) == ["volumes"]
    assert list(group["volumes"].array_keys()) == ["raw"]
    assert group["volumes/raw"][0].tolist() == [0, 2, 0]  # N5 axes reversed
    store = N5Store(root, mode="r")
    assert "volumes/.zgroup" in store and "volumes/raw/0/.zgroup" not in store
    assert store.listdir("volumes") == [".zgroup", "raw"]
    assert sorted(store) == [".zgroup", "volumes/.zgroup", "volumes/raw/.zarray", "volumes/raw/0.0"]
    assert store.getitems(["volumes/.zgroup", "empty/.zgroup"]) == {
        "volumes/.zgroup": store["volumes/.zgroup"]
    }


def test_without_the_root_version_bare_directories_are_not_groups(tmp_path):
    """tensorstore writes no root attributes.json: open its datasets by path."""
    root = tmp_path / "c.n5"
    dataset(root / "volumes" / "raw", [3, 2], [2, 2], dtype="int16")
    store = N5Store(root, mode="r")
    assert "volumes/.zgroup" not in store and ".zgroup" not in store
    assert zarr_core.open_array(store, path="volumes/raw", mode="r").shape == (2, 3)
