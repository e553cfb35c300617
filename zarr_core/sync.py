"""Synchronizers: per-key locks that make concurrent updates of one chunk safe.

An array given ``synchronizer=`` holds ``synchronizer[chunk_key]`` around the
read-modify-write of each chunk it updates, and attribute updates hold
``synchronizer[attributes_key]``. Writers whose regions share chunks (regions not aligned
with chunk boundaries) then lose no update. Writers to disjoint whole chunks need no
synchronizer at all.

Any object whose ``__getitem__(key)`` returns a context manager works; this module has
one for threads of one process and one for processes sharing a file system.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import defaultdict
from typing import Any, Protocol
from urllib.parse import quote

__all__ = ["Synchronizer", "ThreadSynchronizer", "ProcessSynchronizer"]


class Synchronizer(Protocol):
    """What arrays and attributes expect of a ``synchronizer``: a lock per store key."""

    def __getitem__(self, key: str) -> Any:  # a context manager
        ...


class ThreadSynchronizer:
    """Locks shared by the threads of one process, one per store key.

    Pickling gives a new synchronizer with no locks held: locks cannot cross processes,
    use :class:`ProcessSynchronizer` for that.

    Examples
    --------
    >>> import zarr_core
    >>> z = zarr_core.zeros(100, chunks=10, synchronizer=zarr_core.ThreadSynchronizer())
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def __getitem__(self, key: str) -> threading.Lock:
        with self._mutex:
            return self._locks[key]

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()  # type: ignore[misc]

    def __repr__(self) -> str:
        return "ThreadSynchronizer()"


class ProcessSynchronizer:
    """File locks in a directory, one lock file per store key.

    Every process (and thread) that uses a synchronizer over the same directory
    excludes the others from the same key. The directory must be on a file system with
    working ``flock``-style locks (local disks are; some network file systems are not).

    Parameters
    ----------
    path
        Directory for the lock files; created if missing.
    poll_interval
        Seconds between attempts while another holder has the lock.

    Examples
    --------
    >>> import tempfile, zarr_core
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sync = zarr_core.ProcessSynchronizer(tmp + "/example.sync")
    ...     with sync["foo/0.0"]:
    ...         pass
    """

    def __init__(self, path: str | os.PathLike, poll_interval: float = 0.001):
        self.path = os.fspath(path)
        self.poll_interval = poll_interval
        os.makedirs(self.path, exist_ok=True)

    def _lock_path(self, key: str) -> str:
        # One flat file per key: nested paths would clash where one key is a prefix
        # directory of another; over-long names are hashed.
        name = quote(key, safe="") + ".lock"
        if len(name.encode()) > 200:
            name = hashlib.sha256(key.encode()).hexdigest() + ".lock"
        return os.path.join(self.path, name)

    def __getitem__(self, key: str) -> _FileLock:
        return _FileLock(self._lock_path(key), self.poll_interval)

    def __getstate__(self) -> dict:
        return {"path": self.path, "poll_interval": self.poll_interval}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"ProcessSynchronizer({self.path!r})"


class _FileLock:
    """A ``filelock.FileLock`` used as a context manager with our poll interval."""

    def __init__(self, path: str, poll_interval: float):
        import filelock

        # A new lock object (and file descriptor) per use: flock locks then exclude
        # other threads of this process as well as other processes.
        self._lock = filelock.FileLock(path, thread_local=False)
        self._poll_interval = poll_interval

    def __enter__(self) -> _FileLock:
        self._lock.acquire(poll_interval=self._poll_interval)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._lock.release()
