"""A lock over a process's table of shared open handles, safe against garbage collection.

Backends that may open one file only once per process (LMDB environments, DBM files)
share one handle per path among their stores, in a table guarded by this lock. A store
dropped without ``close()`` gives its share back from a ``weakref.finalize``
callback, which the garbage collector may run during any allocation -- also in the very
thread that holds this lock, halfway through opening another store. Taking the lock
there would deadlock, so such a release is queued and done as soon as the lock is free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["HandleRegistry"]


class HandleRegistry:
    """A lock that knows whether the current thread holds it, with deferred releases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._deferred: list[tuple[Callable[[Any], None], Any]] = []

    def __enter__(self) -> HandleRegistry:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        # Releases the collector queued meanwhile (list.pop is atomic).
        while self._deferred:
            release, item = self._deferred.pop()
            release(item)

    def acquire(self) -> None:
        self._lock.acquire()
        self._owner = threading.get_ident()

    def release(self) -> None:
        self._owner = None
        self._lock.release()

    def defer_if_held(self, release: Callable[[Any], None], item: Any) -> bool:
        """Queue ``release(item)`` if this thread holds the lock; whether it was queued."""
        if self._owner != threading.get_ident():
            return False
        self._deferred.append((release, item))
        return True
