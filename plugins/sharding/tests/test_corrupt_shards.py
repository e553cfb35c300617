"""Damaged shards raise ``CorruptChunkError`` naming the key; only an absent one is fill.

An empty value is what a failed upload or a power loss leaves behind, a truncated one
what an interrupted copy leaves: reading either as fill values would silently return
zeros for data that was written. Every damage is tried with every way of reading
(index then byte ranges, or the whole shard when the store has no ranges or the whole
shard is wanted) and with a partial write, which must read the shard first.
"""

from __future__ import annotations

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import CorruptChunkError
from zarr_core.testing.counting import CountingStore

KEY = "c/0/0"
INDEX = 4 * 4 * 16 + 4  # a 4 x 4 grid of (offset, nbytes), then its CRC-32C


def _sharded(store: zarr_core.Store, location: str) -> zarr_core.Array:
    codecs = [
        {
            "name": "sharding_indexed",
            "configuration": {"chunk_shape": [8, 8], "index_location": location},
        }
    ]
    z = zarr_core.create(
        (64, 64), chunks=(32, 32), dtype="i4", codecs=codecs, store=store, zarr_format=3
    )
    z[...] = 7
    return z


def _flip_last(value: bytes) -> bytes:
    return value[:-1] + bytes([value[-1] ^ 0x01])


def _flip_first(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x01]) + value[1:]


# damage -> (index_location, how to damage the stored value, what the message says)
DAMAGES = {
    "empty": ("end", lambda v: b"", "empty|truncated"),
    "ten-bytes": ("end", lambda v: v[:10], "truncated|cannot hold"),
    "one-byte-short": ("end", lambda v: v[:-1], "crc32c checksum mismatch|truncated"),
    "index-cut-off": ("end", lambda v: v[:-INDEX], "crc32c checksum mismatch"),
    "index-checksum": ("end", _flip_last, "crc32c checksum mismatch"),
    "index-start-checksum": ("start", _flip_first, "crc32c checksum mismatch"),
    "payload-cut-off": ("start", lambda v: v[: INDEX + 100], "truncated|past the end"),
    "empty-index-start": ("start", lambda v: b"", "empty|truncated"),
}
READS = {
    "point": (3, 5),
    "row-part": (slice(0, 20), 1),
    "whole-shard": (slice(0, 32), slice(0, 32)),
    "everything": Ellipsis,
}


@pytest.fixture(params=[True, False], ids=["ranges", "whole-values"])
def store(request: pytest.FixtureRequest) -> CountingStore:
    return CountingStore(ranges=request.param)


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("read", READS)
def test_damaged_shard_read_is_corrupt(store: CountingStore, damage: str, read: str) -> None:
    location, spoil, message = DAMAGES[damage]
    z = _sharded(store, location)
    store.data[KEY] = spoil(store.data[KEY])
    with pytest.raises(CorruptChunkError, match=message) as info:
        z[READS[read]]
    assert info.value.key == KEY and repr(KEY) in str(info.value)


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_shard_partial_write_is_corrupt(store: CountingStore, damage: str) -> None:
    location, spoil, message = DAMAGES[damage]
    z = _sharded(store, location)
    spoilt = spoil(store.data[KEY])
    store.data[KEY] = spoilt
    with pytest.raises(CorruptChunkError, match=message) as info:
        z[3, 5] = 1
    assert info.value.key == KEY
    assert store.data[KEY] == spoilt  # the damaged value is left for inspection


def test_other_shards_still_read(store: CountingStore) -> None:
    z = _sharded(store, "end")
    store.data[KEY] = b""
    assert (z[32:, 32:] == 7).all() and z[40, 3] == 7


def test_absent_shard_reads_as_fill(store: CountingStore) -> None:
    z = _sharded(store, "end")
    del store.data[KEY]
    assert (z[:32, :32] == 0).all() and z[3, 5] == 0 and (z[32:, :] == 7).all()


def test_whole_shard_overwrite_replaces_an_empty_value(store: CountingStore) -> None:
    """A write covering the whole shard needs nothing stored, so it repairs the key."""
    z = _sharded(store, "end")
    store.data[KEY] = b""
    z[:32, :32] = 5
    assert (z[:32, :32] == 5).all()


def test_empty_shard_inside_a_checksummed_chain_is_fill() -> None:
    """Behind a bytes->bytes codec an empty shard payload is legal (the stored value is
    its checksum): only a stored value that is itself empty is damage."""
    codecs = [
        {"name": "sharding_indexed", "configuration": {"chunk_shape": [2]}},
        {"name": "crc32c"},
    ]
    z = zarr_core.create((8,), chunks=(4,), dtype="u1", codecs=codecs, zarr_format=3)
    z[...] = np.arange(1, 9)
    z[0:4] = 0
    assert len(z.store["c/0"]) == 4  # the checksum of an empty shard
    assert z[...].tolist() == [0, 0, 0, 0, 5, 6, 7, 8]
    z.store["c/0"] = b""
    with pytest.raises(CorruptChunkError, match=r"chunk 'c/0' is corrupt: crc32c"):
        z[...]


@pytest.mark.parametrize("ranges", [True, False], ids=["ranges", "whole-values"])
def test_inner_chunk_bomb_is_corrupt(ranges: bool) -> None:
    """Inner chunks decode with the bound of their own (8 x 8 int32 = 256 bytes): a zstd
    frame expanding to 64 MiB inside an intact shard is refused by the shard's key."""
    import zstandard

    store = CountingStore(ranges=ranges)
    codecs = [
        {
            "name": "sharding_indexed",
            "configuration": {
                "chunk_shape": [8, 8],
                "codecs": [{"name": "bytes"}, {"name": "zstd"}],
            },
        }
    ]
    z = zarr_core.create(
        (64, 64), chunks=(32, 32), dtype="i4", codecs=codecs, store=store, zarr_format=3
    )
    z[...] = 7
    frame = zstandard.ZstdCompressor(write_content_size=False).compress(bytes(2**26))
    store.data[KEY] = z._io.pipeline.array_bytes_codec._build([(0, frame)])
    with pytest.raises(CorruptChunkError, match="decompression bomb") as info:
        z[3, 5]
    assert info.value.key.startswith(KEY)
    assert (z[8:32, 8:32] == 0).all()  # the other inner chunks are absent: fill


@pytest.mark.parametrize("spoil", [lambda v: b"", lambda v: v[:10]], ids=["empty", "truncated"])
def test_storage_transformer_shard_damage_is_corrupt(store: CountingStore, spoil) -> None:
    """The ZEP 2 draft transformer refuses damaged shards the same way."""
    from zarr_core_sharding import ShardingStorageTransformer

    z = zarr_core.create(
        (10, 9),
        chunks=(2, 3),
        dtype="i4",
        store=store,
        zarr_format=3,
        storage_transformers=[ShardingStorageTransformer("indexed", (2, 2))],
    )
    z[...] = 5
    store.data["c/0/0"] = spoil(store.data["c/0/0"])
    for op in (lambda: z[0, 0], lambda: z[...], lambda: z.__setitem__((0, 0), 1)):
        with pytest.raises(CorruptChunkError, match=r"chunk 'c/0/0' is corrupt: .*index"):
            op()
    assert z[9, 8] == 5
