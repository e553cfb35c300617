"""Concurrency helpers: work in several threads, writers in several processes.

:func:`run_in_threads` runs a function in several threads at once and re-raises what
any of them raised. :class:`SeveralProcessesTests` has several processes, started by
``fork`` and by ``spawn``, write to one store at once. It is for stores that claim to take writers from several processes (the file's own locking
or transactions serialise them). The parent writes a key and keeps the store open; four
children, each given the store (pickled for ``spawn``, inherited for ``fork``), write
distinct keys with single writes and batches, then close their store. Every key must be
there afterwards, and the parent's store must still work.

Usage (a store plugin's ``tests/test_<name>.py``)::

    from zarr_core.testing.concurrency import SeveralProcessesTests

    class TestSeveralProcesses(SeveralProcessesTests):
        def make_store(self, tmp_path):
            return SQLiteStore(tmp_path / "x.sqlite")
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from zarr_core.storage import Store

__all__ = ["SeveralProcessesTests", "run_in_threads"]

WORKERS, KEYS = 4, 60


def run_in_threads(work: Callable[[int], object], n: int) -> None:
    """Run ``work(0)``, ..., ``work(n - 1)`` in ``n`` threads at once and wait for them.

    Parameters
    ----------
    work : callable
        Called with the thread's number.
    n : int
        How many threads.

    Raises
    ------
    BaseException
        The first exception a thread raised (an assertion failing in it, say), once
        every thread has finished.
    """
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            work(worker)
        except BaseException as exc:  # re-raised below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _write_keys(store: Store, worker: int, n: int) -> None:
    # Module level, so that spawn can find it by name.
    for i in range(n):
        if i % 2:
            store[f"p{worker}/{i}"] = f"{worker}:{i}".encode()
        else:
            store.setitems({f"p{worker}/{i}": f"{worker}:{i}".encode(), f"p{worker}/b{i}": b""})
    store.close()


class SeveralProcessesTests:
    """Writers in several processes at once (see the module docstring)."""

    def make_store(self, tmp_path: Path) -> Store:
        """A persistent, picklable store under ``tmp_path``."""
        raise NotImplementedError

    @pytest.mark.parametrize("method", ["fork", "spawn"])
    def test_several_processes_write_distinct_keys(self, tmp_path, method):
        store = self.make_store(tmp_path)
        store["before"] = b"1"  # the parent has the store open when it forks
        ctx = multiprocessing.get_context(method)
        procs = [ctx.Process(target=_write_keys, args=(store, w, KEYS)) for w in range(WORKERS)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0] * WORKERS
        assert len(store) == 1 + WORKERS * (KEYS + KEYS // 2)
        for w in range(WORKERS):
            for i in range(KEYS):
                assert store[f"p{w}/{i}"] == f"{w}:{i}".encode()
        store["after"] = b"2"  # and the parent's store still works
        store.close()
