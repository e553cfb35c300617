"""LRUStoreCache: recently used values, keys and listings of a store, kept in memory."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from zarr_core.engine.lru import SizedLRU, WriteFence, parse_size
from zarr_core.storage.byte_range import ByteRange
from zarr_core_cache._wrap import WriteThrough, as_store

__all__ = ["LRUStoreCache"]

# The fence key every write touches, so a listing fetched while any write ran is not kept.
_LISTINGS = object()


class LRUStoreCache(WriteThrough):
    """An in-memory least-recently-used cache over ``store``.

    Values read (and written) are kept until ``max_size`` bytes would be exceeded, the
    least recently used going first; the key list, ``in`` answers and directory listings
    are kept until the next write (keys found absent too, so repeated probes for metadata
    documents that do not exist cost nothing). Writes and deletes go through to ``store`` and update
    the cache, so reads through this object never see stale data; changes made to
    ``store`` by anything else are not seen until :meth:`invalidate`.

    Parameters
    ----------
    store
        The store holding the data: a Store, or anything ``zarr_core.open_store`` takes
        (a mapping, a path, a URL).
    max_size
        Budget for cached values in bytes (an int, or a string such as ``"256MB"``);
        ``None`` for no limit. A value larger than the budget is never cached.

    Attributes
    ----------
    hits, misses : int
        Value reads served from the cache, and those that went to ``store``.

    Notes
    -----
    A batch read (``getitems``) fetches all the values it misses with one ``getitems``
    call to ``store``; byte ranges of cached values are cut from the cache, the others
    are fetched with one ``get_partial_values`` call (and not cached). Thread-safe. A
    pickled copy starts with an empty cache.

    Examples
    --------
    >>> from zarr_core.storage import MemoryStore
    >>> cache = LRUStoreCache(MemoryStore(), max_size=2**28)
    >>> cache["k"] = b"v"
    >>> cache["k"], cache.hits, cache.misses
    (b'v', 1, 0)
    """

    def __init__(self, store: Any, max_size: int | str | None, *, read_only: bool = False):
        super().__init__(as_store(store), read_only=read_only)
        self._max_size = parse_size(max_size, "LRUStoreCache max_size")
        self._lock = threading.Lock()
        self._lru = SizedLRU(self._max_size)
        self._fence = WriteFence()
        self._values: dict[str, bytes] = {}
        self._keys_cache: list[str] | None = None
        self._contains_cache: dict[str, bool] = {}
        self._listdir_cache: dict[str, list[str]] = {}
        self.hits = self.misses = 0

    @property
    def max_size(self) -> int | None:
        return self._max_size

    @property
    def current_size(self) -> int:
        """Bytes of values cached now."""
        return self._lru.current_size

    # -- invalidation -------------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget everything cached."""
        with self._lock:
            self._values.clear()
            self._lru.clear()
            self._forget_listings()

    def invalidate_values(self) -> None:
        """Forget the cached values."""
        with self._lock:
            self._values.clear()
            self._lru.clear()

    def invalidate_keys(self) -> None:
        """Forget the cached key list, ``in`` answers and listings."""
        with self._lock:
            self._forget_listings()

    def _forget_listings(self) -> None:
        self._keys_cache = None
        self._contains_cache.clear()
        self._listdir_cache.clear()

    def _cache_values(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Admit values (lock held)."""
        values = self._values
        for key, value in items:
            evicted = self._lru.admit(key, len(value))
            if evicted is None:
                values.pop(key, None)
                continue
            for old in evicted:
                del values[old]
            values[key] = value

    # -- reads --------------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        value = self._get_many([key]).get(key)
        if value is None:
            raise KeyError(key)
        return value

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        missing = []
        with self._lock:
            values, touch, known = self._values, self._lru.touch, self._contains_cache
            for key in keys:
                value = values.get(key)
                if value is not None:
                    out[key] = value
                    touch(key)
                elif known.get(key, True):  # not known to be absent (metadata probes)
                    missing.append(key)
            self.hits += len(keys) - len(missing)
            if not missing:
                return out
            self.misses += len(missing)
            token = self._fence.begin_read()
        fetched: dict[str, bytes] = {}
        try:
            fetched = self.store.getitems(missing)
        finally:
            with self._lock:
                ok = self._fence.end_read(token, [*missing, _LISTINGS])
                self._cache_values((k, fetched[k]) for k in ok if k in fetched)
                if ok and ok[-1] is _LISTINGS:
                    for key in ok[:-1]:
                        if key not in fetched:
                            known[key] = False
        out.update(fetched)
        return out

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        out: list[bytes | None] = [None] * len(requests)
        rest = []
        with self._lock:
            values = self._values
            for i, (key, byte_range) in enumerate(requests):
                value = values.get(key)
                if value is None:
                    rest.append(i)
                else:
                    out[i] = value if byte_range is None else byte_range.slice(value)
                    self._lru.touch(key)
            self.hits += len(requests) - len(rest)
            self.misses += len(rest)
        if rest:
            fetched = self.store.get_partial_values([requests[i] for i in rest])
            for i, value in zip(rest, fetched):
                out[i] = value
        return out

    def _contains(self, key: str) -> bool:
        with self._lock:
            if key in self._values:
                return True
            known = self._contains_cache.get(key)
            if known is not None:
                return known
            token = self._fence.begin_read()
        found = False
        try:
            found = key in self.store
        finally:
            with self._lock:
                if self._fence.end_read(token, [_LISTINGS]):
                    self._contains_cache[key] = found
        return found

    def _listing(self, fetch, remember) -> Any:
        """Fetch a listing and keep it (via ``remember``) unless a write raced it."""
        with self._lock:
            token = self._fence.begin_read()
        result = None
        try:
            result = fetch()
        finally:
            with self._lock:
                if self._fence.end_read(token, [_LISTINGS]) and result is not None:
                    remember(result)
        return result

    def _keys(self) -> Iterable[str]:
        with self._lock:
            if self._keys_cache is not None:
                return list(self._keys_cache)

        def remember(keys: list[str]) -> None:
            self._keys_cache = keys

        return list(self._listing(lambda: list(self.store), remember))

    def _len(self) -> int:
        return len(self._keys())

    def _list_dir(self, prefix: str) -> Iterable[str]:
        with self._lock:
            listing = self._listdir_cache.get(prefix)
            if listing is not None:
                return list(listing)

        def remember(names: list[str]) -> None:
            self._listdir_cache[prefix] = names

        return list(self._listing(lambda: self.store.listdir(prefix), remember))

    # -- writes -------------------------------------------------------------------------
    def _write(self, keys: list[str] | None, call, cache: dict[str, bytes] | None = None):
        """Run the write ``call`` on ``store``, keeping the cache consistent with it.

        ``keys`` are the keys it changes (``None``: not known, e.g. a prefix); their
        values are dropped first, and ``cache`` values written are kept after.
        """
        fence_keys = None if keys is None else [*keys, _LISTINGS]
        with self._lock:
            token = self._fence.begin_write(fence_keys)
            self._forget_listings()
            if keys is None:
                self._values.clear()
                self._lru.clear()
            else:
                for key in keys:
                    if self._values.pop(key, None) is not None:
                        self._lru.discard(key)
        done = False
        try:
            result = call()
            done = True
        finally:
            with self._lock:
                ok = self._fence.end_write(token, fence_keys)
                self._forget_listings()
                if done and cache:
                    self._cache_values((k, cache[k]) for k in ok if k in cache)
        return result

    # -- lifecycle ----------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"store": self.store, "max_size": self._max_size, "read_only": self._read_only}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def __repr__(self) -> str:
        return f"<LRUStoreCache of {self.store!r}, max_size={self._max_size}>"
