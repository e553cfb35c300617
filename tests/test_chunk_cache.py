"""The decoded-chunk cache: off by default; hits skip the store and the codecs; writes
through any array over the same store drop what they change."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import zarr_core
from zarr_core.engine import chunk_cache
from zarr_core.errors import InvalidSizeError
from zarr_core.storage import KVStore
from zarr_core.storage.wrapper import WrapperStore
from zarr_core.testing.counting import CountingStore


@pytest.fixture
def cache_on():
    chunk_cache.clear()
    with zarr_core.config.set({"chunk_cache.max_bytes": "10MB"}):
        yield chunk_cache.cache
    chunk_cache.clear()


def _array(counting, **kwargs):
    z = zarr_core.zeros((40, 40), chunks=(10, 10), dtype="f8", store=counting, **kwargs)
    z[...] = np.arange(1600.0).reshape(40, 40)
    counting.reset()
    return z


def _chunk_reads(counting):
    return [k for op, keys in counting.reads() for k in keys if not k.endswith("json")]


def _count_decodes(z, monkeypatch) -> list:
    """The list every later ``decode_batch`` call of ``z``'s codec pipeline appends to."""
    decodes = []
    pipeline = type(z._io.pipeline)
    real = pipeline.decode_batch
    monkeypatch.setattr(
        pipeline, "decode_batch", lambda self, d, k=None: decodes.append(k) or real(self, d, k)
    )
    return decodes


def test_off_by_default():
    assert zarr_core.config.get("chunk_cache.max_bytes") == 0
    counting = CountingStore(KVStore({}))
    z = _array(counting)
    z[...]
    z[...]
    assert len(_chunk_reads(counting)) == 32
    assert chunk_cache.stats()["chunks"] == 0


def test_repeated_reads_skip_store_and_codecs(cache_on, monkeypatch):
    counting = CountingStore(KVStore({}))
    z = _array(counting)
    first = z[5:25, 5:25]
    assert len(_chunk_reads(counting)) == 9
    counting.reset()
    decodes = _count_decodes(z, monkeypatch)
    again = z[5:25, 5:25]
    assert np.array_equal(first, again)
    assert _chunk_reads(counting) == [] and decodes == []
    assert cache_on.stats()["hits"] == 9


def test_partial_hits_fetch_only_the_rest_in_one_batch(cache_on):
    counting = CountingStore(KVStore({}))
    z = _array(counting)
    z[0:10, 0:20]  # chunks (0,0) and (0,1)
    counting.reset()
    assert np.array_equal(z[0:10, 0:30], np.arange(1600.0).reshape(40, 40)[0:10, 0:30])
    reads = [r for r in counting.reads() if not r[1][0].endswith("json")]
    assert len(reads) == 1 and len(reads[0][1]) == 1  # only chunk (0,2)


@pytest.mark.parametrize(
    "write",
    [
        lambda z: z.__setitem__((slice(0, 10), slice(0, 10)), -1.0),  # a whole chunk
        lambda z: z.__setitem__((3, 3), -1.0),  # part of a chunk
        lambda z: z.set_orthogonal_selection(([3], [3]), -1.0),
    ],
    ids=["whole", "partial", "orthogonal"],
)
def test_writes_through_the_array_invalidate(cache_on, write):
    counting = CountingStore(KVStore({}))
    z = _array(counting)
    z[...]
    write(z)
    assert z[3, 3] == -1.0


def test_writes_through_another_array_over_the_same_store_invalidate(cache_on):
    counting = CountingStore(KVStore({}))
    z = _array(counting)
    other = zarr_core.open_array(counting, mode="r+")
    assert z[0, 0] == 0.0 and other[0, 0] == 0.0
    other[0, 0] = 42.0
    assert z[0, 0] == 42.0


def test_empty_chunks_deleted_by_a_write_are_not_served(cache_on):
    counting = CountingStore(KVStore({}))
    z = _array(counting, write_empty_chunks=False)
    z[...]
    z[0:10, 0:10] = 0.0  # equal to the fill value: the chunk is deleted
    assert "c/0/0" not in counting.inner and "0.0" not in counting.inner
    assert not z[0:10, 0:10].any()


def test_resize_and_recreation_do_not_see_old_chunks(cache_on):
    store = KVStore({})
    z = zarr_core.zeros((20,), chunks=(5,), dtype="i4", store=store)
    z[...] = 1
    z[...]
    z.resize(5)
    z.resize(20)
    assert z[...].tolist() == [1] * 5 + [0] * 15
    z[...]
    fresh = zarr_core.zeros((20,), chunks=(5,), dtype="i4", store=store, overwrite=True)
    assert fresh[...].tolist() == [0] * 20


def test_cached_chunks_are_read_only_copies(cache_on):
    z = _array(CountingStore(KVStore({})))
    out = z[0:10, 0:10]
    out[...] = -5  # the caller's buffer, not the cached chunk
    assert z[0, 0] == 0.0
    for _, chunk in chunk_cache.cache._entries.values():
        assert not chunk.flags.writeable


def test_budget_evicts_least_recently_used(cache_on):
    with zarr_core.config.set({"chunk_cache.max_bytes": 3 * 800}):
        counting = CountingStore(KVStore({}))
        z = _array(counting)  # chunks of 800 bytes
        z[0:10, 0:30]  # three chunks: full
        z[0:10, 0:10]  # (0,0) most recent
        z[10:20, 0:10]  # evicts (0,1)
        counting.reset()
        z[0:10, 0:10]
        z[0:10, 20:30]
        assert _chunk_reads(counting) == []
        z[0:10, 10:20]
        assert len(_chunk_reads(counting)) == 1
        assert chunk_cache.stats()["bytes"] <= 3 * 800


def test_turning_it_off_empties_it(cache_on):
    z = _array(CountingStore(KVStore({})))
    z[...]
    assert chunk_cache.stats()["chunks"] == 16
    with zarr_core.config.set({"chunk_cache.max_bytes": 0}):
        z[...]
        assert chunk_cache.stats()["chunks"] == 0


def test_bad_budget_names_the_setting():
    with zarr_core.config.set({"chunk_cache.max_bytes": "plenty"}):
        z = zarr_core.zeros((4,), chunks=(2,))
        with pytest.raises(InvalidSizeError, match="chunk_cache.max_bytes must be .* 'plenty'"):
            z[...]


def test_object_arrays_are_not_cached(cache_on):
    z = zarr_core.empty((4,), chunks=(2,), dtype=str, zarr_format=2)
    z[...] = ["a", "b", "c", "d"]
    assert z[...].tolist() == ["a", "b", "c", "d"]
    assert chunk_cache.stats()["chunks"] == 0


def test_a_read_racing_a_write_does_not_cache_the_old_chunk(cache_on):
    class Held(WrapperStore):
        def __init__(self, store):
            super().__init__(store)
            self.fetched, self.release, self.armed = threading.Event(), threading.Event(), False

        def _get_many(self, keys):
            out = super()._get_many(keys)
            if self.armed:
                self.armed = False
                self.fetched.set()
                assert self.release.wait(10)
            return out

    held = Held(KVStore({}))
    z = zarr_core.zeros((10,), chunks=(10,), dtype="i4", store=held)
    z[...] = 1
    held.armed = True
    got = {}
    reader = threading.Thread(target=lambda: got.update(v=z[...].tolist()))
    reader.start()
    assert held.fetched.wait(10)
    z[...] = 2
    held.release.set()
    reader.join()
    assert got["v"] == [1] * 10
    assert z[...].tolist() == [2] * 10


def test_a_collected_store_takes_its_chunks_along(cache_on):
    z = _array(CountingStore(KVStore({})))
    z[...]
    assert chunk_cache.stats()["chunks"] == 16
    del z
    import gc

    gc.collect()
    zarr_core.zeros((2,), chunks=(2,))[...]  # any lookup drops the dead store's chunks
    assert chunk_cache.stats()["chunks"] == 0


def test_repeated_300_window_read_fetches_and_decodes_nothing(cache_on, monkeypatch):
    """Issue 13's workload (bench/backend_cache.py times it: at least 5x faster): 300
    random 64x64 windows of 1024x1024 blosc-lz4 chunks, read once with every window
    fetching and decoding its chunks, then again from the warm cache. Asserted by what
    reaches the store and the codecs, not by a stopwatch: benchmarks never fail CI on time.
    """
    import numcodecs

    n = 4096
    rng = np.random.default_rng(42)
    data = (np.cumsum(rng.standard_normal(n * n, dtype="float32")) / 100).reshape(n, n)
    counting = CountingStore(KVStore({}))
    z = zarr_core.zeros(
        (n, n),
        chunks=(1024, 1024),
        dtype="f4",
        compressor=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1),
        zarr_format=2,
        store=counting,
    )
    z[...] = data
    pick = np.random.default_rng(7)
    windows = [(int(pick.integers(0, n - 64)), int(pick.integers(0, n - 64))) for _ in range(300)]

    def read_windows() -> None:
        for i, j in windows:
            np.testing.assert_array_equal(z[i : i + 64, j : j + 64], data[i : i + 64, j : j + 64])

    with zarr_core.config.set({"chunk_cache.max_bytes": "128MB"}):  # all 16 chunks
        chunk_cache.clear()
        counting.reset()
        read_windows()  # fills the cache
        assert 0 < len(_chunk_reads(counting)) <= 16
        counting.reset()
        decodes = _count_decodes(z, monkeypatch)
        read_windows()
        assert _chunk_reads(counting) == [] and decodes == []
