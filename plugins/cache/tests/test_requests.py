"""What reaches the wrapped store: hits, misses, batches, expiry, eviction, invalidation.

Every test counts the requests a :class:`CountingStore` between the cache and the data
records, so a cache that silently passed reads through would fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from zarr_core_cache import CacheConfigError, CacheStore, LRUStoreCache

import zarr_core
from zarr_core.errors import InvalidSizeError, InvalidStoreError, ReadOnlyError
from zarr_core.storage import FSStore, KVStore, MemoryStore
from zarr_core.storage.byte_range import ByteRange
from zarr_core.testing.counting import CountingStore


def _lru(counting, max_size=None):
    return LRUStoreCache(counting, max_size=max_size)


def _cache(counting, max_size=None, **kwargs):
    return CacheStore(counting, cache_store=MemoryStore(), max_size=max_size, **kwargs)


def _persistent(counting, max_size=None, tmp_path=None, **kwargs):
    cache = FSStore(str(tmp_path / "cache"), mode="a")
    return CacheStore(counting, cache_store=cache, max_size=max_size, **kwargs)


@pytest.fixture(params=["lru", "cache", "persistent"])
def make(request, tmp_path):
    """A factory: (counting store, max_size) -> cache store of the parametrized kind."""
    if request.param == "lru":
        return _lru
    if request.param == "cache":
        return _cache
    return lambda counting, max_size=None: _persistent(counting, max_size, tmp_path)


def _fill(n=6, size=100):
    counting = CountingStore(KVStore({}))
    counting.setitems({f"k{i}": bytes([i]) * size for i in range(n)})
    counting.reset()
    return counting


def test_second_read_is_a_hit(make):
    counting = _fill()
    cache = make(counting)
    assert cache["k1"] == b"\x01" * 100
    assert counting.reads() == [("getitems", ["k1"])]
    counting.reset()
    assert cache["k1"] == b"\x01" * 100
    assert counting.reads() == []


def test_a_batch_fetches_all_misses_in_one_call(make):
    counting = _fill()
    cache = make(counting)
    cache.getitems(["k0", "k1"])
    counting.reset()
    got = cache.getitems(["k0", "k1", "k2", "k3", "missing"])
    assert sorted(got) == ["k0", "k1", "k2", "k3"]
    assert counting.reads() == [("getitems", ["k2", "k3", "missing"])]
    counting.reset()
    assert sorted(cache.getitems(["k0", "k1", "k2", "k3"])) == ["k0", "k1", "k2", "k3"]
    assert counting.reads() == []


def test_missing_keys_raise_key_error(make):
    cache = make(_fill())
    with pytest.raises(KeyError, match="nope"):
        cache["nope"]


def test_least_recently_used_is_evicted_first(make):
    counting = _fill(size=100)
    cache = make(counting, max_size=350)  # three values fit
    cache.getitems(["k0", "k1", "k2"])
    cache["k0"]  # k0 is now the most recently used; k1 the least
    cache["k3"]  # evicts k1
    counting.reset()
    cache.getitems(["k0", "k2", "k3"])
    assert counting.reads() == []
    cache["k1"]
    assert counting.reads() == [("getitems", ["k1"])]


def test_a_value_larger_than_the_budget_is_not_cached(make):
    counting = _fill(size=1000)
    cache = make(counting, max_size=500)
    cache["k0"]
    cache["k0"]
    assert counting.reads() == [("getitems", ["k0"]), ("getitems", ["k0"])]


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__setitem__("k1", b"new"),
        lambda s: s.setitems({"k1": b"new"}),
        lambda s: s.__delitem__("k1"),
        lambda s: s.delitems(["k1"]),
        lambda s: s.rmdir(""),
        lambda s: s.rename("k1", "moved"),
        lambda s: s.clear(),
    ],
    ids=["set", "setitems", "del", "delitems", "rmdir", "rename", "clear"],
)
def test_writes_and_deletes_leave_no_stale_value(make, write):
    counting = _fill()
    cache = make(counting)
    assert cache["k1"] == b"\x01" * 100
    write(cache)
    expected = counting.inner.getitems(["k1"]).get("k1")
    assert cache.getitems(["k1"]).get("k1") == expected
    if expected is None:
        assert "k1" not in cache
        with pytest.raises(KeyError):
            cache["k1"]


def test_written_values_are_served_from_the_cache(make):
    counting = _fill()
    cache = make(counting)
    cache["new/key"] = b"written"
    counting.reset()
    assert cache["new/key"] == b"written"
    assert counting.reads() == []


def test_byte_ranges_of_cached_values_need_no_request(make):
    counting = _fill()
    cache = make(counting)
    cache["k2"]
    counting.reset()
    got = cache.get_partial_values([("k2", ByteRange(10, 5)), ("k2", ByteRange.last(3))])
    assert got == [b"\x02" * 5, b"\x02" * 3]
    assert counting.reads() == []


def test_uncached_ranges_are_one_batched_request(make):
    counting = _fill()
    counting.ranges = True
    cache = make(counting)
    requests = [("k3", ByteRange(0, 4)), ("k4", ByteRange(2, 2)), ("missing", ByteRange(0, 1))]
    assert cache.get_partial_values(requests) == [b"\x03" * 4, b"\x04" * 2, None]
    assert [op for op, _ in counting.reads()] == ["get_partial_values"]


# -- CacheStore -----------------------------------------------------------------------------
def test_cache_store_caches_byte_ranges_in_memory_only(tmp_path):
    counting = _fill()
    counting.ranges = True
    cache = _persistent(counting, tmp_path=tmp_path)
    requests = [("k3", ByteRange(0, 4)), ("k4", ByteRange(2, 2))]
    cache.get_partial_values(requests)
    counting.reset()
    assert cache.get_partial_values(requests) == [b"\x03" * 4, b"\x04" * 2]
    assert counting.reads() == []
    assert cache.cache_store.list_prefix("") == []  # nothing of the ranges on disk
    assert cache.cache_info()["cached_ranges"] == 2
    cache["k3"] = b"changed"  # a write drops the key's ranges too
    assert cache.get_partial_values([("k3", ByteRange(0, 4))]) == [b"chan"]


def test_ranges_and_values_share_one_budget():
    counting = _fill(size=100)
    counting.ranges = True
    cache = _cache(counting, max_size=150)
    cache["k0"]
    cache.get_partial_values([("k1", ByteRange(0, 90))])  # evicts k0
    info = cache.cache_info()
    assert (info["cached_keys"], info["cached_ranges"], info["current_size"]) == (0, 1, 90)
    assert cache.cache_stats()["evictions"] == 1


def test_entries_expire(monkeypatch):
    counting = _fill()
    counting.ranges = True
    cache = _cache(counting, max_age_seconds=60)
    now = [1_000_000.0]
    monkeypatch.setattr("zarr_core_cache.cache_store.time.time", lambda: now[0])
    monkeypatch.setattr("zarr_core_cache._entry.time.time_ns", lambda: int(now[0] * 1e9))
    cache["k1"]
    cache.get_partial_values([("k2", ByteRange(0, 1))])
    counting.reset()
    now[0] += 59
    cache["k1"]
    cache.get_partial_values([("k2", ByteRange(0, 1))])
    assert counting.reads() == []
    now[0] += 2
    cache["k1"]
    cache.get_partial_values([("k2", ByteRange(0, 1))])
    assert [op for op, _ in counting.reads()] == ["getitems", "get_partial_values"]


def test_cache_set_data_false_only_drops_the_cached_value():
    counting = _fill()
    cache = _cache(counting, cache_set_data=False)
    cache["k1"]
    cache["k1"] = b"new"
    counting.reset()
    assert cache["k1"] == b"new"
    assert counting.reads() == [("getitems", ["k1"])]


def test_stats_info_and_clear_cache():
    counting = _fill()
    cache = _cache(counting, max_size="1MB", max_age_seconds=10)
    cache.getitems(["k0", "k1"])
    cache["k0"]
    assert cache.cache_stats() == {
        "hits": 1,
        "misses": 2,
        "evictions": 0,
        "total_requests": 3,
        "hit_rate": 1 / 3,
    }
    info = cache.cache_info()
    assert info["max_size"] == 1_000_000 and info["max_age_seconds"] == 10
    assert info["cached_keys"] == 2 and info["cache_store_type"] == "MemoryStore"
    cache.clear_cache()
    assert cache.cache_info()["current_size"] == 0
    counting.reset()
    cache["k0"]
    assert counting.reads() == [("getitems", ["k0"])]


def test_with_read_only_shares_the_cache():
    counting = _fill()
    cache = _cache(counting)
    reader = cache.with_read_only(True)
    assert reader.read_only and not cache.read_only
    cache["k0"]
    counting.reset()
    assert reader["k0"] == b"\x00" * 100
    assert counting.reads() == []
    with pytest.raises(ReadOnlyError, match="read-only"):
        reader["k0"] = b"x"
    assert reader.cache_stats() == cache.cache_stats()


def test_a_reopened_persistent_cache_serves_what_it_holds(tmp_path):
    counting = _fill()
    first = _persistent(counting, tmp_path=tmp_path)
    first.getitems(["k0", "k1"])
    first.close()
    counting.reset()
    again = _persistent(counting, tmp_path=tmp_path)
    assert again.getitems(["k0", "k1"]) == {"k0": b"\x00" * 100, "k1": b"\x01" * 100}
    assert counting.reads() == []
    assert again.cache_info()["cached_keys"] == 2


def test_a_reopened_cache_keeps_the_budget(tmp_path):
    counting = _fill()
    _persistent(counting, tmp_path=tmp_path).getitems([f"k{i}" for i in range(6)])
    again = _persistent(counting, max_size=250, tmp_path=tmp_path)
    assert again.cache_info()["current_size"] <= 250
    assert len(again.cache_store.list_prefix("")) == again.cache_info()["cached_keys"] == 2


def test_bad_options_are_refused():
    with pytest.raises(CacheConfigError, match="max_age_seconds must be .* got 'soon'"):
        CacheStore(MemoryStore(), cache_store=MemoryStore(), max_age_seconds="soon")
    with pytest.raises(InvalidSizeError, match="CacheStore max_size must be .* got 'lots'"):
        CacheStore(MemoryStore(), cache_store=MemoryStore(), max_size="lots")
    with pytest.raises(InvalidSizeError, match="LRUStoreCache max_size must be .* got -1"):
        LRUStoreCache(MemoryStore(), max_size=-1)
    with pytest.raises(CacheConfigError, match="must be writable and support deletes"):
        CacheStore(MemoryStore(), cache_store=MemoryStore(read_only=True))
    with pytest.raises(CacheConfigError, match="cache_store must be a zarr-core Store, got dict"):
        CacheStore(MemoryStore(), cache_store={})


# -- LRUStoreCache ----------------------------------------------------------------------------
def test_lru_caches_keys_contains_and_listings():
    counting = CountingStore(KVStore({"a/b": b"1", "a/c": b"2", "d": b"3"}))
    cache = _lru(counting)
    for _ in range(2):
        assert sorted(cache) == ["a/b", "a/c", "d"]
        assert cache.listdir("a") == ["b", "c"]
        assert "d" in cache and "x" not in cache
        assert len(cache) == 3
    assert [op for op, _ in counting.calls] == ["keys", "listdir"]
    cache["a/e"] = b"4"  # a write drops the listings
    assert cache.listdir("a") == ["b", "c", "e"] and len(cache) == 4


def test_lru_hits_misses_and_invalidation():
    counting = _fill()
    cache = _lru(counting)
    cache["k0"]
    cache["k0"]
    assert (cache.hits, cache.misses) == (1, 1)
    cache.invalidate_values()
    cache["k0"]
    assert cache.misses == 2
    sorted(cache)
    counting.inner["k9"] = b"behind the cache's back"
    assert "k9" not in sorted(cache)
    cache.invalidate_keys()
    assert "k9" in sorted(cache)
    cache.invalidate()
    assert cache.current_size == 0


def test_arrays_read_through_a_cache_read_each_chunk_once(make):
    counting = CountingStore(KVStore({}))
    z = zarr_core.zeros((40, 40), chunks=(10, 10), store=counting, dtype="i4")
    z[:] = np.arange(1600).reshape(40, 40)
    cached = zarr_core.open_array(make(counting), mode="r")
    counting.reset()
    assert np.array_equal(cached[:], np.arange(1600).reshape(40, 40))
    first = counting.reads()
    assert len(first) == 1 and len(first[0][1]) == 16  # one batch of all 16 chunks
    counting.reset()
    cached[:]
    cached[5:15, 5:15]
    assert counting.reads() == []


def test_absent_keys_are_remembered_until_a_write(make):
    counting = _fill()
    cache = make(counting)
    assert cache.getitems(["nope", "k0"]) == {"k0": b"\x00" * 100}
    counting.reset()
    assert cache.getitems(["nope"]) == {}
    with pytest.raises(KeyError):
        cache["nope"]
    assert counting.reads() == []
    cache["nope"] = b"now here"
    assert cache["nope"] == b"now here"
    del cache["nope"]
    assert cache.getitems(["nope"]) == {}


def test_absent_keys_expire(monkeypatch):
    counting = _fill()
    cache = _cache(counting, max_age_seconds=10)
    now = [1_000_000.0]
    monkeypatch.setattr("zarr_core_cache.cache_store.time.time", lambda: now[0])
    cache.getitems(["nope"])
    counting.inner["nope"] = b"created elsewhere"
    assert cache.getitems(["nope"]) == {}  # not seen yet: remembered as absent
    now[0] += 11
    assert cache.getitems(["nope"]) == {"nope": b"created elsewhere"}


@pytest.mark.parametrize("cls", ["lru", "cache"])
def test_any_store_like_is_wrapped_and_junk_is_refused(cls):
    make_one = (
        (lambda s: LRUStoreCache(s, max_size=None))
        if cls == "lru"
        else (lambda s: CacheStore(s, cache_store=MemoryStore()))
    )
    mapping = {"k": b"v"}
    cache = make_one(mapping)
    assert cache["k"] == b"v"
    cache["new"] = b"1"
    assert mapping["new"] == b"1"
    with pytest.raises(InvalidStoreError, match="cannot use a int as a store"):
        make_one(42)
