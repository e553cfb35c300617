"""zarr-core-lmdb: the conformance kit plus what is specific to LMDB environments."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading

import lmdb
import numpy as np
import pytest
import zarr_core_lmdb.plugin
from zarr_core_lmdb import LMDBStore
from zarr_core_lmdb import store as store_module

from zarr_core.errors import InvalidKeyError, ReadOnlyError, StorageOptionsError, StoreClosedError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.concurrency import SeveralProcessesTests, run_in_threads
from zarr_core.testing.end_to_end import LocalStorePluginTests


# -- the conformance kit ----------------------------------------------------------------
class _RawLMDB:
    """Reach the records through the lmdb library (the process's one environment)."""

    persistent = True
    invalid_backend_key = b"bad\xffkey"  # not UTF-8: as other software may write

    def backend_get(self, store, key):
        with store._shared.env.begin() as txn:
            return txn.get(key.encode("utf-8"))

    def backend_set(self, store, key, value):
        raw = key if isinstance(key, bytes) else key.encode("utf-8")
        with store._shared.env.begin(write=True) as txn:
            txn.put(raw, value)


class TestLMDBStore(_RawLMDB, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return LMDBStore(tmp_path / "data.lmdb", read_only=read_only)


class TestLMDBStoreWithoutBuffers(_RawLMDB, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return LMDBStore(tmp_path / "data.mdb", buffers=False, read_only=read_only)


class TestLMDBStoreSingleFile(_RawLMDB, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return LMDBStore(tmp_path / "data.mdb", subdir=False, read_only=read_only)


# -- the environment ---------------------------------------------------------------------
def test_layout_and_defaults(tmp_path):
    store = LMDBStore(tmp_path / "x.mdb")
    store["a/b"] = np.arange(3, dtype="u1")
    assert sorted(os.listdir(tmp_path / "x.mdb")) == ["data.mdb", "lock.mdb"]
    env = store._shared.env
    flags = env.flags()
    assert (flags["writemap"], flags["sync"], flags["metasync"], flags["map_async"]) == (
        sys.platform.startswith("linux"),
        False,
        False,
        False,
    )
    assert store.map_size == env.info()["map_size"] == 2**40
    with env.begin() as txn:  # keys are the UTF-8 bytes of the key, values untouched
        assert list(txn.cursor()) == [(b"a/b", b"\x00\x01\x02")]
    store.close()


def test_an_existing_file_opens_as_a_single_file_environment(tmp_path):
    LMDBStore(tmp_path / "x.mdb", subdir=False).setitems({"k": b"v"})
    assert os.path.isfile(tmp_path / "x.mdb")
    assert LMDBStore(tmp_path / "x.mdb", read_only=True)["k"] == b"v"


def test_stores_over_one_path_share_the_environment(tmp_path):
    a = LMDBStore(tmp_path / "x.lmdb")
    b = LMDBStore(str(tmp_path / "y" / ".." / "x.lmdb"), read_only=True)
    clone = pickle.loads(pickle.dumps(a))
    assert a._shared is b._shared is clone._shared and a == b == clone
    a["k"] = b"1"
    clone.close()
    b.close()
    assert a["k"] == b"1"  # still open: a holds the environment
    a.close()
    assert str(tmp_path / "x.lmdb") not in store_module._OPEN
    with pytest.raises(StoreClosedError, match="operation on a closed store"):
        a["k"]
    assert LMDBStore(tmp_path / "x.lmdb")["k"] == b"1"


def test_garbage_collected_stores_release_the_environment(tmp_path):
    LMDBStore(tmp_path / "x.lmdb")["k"] = b"1"
    assert str(tmp_path / "x.lmdb") not in store_module._OPEN


def test_read_only_creates_nothing_and_later_writers_share(tmp_path):
    with pytest.raises(FileNotFoundError, match="no LMDB environment"):
        LMDBStore(tmp_path / "missing.lmdb", read_only=True)
    assert not (tmp_path / "missing.lmdb").exists()
    LMDBStore(tmp_path / "x.lmdb")["k"] = b"v"
    reader = LMDBStore(tmp_path / "x.lmdb", read_only=True)
    writer = LMDBStore(tmp_path / "x.lmdb")
    writer["k"] = b"w"
    assert reader["k"] == b"w"
    with pytest.raises(ReadOnlyError):
        reader["k"] = b"x"
    assert LMDBStore(tmp_path / "x.lmdb", readonly=True).read_only


def test_an_environment_lmdb_opened_read_only_refuses_writers(tmp_path):
    LMDBStore(tmp_path / "x.lmdb")["k"] = b"v"
    reader = LMDBStore(tmp_path / "x.lmdb", readonly=True)  # LMDB's own read-only flag
    with pytest.raises(ReadOnlyError, match="already open read-only"):
        LMDBStore(tmp_path / "x.lmdb")
    reader.close()
    LMDBStore(tmp_path / "x.lmdb")["k"] = b"w"


def test_unknown_lmdb_arguments_are_refused(tmp_path):
    with pytest.raises(TypeError, match="map_sise"):
        LMDBStore(tmp_path / "x.lmdb", map_sise=1)


# -- the map grows --------------------------------------------------------------------------
def test_a_full_map_grows_and_the_write_is_repeated(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb", map_size=1 << 16)
    big = os.urandom(1 << 20)
    store["big"] = big
    store.setitems({f"c/{i}": os.urandom(1 << 16) for i in range(40)})
    assert store["big"] == big and len(store) == 41
    assert store.map_size >= 1 << 22
    again = pickle.loads(pickle.dumps(store))
    store.close()
    again.close()
    assert LMDBStore(tmp_path / "x.lmdb", map_size=1 << 16)["big"] == big


def test_threads_growing_the_map_together(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb", map_size=1 << 16)

    def work(worker: int) -> None:
        for i in range(20):
            store[f"t{worker}/{i}"] = bytes([worker]) * 50_000
            assert store[f"t{worker}/{i}"][:1] == bytes([worker])

    run_in_threads(work, 4)
    assert len(store) == 80


GROW_ELSEWHERE = """
import sys
from zarr_core_lmdb import LMDBStore
store = LMDBStore(sys.argv[1], map_size=1 << 16)
store["from-child"] = b"x" * (1 << 21)
store.close()
"""


def test_a_map_grown_by_another_process_is_adopted(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb", map_size=1 << 16)
    store["small"] = b"1"
    subprocess.run([sys.executable, "-c", GROW_ELSEWHERE, str(tmp_path / "x.lmdb")], check=True)
    assert len(store["from-child"]) == 1 << 21
    store["after"] = b"2" * (1 << 20)
    assert store.getsize("") == 1 + (1 << 21) + (1 << 20)


# -- keys and buffers ----------------------------------------------------------------------
def test_keys_longer_than_lmdb_allows(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb")
    long = "k/" + "x" * 600
    with pytest.raises(InvalidKeyError, match="at most 511 bytes"):
        store[long] = b"v"
    with pytest.raises(InvalidKeyError):
        store.setitems({"ok": b"1", long: b"v"})
    assert "ok" not in store
    assert long not in store and store.getitems([long]) == {}
    assert store.get_partial_values([(long, None)]) == [None]
    with pytest.raises(KeyError):
        store[long]
    store.delitems([long])


@pytest.mark.parametrize("buffers", [True, False])
def test_values_outlive_their_transaction(tmp_path, buffers):
    store = LMDBStore(tmp_path / "x.lmdb", buffers=buffers)
    store.setitems({"a": b"A" * 5000, "b": b"B" * 5000})
    got = [store["a"], store.getitems(["b"])["b"], *store.get_partial_values([("a", (10, 5))])]
    assert all(type(v) is bytes for v in got)
    store.delitems(["a", "b"])
    store.setitems({f"c/{i}": b"Z" * 5000 for i in range(50)})  # reuse the freed pages
    assert got == [b"A" * 5000, b"B" * 5000, b"AAAAA"]


def test_listdir_seeks_past_subtrees(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb")
    keys = ["a", "a-b/f", "a/b/c", "a/e", "a0", "a\U0010ffff/x", "b/" + "c/" * 3 + "d"]
    store.setitems({k: b"" for k in keys})
    assert store.listdir("") == ["a", "a-b", "a0", "a\U0010ffff", "b"]
    assert store.listdir("a") == ["b", "e"]
    store.setitems({f"arr/c/{i}/{j}": b"x" for i in range(40) for j in range(40)})
    assert store.listdir("arr") == ["c"]
    assert len(store.listdir("arr/c")) == 40
    assert store.list_prefix("a\U0010ffff") == ["a\U0010ffff/x"]
    assert store.getsize("arr/c") == 1600


def test_rename_overwrites_and_merges(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb")
    store.setitems({"src/x": b"new x", "src/sub/y": b"y", "dst/x": b"old x", "dst/z": b"z"})
    store.rename("src", "dst")
    assert {k: store[k] for k in store} == {"dst/x": b"new x", "dst/sub/y": b"y", "dst/z": b"z"}


def test_eq_hash_repr(tmp_path):
    a = LMDBStore(tmp_path / "x.lmdb")
    assert a != LMDBStore(tmp_path / "z.lmdb")
    assert len({a, LMDBStore(tmp_path / "x.lmdb")}) == 1
    assert "read-only" in repr(LMDBStore(tmp_path / "x.lmdb", read_only=True))


# -- several processes, and opening through zarr-core (zarr-core's kits) --------------------------
class TestSeveralProcesses(SeveralProcessesTests):
    def make_store(self, tmp_path):
        return LMDBStore(tmp_path / "x.lmdb", map_size=1 << 20)  # small: children grow it


class TestThroughZarrCore(LocalStorePluginTests):
    store_class = LMDBStore
    plugin = zarr_core_lmdb.plugin
    scheme = "lmdb"
    distribution = "zarr-core-lmdb"
    suffix_path = "x.mdb"
    in_zarr_core_storage = True
    group_url = "x.lmdb"
    array_url, array_read_url = "lmdb:///y.mdb", "y.mdb"
    url_suffix = ""

    def test_urls_and_suffixes(self, registered, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        for name in ("a.lmdb", "b.MDB"):
            assert isinstance(open_store(name), LMDBStore)
            assert open_store(str(tmp_path / name)).path == str(tmp_path / name)
        opts = {"dimension_separator": "/", "buffers": False, "map_size": 1 << 24}
        opened = open_store("c.lmdb", storage_options=opts)
        assert (opened.dimension_separator, opened.buffers) == ("/", False)
        with pytest.raises(StorageOptionsError, match="timeout"):
            open_store("x.lmdb", storage_options={"timeout": 1})


def test_plugin_module_does_not_import_lmdb():
    code = "import sys, zarr_core_lmdb.plugin; print('lmdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- failures and forks ------------------------------------------------------------------------------
def test_lmdb_errors_other_than_a_full_map_propagate(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb")

    def fail(txn):
        raise lmdb.BadTxnError("broken")

    with pytest.raises(lmdb.BadTxnError):
        store._write(fail)


def test_a_forked_child_opens_its_own_environment(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb")
    store["k"] = b"1"
    parent_env = store._shared
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        ok = store["k"] == b"1" and store._shared is not parent_env
        store["child"] = b"2"
        os.write(write, b"ok" if ok else b"no")
        os._exit(0)
    os.close(write)
    assert os.read(read, 2) == b"ok"
    os.waitpid(pid, 0)
    assert store._shared is parent_env and store["child"] == b"2"


def test_a_fork_leaves_the_parents_reader_slots_alone(tmp_path):
    # A read held open in another thread across the fork must keep its slot: the fork
    # waits for it to end, so the child's copy refers to no slot of the parent.
    store = LMDBStore(tmp_path / "x.lmdb")
    store["k"] = b"1"
    env = store._shared.env
    holding, release = threading.Event(), threading.Event()

    def read() -> None:
        with store._shared.gate.shared(), env.begin() as txn:
            txn.get(b"k")
            holding.set()
            release.wait()

    reader = threading.Thread(target=read)
    reader.start()
    holding.wait()
    threading.Timer(0.3, release.set).start()
    pid = os.fork()  # waits for the read to end
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        store["child"] = b"2"
        os._exit(0 if store["child"] == b"2" else 1)
    assert os.waitpid(pid, 0)[1] == 0
    reader.join()
    assert release.is_set()
    with env.begin() as txn:
        assert txn.get(b"child") == b"2"
        assert str(os.getpid()) in env.readers()  # this transaction's slot is ours
