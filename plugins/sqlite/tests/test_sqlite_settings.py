"""What the durability settings promise, and read-only opens that create no files."""

from __future__ import annotations

import os
import pickle
import sqlite3

import numpy as np
from zarr_core_sqlite import SQLiteStore

import zarr_core
from zarr_core.storage import open_store

FULL, NORMAL = 2, 1  # PRAGMA synchronous values


def _synchronous(store: SQLiteStore) -> int:
    return store._connection().execute("PRAGMA synchronous").fetchone()[0]


def test_default_sync_is_normal_and_durable_is_full(tmp_path):
    assert _synchronous(SQLiteStore(tmp_path / "a.sqlite")) == NORMAL
    durable = SQLiteStore(tmp_path / "b.sqlite", durable=True)
    assert _synchronous(durable) == FULL
    assert durable._connection().execute("PRAGMA journal_mode").fetchone() == ("wal",)
    durable["k"] = b"v"
    # Every connection of the store has it (each thread opens its own) and so has a copy.
    assert pickle.loads(pickle.dumps(durable)).durable
    assert _synchronous(pickle.loads(pickle.dumps(durable))) == FULL


def test_durable_as_a_storage_option(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/x.sqlite", storage_options={"durable": True})
    assert _synchronous(store) == FULL


def _wal_database(path) -> None:
    with zarr_core.open_group(f"sqlite:///{path}", mode="w") as root:
        root.zeros("a", shape=(10,), chunks=(5,), dtype="i4")[...] = np.arange(10)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()  # the last connection: SQLite removes -wal and -shm


def test_read_only_open_of_a_closed_wal_database_creates_no_files(tmp_path):
    path = tmp_path / "x.sqlite"
    _wal_database(path)
    assert sorted(os.listdir(tmp_path)) == ["x.sqlite"]
    store = SQLiteStore(path, mode="r")
    assert zarr_core.open_array(store, path="a", mode="r")[...].tolist() == list(range(10))
    assert store.listdir("a") == ["c", "zarr.json"]
    assert sorted(os.listdir(tmp_path)) == ["x.sqlite"]  # while open
    store.close()
    assert sorted(os.listdir(tmp_path)) == ["x.sqlite"]


def test_read_only_open_in_a_read_only_directory(tmp_path):
    # With root privileges a 0o555 directory stays writable, so "no file appears" above
    # is the check that holds for every user; this one checks the mode-bit case works.
    directory = tmp_path / "ro"
    directory.mkdir()
    _wal_database(directory / "x.sqlite")
    directory.chmod(0o555)
    try:
        with SQLiteStore(directory / "x.sqlite", mode="r") as store:
            assert zarr_core.open_array(store, path="a", mode="r")[7] == 7
        assert sorted(os.listdir(directory)) == ["x.sqlite"]
    finally:
        directory.chmod(0o755)


def test_read_only_beside_a_live_writer_sees_its_commits(tmp_path):
    # A -wal file means a connection has the database open: no immutable open then.
    path = tmp_path / "x.sqlite"
    _wal_database(path)
    writer = SQLiteStore(path)
    writer["a/zarr.json"]  # noqa: B018 - the writer's connection opens the WAL
    assert os.path.exists(f"{path}-wal")
    reader = SQLiteStore(path, mode="r")
    writer["new"] = b"1"
    assert reader["new"] == b"1"
    reader.close()
    writer.close()


def test_read_only_rollback_journal_database_keeps_plain_mode_ro(tmp_path):
    # zarr-python 2 leaves databases in rollback-journal mode; mode=ro creates nothing there.
    path = tmp_path / "x.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE zarr(k TEXT PRIMARY KEY, v BLOB)")
    conn.execute("INSERT INTO zarr VALUES ('k', x'01')")
    conn.commit()
    reader = SQLiteStore(path, mode="r")
    conn.execute("INSERT INTO zarr VALUES ('later', x'02')")  # seen: not immutable
    conn.commit()
    assert reader["later"] == b"\x02"
    assert sorted(os.listdir(tmp_path)) == ["x.sqlite"]
    reader.close()
    conn.close()
