"""The two thread pools of zarr-core: one for codec work, one for blocking store I/O.

* The **codec pool** (``concurrency`` config key, default: CPU count) decodes and encodes
  large chunks; the codecs release the GIL, so it scales with cores. Tiny chunks are not
  sent to it: a thread hand-off costs more than decoding them.
* The **I/O pool** (``io_concurrency``, default 8) overlaps blocking store calls such as
  creating files on a network file system. Its threads mostly wait, so there are more of
  them than cores. Calls that do not wait (creating a file on a local disk or tmpfs is a
  few tens of microseconds of CPU in the kernel) run one after another instead:
  :func:`io_map` hands a batch to the pool only once its calls prove slow.

Work submitted from inside a pool's own thread runs inline, so nested use (a sharding
codec decoding inner chunks inside a pool task) cannot deadlock. A forked child starts
without pools: it inherits the objects but not their threads.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from zarr_core import config

__all__ = ["WorkerPool", "codec_pool", "io_pool", "parallel_map", "io_map", "io_concurrency"]

T = TypeVar("T")
R = TypeVar("R")

_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
# A map hands each thread at most this many tasks, each a run of consecutive items: a
# hand-off costs tens of microseconds of locking that the workers contend for, more than
# creating a small file (10,000 files on tmpfs: 1.0 s as one task each, 0.x s in runs).
_TASKS_PER_THREAD = 4


class WorkerPool:
    """A lazily created thread pool whose size follows a setting.

    Parameters
    ----------
    name
        Thread name prefix.
    size
        Called on each use; the pool is replaced when its answer changes.
    """

    def __init__(self, name: str, size: Callable[[], int]):
        self._name = name
        self._size_fn = size
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._size = 0
        self._local = threading.local()
        _POOLS.add(self)

    def size(self) -> int:
        return self._size_fn()

    def _mark(self) -> None:
        self._local.active = True

    def _get(self, size: int) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None or self._size != size:
                # The old pool is dropped, not shut down: another thread may be submitting
                # to it. Its idle workers exit once it is garbage collected.
                self._executor = ThreadPoolExecutor(
                    size, thread_name_prefix=self._name, initializer=self._mark
                )
                self._size = size
            return self._executor

    def _forget(self) -> None:
        self._executor, self._size = None, 0

    def map(self, fn: Callable[[T], R], items: Iterable[T], worth_it: bool = True) -> list[R]:
        """``[fn(x) for x in items]``, on the pool when ``worth_it`` and it can help.

        Every task has finished when it returns or raises (the first error in item
        order), so no call of ``fn`` is still running behind a caller that has moved on.
        """
        items = list(items)
        size = self.size()
        if not worth_it or len(items) < 2 or size < 2 or getattr(self._local, "active", False):
            return [fn(x) for x in items]
        executor = self._get(size)
        tasks = min(len(items), size * _TASKS_PER_THREAD)
        bounds = [len(items) * i // tasks for i in range(tasks + 1)]
        futures = [
            executor.submit(_map_run, fn, items[start:stop])
            for start, stop in zip(bounds, bounds[1:])
        ]
        wait(futures)
        return [result for future in futures for result in future.result()]

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        """Start ``fn(*args)`` on the pool and return its future.

        From one of the pool's own threads it runs at once, in that thread (the future
        is done on return): waiting there for a task queued behind the caller could
        deadlock a full pool.
        """
        if getattr(self._local, "active", False):
            future: Future[R] = Future()
            try:
                future.set_result(fn(*args))
            except Exception as exc:
                future.set_exception(exc)
            return future
        return self._get(self.size()).submit(fn, *args)


def _map_run(fn: Callable[[T], R], items: list[T]) -> list[R]:
    return [fn(x) for x in items]


def _forget_all() -> None:
    for pool in list(_POOLS):
        pool._forget()


os.register_at_fork(after_in_child=_forget_all)


def io_concurrency() -> int:
    """Number of I/O threads (``io_concurrency`` config key)."""
    return max(1, int(config.get("io_concurrency", 8) or 1))


codec_pool = WorkerPool("zarr-core-codec", config.concurrency)
io_pool = WorkerPool("zarr-core-io", io_concurrency)


def parallel_map(fn: Callable[[T], R], items: Iterable[T], worth_it: bool) -> list[R]:
    """Codec work: ``[fn(x) for x in items]`` on the codec pool when ``worth_it``.

    ``worth_it`` is the caller's judgement that each item is big enough to amortise a
    thread hand-off (tens of microseconds); ``fn`` should release the GIL.
    """
    return codec_pool.map(fn, items, worth_it)


# io_map keeps calls on the caller's thread while they average less than this: threads
# would cost more in GIL hand-offs than they overlap. 10,000 file creations on tmpfs took
# 0.31 s in a loop and 0.6-0.8 s on 8 threads (about 25 us each inline); on a local ext4
# disk both took the same (the kernel serialises creations in one directory); a network
# file system waits milliseconds per call, which threads overlap.
_IO_INLINE_SECONDS = 100e-6
# ... judged after this many calls, so that one slow first call decides nothing.
_IO_PROBE = 16


def io_map(fn: Callable[[T], R], items: Iterable[T], min_items: int = 8) -> list[R]:
    """Store I/O: ``[fn(x) for x in items]``, the rest of a batch overlapped on the I/O
    pool once its calls turn out to wait (see ``_IO_INLINE_SECONDS``).

    Batches under ``min_items`` always run on the caller's thread.
    """
    items = list(items)
    if len(items) < min_items:
        return [fn(x) for x in items]
    out: list[R] = []
    start = time.perf_counter()
    for done, item in enumerate(items, 1):
        out.append(fn(item))
        if done >= _IO_PROBE and time.perf_counter() - start > done * _IO_INLINE_SECONDS:
            out += io_pool.map(fn, items[done:])
            break
    return out
