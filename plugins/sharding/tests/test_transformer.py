"""The ZEP 2 draft sharding storage transformer and its converter to sharding_indexed."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from zarr_core_sharding import (
    ShardingStorageTransformer,
    ShardingTransformerStore,
    convert_to_sharding_indexed,
)

import zarr_core
from zarr_core.errors import CorruptChunkError, MetadataError
from zarr_core.storage import MemoryStore

EMPTY = 2**64 - 1


def make(store, shape=(10, 9), chunks=(2, 3), cps=(2, 2), path="", **kwargs):
    kwargs.setdefault("dtype", "u1")
    kwargs.setdefault("compressor", None)
    return zarr_core.create(
        shape,
        chunks=chunks,
        store=store,
        path=path,
        zarr_format=3,
        storage_transformers=[ShardingStorageTransformer("indexed", cps)],
        **kwargs,
    )


def test_metadata_entry_is_marked_as_ours():
    store = MemoryStore()
    make(store)
    (entry,) = json.loads(store["zarr.json"])["storage_transformers"]
    assert entry == {
        "name": "sharding",
        "configuration": {"type": "indexed", "chunks_per_shard": [2, 2]},
        "must_understand": True,
    }
    assert dict(ShardingStorageTransformer("indexed", [3])) == {
        "name": "sharding",
        "configuration": {"type": "indexed", "chunks_per_shard": [3]},
        "must_understand": True,
    }


def test_shard_layout_byte_for_byte():
    store = MemoryStore()
    z = make(store, shape=(4,), chunks=(1,), cps=(4,))
    z[1] = 7
    z[3] = 9
    # two 1-byte chunks, then 4 (offset, nbytes) pairs, no checksum
    index = np.array([[EMPTY, EMPTY], [0, 1], [EMPTY, EMPTY], [1, 1]], dtype="<u8").tobytes()
    assert store["c/0"] == b"\x07\x09" + index
    assert sorted(k for k in store if k != "zarr.json") == ["c/0"]


@pytest.mark.parametrize("ranges", [True, False])
@pytest.mark.parametrize("separator", ["/", "."])
def test_round_trip(counting, ranges, separator):
    store = counting(ranges=ranges)
    z = make(store, dtype="f8", compressor="default", chunk_key_encoding=("default", separator))
    data = np.random.default_rng(3).random((10, 9))
    z[...] = data
    # 5 x 3 chunks in shards of 2 x 2: 3 x 2 shards
    shard_keys = sorted(k for k in store.data if k != "zarr.json")
    assert shard_keys == [f"c{separator}{i}{separator}{j}" for i in range(3) for j in range(2)]
    reopened = zarr_core.open_array(store, mode="r")
    np.testing.assert_array_equal(reopened[...], data)
    np.testing.assert_array_equal(reopened[3:8, 1:8], data[3:8, 1:8])
    assert reopened.nchunks_initialized == 15
    z[4:6, 3:6] = 0.5
    data[4:6, 3:6] = 0.5
    np.testing.assert_array_equal(reopened[...], data)


def test_listing_and_deleting_chunks():
    store = MemoryStore()
    z = make(store, path="grp/arr")
    t = z._io.store
    assert isinstance(t, ShardingTransformerStore)
    z[0:2, 0:3] = 1  # chunk c/0/0
    z[6:8, 3:6] = 2  # chunk c/3/1
    assert t.list_prefix("grp/arr/c/") == ["grp/arr/c/0/0", "grp/arr/c/3/1"]
    assert t.list_prefix("grp/arr/c/3") == ["grp/arr/c/3/1"]
    assert "grp/arr/zarr.json" in t.list_prefix("")
    assert t.listdir("grp/arr/c") == ["0", "3"]
    assert sorted(store.list_prefix("grp/arr/c")) == ["grp/arr/c/0/0", "grp/arr/c/1/0"]
    assert t["grp/arr/c/3/1"] == bytes([2] * 6)
    assert "grp/arr/c/3/0" not in t
    del t["grp/arr/c/3/1"]
    assert "grp/arr/c/1/0" not in store  # its shard held nothing else
    with pytest.raises(KeyError):
        del t["grp/arr/c/3/1"]
    assert z.nchunks_initialized == 1
    z.resize(2, 3)
    np.testing.assert_array_equal(z[...], np.ones((2, 3)))
    assert t.getsize("grp/arr/c/0/0") == 6


def test_metadata_keys_pass_through():
    store = MemoryStore()
    t = ShardingTransformerStore(
        store, "a", (2,), zarr_core.create((4,), zarr_format=3)._node.meta.chunk_key_encoding
    )
    t["a/zarr.json"] = b"{}"
    t["b/x"] = b"1"
    assert store["a/zarr.json"] == b"{}" and store["b/x"] == b"1"
    assert t.getitems(["a/zarr.json", "b/x", "a/c/0"]) == {"a/zarr.json": b"{}", "b/x": b"1"}


def test_corrupt_shard_is_reported():
    store = MemoryStore()
    z = make(store)
    z[...] = 1
    store["c/0/0"] = b"short"
    with pytest.raises(CorruptChunkError, match="c/0/0"):
        z[...]


def test_invalid_configuration():
    with pytest.raises(MetadataError, match="only the type 'indexed'"):
        ShardingStorageTransformer("hashed", (2,))
    with pytest.raises(MetadataError, match="positive integers"):
        ShardingStorageTransformer("indexed", (0,))
    store = MemoryStore()
    with pytest.raises(MetadataError, match="has 1 entries for an array of 2 dimensions"):
        make(store, cps=(2,))
    with pytest.raises(MetadataError, match="needs 'chunks_per_shard'"):
        zarr_core.create((4,), zarr_format=3, storage_transformers=[{"name": "sharding"}])
    assert "zarr.json" not in store  # nothing written when the transformer is refused


def test_writers_to_one_shard_in_one_process_lose_nothing():
    store = MemoryStore()
    make(store, shape=(64,), chunks=(1,), cps=(64,))

    def write(k: int) -> None:
        view = zarr_core.open_array(store, mode="r+")
        for i in range(k, 64, 8):
            view[i] = i + 1

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_array_equal(zarr_core.open_array(store)[...], np.arange(1, 65))


# -- the converter --------------------------------------------------------------------------


@pytest.mark.parametrize("compressor", [None, "default"])
def test_convert_in_place(compressor):
    store = MemoryStore()
    z = make(store, path="g/a", dtype="i2", compressor=compressor, fill_value=-1)
    data = np.arange(90, dtype="i2").reshape(10, 9)
    data[0:4, 0:6] = -1  # one whole shard of fill values
    z[...] = data
    z.attrs["note"] = "kept"
    before = {k: store[k] for k in store if "/c/" in k}
    doc = convert_to_sharding_indexed(store, "g/a")
    assert doc["storage_transformers"] == []
    assert doc["chunk_grid"]["configuration"]["chunk_shape"] == [4, 6]
    config = doc["codecs"][0]["configuration"]
    assert config["chunk_shape"] == [2, 3]
    assert config["index_codecs"] == [{"name": "bytes", "configuration": {"endian": "little"}}]
    # metadata only: the shards are untouched
    assert {k: store[k] for k in store if "/c/" in k} == before
    converted = zarr_core.open_array(store, path="g/a", mode="r")
    np.testing.assert_array_equal(converted[...], data)
    assert converted.attrs["note"] == "kept"
    assert converted.chunks == (4, 6)


def test_convert_to_another_store():
    source, dest = MemoryStore(), MemoryStore()
    z = make(source, path="a", dtype="u2")
    z[...] = np.arange(90).reshape(10, 9)
    convert_to_sharding_indexed(source, "a", dest=dest, dest_path="b/c")
    np.testing.assert_array_equal(
        zarr_core.open_array(dest, path="b/c")[...], np.arange(90).reshape(10, 9)
    )
    assert json.loads(source["a/zarr.json"])["storage_transformers"]  # source untouched
    assert sorted(k for k in dest if k.startswith("b/c/c/")) == [
        f"b/c/c/{i}/{j}" for i in range(3) for j in range(2)
    ]


def test_convert_refuses_other_arrays():
    store = MemoryStore()
    zarr_core.create((4,), zarr_format=3, store=store, path="plain")
    with pytest.raises(MetadataError, match="exactly one storage transformer"):
        convert_to_sharding_indexed(store, "plain")
    with pytest.raises(MetadataError, match="no Zarr v3 array here"):
        convert_to_sharding_indexed(store, "missing")
    zarr_core.create((4,), zarr_format=2, store=store, path="v2")
    with pytest.raises(MetadataError, match="no Zarr v3 array here"):
        convert_to_sharding_indexed(store, "v2")
