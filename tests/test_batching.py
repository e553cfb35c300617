"""Large chunks on stores with a ``batch_bytes`` hint travel in batches, a few in flight.

A store whose every call is a network round trip (Redis, MongoDB, Azure, remote fsspec)
declares ``batch_bytes``; the engine then reads and writes chunks of a quarter MiB and
more in ``getitems``/``setitems`` calls of about that many bytes instead of one call per
chunk, and stores without the hint keep one call per chunk on the codec pool.
"""

from __future__ import annotations

import math
import re
import threading
import time

import numpy as np
import pytest

import zarr_core
from zarr_core.codecs.base import PARALLEL_MIN_BYTES
from zarr_core.errors import StoreBackendError
from zarr_core.storage import KVStore
from zarr_core.storage.fsspec_store import FSStore
from zarr_core.storage.prefix import PrefixStore
from zarr_core.testing.counting import CountingStore

CHUNK = (256, 256)  # float32: 256 KiB, the smallest chunk the engine treats as large
CHUNK_BYTES = 4 * CHUNK[0] * CHUNK[1]
SHAPE = (8 * CHUNK[0], 8 * CHUNK[1])  # 64 chunks
PER_BATCH = 8
BUDGET = PER_BATCH * CHUNK_BYTES


class NetworkedKV(KVStore):
    """A dict store that asks for batches, as the networked stores do."""

    batch_bytes = BUDGET


class SlowNetworkedKV(NetworkedKV):
    """Each batch call takes a while and records how many run at once, and may fail."""

    def __init__(self, mapping: dict, fail_on: str | None = None):
        super().__init__(mapping)
        self.fail_on = fail_on
        self._lock = threading.Lock()
        self.running = self.most = 0

    def _call(self, names, call):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.1)  # long enough for the next batch to be encoded meanwhile
            if self.fail_on in names:
                raise StoreBackendError("test server", "batch", self.fail_on, "it went away")
            return call()
        finally:
            with self._lock:
                self.running -= 1

    def _get_many(self, keys):
        return self._call(keys, lambda: super(SlowNetworkedKV, self)._get_many(keys))

    def _set_many(self, items):
        return self._call(items, lambda: super(SlowNetworkedKV, self)._set_many(items))


def _data(compressible: bool = False) -> np.ndarray:
    if compressible:
        return np.arange(SHAPE[0] * SHAPE[1], dtype="f4").reshape(SHAPE) // 1000
    return np.random.default_rng(0).standard_normal(SHAPE, dtype="f4")


def _array(store, **kwargs):
    return zarr_core.open_array(
        store, mode="w", shape=SHAPE, chunks=CHUNK, dtype="f4", zarr_format=2, **kwargs
    )


def _is_chunk(key: str) -> bool:
    return re.fullmatch(r"\d+\.\d+", key) is not None


def _chunk_calls(counting: CountingStore, ops: tuple[str, ...] = ("getitems",)) -> list[list[str]]:
    """The keys of each call that named chunks (metadata calls left out)."""
    return [keys for op, keys in counting.calls if op in ops and any(map(_is_chunk, keys))]


ALL_CHUNKS = sorted(f"{i}.{j}" for i in range(8) for j in range(8))


def test_a_full_read_of_64_large_chunks_takes_a_call_per_batch():
    assert CHUNK_BYTES >= PARALLEL_MIN_BYTES
    data = _data()
    counting = CountingStore(NetworkedKV({}))
    _array(counting)[...] = data
    counting.reset()
    got = zarr_core.open_array(counting, mode="r")[...]
    np.testing.assert_array_equal(got, data)
    calls = _chunk_calls(counting)
    assert len(calls) <= math.ceil(64 / PER_BATCH)
    assert all(len(keys) <= PER_BATCH for keys in calls)
    assert sorted(k for keys in calls for k in keys) == ALL_CHUNKS
    assert [op for op, _ in counting.reads()].count("get") == 0


def test_a_full_write_packs_encoded_chunks_into_batches():
    data = _data(compressible=True)
    counting = CountingStore(NetworkedKV({}))
    z = _array(counting)
    counting.reset()
    z[...] = data
    batches = _chunk_calls(counting, ("setitems",))
    assert sorted(k for keys in batches for k in keys) == ALL_CHUNKS
    sizes = [sum(len(counting.data[k]) for k in keys) for keys in batches]
    assert all(size <= BUDGET for size in sizes)
    # The chunks compress well: batches are filled by stored bytes, not by chunk count.
    assert len(batches) < math.ceil(64 / PER_BATCH)
    np.testing.assert_array_equal(zarr_core.open_array(counting, mode="r")[...], data)


def test_the_batching_setting_overrides_the_stores_hint():
    counting = CountingStore(NetworkedKV({}))
    _array(counting)[...] = _data()
    counting.reset()
    with zarr_core.config.set({"batching.bytes": f"{2 * CHUNK_BYTES // 1024}KiB"}):
        zarr_core.open_array(counting, mode="r")[...]
    assert [len(keys) for keys in _chunk_calls(counting)] == [2] * 32


def test_the_batching_setting_turns_it_off():
    counting = CountingStore(NetworkedKV({}))
    data = _data()
    with zarr_core.config.set({"batching.bytes": 0}):
        _array(counting)[...] = data
        assert [len(keys) for keys in _chunk_calls(counting, ("setitems",))] == [1] * 64
        counting.reset()
        np.testing.assert_array_equal(zarr_core.open_array(counting, mode="r")[...], data)
    assert [len(keys) for keys in _chunk_calls(counting)] == [1] * 64


def test_stores_without_the_hint_keep_one_call_per_large_chunk():
    counting = CountingStore(KVStore({}))
    assert counting.batch_bytes is None
    data = _data()
    _array(counting)[...] = data
    assert [len(keys) for keys in _chunk_calls(counting, ("setitems",))] == [1] * 64
    counting.reset()
    np.testing.assert_array_equal(zarr_core.open_array(counting, mode="r")[...], data)
    assert [len(keys) for keys in _chunk_calls(counting)] == [1] * 64


def test_small_chunks_stay_one_call_for_the_whole_selection():
    counting = CountingStore(NetworkedKV({}))
    z = zarr_core.open_array(
        counting, mode="w", shape=(100, 100), chunks=(10, 10), dtype="f4", zarr_format=2
    )
    z[...] = 1.0
    counting.reset()
    assert z[...].sum() == 10_000
    assert [len(keys) for keys in _chunk_calls(counting)] == [100]


@pytest.mark.parametrize("in_flight", [1, 2, 3])
def test_batches_in_flight_are_bounded_by_the_setting(in_flight):
    store = SlowNetworkedKV({})
    data = _data()
    with zarr_core.config.set({"batching.in_flight": in_flight, "io_concurrency": 8}):
        _array(store)[...] = data
        assert store.most == in_flight  # writes overlap, up to the limit
        store.most = 0
        got = zarr_core.open_array(store, mode="r")[...]
        assert store.most == in_flight
    np.testing.assert_array_equal(got, data)


def test_a_failed_batch_read_raises_and_leaves_no_call_running():
    store = SlowNetworkedKV({})
    _array(store)[...] = _data()
    store.fail_on = "3.3"
    with pytest.raises(StoreBackendError, match="3.3"):
        zarr_core.open_array(store, mode="r")[...]
    assert store.running == 0


def test_a_failed_batch_write_raises_and_leaves_no_call_running():
    store = SlowNetworkedKV({})
    z = _array(store)
    store.fail_on = "3.3"
    with pytest.raises(StoreBackendError, match="3.3"):
        z[...] = _data()
    assert store.running == 0
    # The batches after the failed one were never sent.
    assert "7.7" not in store._mutable_mapping


def test_empty_chunks_are_deleted_not_batched():
    counting = CountingStore(NetworkedKV({}))
    z = _array(counting, write_empty_chunks=False)
    data = _data()
    data[: SHAPE[0] // 2] = 0
    z[...] = data
    stored = sorted(filter(_is_chunk, counting.data))
    assert stored == sorted(f"{i}.{j}" for i in range(4, 8) for j in range(8))
    np.testing.assert_array_equal(zarr_core.open_array(counting, mode="r")[...], data)


def test_wrappers_pass_the_hint_on():
    assert PrefixStore(NetworkedKV({}), "a").batch_bytes == BUDGET
    assert CountingStore(NetworkedKV({})).batch_bytes == BUDGET
    assert PrefixStore(KVStore({}), "a").batch_bytes is None


def test_remote_fsspec_stores_ask_for_batches(tmp_path, s3_bucket, s3_storage_options):
    assert FSStore("memory://batching").batch_bytes is None
    assert FSStore(str(tmp_path)).batch_bytes is None
    store = FSStore(f"s3://{s3_bucket}/batching.zarr", **s3_storage_options)
    assert store.batch_bytes is not None
    counting = CountingStore(store)
    data = _data()
    _array(counting)[...] = data
    counting.reset()
    np.testing.assert_array_equal(zarr_core.open_array(counting, mode="r")[...], data)
    assert len(_chunk_calls(counting)) <= math.ceil(64 * CHUNK_BYTES / store.batch_bytes)
