"""A writer killed with SIGKILL mid-write leaves every N5 block old or new, never torn.

N5Store writes each file atomically (the directory store: temporary file, then rename),
so one block is old or new; a batch spans many files and is not atomic, so blocks of
both versions may be found after a kill (zarr-core's transactional durability kit does
not apply, and this is the per-block half of it).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time

from zarr_core_n5 import N5Store

import zarr_core
from zarr_core.testing.durability import CHUNKS, OLD, SHAPE, versions_of_every_chunk

WRITER = f"""
import sys
import numpy as np
import zarr_core

versions = [np.random.default_rng(2).random({SHAPE!r}), np.random.default_rng(1).random({SHAPE!r})]
a = zarr_core.open_array(sys.argv[1], mode="r+")
print("ready", flush=True)
while True:
    for value in versions:
        a[...] = value
"""


def test_killed_writer_leaves_old_or_new_blocks(tmp_path):
    url = str(tmp_path / "x.n5")
    a = zarr_core.open_array(url, mode="w", shape=SHAPE, chunks=CHUNKS, dtype="f8")
    a[...] = OLD
    rng = random.Random(5)
    seen: set[str] = set()
    for _ in range(8):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout.readline() == "ready\n", child.stderr.read()
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL
        seen |= versions_of_every_chunk(url)  # fails on a block that is neither
        json.loads((tmp_path / "x.n5" / "attributes.json").read_text())
        # A killed writer's temporary files stay on disk, but never among the keys.
        assert not [k for k in N5Store(tmp_path / "x.n5") if "partial" in k]
    assert seen <= {"old", "new"} and seen
    assert zarr_core.open_array(url).shape == SHAPE
