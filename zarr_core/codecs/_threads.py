"""The thread pool codecs use for large chunks.

One pool per process, sized by :func:`zarr_core.config.concurrency` and replaced when that
setting changes. Work submitted from inside a pool thread runs inline: a codec that
decodes nested chunks (sharding) inside a pool task would otherwise wait for tasks
queued behind its own and could deadlock the pool.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from zarr_core.config import concurrency

__all__ = ["parallel_map", "get_executor"]

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_size = 0
_worker = threading.local()


def _mark_worker() -> None:
    _worker.active = True


def get_executor() -> ThreadPoolExecutor:
    """The shared pool, created on first use with ``concurrency()`` threads."""
    global _executor, _executor_size
    size = concurrency()
    with _lock:
        if _executor is None or _executor_size != size:
            # The old pool is dropped, not shut down: another thread may be about to
            # submit to it. Its idle workers exit once it is garbage collected.
            _executor = ThreadPoolExecutor(
                max_workers=size, thread_name_prefix="zarr-core-codec", initializer=_mark_worker
            )
            _executor_size = size
        return _executor


def _forget_executor() -> None:
    # A forked child inherits the pool object but not its threads; submitting to it would
    # hang forever, so the child starts without one.
    global _executor, _executor_size
    _executor = None
    _executor_size = 0


os.register_at_fork(after_in_child=_forget_executor)


def parallel_map(fn: Callable[[T], R], items: Sequence[T] | Iterable[T], worth_it: bool) -> list[R]:
    """``[fn(x) for x in items]``, on the shared pool when ``worth_it`` and it can help.

    Parameters
    ----------
    fn
        Must release the GIL for most of its run for the pool to pay off.
    items
        The inputs; results come back in the same order.
    worth_it
        The caller's judgement that each item is big enough to amortise a thread
        hand-off (tens of microseconds).
    """
    items = list(items)
    if not worth_it or len(items) < 2 or getattr(_worker, "active", False) or concurrency() < 2:
        return [fn(x) for x in items]
    return list(get_executor().map(fn, items))
