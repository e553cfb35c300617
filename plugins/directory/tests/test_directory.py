"""zarr-core-directory: the conformance kit plus what is specific to files on disk."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from zarr_core_directory import DirectoryStore, NestedDirectoryStore, TempStore
from zarr_core_directory import store as store_module

import zarr_core
from zarr_core.errors import InvalidKeyError, StorageOptionsError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.concurrency import AtomicCreationTests, run_in_threads


def tree(root: Path) -> dict[str, bytes | None]:
    """Everything under ``root``: files with their content, directories as None."""
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = Path(path).read_bytes()
    return out


def temp_files(root: Path) -> list[str]:
    return [k for k in tree(root) if k.endswith(".partial")]


# -- the conformance kit ----------------------------------------------------------------
class _Files:
    """Reach the files under the store's root with plain file I/O."""

    persistent = True

    def backend_get(self, store, key):
        path = Path(store.path, key)
        return path.read_bytes() if path.is_file() else None

    def backend_set(self, store, key, value):
        path = Path(store.path, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(value)


class TestDirectoryStore(_Files, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return DirectoryStore(tmp_path / "data.zarr", read_only=read_only)


class TestDirectoryStoreNormalizeKeys(_Files, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return DirectoryStore(
            tmp_path / "data.zarr", normalize_keys=True, mode="r" if read_only else "a"
        )


class TestNestedDirectoryStore(_Files, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return NestedDirectoryStore(tmp_path / "data.zarr", read_only=read_only)


class TestTempStore(_Files, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        # The first call makes the temporary directory; later calls reopen it.
        first = getattr(self, "_first", None)
        if first is None:
            first = self._first = TempStore(dir=tmp_path)
            return first
        return pickle.loads(pickle.dumps(first))

    def reopen(self, store, tmp_path, read_only=False):
        return DirectoryStore(store.path, read_only=read_only)


# -- keys never leave the root ----------------------------------------------------------
HOSTILE = [
    "../sentinel",
    "a/../../sentinel",
    "..",
    ".",
    "./sentinel",
    "a/./../../sentinel",
    "..\\sentinel",
    "a\\..\\..\\sentinel",
    "sentinel\x00",
    "../sentinel\x00.txt",
    "../root-sibling/x",
    "//sentinel",
]


@pytest.fixture
def jail(tmp_path):
    """A store rooted at tmp_path/root with a sentinel file and directory next to it."""
    (tmp_path / "sentinel").write_bytes(b"do not touch")
    (tmp_path / "root-sibling").mkdir()
    (tmp_path / "root-sibling" / "x").write_bytes(b"sibling")
    store = DirectoryStore(tmp_path / "root")
    store["inside/k"] = b"v"
    return store, tmp_path


def _attempts(store: DirectoryStore, key: str):
    yield lambda: store.__setitem__(key, b"pwned")
    yield lambda: store.__getitem__(key)
    yield lambda: store.__delitem__(key)
    yield lambda: store.setitems({key: b"pwned"})
    yield lambda: store.getitems([key])
    yield lambda: store.delitems([key])
    yield lambda: store.get_partial_values([(key, (0, 4))])
    yield lambda: store.get_partial_values([(key, None)])
    # the primitives themselves refuse too (defence in depth behind the base class)
    yield lambda: store._get(key)
    yield lambda: store._set(key, b"pwned")
    yield lambda: store._delete(key)
    yield lambda: store._contains(key)
    yield lambda: store._set_if_not_exists(key, b"pwned")
    yield lambda: store._get_many([key])


@pytest.mark.parametrize("key", HOSTILE + ["/abs"], ids=repr)
def test_hostile_keys_touch_nothing_outside_the_root(jail, key):
    store, tmp_path = jail
    before = tree(tmp_path)
    for attempt in _attempts(store, key):
        with pytest.raises(InvalidKeyError):
            attempt()
    assert key not in store  # a string that cannot be a key is not in the store
    assert tree(tmp_path) == before


# Directory paths are forgiving about surrounding slashes ("//x" is "x"), not about the rest.
@pytest.mark.parametrize(
    "path", [p for p in HOSTILE if p.strip("/") not in ("", ".", "sentinel")], ids=repr
)
def test_hostile_directory_paths_touch_nothing_outside_the_root(jail, path):
    store, tmp_path = jail
    before = tree(tmp_path)
    for attempt in (
        lambda: store.rmdir(path),
        lambda: store.listdir(path),
        lambda: store.getsize(path),
        lambda: store.rename("inside/k", path),
        lambda: store.rename(path, "inside/stolen"),
        lambda: store.list_prefix(path),
    ):
        with pytest.raises(InvalidKeyError):
            attempt()
    assert tree(tmp_path) == before


def test_absolute_paths_of_real_files_are_refused(jail):
    store, tmp_path = jail
    sentinel = str(tmp_path / "sentinel")
    for attempt in _attempts(store, sentinel):
        with pytest.raises(InvalidKeyError):
            attempt()
    assert (tmp_path / "sentinel").read_bytes() == b"do not touch"


def test_normalize_keys_does_not_open_a_way_out(tmp_path):
    (tmp_path / "sentinel").write_bytes(b"do not touch")
    store = DirectoryStore(tmp_path / "root", normalize_keys=True)
    for key in ("../SENTINEL", "A/../../Sentinel"):
        with pytest.raises(InvalidKeyError):
            store[key] = b"pwned"
    assert (tmp_path / "sentinel").read_bytes() == b"do not touch"


def test_rmdir_removes_links_not_their_targets(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_bytes(b"keep")
    store = DirectoryStore(tmp_path / "root")
    store["a/k"] = b"v"
    os.symlink(outside, tmp_path / "root" / "a" / "link")
    os.symlink(outside, tmp_path / "root" / "top-link")
    assert store.list_prefix("") == ["a/k"]  # linked directories are not walked
    store.rmdir("a")
    store.rmdir("top-link")
    assert (outside / "precious").read_bytes() == b"keep"
    assert not os.path.lexists(tmp_path / "root" / "top-link")
    store["b"] = b"v"
    os.symlink(outside, tmp_path / "root" / "again")
    store.rmdir("")
    assert (outside / "precious").read_bytes() == b"keep"
    assert os.listdir(tmp_path / "root") == []


# -- atomic writes ------------------------------------------------------------------------
def test_writes_leave_no_temporary_files(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    store.setitems({f"c/{i}/{j}": bytes(100) for i in range(10) for j in range(10)})
    for i in range(10):
        store[f"c/{i}/0"] = b"again"
    assert temp_files(tmp_path) == []


def test_leftover_temporary_files_are_hidden(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    store["a/k"] = b"12345"
    leftover = ".0123456789abcdef0123456789abcdef.partial"
    (tmp_path / "root" / leftover).write_bytes(b"torn")
    (tmp_path / "root" / "a" / leftover).write_bytes(b"torn")
    assert list(store) == ["a/k"]
    assert len(store) == 1
    assert store.listdir("") == ["a"]
    assert store.listdir("a") == ["k"]
    assert store.list_prefix("") == ["a/k"]
    assert store.getsize("") == 5
    with pytest.raises(InvalidKeyError, match="reserved"):
        store[leftover] = b"x"
    with pytest.raises(InvalidKeyError, match="reserved"):
        store[f"a/{leftover}"]
    # a key that merely looks similar is fine
    store[".zattrs.partial"] = b"ok"
    assert store[".zattrs.partial"] == b"ok"


def test_failed_write_keeps_the_old_value(tmp_path, monkeypatch):
    store = DirectoryStore(tmp_path / "root")
    store["k"] = b"old value"

    def crash(fd, value):
        os.write(fd, value[: len(value) // 2])
        raise OSError("disk on fire")

    monkeypatch.setattr(store_module, "_write_all", crash)
    with pytest.raises(OSError, match="disk on fire"):
        store["k"] = b"a new value that never lands"
    assert store["k"] == b"old value"
    assert temp_files(tmp_path) == []


def test_readers_never_see_a_torn_value(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    old, new = b"o" * (1 << 20), b"n" * (1 << 20)
    store["k"] = old
    stop = threading.Event()
    seen: set[bytes] = set()

    def read() -> None:
        while not stop.is_set():
            value = store["k"]
            seen.add(value[:1] + value[-1:] if value in (old, new) else b"torn")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(100):
            store["k"] = new if i % 2 == 0 else old
    finally:
        stop.set()
        reader.join()
    assert b"torn" not in seen
    assert temp_files(tmp_path) == []


def test_concurrent_writes_and_deletes_in_one_directory(tmp_path):
    # Deletes prune empty directories; writers racing with them must still land.
    store = DirectoryStore(tmp_path / "root")

    def churn(worker: int) -> None:
        for i in range(200):
            store[f"d/{worker}-{i}"] = b"x"
            del store[f"d/{worker}-{i}"]
        store[f"d/{worker}-final"] = b"done"

    run_in_threads(churn, 4)
    assert store.listdir("d") == [f"{w}-final" for w in range(4)]


# -- file-system behaviour ----------------------------------------------------------------
def test_files_on_disk(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    assert not (tmp_path / "root").exists()  # created by the first write
    store["g/a/c/0.0"] = b"chunk"
    assert (tmp_path / "root" / "g" / "a" / "c" / "0.0").read_bytes() == b"chunk"


def test_deleting_prunes_empty_directories_but_not_the_root(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    store["a/b/c"] = b"1"
    store["a/d"] = b"2"
    del store["a/b/c"]
    assert store.listdir("a") == ["d"]
    store.delitems(["a/d"])
    assert store.listdir("") == []
    assert os.listdir(tmp_path / "root") == []


def test_rmdir_root_keeps_the_directory(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    store.setitems({"a/b": b"1", "c": b"2"})
    store.clear()
    assert (tmp_path / "root").is_dir()
    assert os.listdir(tmp_path / "root") == []


def test_rename_merges_into_an_existing_directory(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    store.setitems({"src/x": b"new x", "src/sub/y": b"y", "dst/x": b"old x", "dst/z": b"z"})
    store.rename("src", "dst")
    assert {k: store[k] for k in store} == {"dst/x": b"new x", "dst/sub/y": b"y", "dst/z": b"z"}
    assert store.listdir("") == ["dst"]
    for src, dst in (("dst", "dst/inner"), ("dst", "dst"), ("dst/x", "dst/x")):
        with pytest.raises(ValueError, match="itself"):
            store.rename(src, dst)
    assert store["dst/x"] == b"new x"


def test_key_and_directory_collisions(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    store["a/b"] = b"1"
    with pytest.raises(KeyError, match="directory"):
        store["a"] = b"2"
    with pytest.raises(KeyError, match="is a value"):
        store["a/b/c"] = b"3"
    assert store.getitems(["a", "a/b/c"]) == {}
    assert store.get_partial_values([("a", (0, 1)), ("a", None), ("a/b/c", (0, 1))]) == [None] * 3
    with pytest.raises(KeyError):
        del store["a"]
    assert temp_files(tmp_path) == []


def test_normalize_keys_lower_cases(tmp_path):
    store = DirectoryStore(tmp_path / "root", normalize_keys=True)
    store["Group/ZARR.json"] = b"{}"
    assert store["group/zarr.json"] == b"{}"
    assert "GROUP/Zarr.Json" in store
    assert list(store) == ["group/zarr.json"]
    assert store.listdir("GROUP") == ["zarr.json"]
    assert store.list_prefix("Group/") == ["group/zarr.json"]
    assert store.getitems(["Group/ZARR.json"]) == {"Group/ZARR.json": b"{}"}
    assert DirectoryStore(tmp_path / "root", normalize_keys=False) != store


def test_large_values_and_ranges(tmp_path):
    store = DirectoryStore(tmp_path / "root")
    value = os.urandom(3 * (1 << 20) + 17)  # more than one read
    store["big"] = value
    assert store["big"] == value
    assert store.getitems(["big"]) == {"big": value}
    got = store.get_partial_values(
        [("big", (1 << 20, 100)), ("big", (-5, None)), ("big", (70000, None))]
    )
    assert got == [value[1 << 20 : (1 << 20) + 100], value[-5:], value[70000:]]
    with pytest.raises(ValueError):
        store.get_partial_values([("big", (-5, 2))])
    with pytest.raises(ValueError):
        store.get_partial_values([("big", (0, -1))])


def test_constructor_checks(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        DirectoryStore(tmp_path / "file")
    with pytest.raises(ValueError, match="only supports '/'"):
        NestedDirectoryStore(tmp_path / "n", dimension_separator=".")
    assert NestedDirectoryStore(tmp_path / "n").dimension_separator == "/"
    assert DirectoryStore(tmp_path / "d", dimension_separator="/").dimension_separator == "/"
    assert DirectoryStore(tmp_path / "d", mode="r").read_only
    assert DirectoryStore(tmp_path / "d", read_only=True).read_only
    with pytest.raises(ValueError, match="invalid mode"):
        DirectoryStore(tmp_path / "d", mode="rw")


def test_eq_and_repr(tmp_path):
    a = DirectoryStore(tmp_path / "x")
    assert a == DirectoryStore(str(tmp_path / "x"))
    assert a == DirectoryStore(tmp_path / "y" / ".." / "x", mode="r")
    assert a != DirectoryStore(tmp_path / "y")
    assert a != NestedDirectoryStore(tmp_path / "x")
    assert len({a, DirectoryStore(tmp_path / "x")}) == 1
    assert "read-only" in repr(DirectoryStore(tmp_path / "x", mode="r"))


# -- pickling -------------------------------------------------------------------------------
def test_pickle_carries_the_path_not_the_data(tmp_path):
    store = NestedDirectoryStore(tmp_path / "root", normalize_keys=True, mode="r+")
    store["k"] = b"\xab" * 10_000
    data = pickle.dumps(store)
    assert len(data) < 1000
    clone = pickle.loads(data)
    assert type(clone) is NestedDirectoryStore
    assert (clone.path, clone.normalize_keys, clone.dimension_separator) == (
        store.path,
        True,
        "/",
    )
    assert clone["K"] == b"\xab" * 10_000
    assert pickle.loads(pickle.dumps(DirectoryStore(tmp_path / "root", mode="r"))).read_only


def _run(code: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_temp_store_is_removed_at_exit_but_not_by_a_pickled_copy(tmp_path):
    path = _run(
        "import sys\n"
        "from zarr_core_directory import TempStore\n"
        "s = TempStore(dir=sys.argv[1], suffix='.zarr')\n"
        "s['a/b'] = b'1'\n"
        "print(s.path)",
        str(tmp_path),
    )
    assert path.endswith(".zarr") and os.path.basename(path).startswith("zarr")
    assert not os.path.exists(path)

    store = TempStore(dir=tmp_path)
    store["a/b"] = b"1"
    _run(
        "import pickle, sys\n"
        "s = pickle.loads(bytes.fromhex(sys.argv[1]))\n"
        "assert s['a/b'] == b'1'\n"
        "s['c'] = b'2'",
        pickle.dumps(store).hex(),
    )
    assert store["c"] == b"2"  # the child process neither lost nor deleted it


# -- opening through zarr-core ----------------------------------------------------------------
def test_entry_point_serves_plain_paths_and_file_urls(tmp_path, monkeypatch):
    zarr_core.plugins.refresh()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overriding core's fallback is not a conflict
        by_path = open_store(str(tmp_path / "a.zarr"))
    assert type(by_path) is DirectoryStore
    assert by_path.path == str(tmp_path / "a.zarr")
    assert open_store(tmp_path / "a.zarr") == by_path
    assert open_store(f"file://{tmp_path}/a.zarr") == by_path
    assert open_store(f"FILE://{tmp_path}/a.zarr") == by_path
    monkeypatch.chdir(tmp_path)
    assert open_store("file://a.zarr") == by_path
    assert open_store("a.zarr") == by_path
    stage = zarr_core.which(f"file://{tmp_path}")["stages"][0]
    assert (stage["distribution"], stage["target"]) == (
        "zarr-core-directory",
        "zarr_core_directory.store:DirectoryStore",
    )
    assert zarr_core.which("some/path")["stages"][0]["distribution"] == "zarr-core-directory"


def test_open_store_modes_and_options(tmp_path):
    url = f"file://{tmp_path}/b.zarr"
    writer = open_store(url, mode="w")
    writer["Key"] = b"v"
    assert open_store(url, mode="r").read_only
    assert not open_store(url, mode="r+").read_only
    lowered = open_store(url, storage_options={"normalize_keys": True, "dimension_separator": "/"})
    assert lowered.normalize_keys and lowered.dimension_separator == "/"
    with pytest.raises(StorageOptionsError, match="auto_mkdir"):  # fsspec's: only for URLs
        open_store(str(tmp_path / "b.zarr"), storage_options={"auto_mkdir": True})
    with pytest.raises(ValueError, match="names no directory"):
        DirectoryStore.from_url("file://")


def test_home_is_expanded_in_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert DirectoryStore.from_url("~/c.zarr").path == str(tmp_path / "c.zarr")
    assert DirectoryStore.from_url("file://~/c.zarr").path == str(tmp_path / "c.zarr")


def test_lazy_package_exports():
    import zarr_core_directory

    assert zarr_core_directory.TempStore is TempStore
    with pytest.raises(AttributeError):
        zarr_core_directory.Nope  # noqa: B018
    assert zarr_core.storage.DirectoryStore is DirectoryStore


def test_file_url_with_fsspec_options_opens_an_fsstore(tmp_path):
    # zarr-python 2: storage_options on a URL mean fsspec, so FSStore with those options.
    from zarr_core.storage import FSStore

    store = open_store(f"file://{tmp_path}/x.zarr", storage_options={"auto_mkdir": True})
    assert isinstance(store, FSStore) and store.fs.auto_mkdir is True
    store["a/b/c"] = b"1"
    assert (tmp_path / "x.zarr" / "a" / "b" / "c").read_bytes() == b"1"
    # Its own options (or none) keep the DirectoryStore; a plain path never takes fsspec's.
    assert isinstance(open_store(f"file://{tmp_path}/x.zarr"), DirectoryStore)
    with pytest.raises(StorageOptionsError, match="auto_mkdir"):
        open_store(str(tmp_path / "y.zarr"), storage_options={"auto_mkdir": True})


class TestAtomicCreation(AtomicCreationTests):
    def make_store(self, tmp_path):
        return DirectoryStore(tmp_path / "race.zarr")
