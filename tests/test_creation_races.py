"""Creating one node from several threads at once: mode ``w-`` has exactly one winner,
``mode="a"``/``require_group`` creators all succeed (zarr-core's atomic creation through
``Store.set_if_not_exists``; the plugins run the same races across processes with
``zarr_core.testing.concurrency.AtomicCreationTests``)."""

from __future__ import annotations

import threading

import pytest

import zarr_core
from zarr_core.errors import ContainsArrayError, ContainsGroupError
from zarr_core.storage import KVStore, MemoryStore
from zarr_core.testing.concurrency import run_in_threads

THREADS, ROUNDS = 8, 10


@pytest.fixture(params=["memory", "kv"])
def store(request):
    return MemoryStore() if request.param == "memory" else KVStore({})


def _array_creator(store, path, zarr_format, outcomes):
    barrier = threading.Barrier(THREADS)

    def create(worker: int) -> None:
        barrier.wait()
        try:
            zarr_core.open_array(
                store,
                path=path,
                mode="w-",
                shape=(4,),
                dtype="i4",
                fill_value=worker,
                zarr_format=zarr_format,
            )
            outcomes[worker] = "won"
        except ContainsArrayError:
            outcomes[worker] = "lost"

    return create


def _group_creator(store, root, path, zarr_format):
    barrier = threading.Barrier(THREADS)

    def create(worker: int) -> None:
        barrier.wait()
        if worker % 2:
            root.require_group(path)
        else:
            zarr_core.open_group(store, path=path, mode="a", zarr_format=zarr_format)

    return create


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_w_minus_has_one_winner(store, zarr_format):
    for round_ in range(ROUNDS):
        outcomes: dict[int, str] = {}
        run_in_threads(_array_creator(store, f"r{round_}", zarr_format, outcomes), THREADS)
        winners = [w for w, o in outcomes.items() if o == "won"]
        assert len(winners) == 1 and len(outcomes) == THREADS
        assert zarr_core.open_array(store, path=f"r{round_}", mode="r").fill_value == winners[0]


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_group_creators_all_succeed(store, zarr_format):
    root = zarr_core.group(store=store, zarr_format=zarr_format)
    for round_ in range(ROUNDS):
        # run_in_threads re-raises a ContainsGroupError of any creator
        run_in_threads(_group_creator(store, root, f"g{round_}/sub", zarr_format), THREADS)
        assert f"g{round_}/sub" in root


def test_w_minus_on_an_existing_group_still_says_so(store):
    zarr_core.group(store=store, path="g")
    with pytest.raises(ContainsGroupError):
        zarr_core.open_group(store, path="g", mode="w-")
    with pytest.raises(ContainsGroupError):
        zarr_core.open_array(store, path="g", mode="w-", shape=(2,))
