"""Concurrency helpers: work in several threads, writers in several processes.

:func:`run_in_threads` runs a function in several threads at once and re-raises what
any of them raised. :class:`SeveralProcessesTests` has several processes, started by
``fork`` and by ``spawn``, write to one store at once. It is for stores that claim to take writers from several processes (the file's own locking
or transactions serialise them). The parent writes a key and keeps the store open; four
children, each given the store (pickled for ``spawn``, inherited for ``fork``), write
distinct keys with single writes and batches, then close their store. Every key must be
there afterwards, and the parent's store must still work.

:class:`AtomicCreationTests` has several processes create the same node at once: with
``mode="w-"`` exactly one wins (the store's atomic ``set_if_not_exists``), the others get
``ContainsArrayError``/``ContainsGroupError``; with ``mode="a"`` / ``require_group`` every
creator of one group succeeds.

Usage (a store plugin's ``tests/test_<name>.py``)::

    from zarr_core.testing.concurrency import AtomicCreationTests, SeveralProcessesTests

    class TestSeveralProcesses(SeveralProcessesTests, AtomicCreationTests):
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

__all__ = [
    "SeveralProcessesTests",
    "AtomicCreationTests",
    "TransactionalUpdateTests",
    "run_in_threads",
]

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


CREATORS, ROUNDS = 6, 4


def _create(store: Store, path: str, mode: str, worker: int, barrier, results) -> None:
    # Module level, for multiprocessing. Each creator waits at the barrier, then races.
    import zarr_core
    from zarr_core.errors import ContainsArrayError, ContainsGroupError

    barrier.wait(30)
    try:
        if mode == "w-":
            zarr_core.open_array(
                store, path=path, mode="w-", shape=(4,), chunks=(2,), dtype="i4", fill_value=worker
            )
        else:
            zarr_core.open_group(store, mode="a").require_group(path)
            zarr_core.open_group(store, path=path + "/inner", mode="a")
        results.put((worker, "created"))
    except (ContainsArrayError, ContainsGroupError) as exc:
        results.put((worker, type(exc).__name__))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((worker, f"{type(exc).__name__}: {exc}"))
    finally:
        store.close()


class AtomicCreationTests:
    """Creators of one node in several processes at once (see the module docstring)."""

    def make_store(self, tmp_path: Path) -> Store:
        """A persistent, picklable store under ``tmp_path`` (children reopen it)."""
        raise NotImplementedError

    def _race(self, store: Store, path: str, mode: str) -> list[str]:
        # forkserver: children start from a clean process, never from a copy of this one
        # with other threads' locks held (a test session may run a Dask cluster's threads).
        ctx = multiprocessing.get_context("forkserver")
        barrier, results = ctx.Barrier(CREATORS), ctx.Queue()
        procs = [
            ctx.Process(target=_create, args=(store, path, mode, w, barrier, results))
            for w in range(CREATORS)
        ]
        for p in procs:
            p.start()
        outcomes = dict(results.get(timeout=120) for _ in procs)
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0] * CREATORS
        return [outcomes[w] for w in range(CREATORS)]

    def test_mode_w_minus_has_exactly_one_winner(self, tmp_path):
        import zarr_core

        store = self.make_store(tmp_path)
        for round_ in range(ROUNDS):
            outcomes = self._race(store, f"r{round_}", "w-")
            winners = [w for w, o in enumerate(outcomes) if o == "created"]
            assert len(winners) == 1, outcomes
            assert set(outcomes) <= {"created", "ContainsArrayError"}, outcomes
            # The stored metadata is the winner's, not the last writer's.
            array = zarr_core.open_array(store, path=f"r{round_}", mode="r")
            assert array.fill_value == winners[0]
        store.close()

    def test_racing_creators_of_one_group_all_succeed(self, tmp_path):
        import zarr_core

        store = self.make_store(tmp_path)
        for round_ in range(ROUNDS):
            outcomes = self._race(store, f"g{round_}/h", "a")
            assert outcomes == ["created"] * CREATORS, outcomes
            assert isinstance(
                zarr_core.open_group(store, path=f"g{round_}/h/inner"), zarr_core.Group
            )
        store.close()


UPDATERS, CELLS = 4, 20


def _update_cells(store: Store, worker: int, barrier) -> None:
    # Module level, for multiprocessing: each worker writes its own cells of one chunk,
    # one cell per write (each a read-modify-write of the chunk), without a synchronizer.
    import zarr_core

    array = zarr_core.open_array(store, path="shared", mode="r+")
    barrier.wait(30)
    for i in range(CELLS):
        array[worker * CELLS + i] = worker * 1000 + i
    store.close()


class TransactionalUpdateTests:
    """Several processes changing different cells of one chunk, with no synchronizer.

    For stores with transactions (``supports_transactions``): the engine runs each partial
    chunk update inside ``Store.transaction()``, so no process loses another's cells.
    """

    def make_store(self, tmp_path: Path) -> Store:
        """A persistent, picklable store under ``tmp_path`` (children reopen it)."""
        raise NotImplementedError

    @pytest.mark.parametrize("zarr_format", [2, 3])
    def test_partial_chunk_updates_from_processes_lose_nothing(self, tmp_path, zarr_format):
        import numpy as np

        import zarr_core

        store = self.make_store(tmp_path)
        assert store.supports_transactions
        zarr_core.full(
            UPDATERS * CELLS,
            chunks=UPDATERS * CELLS,
            dtype="i4",
            store=store,
            path="shared",
            zarr_format=zarr_format,
            fill_value=-1,
        )
        ctx = multiprocessing.get_context("forkserver")  # see AtomicCreationTests._race
        barrier = ctx.Barrier(UPDATERS)
        procs = [
            ctx.Process(target=_update_cells, args=(store, w, barrier)) for w in range(UPDATERS)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0] * UPDATERS
        got = zarr_core.open_array(store, path="shared", mode="r")[...]
        expected = np.array([w * 1000 + i for w in range(UPDATERS) for i in range(CELLS)])
        np.testing.assert_array_equal(got, expected)
        store.close()
