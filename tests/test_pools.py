"""The codec and I/O pools: order, errors, and when work leaves the caller's thread."""

from __future__ import annotations

import threading
import time

import pytest

from zarr_core import config
from zarr_core.pools import WorkerPool, io_map


@pytest.fixture
def pool() -> WorkerPool:
    return WorkerPool("test-pool", lambda: 3)


def test_map_keeps_item_order_over_many_runs(pool: WorkerPool) -> None:
    items = list(range(1001))  # many more items than tasks: each task runs several
    assert pool.map(lambda x: x * x, items) == [x * x for x in items]


def test_map_uses_the_pool_threads(pool: WorkerPool) -> None:
    def name(_: int) -> str:
        time.sleep(0.002)
        return threading.current_thread().name

    names = set(pool.map(name, range(12)))
    assert all(n.startswith("test-pool") for n in names)
    assert len(names) > 1


def test_map_raises_the_first_error_after_every_task_has_finished(pool: WorkerPool) -> None:
    finished = []

    def work(x: int) -> int:
        if x in (3, 40):
            raise ValueError(f"item {x}")
        time.sleep(0.001)
        finished.append(x)
        return x

    with pytest.raises(ValueError, match="item 3"):
        pool.map(work, range(60))
    done = len(finished)
    time.sleep(0.05)
    assert len(finished) == done  # nothing still running behind the raise


def test_map_inside_a_pool_thread_runs_inline(pool: WorkerPool) -> None:
    def outer(_: int) -> set[str]:
        return set(pool.map(lambda _: threading.current_thread().name, range(8)))

    for names in pool.map(outer, range(4)):
        assert len(names) == 1  # the caller's own pool thread, no hand-off to wait on


def test_io_map_keeps_quick_calls_on_the_callers_thread() -> None:
    me = threading.current_thread().name
    names = io_map(lambda _: threading.current_thread().name, range(500))
    assert set(names) == {me}


def test_io_map_overlaps_calls_that_wait() -> None:
    def wait(x: int) -> tuple[int, str]:
        time.sleep(0.002)
        return x, threading.current_thread().name

    with config.set({"io_concurrency": 8}):
        start = time.perf_counter()
        out = io_map(wait, range(200))
        seconds = time.perf_counter() - start
    assert [x for x, _ in out] == list(range(200))
    assert any(name.startswith("zarr-core-io") for _, name in out)
    assert seconds < 200 * 0.002 / 2  # one after another would take 0.4 s


def test_io_map_runs_small_batches_inline() -> None:
    me = threading.current_thread().name

    def wait(_: int) -> str:
        time.sleep(0.002)
        return threading.current_thread().name

    assert set(io_map(wait, range(5))) == {me}
