"""ZipStore: the conformance kit, the zip-specific semantics, and opening through URLs."""

from __future__ import annotations

import gc
import pickle
import struct
import subprocess
import sys
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import zarr_core_zip.plugin
from zarr_core_zip import (
    BadZipArchiveError,
    UnfinishedZipArchiveError,
    ZipMemberNameWarning,
    ZipStore,
)
from zarr_core_zip import _format as fmt
from zarr_core_zip import store as store_module

import zarr_core
from zarr_core.errors import InvalidKeyError, ReadOnlyError, StorageOptionsError, StoreClosedError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests


def names_in(path: Path) -> list[str]:
    """Member names as the standard library reads them (duplicates included)."""
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        return zf.namelist()


# -- the conformance kit ----------------------------------------------------------------
class _Archive:
    """Reach the archive with the standard library's zipfile (after the store's flush,
    which makes the file on disk a complete archive)."""

    persistent = True

    def backend_get(self, store, key):
        store.flush()
        with zipfile.ZipFile(store.path) as zf:
            infos = [i for i in zf.infolist() if i.filename == key]
            return zf.read(infos[-1]) if infos else None  # the last copy wins

    def backend_set(self, store, key, value):
        store.flush()
        with zipfile.ZipFile(store.path, "a") as zf:
            zf.writestr(key, value)


class TestZipStore(_Archive, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return ZipStore(tmp_path / "data.zip", mode="r" if read_only else "a")


class TestZipStoreDeflated(_Archive, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return ZipStore(
            tmp_path / "data.zip", compression=zipfile.ZIP_DEFLATED, read_only=read_only
        )


# -- rewriting and deleting keys ----------------------------------------------------------
def test_rewrite_last_write_wins_for_every_reader(tmp_path):
    path = tmp_path / "data.zip"
    store = ZipStore(path, mode="w")
    store["k"] = b"first version"
    store["other"] = b"o"
    store["k"] = b"second"
    assert store["k"] == b"second"
    store.flush()
    # The directory lists the newest record only, so any zip reader agrees.
    assert names_in(path) == ["other", "k"]
    with zipfile.ZipFile(path) as zf:
        assert zf.read("k") == b"second"
    assert b"first version" in path.read_bytes()  # dead bytes until close
    store.close()
    assert b"first version" not in path.read_bytes()  # compacted
    assert sorted(names_in(path)) == ["k", "other"]
    with ZipStore(path, mode="r") as again:
        assert again.getitems(["k", "other"]) == {"k": b"second", "other": b"o"}


def test_delete_is_dropped_from_the_directory_and_compacted(tmp_path):
    path = tmp_path / "data.zip"
    store = ZipStore(path, mode="w")
    store.setitems({"a/0": b"zero", "a/1": b"one", "b": b"bee"})
    del store["a/0"]
    store.flush()
    assert sorted(names_in(path)) == ["a/1", "b"]
    with ZipStore(path, mode="r") as reader:  # a second store sees the flushed state
        assert sorted(reader) == ["a/1", "b"]
    store.close()
    assert b"zero" not in path.read_bytes()
    assert sorted(names_in(path)) == ["a/1", "b"]


def test_compaction_keeps_compression_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "data.zip"
    values = {f"c/{i}": bytes(range(256)) * (i + 1) for i in range(20)}
    with ZipStore(path, mode="w", compression=zipfile.ZIP_DEFLATED) as store:
        store.setitems(values)
        store["c/3"] = b"rewritten"
        values["c/3"] = b"rewritten"
    assert [p.name for p in tmp_path.iterdir()] == ["data.zip"]
    with zipfile.ZipFile(path) as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
        assert {n: zf.read(n) for n in zf.namelist()} == values


def test_deleting_everything_starts_afresh(tmp_path):
    path = tmp_path / "data.zip"
    with ZipStore(path, mode="w") as store:
        store.setitems({"a": b"1" * 1000, "b": b"2"})
    with ZipStore(path) as store:
        store.rmdir("")
        assert len(store) == 0
        store["c"] = b"3"
    assert names_in(path) == ["c"]
    assert path.stat().st_size < 200


def test_reading_only_never_rewrites(tmp_path):
    """Opening in the default mode "a" just to read leaves even a duplicate-laden archive alone."""
    path = tmp_path / "dups.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate
        zf.writestr("k", b"old")
        zf.writestr("k", b"new")
    before = path.read_bytes()
    with ZipStore(path) as store:
        assert store["k"] == b"new"  # the last entry wins, as in zipfile
    assert path.read_bytes() == before
    with ZipStore(path) as store:
        store["other"] = b"x"
    assert sorted(names_in(path)) == ["k", "other"]  # a writer compacts the duplicate away
    with zipfile.ZipFile(path) as zf:
        assert zf.read("k") == b"new"


# -- the file -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
def test_compression_methods_round_trip_and_zipfile_reads_them(tmp_path, method):
    path = tmp_path / "data.zip"
    values = {"text": b"hello " * 1000, "empty": b"", "noise": np.random.default_rng(1).bytes(5000)}
    with ZipStore(path, compression=method, mode="w") as store:
        store.setitems(values)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert {n: zf.read(n) for n in zf.namelist()} == values
        assert {i.compress_type for i in zf.infolist()} == {method}
    with ZipStore(path, mode="r") as store:
        assert store.getitems(list(values)) == values
        assert store.get_partial_values([("text", (6, 5)), ("noise", (-3, None))]) == [
            b"hello",
            values["noise"][-3:],
        ]


def test_unsupported_compression_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unsupported compression"):
        ZipStore(tmp_path / "x.zip", compression=99)


def test_byte_ranges_of_stored_members_read_only_those_bytes(tmp_path, monkeypatch):
    path = tmp_path / "data.zip"
    value = bytes(range(256)) * 4096  # 1 MiB
    with ZipStore(path, mode="w") as store:
        store["big"] = value
    reads: list[int] = []
    real = store_module._pread

    def counting(fd, length, offset):
        reads.append(length)
        return real(fd, length, offset)

    with ZipStore(path, mode="r") as store:
        monkeypatch.setattr(store_module, "_pread", counting)
        assert store.get_partial_values([("big", (1000, 10)), ("big", (-4, None))]) == [
            value[1000:1010],
            value[-4:],
        ]
    assert sum(reads) < 200  # two local-header reads and the two ranges, never the member


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_large_values_are_checked(tmp_path, compression):
    path = tmp_path / "data.zip"
    rng = np.random.default_rng(3)
    values = {f"big/{i}": rng.bytes(3 << 20) for i in range(4)}
    with ZipStore(path, mode="w", compression=compression) as store:
        store.setitems(values)
    with ZipStore(path, mode="r") as store:
        assert store.getitems([*values, "missing"]) == values
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the data of one of the members
    path.write_bytes(bytes(data))
    with ZipStore(path, mode="r") as store, pytest.raises(BadZipArchiveError):
        store.getitems(list(values))


def test_listing_and_sizes_come_from_the_directory(tmp_path):
    path = tmp_path / "data.zip"
    with ZipStore(path, mode="w", compression=zipfile.ZIP_DEFLATED) as store:
        store.setitems({"a/b/c": b"x" * 100, "a/d": b"y" * 10, "e": b"z"})
    with ZipStore(path, mode="r") as store:
        assert store.listdir("") == ["a", "e"]
        assert store.listdir("a") == ["b", "d"]
        # Value sizes, not the compressed sizes in the archive.
        assert store.getsize("a") == 110
        assert store.getsize("a/b/c") == 100
        assert store.getsize("") == 111


def test_modes(tmp_path):
    path = tmp_path / "data.zip"

    def refused(error: type[Exception], *modes: str) -> None:
        for mode in modes:
            with pytest.raises(error):
                ZipStore(path, mode=mode)

    refused(FileNotFoundError, "r", "r+")
    with ZipStore(path, mode="x") as store:
        store["a"] = b"1"
    refused(FileExistsError, "x", "w-")
    with ZipStore(path, mode="r+") as store:
        store["b"] = b"2"
    with ZipStore(path, mode="r") as store:
        assert sorted(store) == ["a", "b"]
        with pytest.raises(ReadOnlyError, match="read-only"):
            store["c"] = b"3"
    with ZipStore(path, mode="w") as store:  # truncates
        assert len(store) == 0
    assert names_in(path) == []
    with pytest.raises(ValueError, match="invalid mode"):
        ZipStore(path, mode="rw")


def test_parent_directories_are_created(tmp_path):
    with ZipStore(tmp_path / "new" / "dir" / "data.zip", mode="w") as store:
        store["a"] = b"1"
    assert names_in(tmp_path / "new" / "dir" / "data.zip") == ["a"]


def test_not_a_zip_file(tmp_path):
    path = tmp_path / "notes.zip"
    path.write_bytes(b"just some text, no archive here" * 10)
    for mode in ("r", "a"):
        with pytest.raises(BadZipArchiveError, match="not a zip archive") as info:
            ZipStore(path, mode=mode)
        assert not isinstance(info.value, UnfinishedZipArchiveError)
        assert isinstance(info.value, zipfile.BadZipFile)
    assert path.read_bytes() == b"just some text, no archive here" * 10
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    with pytest.raises(BadZipArchiveError, match="empty"):
        ZipStore(empty, mode="r")
    with ZipStore(empty) as store:  # an empty file is a new archive for a writer
        store["a"] = b"1"
    assert names_in(empty) == ["a"]


def test_unflushed_archive_is_reported_as_unfinished(tmp_path):
    path = tmp_path / "data.zip"
    store = ZipStore(path, mode="w")
    store.setitems({f"c/{i}": b"v" * 50 for i in range(10)})
    copy = tmp_path / "copy.zip"
    copy.write_bytes(path.read_bytes())  # what a crash now would leave
    store.close()
    with pytest.raises(UnfinishedZipArchiveError, match="unfinished"):
        ZipStore(copy, mode="r")


def test_appending_after_a_flush_then_crashing_is_reported(tmp_path):
    path = tmp_path / "data.zip"
    store = ZipStore(path, mode="w")
    store.setitems({f"c/{i}": b"old" * 20 for i in range(10)})
    store.flush()
    store["c/0"] = b"new"  # overwrites the directory written by flush()
    copy = tmp_path / "copy.zip"
    copy.write_bytes(path.read_bytes())
    store.close()
    with pytest.raises(UnfinishedZipArchiveError, match="central directory is damaged"):
        ZipStore(copy, mode="r")


def test_damaged_member_is_an_error_not_a_wrong_value(tmp_path):
    path = tmp_path / "data.zip"
    with ZipStore(path, mode="w") as store:
        store["k"] = b"A" * 100
    data = bytearray(path.read_bytes())
    at = data.index(b"A" * 100)
    data[at + 50] = ord("B")
    path.write_bytes(bytes(data))
    with ZipStore(path, mode="r") as store:
        with pytest.raises(BadZipArchiveError, match="CRC"):
            store["k"]
        with pytest.raises(BadZipArchiveError, match="CRC"):
            store.getitems(["k"])


# -- member names ----------------------------------------------------------------------
HOSTILE_NAMES = ["../escape", "/etc/passwd", "a/../../escape", "a\\..\\escape", "./x", "a//b", ""]


def crafted_archive(path: Path, names: list[str], valid: dict[str, bytes]) -> None:
    """An archive with members named ``names`` (as given, unchecked) plus ``valid``."""
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(zipfile.ZipInfo(name) if name else zipfile.ZipInfo("placeholder"), b"evil")
        for name, value in valid.items():
            zf.writestr(name, value)
        zf.writestr("dir/", b"")  # a directory entry: not a key, not a warning either
    if "" in names:  # zipfile will not write an empty name: patch the placeholder's
        data = path.read_bytes().replace(b"placeholder", b"\x00" * len("placeholder"))
        path.write_bytes(data)


def test_hostile_member_names_are_never_exposed(tmp_path):
    path = tmp_path / "hostile.zip"
    crafted_archive(path, HOSTILE_NAMES[:-1], {"good/key": b"ok"})
    assert set(HOSTILE_NAMES[:-1]) <= set(names_in(path))
    with pytest.warns(ZipMemberNameWarning, match=r"6 member\(s\).*\.\./escape"):
        store = ZipStore(path, mode="r")
    assert list(store) == ["good/key"]
    assert store.listdir("") == ["good"]
    assert store.list_prefix("") == ["good/key"]
    for name in HOSTILE_NAMES[:-1]:
        with pytest.raises(InvalidKeyError):
            store[name]
        with pytest.raises(InvalidKeyError):
            store.getitems([name])
    store.close()


def test_hostile_members_are_carried_not_exposed_by_a_writer(tmp_path):
    path = tmp_path / "hostile.zip"
    crafted_archive(path, ["../escape"], {"good": b"ok"})
    with pytest.warns(ZipMemberNameWarning):
        store = ZipStore(path)
    store["good"] = b"rewritten"  # forces compaction on close
    store.close()
    assert sorted(names_in(path)) == ["../escape", "dir/", "good"]
    with pytest.warns(ZipMemberNameWarning), ZipStore(path, mode="r") as again:
        assert dict(again.items()) == {"good": b"rewritten"}


def test_invalid_utf8_name_is_not_exposed(tmp_path):
    path = tmp_path / "bad-utf8.zip"
    with ZipStore(path, mode="w") as store:
        store["caf\u00e9"] = b"coffee"  # non-ASCII: written with the UTF-8 flag
    data = path.read_bytes().replace("caf\u00e9".encode(), b"caf\xff\xfe")
    path.write_bytes(data)
    with pytest.warns(ZipMemberNameWarning, match="caf"), ZipStore(path, mode="r") as store:
        assert len(store) == 0


def test_unicode_names_round_trip(tmp_path):
    path = tmp_path / "data.zip"
    with ZipStore(path, mode="w") as store:
        store["gr\u00fc\u00dfe/\u6570\u636e"] = b"1"
    assert names_in(path) == ["gr\u00fc\u00dfe/\u6570\u636e"]
    with ZipStore(path, mode="r") as store:
        assert store["gr\u00fc\u00dfe/\u6570\u636e"] == b"1"


def test_local_header_that_disagrees_with_the_directory_is_an_error(tmp_path):
    path = tmp_path / "data.zip"
    with ZipStore(path, mode="w") as store:
        store.setitems({"aaaa": b"1", "bbbb": b"2"})
    data = bytearray(path.read_bytes())
    local = data.index(b"aaaa")  # first occurrence: the local header
    data[local : local + 4] = b"zzzz"
    path.write_bytes(bytes(data))
    with (
        ZipStore(path, mode="r") as store,
        pytest.raises(BadZipArchiveError, match="local header names"),
    ):
        store["aaaa"]


# -- large archives --------------------------------------------------------------------
def test_zip64_member_count(tmp_path):
    path = tmp_path / "many.zip"
    values = {f"c/{i}": b"" for i in range(fmt.FILECOUNT_LIMIT + 10)}
    with ZipStore(path, mode="w") as store:
        store.setitems(values)
    with zipfile.ZipFile(path) as zf:
        assert len(zf.infolist()) == len(values)
    with ZipStore(path, mode="r") as store:
        assert len(store) == len(values)
    with ZipStore(tmp_path / "small.zip", mode="w", allowZip64=False) as store:
        store.setitems(values)
        with pytest.raises(zipfile.LargeZipFile, match="ZIP64"):
            store.flush()
        store.clear()


def test_zip64_offsets_and_sizes_round_trip_through_the_directory():
    """Offsets and sizes past 2 GiB, without writing gigabytes."""
    big = 5 << 30

    def stored(name: str, size: int, offset: int) -> fmt.Member:
        return fmt.Member(
            name,
            name.encode(),
            version_made=0x314,
            version_needed=20,
            flags=0,
            method=0,
            dos_time=0,
            dos_date=0x21,
            crc=0,
            csize=size,
            usize=size,
            offset=offset,
        )

    member = stored("far/away", big, big)
    near = stored("near", 1, 0)
    encoded = fmt.encode_directory([near, member], 3 * big, allow_zip64=True)
    end = fmt.find_end_record(encoded, None, "test")
    assert (end.count, end.directory_offset) == (2, 3 * big)
    directory = encoded[: end.directory_size]
    parsed = fmt.parse_directory(directory, end, 0, "test")
    assert [(m.name, m.csize, m.usize, m.offset) for m in parsed] == [
        ("near", 1, 1, 0),
        ("far/away", big, big, big),
    ]
    with pytest.raises(zipfile.LargeZipFile):
        fmt.encode_directory([member], 0, allow_zip64=False)
    header = fmt.local_header(member)
    assert struct.unpack_from("<II", header, 18) == (0xFFFFFFFF, 0xFFFFFFFF)


# -- lifecycle -------------------------------------------------------------------------
def test_pickle_reopens_without_clobbering(tmp_path):
    path = tmp_path / "data.zip"
    store = ZipStore(path, mode="w", compression=zipfile.ZIP_DEFLATED, dimension_separator="/")
    store["a"] = b"1"
    clone = pickle.loads(pickle.dumps(store))
    assert clone.mode == "a" and clone.compression == zipfile.ZIP_DEFLATED
    assert clone.dimension_separator == "/"
    assert clone["a"] == b"1"
    clone.close()
    store.close()
    reader = ZipStore(path, mode="r")
    assert pickle.loads(pickle.dumps(reader)).read_only
    reader.close()


def test_two_stores_on_one_archive(tmp_path):
    """A store reloads the directory another one wrote; interleaved writers get an error."""
    path = tmp_path / "data.zip"
    first = ZipStore(path, mode="w")
    first["a"] = b"1"
    first.flush()
    second = ZipStore(path)
    second["c"] = b"3"
    second.flush()
    assert first["c"] == b"3"  # first had nothing unsaved: it reloads
    first["b"] = b"2"  # unsaved: first holds the journal until it flushes
    with pytest.raises(BadZipArchiveError, match="being written by another store"):
        second["d"] = b"4"
    first.close()
    with ZipStore(path, mode="r") as reader:
        assert reader.getitems(["a", "b", "c", "d"]) == {"a": b"1", "b": b"2", "c": b"3"}


def test_closed_store_refuses_use(tmp_path):
    store = ZipStore(tmp_path / "data.zip", mode="w")
    store.close()
    with pytest.raises(StoreClosedError, match="operation on a closed store"):
        store["a"]
    store.close()
    store.flush()


def test_garbage_collected_store_finishes_its_archive(tmp_path):
    path = tmp_path / "data.zip"
    store = ZipStore(path, mode="w")
    store["a"] = b"1"
    del store
    gc.collect()
    assert names_in(path) == ["a"]


def test_interpreter_exit_finishes_the_archive(tmp_path):
    path = tmp_path / "data.zip"
    code = (
        "import sys, numpy as np, zarr_core\n"
        "z = zarr_core.open(sys.argv[1], mode='w', shape=(100,), chunks=(10,), dtype='i4')\n"
        "z[...] = np.arange(100)\n"
        "sys.modules['__main__'].keep = z  # alive until exit, never closed\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=120)
    with ZipStore(path, mode="r") as store:
        assert np.array_equal(zarr_core.open_array(store, mode="r")[...], np.arange(100))


def test_threads_read_and_write_together(tmp_path):
    store = ZipStore(tmp_path / "data.zip", mode="w")
    store.setitems({f"r/{i}": str(i).encode() * 100 for i in range(50)})
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(20):
                got = store.getitems([f"r/{i}" for i in range(50)])
                assert all(got[f"r/{i}"] == str(i).encode() * 100 for i in range(50))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def write(worker: int) -> None:
        try:
            for i in range(50):
                store[f"w/{worker}/{i}"] = b"x" * i
                store[f"w/{worker}/{i}"] = b"y" * i  # rewrites too
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    threads += [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store.close()
    with ZipStore(tmp_path / "data.zip", mode="r") as again:
        assert len(again) == 50 + 200
        assert again["w/3/7"] == b"y" * 7


# -- URLs and end to end ---------------------------------------------------------------
@pytest.fixture
def registered(plugin_registry):
    plugin_registry.register(zarr_core_zip.plugin, name="zip", distribution="zarr-core-zip")
    return plugin_registry


def test_urls_and_suffix(registered, tmp_path):
    with open_store(str(tmp_path / "a.zip"), mode="w") as store:
        assert isinstance(store, ZipStore)
        store["k"] = b"1"
    with open_store(f"zip://{tmp_path}/a.zip", mode="r") as store:
        assert isinstance(store, ZipStore) and store.read_only and store["k"] == b"1"
    with open_store(
        str(tmp_path / "b.ZIP"), mode="w", storage_options={"compression": zipfile.ZIP_DEFLATED}
    ) as store:
        assert store.compression == zipfile.ZIP_DEFLATED
    with pytest.raises(StorageOptionsError, match="bogus"):
        open_store(str(tmp_path / "c.zip"), storage_options={"bogus": 1})
    with pytest.raises(ValueError, match="names no zip file"):
        open_store("zip://")
    stages = zarr_core.which(f"{tmp_path}/a.zip")["stages"]
    assert (stages[0]["plugin"], stages[0]["how"], stages[0]["kind"]) == ("zip", "suffix", "root")
    stages = zarr_core.which("zip:///x.zip")["stages"]
    assert stages[0]["target"] == "zarr_core_zip.store:ZipStore"


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_open_data_zip_end_to_end(registered, tmp_path, monkeypatch, zarr_format):
    monkeypatch.chdir(tmp_path)
    data = np.arange(60, dtype="f8").reshape(6, 10)
    with zarr_core.open("data.zip", mode="w", zarr_format=zarr_format) as root:
        root.attrs["title"] = "zipped"
        sub = root.create_group("sub")
        arr = sub.zeros("values", shape=(6, 10), chunks=(4, 4), dtype="f8")
        arr[...] = data
        arr.attrs["units"] = "m"
    assert isinstance(root.store, ZipStore)
    with zarr_core.open("data.zip", mode="r") as again:
        assert again.zarr_format == zarr_format
        assert again.attrs.asdict() == {"title": "zipped"}
        assert again["sub/values"].attrs.asdict() == {"units": "m"}
        assert np.array_equal(again["sub/values"][...], data)
    array = zarr_core.open(
        "array.zip", mode="w", shape=(100,), chunks=(7,), dtype="i2", zarr_format=zarr_format
    )
    array[...] = np.arange(100)
    array[3:9] = -1  # rewrites two chunks
    array.store.close()
    reread = zarr_core.open("array.zip", mode="r")
    assert np.array_equal(
        reread[...], np.where((np.arange(100) >= 3) & (np.arange(100) < 9), -1, np.arange(100))
    )
    reread.store.close()
    assert len(names_in(tmp_path / "array.zip")) == len(set(names_in(tmp_path / "array.zip")))


def test_dimension_separator_reaches_v2_arrays(tmp_path):
    with ZipStore(tmp_path / "data.zip", mode="w", dimension_separator="/") as store:
        z = zarr_core.zeros((4, 4), chunks=(2, 2), store=store, zarr_format=2, dtype="u1")
        z[...] = 1
        assert "1/1" in store.listdir("") or "1" in store.listdir("")
        assert store.list_prefix("1/") == ["1/0", "1/1"]
