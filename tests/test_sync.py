"""Synchronizers: concurrent writers of overlapping, chunk-unaligned regions of one array
lose no update, with threads and with processes; without one, updates are lost."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import zarr_core
from zarr_core.storage import MemoryStore
from zarr_core.sync import ProcessSynchronizer, ThreadSynchronizer

# Writer w of N writes the elements [k*N*R + w*R, k*N*R + (w+1)*R) for every k: runs of R
# elements that start and end inside chunks of C elements, so every chunk is shared by
# several writers and each chunk update is a read-modify-write of others' data. The
# writers start together and advance at about the same pace, so they meet in the same
# chunks.
N_WRITERS = 4
RUN = 7
CHUNK = 10
LENGTH = 1120


def _regions(writer: int) -> list[slice]:
    stride = N_WRITERS * RUN
    return [
        slice(start + writer * RUN, start + (writer + 1) * RUN)
        for start in range(0, LENGTH, stride)
    ]


def _expected() -> np.ndarray:
    out = np.zeros(LENGTH, dtype="i4")
    for w in range(N_WRITERS):
        for region in _regions(w):
            out[region] = w + 1
    return out


def _write_all(array: zarr_core.Array, writer: int) -> None:
    """Write ``writer + 1`` over the writer's runs, one run per call: each call is one
    update of the (one or two) chunks the run touches."""
    for region in _regions(writer):
        array[region] = writer + 1


@pytest.fixture(params=[2, 3], ids=["v2", "v3"])
def fmt(request: pytest.FixtureRequest) -> int:
    return request.param


# -- the synchronizers ----------------------------------------------------------------


def test_thread_synchronizer_locks_per_key() -> None:
    sync = ThreadSynchronizer()
    assert sync["a"] is sync["a"] and sync["a"] is not sync["b"]
    with sync["a"]:
        assert not sync["a"].acquire(blocking=False)
        assert sync["b"].acquire(blocking=False)
        sync["b"].release()
    fresh = pickle.loads(pickle.dumps(sync))
    assert isinstance(fresh, ThreadSynchronizer) and fresh["a"].acquire(blocking=False)


def test_process_synchronizer_files(tmp_path: Path) -> None:
    sync = ProcessSynchronizer(tmp_path / "locks")
    with sync["foo/bar/c/0/1"], sync["foo/bar/c/0"]:  # a key that is another's prefix
        pass
    names = sorted(p.name for p in (tmp_path / "locks").iterdir())
    assert names == ["foo%2Fbar%2Fc%2F0%2F1.lock", "foo%2Fbar%2Fc%2F0.lock"]
    with sync["x" * 500]:
        pass  # a hashed name: too long for a file name otherwise
    copy = pickle.loads(pickle.dumps(sync))
    assert copy.path == sync.path


def test_process_synchronizer_excludes_threads(tmp_path: Path) -> None:
    sync = ProcessSynchronizer(tmp_path / "locks")
    inside = threading.Event()
    release = threading.Event()
    acquired_second = []

    def holder() -> None:
        with sync["k"]:
            inside.set()
            release.wait(5)

    def contender() -> None:
        with sync["k"]:
            acquired_second.append(release.is_set())

    t1 = threading.Thread(target=holder)
    t1.start()
    inside.wait(5)
    t2 = threading.Thread(target=contender)
    t2.start()
    t2.join(0.2)
    assert t2.is_alive()  # still waiting for the holder
    release.set()
    t1.join(5)
    t2.join(5)
    assert acquired_second == [True]


# -- lost updates ---------------------------------------------------------------------


class _Rendezvous(MemoryStore):
    """Makes two writers read a shared chunk before either writes it back."""

    def __init__(self) -> None:
        super().__init__()
        self.barrier = threading.Barrier(2, timeout=5)
        self.armed = False

    def getitems(self, keys):  # type: ignore[override]
        values = super().getitems(keys)
        if self.armed:
            self.barrier.wait()
        return values


def test_without_synchronizer_updates_are_lost(fmt: int) -> None:
    """The control for the tests below: unsynchronized read-modify-writes of one chunk
    lose one writer's update."""
    store = _Rendezvous()
    z = zarr_core.zeros(CHUNK, chunks=CHUNK, dtype="i4", store=store, zarr_format=fmt)
    z[:] = 0
    store.armed = True
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda w: z.__setitem__(slice(w * 5, w * 5 + 5), w + 1), range(2)))
    store.armed = False
    assert z[:].tolist() in ([1] * 5 + [0] * 5, [0] * 5 + [2] * 5)


def test_threads_lose_no_update(fmt: int) -> None:
    z = zarr_core.zeros(
        LENGTH,
        chunks=CHUNK,
        dtype="i4",
        synchronizer=ThreadSynchronizer(),
        zarr_format=fmt,
        compressor=None,
    )
    with ThreadPoolExecutor(N_WRITERS) as pool:
        list(pool.map(lambda w: _write_all(z, w), range(N_WRITERS)))
    np.testing.assert_array_equal(z[:], _expected())


def test_threads_2d_regions(fmt: int) -> None:
    """Row blocks of 7 over chunks of 5x5: every chunk row is shared."""
    z = zarr_core.zeros(
        (70, 20), chunks=(5, 5), dtype="f8", synchronizer=ThreadSynchronizer(), zarr_format=fmt
    )
    expected = np.zeros((70, 20))

    def write(i: int) -> None:
        z[i * 7 : (i + 1) * 7, 3:17] = i + 0.5

    for i in range(10):
        expected[i * 7 : (i + 1) * 7, 3:17] = i + 0.5
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(10)))
    np.testing.assert_array_equal(z[:], expected)


_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import zarr_core
    from tests.test_sync import _write_all

    path, locks, writer, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    sync = zarr_core.ProcessSynchronizer(locks)
    array = zarr_core.open_array(path, mode="r+", synchronizer=sync)
    # start together, so that the writers really overlap
    (go.parent / f"ready-{writer}").touch()
    while not go.exists():
        time.sleep(0.005)
    _write_all(array, writer)
    """
)


def test_processes_lose_no_update(tmp_path: Path, fmt: int) -> None:
    path = str(tmp_path / "data.zarr")
    zarr_core.zeros(LENGTH, chunks=CHUNK, dtype="i4", store=path, zarr_format=fmt, compressor=None)
    root = Path(__file__).resolve().parents[1]
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, path, str(tmp_path / "locks"), str(w), str(go)],
            cwd=root,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(N_WRITERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < N_WRITERS and time.monotonic() < deadline:
        if any(w.poll() is not None for w in workers):
            break  # a worker died before starting; its error is reported below
        time.sleep(0.01)
    go.touch()
    for worker in workers:
        _, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
    np.testing.assert_array_equal(zarr_core.open_array(path, mode="r")[:], _expected())
