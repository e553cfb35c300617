"""zarr-core-sqlite: the conformance kit plus what is specific to SQLite databases."""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading

import numpy as np
import pytest
import zarr_core_sqlite.plugin
from zarr_core_sqlite import SQLiteStore
from zarr_core_sqlite import store as store_module

from zarr_core.errors import ReadOnlyError, StorageOptionsError, StoreClosedError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.concurrency import SeveralProcessesTests
from zarr_core.testing.end_to_end import LocalStorePluginTests


# -- the conformance kit ----------------------------------------------------------------
class _RawSQL:
    """Reach the table with SQL of our own (another connection to the file)."""

    invalid_backend_key = b"bad\xffkey"  # not UTF-8 text, as other software may write

    def _raw(self, store):
        return sqlite3.connect(store.path)

    def backend_get(self, store, key):
        conn = self._raw(store)
        row = conn.execute("SELECT v FROM zarr WHERE k = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def backend_set(self, store, key, value):
        conn = self._raw(store)
        if isinstance(key, bytes):  # stored as TEXT with bytes that are not UTF-8
            conn.execute("INSERT INTO zarr(k, v) VALUES (CAST(? AS TEXT), ?)", (key, value))
        else:
            conn.execute("INSERT OR REPLACE INTO zarr(k, v) VALUES (?, ?)", (key, value))
        conn.commit()


class TestSQLiteStore(_RawSQL, StoreTests):
    persistent = True

    def make_store(self, tmp_path, read_only=False):
        return SQLiteStore(tmp_path / "data.sqlite", read_only=read_only)


class TestSQLiteStoreInMemory(_RawSQL, StoreTests):
    persistent = False

    def make_store(self, tmp_path, read_only=False):
        return SQLiteStore(":memory:", read_only=read_only)

    def _raw(self, store):
        return store._connection()  # the database exists only inside it

    def test_pickle(self, store):
        # Overrides the kit: an in-memory database cannot travel, and says so.
        store["k"] = b"v"
        assert not store.is_persistent
        with pytest.raises(pickle.PicklingError, match="in-memory SQLite"):
            pickle.dumps(store)


# -- the table is zarr-python 2's -------------------------------------------------------
def test_table_layout_and_wal(tmp_path):
    path = tmp_path / "x.sqlite"
    store = SQLiteStore(path)
    store["a/b"] = np.arange(3, dtype="u1")
    conn = sqlite3.connect(path)
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'zarr'").fetchone()
    assert sql == "CREATE TABLE zarr(k TEXT PRIMARY KEY, v BLOB)"
    assert conn.execute("SELECT k, v, typeof(v) FROM zarr").fetchall() == [
        ("a/b", b"\x00\x01\x02", "blob")
    ]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA page_size").fetchone() == (65536,)
    conn.close()
    store.close()


def test_opens_a_table_created_elsewhere(tmp_path):
    path = tmp_path / "x.sqldb"
    conn = sqlite3.connect(path)  # rollback journal, as zarr-python leaves it
    conn.execute("CREATE TABLE zarr(k TEXT PRIMARY KEY, v BLOB)")
    conn.execute("INSERT INTO zarr VALUES ('a/.zattrs', x'7b7d')")
    conn.commit()
    conn.close()
    assert SQLiteStore(path, mode="r")["a/.zattrs"] == b"{}"
    assert SQLiteStore(path).listdir("a") == [".zattrs"]
    conn = sqlite3.connect(path)  # an existing database keeps its page size
    assert conn.execute("PRAGMA page_size").fetchone() == (4096,)
    conn.close()


# -- prefixes are ranges, not patterns -----------------------------------------------------
def test_like_wildcards_in_keys_are_literal(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    keys = ["a_b/1", "axb/2", "a%b/3", "aXb/4", "a_b0", "A_B/5", "a_/6"]
    store.setitems({k: k.encode() for k in keys})
    assert store.list_prefix("a_b/") == ["a_b/1"]
    assert store.list_prefix("a%") == ["a%b/3"]
    assert store.listdir("a_b") == ["1"]
    assert store.getsize("a_b") == len(b"a_b/1")
    store.rmdir("a_b")
    assert sorted(store) == sorted(k for k in keys if k != "a_b/1")
    store.rename("a%b", "moved")
    assert store.list_prefix("moved/") == ["moved/3"]
    assert "axb/2" in store and "aXb/4" in store


def test_prefixes_ending_in_extreme_characters(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    keys = ["p\ud7ff/a", "p\ue000/b", "p\U0010ffff/c", "p\U0010ffffz", "q"]
    store.setitems({k: b"1" for k in keys})
    assert store.list_prefix("p\ud7ff") == ["p\ud7ff/a"]
    assert store.list_prefix("p\U0010ffff") == ["p\U0010ffff/c", "p\U0010ffffz"]
    assert store.listdir("p\U0010ffff") == ["c"]
    assert store_module._successor("\U0010ffff") is None
    assert store_module._successor("a\U0010ffff") == "b"


def test_listdir_is_one_query_over_many_keys(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    store.setitems({f"arr/c/{i}/{j}": b"x" for i in range(50) for j in range(50)})
    store.setitems({"arr/zarr.json": b"{}", "arr.json": b"{}", "arr/c.txt": b""})
    assert store.listdir("arr") == ["c", "c.txt", "zarr.json"]
    assert store.listdir("arr/c")[:3] == ["0", "1", "10"]
    assert len(store.listdir("arr/c/7")) == 50
    assert store.getsize("arr/c") == 2500


# -- batches ---------------------------------------------------------------------------------
def test_batches_larger_than_one_statement(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    n = store_module._BATCH * 3 + 7
    values = {f"c/{i}": i.to_bytes(4, "little") for i in range(n)}
    store.setitems(values)
    got = store.getitems([*values, "missing", "c/0"])
    assert got == values
    ranges = store.get_partial_values([(k, (1, 2)) for k in values] + [("missing", None)])
    assert ranges == [v[1:3] for v in values.values()] + [None]
    store.delitems(list(values)[: n - 1])
    assert list(store) == [f"c/{n - 1}"]


def test_large_values_and_ranges_read_only_what_they_need(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    big = os.urandom(3 * store_module._INLINE + 17)  # read through blob I/O
    store.setitems({"big": big, "small": b"small", "empty": b""})
    assert store.getitems(["big", "small", "empty"]) == {
        "big": big,
        "small": b"small",
        "empty": b"",
    }
    assert store["big"] == big
    got = store.get_partial_values(
        [
            ("big", (1 << 16, 100)),
            ("big", (-5, None)),
            ("big", (70000, None)),
            ("big", (len(big) + 5, 3)),
            ("small", (1, 2)),
            ("empty", (0, 4)),
            ("empty", None),
        ]
    )
    assert got == [big[1 << 16 : (1 << 16) + 100], big[-5:], big[70000:], b"", b"ma", b"", b""]
    with pytest.raises(ValueError, match="suffix"):
        store.get_partial_values([("big", (-5, 2))])
    with pytest.raises(ValueError, match="length must not be negative"):
        store.get_partial_values([("big", (0, -1))])


def test_a_failed_batch_changes_nothing(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    store["keep"] = b"old"
    conn = sqlite3.connect(store.path)  # a trigger that fails the second row of a batch
    conn.execute(
        "CREATE TRIGGER poison BEFORE INSERT ON zarr WHEN NEW.k = 'poison' "
        "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"
    )
    conn.close()
    # The first row is written before the second fails.
    with pytest.raises(sqlite3.DatabaseError, match="poisoned row"):
        store.setitems({"keep": b"new", "poison": b"x"})
    assert store["keep"] == b"old" and len(store) == 1
    store.setitems({"keep": b"new", "other": b"x"})  # the connection is usable again
    assert store["keep"] == b"new"


def test_getitems_is_one_snapshot_while_a_writer_commits(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    n = store_module._BATCH * 2 + 1
    keys = [f"k/{i}" for i in range(n)]
    store.setitems(dict.fromkeys(keys, b"0"))
    stop = threading.Event()

    def write() -> None:
        generation = 0
        while not stop.is_set():
            generation += 1
            store.setitems(dict.fromkeys(keys, str(generation).encode()))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for _ in range(30):
            assert len(set(store.getitems(keys).values())) == 1
    finally:
        stop.set()
        writer.join()


# -- modes -------------------------------------------------------------------------------------
def test_read_only_uses_a_read_only_connection(tmp_path):
    path = tmp_path / "x.sqlite"
    SQLiteStore(path)["k"] = b"v"
    reader = SQLiteStore(path, mode="r")
    assert reader.read_only and reader["k"] == b"v"
    with pytest.raises(ReadOnlyError):
        reader["k"] = b"w"
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader._connection().execute("DELETE FROM zarr")
    assert SQLiteStore(path, read_only=True).read_only


def test_read_only_refuses_missing_files_and_foreign_databases(tmp_path):
    with pytest.raises(FileNotFoundError, match="no SQLite database"):
        SQLiteStore(tmp_path / "missing.sqlite", mode="r")
    assert not (tmp_path / "missing.sqlite").exists()
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(ValueError, match="without a zarr table"):
        SQLiteStore(other, mode="r")


def test_managed_connect_arguments_are_refused(tmp_path):
    with pytest.raises(TypeError, match="isolation_level"):
        SQLiteStore(tmp_path / "x.sqlite", isolation_level="DEFERRED")
    store = SQLiteStore(tmp_path / "x.sqlite", timeout=1.5, cached_statements=16)
    assert pickle.loads(pickle.dumps(store)).connect_kwargs == {
        "timeout": 1.5,
        "cached_statements": 16,
    }


def test_closed_store_refuses_work(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    store.close()
    with pytest.raises(StoreClosedError, match="operation on a closed store"):
        store["k"]


def test_eq_hash_repr(tmp_path):
    a = SQLiteStore(tmp_path / "x.sqlite")
    assert a == SQLiteStore(str(tmp_path / "y" / ".." / "x.sqlite"), mode="r")
    assert a != SQLiteStore(tmp_path / "z.sqlite")
    assert len({a, SQLiteStore(tmp_path / "x.sqlite")}) == 1
    assert SQLiteStore(":memory:") != SQLiteStore(":memory:")
    assert "read-only" in repr(SQLiteStore(tmp_path / "x.sqlite", mode="r"))


# -- threads and forks ------------------------------------------------------------------------
def test_threads_have_their_own_connections_and_close_closes_all(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    seen = []
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        store[f"t/{i}"] = b"x"
        seen.append(store._connection())
        barrier.wait()  # every thread holds its connection at once

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 4
    store.close()
    for conn in seen:
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")


def test_a_forked_child_neither_uses_nor_waits_for_the_parents_connections(tmp_path):
    store = SQLiteStore(tmp_path / "x.sqlite")
    store["k"] = b"1"
    parent_conn = store._connection()
    held, done = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with store._lock:
            held.set()
            done.wait()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    held.wait()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        store["child"] = b"2"  # would hang on the lock the other thread held
        ok = store["child"] == b"2" and store._connection() is not parent_conn
        os._exit(0 if ok else 1)
    status = os.waitpid(pid, 0)[1]
    done.set()
    holder.join()
    assert status == 0
    assert store["child"] == b"2" and store._connection() is parent_conn


# -- several processes, and opening through zarr-core (zarr-core's kits) --------------------------
class TestSeveralProcesses(SeveralProcessesTests):
    def make_store(self, tmp_path):
        return SQLiteStore(tmp_path / "x.sqlite")


class TestThroughZarrCore(LocalStorePluginTests):
    store_class = SQLiteStore
    plugin = zarr_core_sqlite.plugin
    scheme = "sqlite"
    distribution = "zarr-core-sqlite"
    suffix_path = "x.sqlite3"
    in_zarr_core_storage = True
    group_url = "sqlite:///x.db"
    array_url = "sqlite:///y.db"

    def test_urls_and_suffixes(self, registered, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        assert open_store("sqlite:///sub/../rel.db") == open_store("sqlite:///rel.db")
        for name in ("a.sqlite", "b.SQLITE3", "c.sqldb"):
            assert isinstance(open_store(name), SQLiteStore)
            assert open_store(str(tmp_path / name)).path == str(tmp_path / name)
        assert open_store("sqlite://").in_memory
        assert open_store("sqlite:///:memory:").in_memory
        opts = {"dimension_separator": "/", "timeout": 2}
        assert open_store("x.sqlite", storage_options=opts).dimension_separator == "/"
        with pytest.raises(StorageOptionsError, match="uri"):
            open_store("x.sqlite", storage_options={"uri": True})
