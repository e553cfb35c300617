"""Many threads (and forked processes) opening one environment at once all succeed.

LMDB refuses to open a path that is still open in the process; the store shares one
environment per path, and must never let a thread open the path again while another
thread is closing the last store over it.
"""

from __future__ import annotations

import multiprocessing

import numpy as np
from zarr_core_lmdb import LMDBStore
from zarr_core_lmdb import store as store_module

import zarr_core
from zarr_core.testing.concurrency import run_in_threads

THREADS, ROUNDS = 200, 3


def _make_array(path) -> None:
    a = zarr_core.open_array(path, mode="w", shape=(20,), chunks=(5,), dtype="i4")
    a[...] = np.arange(20)
    a.store.close()


def _open_and_close(path: str, worker: int) -> None:
    # Half the threads go through zarr_core.open_array, half open the store directly,
    # and each closes what it opened: opens race closes of the last user.
    if worker % 2:
        a = zarr_core.open_array(path)
        assert a[7] == 7
        a.store.close()
    else:
        store = LMDBStore(path)
        assert store.listdir("") == ["c", "zarr.json"]
        store.close()


def test_threads_open_one_environment_at_once(tmp_path):
    path = str(tmp_path / "x.lmdb")
    _make_array(path)
    for _ in range(ROUNDS):
        run_in_threads(lambda w: _open_and_close(path, w), THREADS)
    assert store_module._OPEN == {}  # every environment was given back and closed


def _threads_in_child(path: str) -> None:
    run_in_threads(lambda w: _open_and_close(path, w), 50)


def test_forked_processes_open_while_the_parent_has_it_open(tmp_path):
    path = str(tmp_path / "x.lmdb")
    _make_array(path)
    parent = LMDBStore(path)  # the children inherit this open environment
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_threads_in_child, args=(path,)) for _ in range(4)]
    for child in children:
        child.start()
    run_in_threads(lambda w: _open_and_close(path, w), 50)
    for child in children:
        child.join(60)
    assert [c.exitcode for c in children] == [0, 0, 0, 0]
    assert parent["c/0"]  # the parent's environment is still usable
    parent.close()
