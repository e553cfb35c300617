"""CacheStore: values of one store cached in another, with a time-to-live and a size budget."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from typing import Any

from zarr_core.engine.lru import SizedLRU, WriteFence, parse_size
from zarr_core.storage.adapters import StoreAdapter
from zarr_core.storage.base import Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core_cache import _entry
from zarr_core_cache._wrap import WriteThrough, as_store
from zarr_core_cache.errors import CacheConfigError

__all__ = ["CacheStore"]


# The second half of the LRU entry ``(key, ABSENT)``: ``key`` was found absent.
ABSENT = "absent"


class _State:
    """What a CacheStore and its :meth:`~CacheStore.with_read_only` copies share."""

    def __init__(self, max_size: int | None):
        self.lock = threading.Lock()
        # Entries: a key (its whole value, in the cache store) or (key, ByteRange) (in
        # ``ranges``); one budget for both.
        self.lru = SizedLRU(max_size)
        self.fence = WriteFence()
        self.ranges: dict[tuple[str, ByteRange], tuple[bytes, float]] = {}
        self.range_keys: dict[str, set[ByteRange]] = {}
        # Keys found absent (metadata probes, missing chunks), in memory: key -> time.
        self.absent: dict[str, float] = {}
        self.hits = self.misses = 0


class CacheStore(WriteThrough, StoreAdapter):
    """Cache the values of ``store`` in ``cache_store``.

    Whole values read (and, with ``cache_set_data``, written) are kept in ``cache_store``
    -- any store: memory, or a local directory or database as a cache over a remote store
    that outlives the process. Byte ranges are kept in memory only. Both share one
    least-recently-used budget of ``max_size`` bytes.

    Parameters
    ----------
    store
        The store holding the data: a Store, or anything ``zarr_core.open_store`` takes
        (a mapping, a path, a URL).
    cache_store
        Where cached values go. It must be writable and support deletes. Entries it
        already holds (a persistent cache reopened) are used, subject to the budget and
        the time-to-live; what else it holds must not be in the way, so give each cached
        store a cache store of its own (e.g. a ``PrefixStore`` of a shared directory).
    max_age_seconds
        Time-to-live of cached entries in seconds; ``"infinity"`` (or ``None``) for none.
        Ages are wall-clock times recorded with each entry, so they hold across reopening.
    max_size
        Budget in bytes (an int or a string such as ``"1GB"``); ``None`` for no limit.
        A value larger than the budget is never cached.
    cache_set_data
        Cache values when they are written through this store (else writes only drop
        the cached value).
    read_only
        Refuse writes (a read-only ``store`` makes this store read-only anyway).

    Notes
    -----
    Writes and deletes through this store go to ``store`` and drop (or replace) the
    cached entries first, so they never leave a stale value; changes made to ``store`` by
    anything else are seen after ``max_age_seconds``, or after :meth:`clear_cache`. A
    batch read fetches every value it misses with one ``getitems`` call to ``store``
    (ranges: one ``get_partial_values`` call) and writes them to ``cache_store`` with one
    ``setitems`` call. A value torn in a persistent cache store by a crash fails its
    checksum and is read from ``store`` again. Thread-safe. Closing closes both stores;
    pickling pickles both (the copy's cache starts from what ``cache_store`` holds).

    Examples
    --------
    >>> from zarr_core.storage import MemoryStore
    >>> cached = CacheStore(MemoryStore(), cache_store=MemoryStore(), max_size="64MB")
    >>> cached["k"] = b"v"
    >>> cached["k"], cached.cache_stats()["hits"]
    (b'v', 1)
    """

    def __init__(
        self,
        store: Any,
        *,
        cache_store: Store,
        max_age_seconds: float | str | None = "infinity",
        max_size: int | str | None = None,
        cache_set_data: bool = True,
        read_only: bool = False,
    ):
        super().__init__(as_store(store), read_only=read_only)
        if not isinstance(cache_store, Store):
            raise CacheConfigError(
                f"cache_store must be a zarr-core Store, got {type(cache_store).__name__}; "
                "wrap a mapping with zarr_core.storage.KVStore or open a path with "
                "zarr_core.open_store"
            )
        if cache_store.read_only or not cache_store.supports_deletes:
            raise CacheConfigError(
                f"the cache store {cache_store!r} must be writable and support deletes"
            )
        self._cache = cache_store
        self.max_age_seconds = _max_age(max_age_seconds)
        self.max_size = parse_size(max_size, "CacheStore max_size")
        self.cache_set_data = bool(cache_set_data)
        self._checksum = bool(cache_store.is_persistent)
        self._state = _State(self.max_size)
        self._adopt()

    def _adopt(self) -> None:
        """Track the entries ``cache_store`` already holds (a reopened persistent cache)."""
        keys = self._cache.list_prefix("")
        if not keys:
            return
        lru = self._state.lru
        evicted: list[Any] = []
        for key in keys:
            got = lru.admit(key, max(self._cache.getsize(key) - _entry.HEADER_SIZE, 0))
            evicted += [key] if got is None else got
        if evicted:
            self._cache.delitems(evicted)

    # -- introspection ------------------------------------------------------------------
    @property
    def cache_store(self) -> Store:
        return self._cache

    def cache_info(self) -> dict[str, Any]:
        """The cache's settings and how full it is."""
        state = self._state
        with state.lock:
            return {
                "cache_store_type": type(self._cache).__name__,
                "max_age_seconds": "infinity"
                if self.max_age_seconds == math.inf
                else self.max_age_seconds,
                "max_size": self.max_size,
                "current_size": state.lru.current_size,
                "cache_set_data": self.cache_set_data,
                "cached_keys": len(state.lru) - len(state.ranges) - len(state.absent),
                "cached_ranges": len(state.ranges),
                "cached_absent_keys": len(state.absent),
            }

    def cache_stats(self) -> dict[str, Any]:
        """Hits, misses, evictions and the hit rate since this cache was opened."""
        state = self._state
        with state.lock:
            total = state.hits + state.misses
            return {
                "hits": state.hits,
                "misses": state.misses,
                "evictions": state.lru.evictions,
                "total_requests": total,
                "hit_rate": state.hits / total if total else 0.0,
            }

    def clear_cache(self) -> None:
        """Drop every cached entry (the wrapped store is untouched)."""
        state = self._state
        with state.lock:
            token = state.fence.begin_write(None)
            try:
                self._cache.clear()
                state.lru.clear()
                state.ranges.clear()
                state.range_keys.clear()
                state.absent.clear()
            finally:
                state.fence.end_write(token, None)

    def with_read_only(self, read_only: bool = False) -> CacheStore:
        """This store in another mode, sharing its cache and statistics."""
        # Not copy.copy: pickling support makes that a new, empty cache.
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._read_only = bool(read_only) or self.store.read_only
        return clone

    # -- bookkeeping (lock held) --------------------------------------------------------
    def _fresh(self, cached_at: float) -> bool:
        return time.time() - cached_at < self.max_age_seconds

    def _drop(self, entries: Iterable[Any]) -> list[str]:
        """Forget entries; returns the whole-value keys to delete from the cache store."""
        lru, ranges, range_keys = self._state.lru, self._state.ranges, self._state.range_keys
        stale = []
        for entry in entries:
            lru.discard(entry)
            if isinstance(entry, str):
                stale.append(entry)
            elif entry[1] is ABSENT:
                self._state.absent.pop(entry[0], None)
            else:
                ranges.pop(entry, None)
                held = range_keys.get(entry[0])
                if held is not None:
                    held.discard(entry[1])
                    if not held:
                        del range_keys[entry[0]]
        return stale

    def _entries_of(self, keys: Iterable[str] | None) -> list[Any]:
        """Every tracked entry of ``keys`` (``None``: all entries)."""
        if keys is None:
            return list(self._state.lru)
        range_keys, lru, absent = self._state.range_keys, self._state.lru, self._state.absent
        out: list[Any] = []
        for key in keys:
            if key in lru:
                out.append(key)
            if key in absent:
                out.append((key, ABSENT))
            out += [(key, r) for r in range_keys.get(key, ())]
        return out

    def _admit(self, entry: Any, size: int) -> list[str]:
        """Track a new entry; returns whole-value keys evicted (or refused) to delete."""
        evicted = self._state.lru.admit(entry, size)
        if evicted is None:
            return self._drop([entry])
        return self._drop(evicted)

    def _remember(self, values: dict[str, bytes]) -> None:
        """Write whole values to the cache store (lock held)."""
        state = self._state
        stale: list[str] = []
        entries = {}
        for key, value in values.items():
            size = len(value)  # the budget counts values, as LRUStoreCache does
            if self.max_size is not None and size > self.max_size:
                stale += self._drop([key])
                continue
            stale += self._admit(key, size)
            entries[key] = value
        # Later values of a batch may have evicted earlier ones.
        entries = {k: v for k, v in entries.items() if k in state.lru}
        stale = [k for k in stale if k not in entries]
        if stale:
            self._cache.delitems(stale)
        if entries:
            checksum = self._checksum
            try:
                self._cache.setitems({k: _entry.pack(v, checksum) for k, v in entries.items()})
            except BaseException:
                for key in entries:
                    state.lru.discard(key)
                raise

    # -- reads --------------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        value = self._get_many([key]).get(key)
        if value is None:
            raise KeyError(key)
        return value

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        state = self._state
        with state.lock:
            tracked = [k for k in keys if k in state.lru]
            known_absent = self._known_absent(keys) if state.absent else ()
        out = self._cached_values(tracked)
        missing = [k for k in keys if k not in out and k not in known_absent]
        with state.lock:
            state.hits += len(out) + len(known_absent)
            if not missing:
                return out
            state.misses += len(missing)
            token = state.fence.begin_read()
        fetched: dict[str, bytes] = {}
        try:
            fetched = self.store.getitems(missing)
        finally:
            with state.lock:
                ok = state.fence.end_read(token, missing)
                self._remember({k: fetched[k] for k in ok if k in fetched})
                self._remember_absent([k for k in ok if k not in fetched])
        out.update(fetched)
        return out

    def _known_absent(self, keys: list[str]) -> set[str]:
        """The ``keys`` recently found absent (lock held); expired records are dropped."""
        absent, lru = self._state.absent, self._state.lru
        found, expired = set(), []
        for key in keys:
            at = absent.get(key)
            if at is None:
                continue
            if self._fresh(at):
                found.add(key)
                lru.touch((key, ABSENT))
            else:
                expired.append((key, ABSENT))
        self._drop(expired)
        return found

    def _remember_absent(self, keys: list[str]) -> None:
        """Record keys found absent (lock held); each counts its length against the budget."""
        if not keys:
            return
        now, absent, stale = time.time(), self._state.absent, []
        for key in keys:
            stale += self._admit((key, ABSENT), len(key))
            if (key, ABSENT) in self._state.lru:
                absent[key] = now
        if stale:
            self._cache.delitems(stale)

    def _cached_values(self, keys: list[str]) -> dict[str, bytes]:
        """Fresh, intact values of tracked ``keys`` from the cache store."""
        if not keys:
            return {}
        raw = self._cache.getitems(keys)
        out, bad = {}, []
        checksum = self._checksum
        for key in keys:
            entry = raw.get(key)
            unpacked = None if entry is None else _entry.unpack(entry, checksum)
            if unpacked is None or not self._fresh(unpacked[1]):
                bad.append(key)
            else:
                out[key] = unpacked[0]
        state = self._state
        with state.lock:
            for key in out:
                state.lru.touch(key)
            # Expired, torn or evicted meanwhile: forget them (a racing refill of the same
            # key is dropped too, which costs a fetch, never a stale value).
            stale = self._drop(k for k in bad if k in state.lru)
            if stale:
                self._cache.delitems(stale)
        return out

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        state = self._state
        out: list[bytes | None] = [None] * len(requests)
        whole = list(dict.fromkeys(k for k, r in requests if r is None))
        with state.lock:
            ranged = [i for i, (_, r) in enumerate(requests) if r is not None]
            pending = []
            for i in ranged:
                hit = state.ranges.get(requests[i])  # type: ignore[arg-type]
                if hit is not None and self._fresh(hit[1]):
                    out[i] = hit[0]
                    state.lru.touch(requests[i])
                    state.hits += 1
                else:
                    pending.append(i)
            # A range of a value cached whole is cut from it: no request to ``store``.
            from_whole = {requests[i][0] for i in pending if requests[i][0] in state.lru}
        wanted = list(dict.fromkeys([*whole, *from_whole]))
        values = self._get_many(wanted) if wanted else {}
        rest = []
        for i in pending:
            key, byte_range = requests[i]
            if key in from_whole and key in values:
                out[i] = byte_range.slice(values[key])  # type: ignore[union-attr]
            else:
                rest.append(i)
        for i, (key, byte_range) in enumerate(requests):
            if byte_range is None:
                out[i] = values.get(key)
        if not rest:
            return out
        with state.lock:
            state.misses += len(rest)
            token = state.fence.begin_read()
        fetched: list[bytes | None] = []
        try:
            fetched = self.store.get_partial_values([requests[i] for i in rest])
        finally:
            with state.lock:
                ok = set(state.fence.end_read(token, [requests[i][0] for i in rest]))
                now = time.time()
                stale: list[str] = []
                for i, value in zip(rest, fetched):
                    key, byte_range = requests[i]
                    if value is None or key not in ok:
                        continue
                    entry = (key, byte_range)
                    stale += self._admit(entry, len(value))
                    if entry in state.lru:
                        state.ranges[entry] = (value, now)  # type: ignore[index]
                        state.range_keys.setdefault(key, set()).add(byte_range)  # type: ignore[arg-type]
                if stale:
                    self._cache.delitems(stale)
        for i, value in zip(rest, fetched):
            out[i] = value
        return out

    # -- writes -------------------------------------------------------------------------
    def _write(self, keys: list[str] | None, call, values: dict[str, bytes] | None = None):
        """Run the write ``call`` on ``store`` with the cache kept consistent.

        The cached entries of ``keys`` (``None``: all, for writes whose keys are not
        known up front) are dropped from the cache store *before* ``store`` changes, so
        a crash in between leaves no stale entry behind; ``values`` written are cached
        after, unless another operation on their key overlapped this one.
        """
        state = self._state
        with state.lock:
            token = state.fence.begin_write(keys)
            stale = self._drop(self._entries_of(keys))
            try:
                if stale:
                    self._cache.delitems(stale)
            except BaseException:
                state.fence.end_write(token, keys)
                raise
        done = False
        try:
            result = call()
            done = True
        finally:
            with state.lock:
                ok = state.fence.end_write(token, keys)
                if done and values and self.cache_set_data:
                    self._remember({k: values[k] for k in ok if k in values})
        return result

    # -- the cache: URL-pipeline stage ------------------------------------------------
    @classmethod
    def from_store(
        cls, store: Store, path: str, body: str, *, mode: str = "r"
    ) -> tuple[CacheStore, str]:
        """Wrap the previous stage's ``store`` as ``…|cache:[path][?options]`` asks.

        Options: ``max_size`` (bytes or ``"1GB"``; default
        :data:`~zarr_core_cache.url_options.DEFAULT_MAX_SIZE`), ``max_age`` (seconds) and
        ``dir`` (a local directory for a persistent cache; default: memory). Each source
        gets its own sub-directory of ``dir``, named from the source.
        """
        from zarr_core.storage.keys import join_path
        from zarr_core.storage.memory import MemoryStore
        from zarr_core.storage.prefix import PrefixStore
        from zarr_core.storage.resolve import open_store
        from zarr_core_cache.url_options import namespace, parse_stage

        options = parse_stage(body)
        if options.directory is None:
            cache_store: Store = MemoryStore()
        else:
            shared = open_store(options.directory, mode="a")
            cache_store = PrefixStore(shared, namespace(store))
        cached = cls(
            store,
            cache_store=cache_store,
            max_age_seconds=options.max_age_seconds,
            max_size=options.max_size,
            read_only=mode == "r",
        )
        return cached, join_path(path, options.path)

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        self._cache.close()
        super().close()

    def flush(self) -> None:
        self._cache.flush()
        super().flush()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "cache_store": self._cache,
            "max_age_seconds": self.max_age_seconds,
            "max_size": self.max_size,
            "cache_set_data": self.cache_set_data,
            "read_only": self._read_only,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def __repr__(self) -> str:
        return (
            f"<CacheStore of {self.store!r} in {self._cache!r}, "
            f"max_size={self.max_size}, max_age_seconds={self.max_age_seconds}>"
        )


def _max_age(value: float | str | None) -> float:
    if value is None or value == "infinity":
        return math.inf
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise CacheConfigError(
        f"max_age_seconds must be a number of seconds >= 0 or 'infinity', got {value!r}"
    )
