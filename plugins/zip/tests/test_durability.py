"""A writer killed with SIGKILL leaves the archive exactly as it was at its last flush.

The directory a writer overwrites is saved in a journal first (``zarr_core_zip.journal``):
readers see the last flushed archive through it, and the next writable open restores that
archive byte for byte. An archive left unfinished by other software (no journal) is
still reported as unfinished (UnfinishedZipArchiveError).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from zarr_core_zip import BadZipArchiveError, UnfinishedZipArchiveError, ZipReader, ZipStore
from zarr_core_zip.journal import journal_path

import zarr_core
from zarr_core.storage import MemoryStore

WRITER = Path(__file__).with_name("_writer.py")
KILLS = 24


def start(mode: str, path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, str(WRITER), mode, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )


def kill_after(process: subprocess.Popen, line: str, delay: float) -> list[str]:
    """Wait for ``line``, let the writer work ``delay`` seconds, SIGKILL it; its later lines."""
    assert process.stdout.readline().strip() == line
    time.sleep(delay)
    assert process.poll() is None, "the writer stopped on its own"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    rest = process.stdout.read().splitlines()
    process.stdout.close()
    return rest


def base_archive(path: Path) -> None:
    with ZipStore(path, mode="w") as store:
        array = zarr_core.zeros((400, 400), chunks=(10, 10), dtype="i4", store=store, path="a")
        array[...] = 1


def chunk_values(path: Path) -> set[int]:
    """Read the array back (read-only); every chunk must be uniform. The values seen."""
    with ZipStore(path, mode="r") as store:
        data = zarr_core.open_array(store, path="a", mode="r")[...]
    blocks = data.reshape(40, 10, 40, 10).transpose(0, 2, 1, 3).reshape(1600, 100)
    assert (blocks == blocks[:, :1]).all(), "a chunk mixes values: a torn write was read"
    return set(np.unique(blocks[:, 0]).tolist())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killed_writers_leave_the_archive_of_their_last_flush(tmp_path):
    path = tmp_path / "data.zip"
    base_archive(path)
    rng = random.Random(8)
    acknowledged, digest = 1, sha256(path)  # the last flush a writer reported
    restored_exactly = 0
    for _ in range(KILLS):
        lines = kill_after(start("append", path), "writing", rng.uniform(0.05, 1.2))
        for line in lines:
            _, value, digest = line.split()
            acknowledged = int(value)
        # Read-only, before any recovery: through the journal, one whole flush. A kill
        # after the new directory was written but before the flush was reported shows
        # that newer flush.
        seen = chunk_values(path)
        assert seen in ({acknowledged}, {acknowledged + 1}), (seen, acknowledged)
        # A writable open restores the file itself; closing it unchanged keeps it so.
        ZipStore(path, mode="a").close()
        assert not os.path.exists(journal_path(str(path)))
        assert chunk_values(path) == seen
        if seen == {acknowledged}:
            assert sha256(path) == digest  # byte for byte the archive of the last flush
            restored_exactly += 1
        else:
            acknowledged = acknowledged + 1
            digest = sha256(path)
        with zipfile.ZipFile(path) as archive:  # any zip reader agrees
            assert archive.testzip() is None
    assert restored_exactly >= KILLS // 2  # most kills land between two flushes


def test_reader_beside_a_live_writer_sees_whole_flushes(tmp_path):
    path = tmp_path / "data.zip"
    base_archive(path)
    writer = start("append", path)
    try:
        assert writer.stdout.readline().strip() == "writing"
        values = set()
        for _ in range(10):
            seen = chunk_values(path)
            assert len(seen) == 1  # one flush, never a mixture or an unfinished file
            values |= seen
            time.sleep(0.05)
        # A second writer is refused while the first holds the journal.
        with pytest.raises(BadZipArchiveError, match="being written by another store"):
            for _ in range(50):  # until it catches the writer between two flushes
                ZipStore(path, mode="a").close()
                time.sleep(0.01)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        writer.stdout.close()
    assert values


def test_killed_while_writing_a_new_archive(tmp_path):
    path = tmp_path / "data.zip"
    writer = start("new", path)
    kill_after(writer, "writing", 0.5)
    assert path.stat().st_size > 0  # records without a directory
    # Never flushed: the archive of its "last flush" is the empty archive.
    with ZipStore(path, mode="r") as store:
        assert list(store) == []
    with ZipStore(path, mode="a") as store:
        assert list(store) == []
    assert path.stat().st_size == 22  # just the end record
    assert zipfile.ZipFile(path).namelist() == []


def test_unfinished_archive_without_journal_is_reported(tmp_path):
    # What a writer without the journal (other software, or a deleted journal) leaves.
    path = tmp_path / "data.zip"
    writer = start("new", path)
    kill_after(writer, "writing", 0.5)
    os.unlink(journal_path(str(path)))
    with pytest.raises(UnfinishedZipArchiveError, match="unfinished"):
        ZipStore(path, mode="r")
    with pytest.raises(UnfinishedZipArchiveError):
        ZipStore(path, mode="a")  # a writer refuses it too, rather than starting over
    holder = MemoryStore()
    holder["data.zip"] = path.read_bytes()
    with pytest.raises(UnfinishedZipArchiveError):
        ZipReader(holder, "data.zip")


def test_journal_cut_short_is_ignored(tmp_path):
    # Killed while writing the journal: the archive was not touched yet.
    path = tmp_path / "data.zip"
    base_archive(path)
    digest = sha256(path)
    Path(journal_path(str(path))).write_bytes(b"ZARRZIPJ\x00\x01")
    assert chunk_values(path) == {1}
    ZipStore(path, mode="a").close()
    assert sha256(path) == digest
    assert not os.path.exists(journal_path(str(path)))


def test_journal_of_another_file_is_refused(tmp_path):
    path = tmp_path / "data.zip"
    journal = Path(journal_path(str(path)))
    base_archive(path)
    with ZipStore(path, mode="a") as store:
        store["x"] = b"1"
        held = journal.read_bytes()  # the journal of the big archive
    with ZipStore(path, mode="w"):
        pass  # replaced by an empty archive, shorter than the journal's offset
    journal.write_bytes(held)
    with pytest.raises(BadZipArchiveError, match="does not belong to"):
        ZipStore(path, mode="a")


def test_killed_during_compaction_leaves_a_complete_archive(tmp_path):
    path = tmp_path / "data.zip"
    base_archive(path)
    writer = start("compact", path)
    kill_after(writer, "replacing", 0.1)
    # The directory was written before compacting began: the rewrite is all there.
    assert chunk_values(path) == {2}
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "data.zip"]
    assert len(leftovers) == 1 and leftovers[0].endswith(".compacting")
