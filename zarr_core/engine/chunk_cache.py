"""The decoded-chunk cache: chunks kept decoded in memory, so repeated reads skip both the
store and the codecs (what tensorstore's cache pool does).

Off by default. Turn it on with a budget in bytes (``config`` key ``chunk_cache.max_bytes``,
environment ``ZARR_CORE_CHUNK_CACHE__MAX_BYTES``; an int or a string such as ``"512MB"``)::

    with zarr_core.config.set({"chunk_cache.max_bytes": "1GB"}):
        ...

One cache serves the whole process, least recently used chunks going first. An entry
belongs to the store object the array reads chunks from and to the array's loaded
metadata: every write through any array over that store object drops the chunks it
touches (before the store changes, and a read that raced the write does not put its
value back), and an array whose metadata was reloaded (``resize``, a new ``Array``
object over re-created data) does not see entries decoded under the old metadata.
Writes made through another store object or by another process are not seen: this is
a cache of what this process wrote and read. Object arrays are never cached.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from zarr_core import config
from zarr_core.engine.lru import SizedLRU, WriteFence, parse_size

if TYPE_CHECKING:
    from zarr_core.engine.chunk_io import ChunkIO

__all__ = ["ChunkCache", "cache", "clear", "stats"]

CONFIG_KEY = "chunk_cache.max_bytes"


class _Read:
    """One read operation's view of the cache, a context manager: what hit, what to
    fetch, and (on exit) the decoded chunks it was offered go into the cache."""

    __slots__ = ("hits", "misses", "miss_keys", "_cache", "_io", "_keys", "_token", "_keep")
    #: Whether decoded chunks offered with :meth:`keep` go into the cache.
    caching = True

    def __init__(self, cache, io, keys, hits, misses, token):
        self.hits: list[tuple[int, np.ndarray]] = hits
        #: Indices of the chunks to fetch, and their keys.
        self.misses: Sequence[int] = misses
        self.miss_keys: list[str] = keys if len(misses) == len(keys) else [keys[i] for i in misses]
        self._cache, self._io, self._keys, self._token = cache, io, keys, token
        self._keep: dict[int, np.ndarray] = {}

    def keep(self, indices: Sequence[int], chunks: Sequence[Any]) -> None:
        """Offer decoded chunks (``None`` for missing ones) to the cache."""
        for i, chunk in zip(indices, chunks):
            if chunk is not None:
                self._keep[i] = chunk

    def __enter__(self) -> _Read:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._token is not None:
            self._cache._fill(self._io, self._keys, self._token, self._keep)


class _Off:
    """The cache is off (or every chunk hit): every chunk a miss, nothing kept."""

    __slots__ = ("misses", "miss_keys")
    hits = ()
    caching = False

    def __init__(self, keys: list[str]):
        self.misses = range(len(keys))
        self.miss_keys = keys

    def keep(self, indices: Sequence[int], chunks: Sequence[Any]) -> None:
        pass

    def __enter__(self) -> _Off:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        pass


class _Write:
    """A write of some chunks, as a context manager (see :meth:`ChunkCache.writing`)."""

    __slots__ = ("_cache", "_entries", "_token")

    def __init__(self, cache: ChunkCache, io: ChunkIO, keys: list[str]):
        self._cache = cache
        with cache._lock:
            token = cache._token(io.store)
            self._entries = [(token, k) for k in keys]
            self._token = cache._fence.begin_write(self._entries)
            for entry in self._entries:
                if cache._entries.pop(entry, None) is not None:
                    cache._lru.discard(entry)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: Any) -> None:
        with self._cache._lock:
            self._cache._fence.end_write(self._token, self._entries)


_NOTHING = contextlib.nullcontext()


class ChunkCache:
    """Decoded chunks, keyed by (store object, chunk key), with a byte budget."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lru = SizedLRU(0)
        self._fence = WriteFence()
        self._entries: dict[tuple[int, str], tuple[Any, np.ndarray]] = {}
        # id(store) -> weak reference, so a new store reusing a dead one's id finds
        # none of the dead one's chunks.
        self._stores: dict[int, weakref.ref] = {}
        self._dead: list[int] = []  # ids of collected stores, dropped at the next lookup
        self.hits = self.misses = 0

    # -- budget -------------------------------------------------------------------------
    def _budget(self) -> int:
        """The configured budget (0: off); applies a change to the cache now."""
        raw = config.get(CONFIG_KEY, 0)
        budget = raw if type(raw) is int else parse_size(raw, CONFIG_KEY) or 0
        if budget != self._lru.max_size:
            with self._lock:
                for entry in self._lru.shrink_to(budget):
                    self._entries.pop(entry, None)  # type: ignore[call-overload]
        return budget

    def _token(self, store: Any) -> int:
        """The id of ``store``, forgetting the chunks of dead stores (lock held)."""
        while self._dead:
            self._drop_store(self._dead.pop())
        token = id(store)
        ref = self._stores.get(token)
        if ref is None or ref() is not store:
            self._drop_store(token)
            # The callback only records the id: it may run inside a locked section.
            self._stores[token] = weakref.ref(store, lambda _, t=token: self._dead.append(t))
        return token

    def _drop_store(self, token: int) -> None:
        ref = self._stores.get(token)
        if ref is not None and ref() is not None:
            return  # the id is already reused by a live store, handled by _token
        self._stores.pop(token, None)
        for entry in [e for e in self._entries if e[0] == token]:
            del self._entries[entry]
            self._lru.discard(entry)

    # -- reads --------------------------------------------------------------------------
    def reading(self, io: ChunkIO, keys: list[str]) -> _Read | _Off:
        """Split a read of ``keys`` into cached chunks and misses (a context manager whose
        exit keeps what was decoded)."""
        if io.dtype.kind == "O" or not self._budget():
            return _Off(keys)
        owner = io.owner
        hits, misses = [], []
        with self._lock:
            token = self._token(io.store)
            entries, touch = self._entries, self._lru.touch
            for i, key in enumerate(keys):
                entry = entries.get((token, key))
                if entry is not None and entry[0] is owner:
                    hits.append((i, entry[1]))
                    touch((token, key))
                else:
                    misses.append(i)
            self.hits += len(hits)
            self.misses += len(misses)
            fence = self._fence.begin_read() if misses else None
        return _Read(self, io, keys, hits, misses, fence)

    def _fill(self, io: ChunkIO, keys: list[str], fence: int, kept: dict[int, np.ndarray]):
        owner = io.owner
        with self._lock:
            token = self._token(io.store)
            ok = self._fence.end_read(fence, [(token, keys[i]) for i in kept])
            ok_set = set(ok)
            for i, chunk in kept.items():
                entry = (token, keys[i])
                if entry not in ok_set:
                    continue
                if chunk.base is not None:
                    # A view into a batch's block would keep the whole block alive.
                    chunk = chunk.copy()
                chunk.flags.writeable = False
                evicted = self._lru.admit(entry, chunk.nbytes)
                if evicted is None:
                    self._entries.pop(entry, None)
                    continue
                for old in evicted:
                    self._entries.pop(old, None)  # type: ignore[call-overload]
                self._entries[entry] = (owner, chunk)

    # -- writes -------------------------------------------------------------------------
    def writing(self, io: ChunkIO, keys: list[str]) -> _Write | contextlib.nullcontext:
        """Context manager around a write of ``keys``: drops their chunks first, and keeps
        reads that raced the write from caching what they fetched."""
        if not self._budget():
            return _NOTHING
        return _Write(self, io, keys)

    # -- introspection ------------------------------------------------------------------
    def clear(self) -> None:
        """Drop every cached chunk and reset the statistics."""
        with self._lock:
            self._entries.clear()
            self._lru.clear()
            self._lru.evictions = 0
            self.hits = self.misses = 0

    def stats(self) -> dict[str, int | None]:
        """Hits, misses, evictions, chunks and bytes held, and the budget."""
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self._lru.evictions,
                "chunks": len(self._entries),
                "bytes": self._lru.current_size,
                "max_bytes": self._lru.max_size,
            }


#: The process's decoded-chunk cache.
cache = ChunkCache()


def clear() -> None:
    """Drop every decoded chunk the process's cache holds and reset its statistics."""
    cache.clear()


def stats() -> dict[str, int | None]:
    """Statistics of the process's decoded-chunk cache (see :meth:`ChunkCache.stats`)."""
    return cache.stats()
