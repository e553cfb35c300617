"""Concurrent appends under a synchronizer: every append lands, none overlaps another.

Each writer appends ``APPENDS`` blocks of ``BLOCK`` elements holding its own number. The
array must end at exactly ``WRITERS * APPENDS * BLOCK`` elements, each block whole (one
writer's number throughout, so no two appends wrote the same region) and each writer's
blocks all there.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import zarr_core
from zarr_core.sync import ProcessSynchronizer, ThreadSynchronizer
from zarr_core.testing.concurrency import run_in_threads

WRITERS, APPENDS, BLOCK = 4, 25, 10
# Chunks of 7 elements: appends of 10 share chunks, so each one also read-modify-writes
# the edge chunk the previous one left.
CHUNK = 7


def _check_complete(array: zarr_core.Array) -> None:
    assert array.shape == (WRITERS * APPENDS * BLOCK,)
    blocks = array[:].reshape(-1, BLOCK)
    assert (blocks == blocks[:, :1]).all(), "an append was overwritten by another"
    counts = np.bincount(blocks[:, 0], minlength=WRITERS + 1)
    assert counts.tolist() == [0] + [APPENDS] * WRITERS


def _append_all(array: zarr_core.Array, writer: int) -> None:
    for _ in range(APPENDS):
        array.append(np.full(BLOCK, writer + 1, dtype="i4"))


def _create(store: object, fmt: int, **kwargs: object) -> zarr_core.Array:
    return zarr_core.create(
        0, chunks=CHUNK, dtype="i4", store=store, zarr_format=fmt, overwrite=True, **kwargs
    )


def test_threads_with_own_arrays(store: zarr_core.Store, zarr_format: int) -> None:
    _create(store, zarr_format)
    sync = ThreadSynchronizer()
    arrays = [zarr_core.open_array(store, mode="r+", synchronizer=sync) for _ in range(WRITERS)]
    run_in_threads(lambda w: _append_all(arrays[w], w), WRITERS)
    _check_complete(zarr_core.open_array(store, mode="r"))
    # every writer's own object saw the other writers' appends when it appended last
    assert max(a.shape[0] for a in arrays) == WRITERS * APPENDS * BLOCK


def test_threads_sharing_one_array(store: zarr_core.Store, zarr_format: int) -> None:
    z = _create(store, zarr_format, synchronizer=ThreadSynchronizer())
    run_in_threads(lambda w: _append_all(z, w), WRITERS)
    _check_complete(z)
    _check_complete(zarr_core.open_array(store, mode="r"))


def test_resize_rereads_the_stored_shape(store: zarr_core.Store, zarr_format: int) -> None:
    """A shrink through an object holding an old shape deletes the chunks another object
    wrote beyond that old shape: growing again must not bring back their data."""
    sync = ThreadSynchronizer()
    a = _create(store, zarr_format, synchronizer=sync)
    b = zarr_core.open_array(store, mode="r+", synchronizer=sync)
    a.append(np.arange(1, 21, dtype="i4"))
    assert b.append(np.full(15, -1, dtype="i4")) == (35,)
    assert zarr_core.open_array(store, mode="r")[:].tolist() == list(range(1, 21)) + [-1] * 15
    a.resize(10)  # a still caches shape 20
    b.resize(35)
    # the edge chunk [7, 14) is kept whole (as zarr-python 2 does); all after it is gone
    assert b[:].tolist() == list(range(1, 15)) + [0] * 21


_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import zarr_core
    from tests.test_reliability_append import _append_all

    path, locks, writer, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    array = zarr_core.open_array(
        path, mode="r+", synchronizer=zarr_core.ProcessSynchronizer(locks)
    )
    (go.parent / f"ready-{writer}").touch()
    while not go.exists():  # start together, so that the appends really race
        time.sleep(0.005)
    _append_all(array, writer)
    """
)


def test_processes(tmp_path: Path, zarr_format: int) -> None:
    path = str(tmp_path / "data.zarr")
    _create(path, zarr_format)
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, path, str(tmp_path / "locks"), str(w), str(go)],
            cwd=Path(__file__).resolve().parents[1],
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < WRITERS and time.monotonic() < deadline:
        if any(w.poll() is not None for w in workers):
            break  # a worker died before starting; its error is reported below
        time.sleep(0.01)
    go.touch()
    for worker in workers:
        _, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
    _check_complete(zarr_core.open_array(path, mode="r"))


def test_process_synchronizer_lock_is_the_metadata_key(tmp_path: Path, zarr_format: int) -> None:
    """The lock file appends use is the metadata document's key (what zarr-python 2
    locks), so other tools locking that key exclude our appends and the reverse."""
    sync = ProcessSynchronizer(tmp_path / "locks")
    store = zarr_core.MemoryStore()
    z = zarr_core.create(
        0,
        chunks=CHUNK,
        dtype="i4",
        store=store,
        path="a/b",
        zarr_format=zarr_format,
        synchronizer=sync,
    )
    z.append(np.zeros(3, dtype="i4"))
    name = "a%2Fb%2F.zarray.lock" if zarr_format == 2 else "a%2Fb%2Fzarr.json.lock"
    assert name in {p.name for p in (tmp_path / "locks").iterdir()}


def test_append_refuses_mismatched_data(zarr_format: int) -> None:
    z = _create(zarr_core.MemoryStore(), zarr_format, synchronizer=ThreadSynchronizer())
    with pytest.raises(ValueError, match=r"cannot append data of shape \(2, 2\) to an array"):
        z.append(np.zeros((2, 2), dtype="i4"))
    assert z.shape == (0,)


def test_append_without_synchronizer_starts_from_the_stored_shape(zarr_format: int) -> None:
    """Sequential appends through two objects keep both (zarr-python 2.18 with cached
    metadata appends at its own stale shape and overwrites the other's data)."""
    store = zarr_core.MemoryStore()
    a = _create(store, zarr_format)
    b = zarr_core.open_array(store, mode="r+")
    b.append(np.ones(3, dtype="i4"))
    assert a.append(np.full(2, 2, dtype="i4")) == (5,)
    assert zarr_core.open_array(store, mode="r")[:].tolist() == [1, 1, 1, 2, 2]
