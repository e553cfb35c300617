"""The sharding_indexed codec: byte layout, metadata, creation, validation and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from zarr_core_sharding import ShardingCodec

import zarr_core
from zarr_core.errors import (
    CorruptChunkError,
    MetadataError,
    PluginNotFoundError,
    UnknownExtensionError,
)
from zarr_core.storage import MemoryStore

EMPTY = 2**64 - 1


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), bit by bit: an independent check of what the codec writes."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


BYTES = {"name": "bytes", "configuration": {"endian": "little"}}


def sharded(shape, shards, inner, *, location="end", chain=(BYTES,), index_codecs=None, **kwargs):
    config = {"chunk_shape": list(inner), "codecs": list(chain), "index_location": location}
    if index_codecs is not None:
        config["index_codecs"] = index_codecs
    kwargs.setdefault("store", MemoryStore())
    kwargs.setdefault("dtype", "u1")
    return zarr_core.create(
        shape,
        chunks=shards,
        codecs=[{"name": "sharding_indexed", "configuration": config}],
        zarr_format=3,
        **kwargs,
    )


def index_bytes(entries, crc=True) -> bytes:
    raw = np.array(entries, dtype="<u8").tobytes()
    return raw + crc32c(raw).to_bytes(4, "little") if crc else raw


# -- the byte layout ----------------------------------------------------------------------


def test_index_at_the_end_byte_for_byte():
    z = sharded((8,), (4,), (2,))
    z[...] = np.arange(1, 9, dtype="u1")
    # Two inner chunks of two bytes, in C order, then 2 x (offset, nbytes) + the CRC-32C.
    assert z.store["c/0"] == b"\x01\x02\x03\x04" + index_bytes([[0, 2], [2, 2]])
    assert z.store["c/1"] == b"\x05\x06\x07\x08" + index_bytes([[0, 2], [2, 2]])
    assert len(z.store["c/0"]) == 4 + 16 * 2 + 4


def test_index_at_the_start_has_absolute_offsets():
    z = sharded((8,), (4,), (2,), location="start")
    z[...] = np.arange(1, 9, dtype="u1")
    # The payload starts after the 36-byte index, and offsets count from the value's start.
    assert z.store["c/0"] == index_bytes([[36, 2], [38, 2]]) + b"\x01\x02\x03\x04"


def test_empty_inner_chunks_are_marked_and_not_stored():
    z = sharded((2, 6), (2, 6), (2, 2), fill_value=7)
    z[:, 2:4] = 1
    # Inner chunks 0 and 2 hold only the fill value: both fields are 2^64 - 1.
    expected = np.full((2, 4), 1, dtype="u1").reshape(2, 2, 2)[0].tobytes()
    assert z.store["c/0/0"] == expected + index_bytes([[EMPTY, EMPTY], [0, 4], [EMPTY, EMPTY]])
    assert z[0, 0] == 7


def test_shard_of_empty_inner_chunks_is_not_stored():
    z = sharded((8,), (4,), (2,), fill_value=3)
    z[...] = 3
    assert "c/0" not in z.store and "c/1" not in z.store
    z[1] = 4
    assert "c/0" in z.store
    z[1] = 3  # back to the fill value: the shard goes away again
    assert "c/0" not in z.store
    np.testing.assert_array_equal(z[...], np.full(8, 3, dtype="u1"))


def test_fill_value_is_compared_bit_for_bit():
    # -0.0 equals a 0.0 fill as a number, but dropping it would lose its sign.
    z = sharded((4,), (4,), (2,), dtype="f8", fill_value=0.0)
    z[...] = [-0.0, -0.0, 0.0, 0.0]
    assert np.signbit(z[...]).tolist() == [True, True, False, False]
    assert z._io.pipeline.array_bytes_codec._decode_index(z.store["c/0"][-36:], "k")[
        1
    ].tolist() == [
        EMPTY,
        EMPTY,
    ]


def test_nan_fill_inner_chunks_are_empty():
    z = sharded((4,), (4,), (2,), dtype="f4", fill_value=np.nan)
    z[...] = np.nan
    assert "c/0" not in z.store


def test_edge_shards_are_encoded_at_full_shape():
    z = sharded((5, 3), (4, 4), (2, 2), fill_value=0)
    data = np.arange(1, 16, dtype="u1").reshape(5, 3)
    z[...] = data
    index = z._io.pipeline.array_bytes_codec._decode_index(z.store["c/1/0"][-68:], "c/1/0")
    # Row 4 holds data in inner chunks (2, 0) and (2, 1); the rows past the end of the
    # array (inner chunks (3, *)) are empty, and so are no other positions.
    stored = [i for i in range(4) if index[i, 0] != EMPTY]
    assert stored == [0, 1]
    np.testing.assert_array_equal(z[...], data)
    # Each stored inner chunk has the full inner shape (2 x 2 bytes), padded with the fill.
    assert index[:2, 1].tolist() == [4, 4]


def test_reads_any_payload_order_and_gaps():
    # A shard laid out the way another writer might: reversed order, a gap, index at the start.
    z = sharded((4,), (4,), (2,), location="start")
    payload_b, gap, payload_a = b"\x03\x04", b"\xff" * 5, b"\x01\x02"
    head = 36
    entries = [[head + 2 + 5, 2], [head, 2]]
    z.store["c/0"] = index_bytes(entries) + payload_b + gap + payload_a
    np.testing.assert_array_equal(z[...], [1, 2, 3, 4])
    assert z[3] == 4


def test_index_codecs_without_checksum():
    z = sharded((4,), (4,), (2,), index_codecs=[BYTES])
    z[...] = [1, 2, 3, 4]
    assert z.store["c/0"] == b"\x01\x02\x03\x04" + index_bytes([[0, 2], [2, 2]], crc=False)
    np.testing.assert_array_equal(zarr_core.open_array(z.store, mode="r")[...], [1, 2, 3, 4])


def test_big_endian_index():
    big = [{"name": "bytes", "configuration": {"endian": "big"}}, {"name": "crc32c"}]
    z = sharded((4,), (4,), (2,), index_codecs=big)
    z[...] = [1, 2, 3, 4]
    raw = np.array([[0, 2], [2, 2]], dtype=">u8").tobytes()
    assert z.store["c/0"][4:] == raw + crc32c(raw).to_bytes(4, "little")
    assert z[2] == 3


# -- metadata and creation ----------------------------------------------------------------


def test_create_with_shards_writes_the_standard_metadata():
    store = MemoryStore()
    z = zarr_core.create(
        (100, 100), chunks=(10, 10), shards=(50, 50), dtype="i4", store=store, zarr_format=3
    )
    doc = json.loads(store["zarr.json"])
    assert doc["chunk_grid"]["configuration"]["chunk_shape"] == [50, 50]
    (codec,) = doc["codecs"]
    assert codec["name"] == "sharding_indexed"
    config = codec["configuration"]
    assert config["chunk_shape"] == [10, 10]
    assert config["codecs"][0] == {"name": "bytes", "configuration": {"endian": "little"}}
    assert config["index_codecs"] == [BYTES, {"name": "crc32c"}]
    assert config["index_location"] == "end"
    assert z.chunks == (50, 50)
    assert isinstance(z._io.pipeline.array_bytes_codec, ShardingCodec)


def test_group_create_takes_shards():
    g = zarr_core.group(zarr_format=3)
    z = g.zeros("a", shape=(20,), chunks=(5,), shards=(10,), dtype="u2")
    z[...] = np.arange(20)
    assert sorted(k for k in g.store if k.startswith("a/c")) == ["a/c/0", "a/c/1"]
    np.testing.assert_array_equal(g["a"][...], np.arange(20))


def test_to_json_fills_in_defaults():
    store = MemoryStore()
    store["zarr.json"] = json.dumps(
        {
            "zarr_format": 3,
            "node_type": "array",
            "shape": [8],
            "data_type": "uint16",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [8]}},
            "chunk_key_encoding": {"name": "default"},
            "fill_value": 0,
            "codecs": [
                {
                    "name": "sharding_indexed",
                    "configuration": {
                        "chunk_shape": [4],
                        "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                    },
                }
            ],
        }
    ).encode()
    z = zarr_core.open_array(store)
    config = z._io.pipeline.to_json()[0]["configuration"]
    assert config["index_location"] == "end"
    assert config["index_codecs"] == [BYTES, {"name": "crc32c"}]
    z[...] = np.arange(8)
    assert len(store["c/0"]) == 16 + 16 * 2 + 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chunks": (3,), "shards": (8,)}, "multiple of the chunk shape"),
        ({"chunks": (4,), "shards": (8, 8)}, "one entry per dimension"),
        ({"chunks": (4,), "shards": (8,), "zarr_format": 2}, "shards need zarr_format=3"),
    ],
)
def test_creation_errors(kwargs, message):
    kwargs.setdefault("zarr_format", 3)
    with pytest.raises(ValueError, match=message):
        zarr_core.create((16,), dtype="u1", **kwargs)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"chunk_shape": [3]},
            r"shard shape \[8\] is not a multiple of the inner chunk shape \[3\]",
        ),
        ({"chunk_shape": [2, 2]}, "has 2 dimensions but the shard shape"),
        ({"chunk_shape": [0]}, "positive integers"),
        ({}, "needs 'chunk_shape'"),
        (
            {"chunk_shape": [4], "index_location": "middle"},
            "index_location must be 'start' or 'end'",
        ),
        ({"chunk_shape": [4], "bogus": 1}, r"unknown configuration member\(s\) \['bogus'\]"),
        (
            {"chunk_shape": [4], "index_codecs": [BYTES, {"name": "zstd"}]},
            "index_codecs must have a fixed-size output",
        ),
        (
            {"chunk_shape": [4], "codecs": [{"name": "crc32c"}]},
            "codecs: .*needs an array->bytes codec",
        ),
    ],
)
def test_configuration_errors(config, message):
    with pytest.raises(MetadataError, match=message) as info:
        zarr_core.create(
            (8,),
            chunks=(8,),
            dtype="u1",
            zarr_format=3,
            codecs=[{"name": "sharding_indexed", "configuration": config}],
        )
    assert "codecs[0]" in str(info.value)


@pytest.fixture
def sharded_store() -> MemoryStore:
    z = sharded((8,), (4,), (2,))
    z[...] = 1
    return z.store


def test_missing_plugin_is_named(sharded_store, plugin_registry):
    # plugin_registry holds only core's built-ins: as if zarr-core-sharding were absent.
    store = sharded_store
    with pytest.raises(UnknownExtensionError, match="pip install zarr-core-sharding"):
        zarr_core.open_array(store)
    with pytest.raises(PluginNotFoundError, match="zarr-core-sharding"):
        zarr_core.zeros((8,), chunks=(2,), shards=(4,), zarr_format=3)


# -- corruption ---------------------------------------------------------------------------


@pytest.mark.parametrize("ranges", [True, False])
def test_bad_index_checksum_names_the_shard(counting, ranges):
    store = counting(ranges=ranges)
    z = sharded((8,), (4,), (2,), store=store)
    z[...] = 1
    raw = bytearray(store.data["c/1"])
    raw[-5] ^= 0xFF  # inside the index, before the checksum
    store.data["c/1"] = bytes(raw)
    with pytest.raises(CorruptChunkError, match="c/1.*crc32c"):
        z[5]
    with pytest.raises(CorruptChunkError, match="c/1"):
        z[...]


@pytest.mark.parametrize("ranges", [True, False])
def test_index_pointing_past_the_end_is_corrupt(counting, ranges):
    store = counting(ranges=ranges)
    z = sharded((4,), (4,), (2,), store=store, index_codecs=[BYTES])
    store.data["c/0"] = b"\x01\x02" + index_bytes([[0, 2], [1000, 2]], crc=False)
    with pytest.raises(CorruptChunkError, match="c/0"):
        z[...]
    assert z[0] == 1


def test_half_empty_entry_is_corrupt():
    z = sharded((4,), (4,), (2,), index_codecs=[BYTES])
    z.store["c/0"] = b"\x01\x02" + index_bytes([[0, 2], [EMPTY, 2]], crc=False)
    with pytest.raises(CorruptChunkError, match="impossible offset or size"):
        z[...]


def test_truncated_shard_is_corrupt():
    z = sharded((8,), (8,), (2,))
    z[...] = np.arange(8)
    z.store["c/0"] = z.store["c/0"][:10]
    with pytest.raises(CorruptChunkError, match="c/0"):
        z[...]


def test_corrupt_inner_chunk_names_shard_and_inner_chunk():
    z = sharded((8,), (8,), (4,), chain=(BYTES, {"name": "zstd"}))
    z[...] = np.arange(8)
    raw = bytearray(z.store["c/0"])
    raw[0:4] = b"junk"
    z.store["c/0"] = bytes(raw)
    with pytest.raises(CorruptChunkError, match=r"c/0 \(inner chunk 0\)"):
        z[0]


# -- what the codec stores ----------------------------------------------------------------


@pytest.mark.parametrize("location", ["start", "end"])
def test_nested_sharding_round_trip(location):
    inner = [
        {
            "name": "sharding_indexed",
            "configuration": {
                "chunk_shape": [2, 2],
                "codecs": [BYTES, {"name": "gzip", "configuration": {"level": 1}}],
                "index_location": "start" if location == "end" else "end",
            },
        }
    ]
    z = sharded((13, 11), (8, 8), (4, 4), location=location, chain=inner, dtype="i2", fill_value=-1)
    data = np.arange(13 * 11, dtype="i2").reshape(13, 11)
    z[...] = data
    np.testing.assert_array_equal(z[...], data)
    np.testing.assert_array_equal(z[3:12:2, 1:10:3], data[3:12:2, 1:10:3])
    z[5, 6] = -1
    data[5, 6] = -1
    np.testing.assert_array_equal(zarr_core.open_array(z.store)[...], data)


def test_strings_and_structured_fields():
    z = sharded((6,), (4,), (2,), dtype=str, chain=[{"name": "vlen-utf8"}], fill_value="")
    z[...] = ["a", "", "ccc", "", "", "ff"]
    assert z[...].tolist() == ["a", "", "ccc", "", "", "ff"]
    assert z[4] == ""
    dtype = np.dtype([("x", "<i4"), ("y", "<f8")])
    s = sharded((6,), (4,), (2,), dtype=dtype, fill_value=(0, 0.0))
    s["y"] = np.arange(6)
    s[3:5, "x"] = 9  # a partial write of one field
    assert s[...]["y"].tolist() == [0, 1, 2, 3, 4, 5]
    assert s["x"].tolist() == [0, 0, 0, 9, 9, 0]
    assert s[2:5]["x"].tolist() == [0, 9, 9]


def test_transposed_inner_chunks():
    chain = [{"name": "transpose", "configuration": {"order": [1, 0]}}, BYTES]
    z = sharded((6, 4), (6, 4), (3, 2), chain=chain, dtype="u2")
    data = np.arange(24, dtype="u2").reshape(6, 4)
    z[...] = data
    # The first inner chunk is rows 0-2, columns 0-1, stored column by column.
    assert z.store["c/0/0"][:12] == np.ascontiguousarray(data[0:3, 0:2].T).tobytes()
    np.testing.assert_array_equal(z[1:5, 1:3], data[1:5, 1:3])


def test_zero_dimensional():
    z = sharded((), (), (), dtype="i8", fill_value=5)
    assert z[()] == 5
    z[()] = 6
    assert z[...] == 6
    assert z.store["c"][:8] == np.int64(6).tobytes()
    z[()] = 5
    assert "c" not in z.store


def test_write_empty_chunks_false_also_drops_shards():
    z = sharded((8,), (4,), (2,), write_empty_chunks=False, fill_value=1)
    z[...] = 2
    z[0:4] = 1
    assert sorted(k for k in z.store if k.startswith("c")) == ["c/1"]


def test_codec_round_trip_through_to_json():
    spec_json = [
        {
            "name": "sharding_indexed",
            "configuration": {
                "chunk_shape": [2, 3],
                "codecs": [
                    BYTES,
                    {
                        "name": "blosc",
                        "configuration": {"cname": "zstd", "clevel": 3, "shuffle": "shuffle"},
                    },
                ],
                "index_codecs": [BYTES, {"name": "crc32c"}],
                "index_location": "start",
            },
        }
    ]
    z = zarr_core.create((4, 6), chunks=(4, 6), dtype="f4", codecs=spec_json, zarr_format=3)
    written = z._io.pipeline.to_json()
    # blosc's typesize is filled in from the dtype: the document is complete
    assert written[0]["configuration"]["codecs"][1]["configuration"]["typesize"] == 4
    again = zarr_core.create((4, 6), chunks=(4, 6), dtype="f4", codecs=written, zarr_format=3)
    assert again._io.pipeline.to_json() == written


def test_bytes_codec_after_the_shard():
    # Unusual but legal: the whole shard goes through crc32c. Reads then fetch whole
    # shards (the codec does not lay out the stored value alone).
    codecs = [
        {"name": "sharding_indexed", "configuration": {"chunk_shape": [2], "codecs": [BYTES]}},
        {"name": "crc32c"},
    ]
    z = zarr_core.create((8,), chunks=(4,), dtype="u1", codecs=codecs, zarr_format=3, fill_value=9)
    z[...] = np.arange(8)
    assert z.store["c/0"][:4] == bytes([0, 1, 2, 3])
    z[0:4] = 9
    np.testing.assert_array_equal(z[...], [9, 9, 9, 9, 4, 5, 6, 7])
    z[5] = 1
    np.testing.assert_array_equal(zarr_core.open_array(z.store)[...], [9, 9, 9, 9, 4, 1, 6, 7])
