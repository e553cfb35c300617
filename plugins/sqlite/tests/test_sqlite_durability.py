"""Durability: a writer killed with SIGKILL mid-write leaves every chunk old or new.

A child process rewrites a whole array again and again, alternating between two
versions; each ``a[...] = value`` is one ``setitems`` batch, so one transaction. The test
kills it at random moments, reopens the database and checks that every chunk decodes
and holds one version -- and, a batch being atomic, the same version everywhere. About
a fifth of a writer's time is spent inside a transaction, so random kills land there
only sometimes; a second test kills a writer that is certainly inside one.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

import zarr_core

SHAPE, CHUNKS = (512, 512), (64, 64)  # 64 chunks of 32 KiB: a transaction takes a while
N_CHUNKS = (SHAPE[0] // CHUNKS[0]) * (SHAPE[1] // CHUNKS[1])
OLD = np.random.default_rng(1).random(SHAPE)
NEW = np.random.default_rng(2).random(SHAPE)

WRITER = """
import sys
import numpy as np
import zarr_core

shape, chunks = (512, 512), (64, 64)
old = np.random.default_rng(1).random(shape)
new = np.random.default_rng(2).random(shape)
a = zarr_core.open_array(sys.argv[1], mode="r+")
first = True
while True:
    for value in (new, old):
        a[...] = value
        if first:
            print("ready", flush=True)
            first = False
"""


def versions_of_every_chunk(url: str) -> set[str]:
    values = zarr_core.open_array(url, mode="r")[...]  # decodes every chunk
    found = set()
    for i in range(0, SHAPE[0], CHUNKS[0]):
        for j in range(0, SHAPE[1], CHUNKS[1]):
            block = (slice(i, i + CHUNKS[0]), slice(j, j + CHUNKS[1]))
            if np.array_equal(values[block], OLD[block]):
                found.add("old")
            elif np.array_equal(values[block], NEW[block]):
                found.add("new")
            else:
                pytest.fail(f"chunk at {(i, j)} holds neither version")
    return found


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_killed_writer_leaves_old_or_new_chunks(tmp_path, zarr_format):
    path = tmp_path / "x.sqlite"
    url = f"sqlite:///{path}"
    a = zarr_core.open_array(
        url, mode="w", shape=SHAPE, chunks=CHUNKS, dtype="f8", zarr_format=zarr_format
    )
    a[...] = OLD
    a.store.close()
    rng = random.Random(zarr_format)
    seen: set[str] = set()
    for _ in range(10):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout.readline() == "ready\n", child.stderr.read()
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL
        found = versions_of_every_chunk(url)
        assert len(found) == 1, "a batch was applied in part"
        seen |= found
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
    assert seen  # (which versions were seen depends on timing)


INSIDE = """
import sys, time
import zarr_core

a = zarr_core.open_array(sys.argv[1], mode="r+")
chunks = sorted(k for k in a.store.list_prefix("") if "/" in k or k[0].isdigit())
with a.store._writing() as conn:
    # Garble half the chunks inside one transaction that never commits.
    for key in chunks[: len(chunks) // 2]:
        conn.execute("UPDATE zarr SET v = ? WHERE k = ?", (b"torn", key))
    print("inside", len(chunks), flush=True)
    time.sleep(60)
"""


def test_killed_inside_a_transaction(tmp_path):
    path = tmp_path / "x.sqlite"
    url = f"sqlite:///{path}"
    a = zarr_core.open_array(url, mode="w", shape=SHAPE, chunks=CHUNKS, dtype="f8")
    a[...] = OLD
    a.store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", INSIDE, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == f"inside {N_CHUNKS}\n", child.stderr.read()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert versions_of_every_chunk(url) == {"old"}
    # The dead writer's lock is gone: the next writer goes ahead.
    zarr_core.open_array(url, mode="r+")[...] = NEW
    assert versions_of_every_chunk(url) == {"new"}
