"""zarr-core-dbm: the conformance kit and DBM specifics, for every implementation present.

``AVAILABLE`` is what this interpreter has; the kit and the specific tests run once per
entry. ``test_the_expected_implementations_are_here`` fails if one that should be here
is not: ``dbm.dumb`` always, ``dbm.sqlite3`` on Python 3.13+, and whatever the
``ZARR_CORE_DBM_EXPECT`` variable lists (``test_dbm_interpreters.py`` sets it to
``dbm.gnu,dbm.ndbm`` for Debian's interpreter).
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import zarr_core_dbm.plugin
from zarr_core_dbm import DBMStore, available_implementations
from zarr_core_dbm import store as store_module

from zarr_core.errors import ReadOnlyError, StorageOptionsError, StoreClosedError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.concurrency import run_in_threads
from zarr_core.testing.end_to_end import LocalStorePluginTests

AVAILABLE = [name for name, why in available_implementations().items() if why is None]


def test_the_expected_implementations_are_here():
    expected = {"dbm.dumb"} | ({"dbm.sqlite3"} if sys.version_info >= (3, 13) else set())
    expected |= {n for n in os.environ.get("ZARR_CORE_DBM_EXPECT", "").split(",") if n}
    missing = {n: available_implementations()[n] for n in sorted(expected - set(AVAILABLE))}
    assert not missing, f"{sys.executable} lacks DBM implementations it should have: {missing}"


@pytest.fixture(params=AVAILABLE)
def impl(request) -> str:
    return request.param


def opener(name: str):
    return importlib.import_module(name).open


# -- the conformance kit, once per implementation ----------------------------------------
class _RawDBM:
    """Reach the records through the open dbm object itself (a second open of the file
    would not see what the first holds in memory)."""

    persistent = True
    invalid_backend_key = b"bad\xffkey"  # not UTF-8, as other software may write

    def backend_get(self, store, key):
        encoded = key.encode("utf-8")
        return store._handle.call(lambda db: db.get(encoded))

    def backend_set(self, store, key, value):
        encoded = key if isinstance(key, bytes) else key.encode("utf-8")
        store._handle.call(lambda db: db.__setitem__(encoded, value))


class TestDBMStore(_RawDBM, StoreTests):
    @pytest.fixture(autouse=True, params=AVAILABLE)
    def _implementation(self, request):
        self.open = opener(request.param)

    def make_store(self, tmp_path, read_only=False):
        return DBMStore(tmp_path / "data.db", open=self.open, read_only=read_only)

    # Two kit tests store empty values, which Berkeley DB's ndbm cannot hold: there the
    # store refuses them, and these overrides check that instead.
    def test_set_get(self, store):
        if store.accepts_empty_values:
            super().test_set_get(store)
        else:
            with pytest.raises(ValueError, match="cannot store an empty value"):
                store["c/0/0"] = b""
            assert len(store) == 0

    def test_setitems_delitems(self, store):
        if store.accepts_empty_values:
            super().test_setitems_delitems(store)
        else:
            with pytest.raises(ValueError, match="cannot store an empty value"):
                store.setitems({f"k/{i}": bytes([i]) * i for i in range(20)})
            assert len(store) == 0


class TestDBMStoreDefaultOpen(_RawDBM, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return DBMStore(tmp_path / "data.db", flag="r" if read_only else "c")


# -- implementation specifics ---------------------------------------------------------------
def test_keys_are_utf8_bytes_of_the_implementation(tmp_path, impl):
    store = DBMStore(tmp_path / "x.db", open=impl)
    assert store.implementation == impl
    store.setitems({"a/.zarray": b"{}", "ü/1": np.arange(3, dtype="u1")})
    store.close()
    db = opener(impl)(str(tmp_path / "x.db"), "r")
    assert sorted(db.keys()) == sorted([b"a/.zarray", "ü/1".encode()])
    assert db["ü/1".encode()] == b"\x00\x01\x02"
    db.close()


def test_empty_values_round_trip_or_are_refused(tmp_path, impl):
    store = DBMStore(tmp_path / "x.db", open=impl)
    refused = impl == "dbm.ndbm" and importlib.import_module(impl).library == "Berkeley DB"
    assert store.accepts_empty_values is not refused
    if refused:
        with pytest.raises(ValueError, match="Berkeley DB"):
            store.setitems({"a": b"1", "b": b""})
        assert "a" not in store  # checked before anything is written
    else:
        store.setitems({"a": b"1", "b": b""})
        assert store.getitems(["a", "b"]) == {"a": b"1", "b": b""}


def test_default_open_picks_what_dbm_open_picks(tmp_path):
    import dbm

    store = DBMStore(tmp_path / "x.db")
    store["k"] = b"v"
    store.close()
    assert dbm.whichdb(str(tmp_path / "x.db")) == store.implementation


def test_open_by_module_name(tmp_path, impl):
    store = DBMStore(tmp_path / "x.db", open=impl)
    assert store.open is opener(impl)
    assert store == DBMStore(tmp_path / "x.db", open=opener(impl))


READ_RAW = """
import importlib, sys
name, path = sys.argv[1:]
flag = "ru" if name == "dbm.gnu" else "r"  # gnu: a reader without the writer's lock
db = importlib.import_module(name).open(path, flag)
print(sorted(k.decode() for k in db.keys()))
"""


def test_flush_makes_writes_visible_to_other_processes(tmp_path, impl):
    store = DBMStore(tmp_path / "x.db", open=impl)
    store.setitems({"a": b"1", "b": b"2"})
    store.flush()
    read = [sys.executable, "-c", READ_RAW, impl, str(tmp_path / "x.db")]
    out = subprocess.run(read, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['a', 'b']"
    store["c"] = b"3"  # still open and writable after flushing
    store.close()
    out = subprocess.run(read, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['a', 'b', 'c']"


def test_pickling_reopens_without_clobbering(tmp_path, impl):
    store = DBMStore(tmp_path / "x.db", flag="n", open=impl)
    store["k"] = b"kept"
    state = pickle.dumps(store)
    assert len(state) < 1000
    clone = pickle.loads(state)  # shares the handle while the original is open
    assert clone.flag == "c" and clone["k"] == b"kept" and clone == store
    clone.close()
    store.close()
    again = pickle.loads(state)  # the file reopened for real
    assert again["k"] == b"kept"
    again.close()


def test_stores_over_one_file_share_a_handle(tmp_path, impl):
    a = DBMStore(tmp_path / "x.db", open=impl)
    b = DBMStore(str(tmp_path / "y" / ".." / "x.db"), open=impl)
    assert a._handle is b._handle
    a["k"] = b"1"
    assert b["k"] == b"1"
    b.close()
    a["k2"] = b"2"  # still open
    a.close()
    with pytest.raises(StoreClosedError, match="operation on a closed store"):
        a["k"]


def test_a_read_only_handle_is_reopened_for_a_writer(tmp_path, impl):
    DBMStore(tmp_path / "x.db", open=impl).setitems({"k": b"v"})  # closed when collected
    reader = DBMStore(tmp_path / "x.db", open=impl, read_only=True)
    assert reader.flag == "r" and reader["k"] == b"v"
    writer = DBMStore(tmp_path / "x.db", open=impl)
    writer["k"] = b"w"
    assert reader["k"] == b"w"
    with pytest.raises(ReadOnlyError):
        reader["k"] = b"x"
    writer.close()
    reader.close()


def test_flags(tmp_path, impl):
    with pytest.raises(Exception, match=r"(?i)exist|no such file|unable to open"):
        DBMStore(tmp_path / "missing.db", flag="w", open=impl)
    DBMStore(tmp_path / "x.db", open=impl).close()
    reader = DBMStore(tmp_path / "x.db", flag="n", open=impl, read_only=True)
    assert reader.flag == "r"  # read_only wins, and "n" does not empty anything
    assert DBMStore(tmp_path / "x.db", flag="r", open=impl).read_only


def test_threads_share_one_database(tmp_path, impl):
    # dbm.sqlite3 objects refuse other threads; the store drives them from its own.
    store = DBMStore(tmp_path / "x.db", open=impl)

    def work(worker: int) -> None:
        for i in range(30):
            store.setitems({f"t{worker}/{i}": bytes([worker]) * (i + 1)})
            assert store[f"t{worker}/{i}"] == bytes([worker]) * (i + 1)
            store.delitems([f"t{worker}/{i - 1}"] if i % 3 == 0 and i else [])

    run_in_threads(work, 4)
    assert len(store) == 4 * (30 - 9)
    store.close()


def test_without_the_lock(tmp_path, impl):
    store = DBMStore(tmp_path / "x.db", open=impl, write_lock=False)
    store.setitems({"a/b": b"1", "c": b"2"})
    assert store.listdir("") == ["a", "c"] and store.getitems(["a/b"]) == {"a/b": b"1"}
    store.close()


def test_eq_hash_repr(tmp_path, impl):
    a = DBMStore(tmp_path / "x.db", open=impl)
    assert a == DBMStore(tmp_path / "x.db", open=impl, read_only=True)
    assert a != DBMStore(tmp_path / "z.db", open=impl)
    assert len({a, DBMStore(tmp_path / "x.db", open=impl)}) == 1
    assert "read-only" in repr(DBMStore(tmp_path / "x.db", open=impl, flag="r"))


def test_a_forked_child_opens_its_own_handle(tmp_path):
    store = DBMStore(tmp_path / "x.db", open="dbm.dumb")
    store["k"] = b"1"
    store.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        mine = DBMStore(tmp_path / "x.db", open="dbm.dumb", read_only=True)
        os._exit(0 if mine._handle is not store._handle and mine["k"] == b"1" else 1)
    assert os.waitpid(pid, 0)[1] == 0
    assert store["k"] == b"1"  # the parent's handle is untouched
    store.close()


# -- opening through zarr-core (zarr-core's kit) -------------------------------------------------------
class TestThroughZarrCore(LocalStorePluginTests):
    store_class = DBMStore
    plugin = zarr_core_dbm.plugin
    scheme = "dbm"
    distribution = "zarr-core-dbm"
    in_zarr_core_storage = True
    group_url = "dbm:///x.db"
    array_url = "dbm:///y.db"

    @pytest.fixture(params=AVAILABLE)
    def storage_options(self, request):
        return {"open": request.param}

    def test_urls(self, registered, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        opts = {"open": "dbm.dumb", "dimension_separator": "/", "write_lock": False}
        opened = open_store("dbm:///d.db", storage_options=opts)
        assert (opened.implementation, opened.dimension_separator, opened.write_lock) == (
            "dbm.dumb",
            "/",
            False,
        )
        with pytest.raises(StorageOptionsError, match="timeout"):
            open_store("dbm:///x.db", storage_options={"timeout": 1})


def test_a_dropped_store_releases_its_handle(tmp_path, impl):
    DBMStore(tmp_path / "x.db", open=impl)["k"] = b"v"  # never closed, only collected
    assert not [key for key in store_module._OPEN if key[0] == str(tmp_path / "x.db")]
    assert DBMStore(tmp_path / "x.db", open=impl, read_only=True)["k"] == b"v"
