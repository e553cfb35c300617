"""Thread safety: a read racing a write never leaves the old value cached."""

from __future__ import annotations

import threading

import pytest
from zarr_core_cache import CacheStore, LRUStoreCache

from zarr_core.storage import KVStore, MemoryStore
from zarr_core.storage.wrapper import WrapperStore
from zarr_core.testing.concurrency import run_in_threads


class _SlowRead(WrapperStore):
    """Holds the first batch read, after fetching, until the test lets it return."""

    def __init__(self, store):
        super().__init__(store)
        self.fetched = threading.Event()
        self.release = threading.Event()
        self.armed = True

    def _get_many(self, keys):
        out = super()._get_many(keys)
        if self.armed:
            self.armed = False
            self.fetched.set()
            assert self.release.wait(10)
        return out


def _caches(store):
    return [
        LRUStoreCache(store, max_size=None),
        CacheStore(store, cache_store=MemoryStore()),
        CacheStore(store, cache_store=MemoryStore(), cache_set_data=False),
    ]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["lru", "cache", "cache-no-set-data"])
@pytest.mark.parametrize("write", ["set", "delete"])
def test_a_value_fetched_before_a_write_is_not_cached_after_it(which, write):
    slow = _SlowRead(KVStore({"k": b"old"}))
    cache = _caches(slow)[which]
    result = {}
    reader = threading.Thread(target=lambda: result.update(v=cache["k"]))
    reader.start()
    assert slow.fetched.wait(10)  # the reader holds b"old" and has not cached it yet
    if write == "set":
        cache["k"] = b"new"
    else:
        del cache["k"]
    slow.release.set()
    reader.join()
    assert result["v"] == b"old"  # it read before the write
    if write == "set":
        assert cache["k"] == b"new"
    else:
        assert "k" not in cache
        with pytest.raises(KeyError):
            cache["k"]


@pytest.mark.parametrize("which", [0, 1], ids=["lru", "cache"])
def test_concurrent_readers_and_writers_end_consistent(which):
    backing = KVStore({f"k{i}": b"0" for i in range(20)})
    cache = (
        _caches(backing)[which]
        if which == 0
        else CacheStore(backing, cache_store=MemoryStore(), max_size=200)
    )
    keys = [f"k{i}" for i in range(20)]

    def work(worker: int) -> None:
        for round_ in range(200):
            if worker % 2:
                cache.getitems(keys[round_ % 7 :: 3])
            else:
                key = keys[(worker * 7 + round_) % 20]
                cache[key] = f"{worker}-{round_}".encode()

    run_in_threads(work, 6)
    assert cache.getitems(keys) == backing.getitems(keys)
