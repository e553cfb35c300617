"""Durability: a writer killed with SIGKILL mid-write leaves every chunk old or new.

For stores whose batches are transactions. A child process rewrites a whole array
again and again, alternating between two versions; each ``a[...] = value`` is one
``setitems`` batch, so one transaction. The test kills it at random moments, reopens
the store and checks that every chunk decodes and holds one version -- and, a batch
being atomic, the same version everywhere. Only part of a writer's time is spent
inside a transaction, so random kills land there only sometimes; a second test kills a
writer that is certainly inside one, having garbled half the chunks in it.

Usage (a store plugin's ``tests/test_<name>_durability.py``)::

    from zarr_core.testing.durability import DurabilityTests

    class TestDurability(DurabilityTests):
        filename = "x.sqlite"
        torn_transaction = '''
    with store._writing() as conn:  # one transaction that never commits
        for key in keys:
            conn.execute("UPDATE zarr SET v = ? WHERE k = ?", (b"torn", key))
        hold()
    '''

        def store_url(self, path):
            return f"sqlite:///{path}"
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import zarr_core

__all__ = ["CHUNKS", "NEW", "OLD", "SHAPE", "DurabilityTests", "versions_of_every_chunk"]

SHAPE, CHUNKS = (512, 512), (64, 64)  # 64 chunks of 32 KiB: a transaction takes a while
N_CHUNKS = (SHAPE[0] // CHUNKS[0]) * (SHAPE[1] // CHUNKS[1])
#: The two versions of the array the writer alternates between.
OLD = np.random.default_rng(1).random(SHAPE)
NEW = np.random.default_rng(2).random(SHAPE)

_WRITER = f"""
import sys
import numpy as np
import zarr_core

old = np.random.default_rng(1).random({SHAPE!r})
new = np.random.default_rng(2).random({SHAPE!r})
a = zarr_core.open_array(sys.argv[1], mode="r+")
first = True
while True:
    for value in (new, old):
        a[...] = value
        if first:
            print("ready", flush=True)
            first = False
"""

_INSIDE = """
import sys, time
import zarr_core

a = zarr_core.open_array(sys.argv[1], mode="r+")
store = a.store
chunks = sorted(k for k in store.list_prefix("") if "/" in k or k[0].isdigit())
keys = chunks[: len(chunks) // 2]


def hold():
    print("inside", len(chunks), flush=True)
    time.sleep(60)

"""


def versions_of_every_chunk(url: str) -> set[str]:
    """Which versions (``"old"``, ``"new"``) the chunks of the array at ``url`` hold.

    Fails the test if a chunk holds neither (or does not decode).
    """
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


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait()


class DurabilityTests:
    """SIGKILL a writer mid-write; every chunk must be old or new (see the module docstring).

    Subclasses set :attr:`filename` and :attr:`torn_transaction` and implement
    :meth:`store_url`; :meth:`check_store` may add the backend's own consistency check.
    """

    #: The store's file (or directory) name under the test's ``tmp_path``.
    filename: ClassVar[str] = "x.db"
    #: Statements run by a child process with ``store`` (the array's store, opened
    #: ``r+``) and ``keys`` (half of the array's chunk keys): inside one write
    #: transaction they overwrite each of ``keys`` with ``b"torn"`` and then call
    #: ``hold()``, which reports and sleeps until the child is killed. Top-level code.
    torn_transaction: ClassVar[str]

    def store_url(self, path: Path) -> str:
        """The URL that opens the store at ``path``, in this process and in a child."""
        raise NotImplementedError

    def check_store(self, path: Path) -> None:
        """Check the store's own consistency after a kill (nothing by default)."""

    def _new_array(self, tmp_path: Path, **kwargs) -> tuple[Path, str]:
        path = tmp_path / self.filename
        url = self.store_url(path)
        a = zarr_core.open_array(url, mode="w", shape=SHAPE, chunks=CHUNKS, dtype="f8", **kwargs)
        a[...] = OLD
        a.store.close()
        return path, url

    @staticmethod
    def _start(code: str, url: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", code, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @pytest.mark.parametrize("zarr_format", [2, 3])
    def test_killed_writer_leaves_old_or_new_chunks(self, tmp_path, zarr_format):
        path, url = self._new_array(tmp_path, zarr_format=zarr_format)
        rng = random.Random(zarr_format)
        seen: set[str] = set()
        for _ in range(10):
            child = self._start(_WRITER, url)
            try:
                assert child.stdout.readline() == "ready\n", child.stderr.read()
                time.sleep(rng.uniform(0.0, 0.3))
            finally:
                _kill(child)
            assert child.returncode == -signal.SIGKILL
            found = versions_of_every_chunk(url)
            assert len(found) == 1, "a batch was applied in part"
            seen |= found
            self.check_store(path)
        assert seen  # (which versions were seen depends on timing)

    def test_killed_inside_a_transaction(self, tmp_path):
        _, url = self._new_array(tmp_path)
        child = self._start(_INSIDE + textwrap.dedent(self.torn_transaction), url)
        try:
            assert child.stdout.readline() == f"inside {N_CHUNKS}\n", child.stderr.read()
        finally:
            _kill(child)
        assert versions_of_every_chunk(url) == {"old"}
        # The dead writer's lock is gone: the next writer goes ahead.
        zarr_core.open_array(url, mode="r+")[...] = NEW
        assert versions_of_every_chunk(url) == {"new"}
