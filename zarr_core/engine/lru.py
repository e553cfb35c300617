"""Bookkeeping shared by caches: a byte-budgeted LRU order, a write fence, size strings.

Used by the decoded-chunk cache (:mod:`zarr_core.engine.chunk_cache`) and by the cache stores of
the ``zarr-core-cache`` plugin. None of these classes lock: each cache holds one lock
around its own calls, so a cache operation and its bookkeeping stay one atomic step.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable, Iterable

from zarr_core.errors import InvalidSizeError

__all__ = ["SizedLRU", "WriteFence", "parse_size"]

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(i)?)?b?\s*$", re.IGNORECASE)
_NO_LIMIT = ("none", "inf", "infinity")


def parse_size(value: int | str | None, what: str = "size") -> int | None:
    """A byte count from an int, ``None`` (no limit) or a string such as ``"1GB"``.

    ``"KB"``, ``"MB"``, ``"GB"``, ``"TB"`` are powers of 1000, ``"KiB"``... powers of 1024;
    ``"none"``, ``"inf"`` and ``"infinity"`` mean no limit.

    Raises
    ------
    InvalidSizeError
        Naming ``what`` and the accepted forms, for anything else.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        if value.strip().lower() in _NO_LIMIT:
            return None
        match = _SIZE.match(value)
        if match:
            number, unit, binary = match.groups()
            power = "kmgt".index(unit.lower()) + 1 if unit else 0
            return int(float(number) * (1024 if binary else 1000) ** power)
    raise InvalidSizeError(
        f"{what} must be a number of bytes >= 0, a string such as '512MB' or '1GiB', or "
        f"None for no limit; got {value!r}"
    )


class SizedLRU:
    """Entries in least-recently-used order with a total size and an optional budget.

    Parameters
    ----------
    max_size
        Budget in bytes (``None``: unlimited). An entry larger than the budget is never
        admitted.
    """

    def __init__(self, max_size: int | None):
        self.max_size = max_size
        self.current_size = 0
        self.evictions = 0
        self._sizes: OrderedDict[Hashable, int] = OrderedDict()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._sizes

    def __len__(self) -> int:
        return len(self._sizes)

    def __iter__(self):
        return iter(list(self._sizes))

    def touch(self, key: Hashable) -> None:
        """Mark ``key`` most recently used (no-op if absent)."""
        if key in self._sizes:
            self._sizes.move_to_end(key)

    def admit(self, key: Hashable, size: int) -> list[Hashable] | None:
        """Track ``key`` with ``size`` bytes as most recently used.

        Returns the keys evicted to make room (the caller drops their values), or ``None``
        when the entry is larger than the whole budget and was not admitted (any older
        entry under ``key`` is then forgotten too, and is in neither list: the caller
        drops it as well).
        """
        self.discard(key)
        if self.max_size is not None and size > self.max_size:
            return None
        evicted = []
        if self.max_size is not None:
            while self._sizes and self.current_size + size > self.max_size:
                old, old_size = self._sizes.popitem(last=False)
                self.current_size -= old_size
                self.evictions += 1
                evicted.append(old)
        self._sizes[key] = size
        self.current_size += size
        return evicted

    def shrink_to(self, max_size: int | None) -> list[Hashable]:
        """Change the budget; returns the keys evicted to fit it."""
        self.max_size = max_size
        evicted = []
        if max_size is not None:
            while self._sizes and self.current_size > max_size:
                old, old_size = self._sizes.popitem(last=False)
                self.current_size -= old_size
                self.evictions += 1
                evicted.append(old)
        return evicted

    def discard(self, key: Hashable) -> bool:
        """Forget ``key``; whether it was tracked."""
        size = self._sizes.pop(key, None)
        if size is None:
            return False
        self.current_size -= size
        return True

    def clear(self) -> None:
        self._sizes.clear()
        self.current_size = 0


class WriteFence:
    """Keeps a value read while a write to its key was under way out of a cache.

    A reader that missed calls :meth:`begin_read` before fetching and :meth:`end_read`
    with the keys it fetched; only keys no write touched in between may be cached (a write
    that started or finished meanwhile may have raced the fetch, which could then hold
    the old value). A writer brackets its store call with :meth:`begin_write` and
    :meth:`end_write`; the latter says which of its keys it may cache its own value for:
    not those another write to the same key overlapped, because which of the two the
    store kept is unknown. The records are dropped whenever nothing is in flight, so
    memory stays bounded by the keys of concurrent operations.
    """

    def __init__(self) -> None:
        self._seq = 0
        self._readers = 0
        self._writers = 0
        self._last: dict[Hashable, int] = {}  # key -> seq of its last write event
        self._writing: dict[Hashable, int] = {}  # key -> writes in flight
        self._contended: set[Hashable] = set()
        self._all_writers = 0  # writes whose keys are not known up front (rmdir, rename)
        self._all_last = -1

    def begin_read(self) -> int:
        self._readers += 1
        return self._seq

    def end_read(self, token: int, keys: Iterable[Hashable]) -> list[Hashable]:
        """The ``keys`` a reader that began at ``token`` may cache."""
        self._readers -= 1
        last, writing = self._last, self._writing
        if self._all_writers or self._all_last > token:
            ok = []
        elif last:
            ok = [k for k in keys if k not in writing and last.get(k, -1) <= token]
        else:
            ok = list(keys)
        self._settle()
        return ok

    def begin_write(self, keys: Iterable[Hashable] | None) -> int:
        """Start a write of ``keys`` (``None``: keys not known, e.g. a whole prefix)."""
        self._writers += 1
        self._seq += 1
        seq = self._seq
        if keys is None:
            self._all_writers += 1
            self._all_last = seq
            return seq
        for key in keys:
            n = self._writing.get(key, 0)
            if n:
                self._contended.add(key)
            self._writing[key] = n + 1
            self._last[key] = seq
        return seq

    def end_write(self, token: int, keys: Iterable[Hashable] | None) -> list[Hashable]:
        """The ``keys`` a writer that began at ``token`` may cache its own value for."""
        self._writers -= 1
        self._seq += 1
        seq = self._seq
        if keys is None:
            self._all_writers -= 1
            self._all_last = seq
            self._settle()
            return []
        ok = []
        raced = self._all_writers > 0 or self._all_last > token
        for key in keys:
            n = self._writing[key] - 1
            if n:
                self._writing[key] = n
                self._contended.add(key)
            else:
                del self._writing[key]
            if not raced and key not in self._contended and self._last.get(key) == token:
                ok.append(key)
            self._last[key] = seq
            if not n:
                self._contended.discard(key)
        self._settle()
        return ok

    def _settle(self) -> None:
        if not self._readers and not self._writers:
            self._last.clear()
            self._writing.clear()
            self._contended.clear()
            self._all_last = -1
