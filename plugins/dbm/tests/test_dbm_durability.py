"""dbm.dumb survives SIGKILL: the database is always that of the last flush() or close().

A child rewrites a whole array again and again with a new value each pass, flushing
and then reporting the value after each pass. After every kill the database must open,
every chunk must hold one value, the same everywhere, and that value must be the last
one reported -- or the next one, if the kill came after the flush but before the report.
The plain standard-library dbm.dumb fails this (torn chunks, a truncated ``zarr.json``);
the store writes it through :class:`zarr_core_dbm.dumb.DurableDumb`.
"""

from __future__ import annotations

import dbm.dumb
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from zarr_core_dbm import DBMStore
from zarr_core_dbm.dumb import DurableDumb

import zarr_core

KILLS = 24
SHAPE, CHUNKS = (200, 200), (10, 10)

_WRITER = textwrap.dedent(
    f"""
    import sys
    import zarr_core
    from zarr_core_dbm import DBMStore

    sys.path.insert(0, {os.path.dirname(__file__)!r})
    from test_dbm_durability import generation

    store = DBMStore(sys.argv[1], open="dbm.dumb")
    a = zarr_core.open_array(store, mode="r+")
    value = int(sys.argv[2])
    print("writing", flush=True)
    while True:
        value += 1
        a[...] = generation(value)
        store.flush()
        print(value, flush=True)
    """
)


def generation(value: int) -> np.ndarray:
    """What the writer's pass ``value`` writes: chunks whose encoded sizes vary per pass,
    so that rewrites both fit in and outgrow the space of the values before them."""
    rng = np.random.default_rng(value)
    return rng.integers(0, 2 ** (1 + value % 31), SHAPE, dtype="i4")


def _new_array(path) -> None:
    store = DBMStore(path, flag="n", open="dbm.dumb")
    zarr_core.zeros(SHAPE, chunks=CHUNKS, dtype="i4", store=store)[...] = generation(1)
    store.close()


def _generation_of(path, candidates: list[int]) -> int:
    """Open read-only and read everything: which one of ``candidates`` every chunk holds."""
    store = DBMStore(path, read_only=True, open="dbm.dumb")
    try:
        data = zarr_core.open_array(store, mode="r")[...]
    finally:
        store.close()
    for value in candidates:
        if np.array_equal(data, generation(value)):
            return value
    raise AssertionError(f"the array is none of the passes {candidates} (a torn write)")


def _kill_during_writes(path, value: int, delay: float) -> list[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(value)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "writing\n"
        time.sleep(delay)
        assert child.poll() is None, "the writer stopped on its own"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    lines = child.stdout.read().split()
    child.stdout.close()
    return lines


def test_killed_writers_leave_the_last_flush(tmp_path):
    path = tmp_path / "x.db"
    _new_array(path)
    rng = random.Random(7)
    acknowledged = 1
    lost = []
    for kill in range(KILLS):
        reported = _kill_during_writes(path, acknowledged, rng.uniform(0.1, 1.0))
        acknowledged = int(reported[-1]) if reported else acknowledged
        try:
            # The last reported pass, or the next one if the kill came between its
            # flush and its report.
            acknowledged = _generation_of(path, [acknowledged, acknowledged + 1])
        except Exception as exc:  # noqa: BLE001 - counted, then reported below
            lost.append(f"kill {kill}: {type(exc).__name__}: {exc}"[:200])
            break  # the database is lost: later kills would only repeat it
    assert not lost, f"kills lost acknowledged writes: {lost}"


def test_dumb_databases_are_written_durably(tmp_path):
    store = DBMStore(tmp_path / "x.db", open="dbm.dumb")
    assert isinstance(store._handle.db, DurableDumb)
    assert store.implementation == "dbm.dumb"
    store["a"] = b"1" * 600
    store["a"] = b"2"  # fits in the old value's block; appended anyway
    store.flush()
    first = os.path.getsize(tmp_path / "x.db.dat")
    assert first == 1024 + 1  # two blocks used, the old value's bytes untouched
    del store["a"]
    store["b"] = b"3"
    # Not flushed: the files still say what the last flush said.
    with dbm.dumb.open(str(tmp_path / "x.db"), "r") as plain:
        assert dict(plain.items()) == {b"a": b"2"}
    store.close()
    with dbm.dumb.open(str(tmp_path / "x.db"), "r") as plain:  # the standard format
        assert dict(plain.items()) == {b"b": b"3"}
    assert sorted(os.listdir(tmp_path)) == ["x.db.dat", "x.db.dir"]


def test_read_only_dumb_is_the_standard_reader(tmp_path):
    DBMStore(tmp_path / "x.db", open="dbm.dumb").close()
    reader = DBMStore(tmp_path / "x.db", open="dbm.dumb", read_only=True)
    assert type(reader._handle.db) is dbm.dumb._Database
    with pytest.raises(Exception, match="read-only"):
        reader["a"] = b"1"
    reader.close()
