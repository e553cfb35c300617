"""The zip: adapter (ZipReader): archives held in other stores, read through byte ranges."""

from __future__ import annotations

import pickle
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
import zarr_core_zip.plugin
from zarr_core_zip import (
    BadZipArchiveError,
    UnfinishedZipArchiveError,
    ZipArchiveReadOnlyError,
    ZipMemberNameWarning,
    ZipReader,
    ZipStore,
)
from zarr_core_zip import _format as fmt

import zarr_core
from zarr_core.errors import InvalidKeyError, ReadOnlyError, URLPipelineError
from zarr_core.storage import FSStore, MemoryStore, PrefixStore, Store, open_store, resolve
from zarr_core.storage.base import ByteRange

DATA = np.arange(40_000, dtype="i4").reshape(200, 200)


def write_archive(path: Path, compression: int = zipfile.ZIP_STORED, zarr_format: int = 3) -> None:
    """A group ``inner`` holding array ``a`` (400 chunks) and attributes, as a zip file."""
    with ZipStore(path, mode="w", compression=compression) as store:
        root = zarr_core.group(store=store, path="inner", zarr_format=zarr_format)
        root.attrs["about"] = "zipped"
        a = root.zeros("a", shape=DATA.shape, chunks=(10, 10), dtype="i4", compressor=None)
        a[...] = DATA


class Counting(Store):
    """Delegates to ``store`` and records every read of the archive's bytes."""

    def __init__(self, store: Store):
        super().__init__(read_only=True)
        self.store = store
        self.ranges: list[tuple[str, ByteRange | None]] = []
        self.calls = 0
        self.whole_reads: list[str] = []

    def _get(self, key: str) -> bytes:
        self.whole_reads.append(key)
        return self.store[key]

    def _keys(self):
        return iter(self.store)

    def getitems(self, keys):
        self.whole_reads.extend(keys)
        return self.store.getitems(keys)

    def getsize(self, path: str = "") -> int:
        return self.store.getsize(path)

    def get_partial_values(self, key_ranges: Iterable[tuple[str, ByteRange | None]]):
        requests = list(key_ranges)
        self.calls += 1
        self.ranges.extend(requests)
        return self.store.get_partial_values(requests)

    def bytes_read(self, size: int) -> int:
        total = 0
        for _, byte_range in self.ranges:
            assert byte_range is not None, "a whole-value read of the archive"
            offset, length = byte_range
            total += -offset if offset < 0 else min(length, size - offset)
        return total


@pytest.fixture
def registered(plugin_registry):
    plugin_registry.register(zarr_core_zip.plugin, name="zip", distribution="zarr-core-zip")
    return plugin_registry


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "data.zip"
    write_archive(path)
    return path


# -- over a directory ------------------------------------------------------------------
def local_directory(path: Path) -> Store:
    """A DirectoryStore where zarr-core-directory is installed, else FSStore on local files."""
    return open_store(str(path), mode="r")


def test_reads_an_archive_in_a_directory_through_ranges(archive):
    counting = Counting(local_directory(archive.parent))
    reader = ZipReader(counting, "data.zip")
    size = archive.stat().st_size
    assert reader.listdir("") == ["inner", "zarr.json"]
    assert reader.read_only and reader.supports_partial_reads
    opening = counting.calls
    assert opening <= 2  # the tail, then the central directory (too large for the tail)
    group = zarr_core.open_group(reader, path="inner", mode="r")
    assert group.attrs["about"] == "zipped"
    assert np.array_equal(group["a"][:10, :25], DATA[:10, :25])
    assert counting.whole_reads == []
    # Three chunks and two metadata documents: a small part of a ~200 KB archive.
    assert counting.bytes_read(size) < 100_000 < size
    assert np.array_equal(group["a"][...], DATA)


def test_url_pipelines(registered, archive):
    group = zarr_core.open(f"file://{archive}|zip:inner", mode="r")
    assert isinstance(group.store, ZipReader)
    assert np.array_equal(group["a"][5], DATA[5])
    # A plain path too: the parent directory is opened, not the archive by its suffix.
    array = zarr_core.open(f"{archive}|zip:inner/a", mode="r")
    assert np.array_equal(array[...], DATA)
    resolved = resolve(f"{archive}|zip:inner/|zarr3:")
    assert isinstance(resolved.store, ZipReader)
    assert (resolved.path, resolved.zarr_format) == ("inner", 3)
    store = open_store(f"{archive}|zip:inner")
    assert isinstance(store, PrefixStore) and store.listdir("") == ["a", "zarr.json"]
    stages = zarr_core.which(f"file://{archive}|zip:inner")["stages"]
    assert [s["kind"] for s in stages] == ["root", "adapter"]
    assert stages[0]["plugin"] in ("directory", "core") and stages[1]["plugin"] == "zip"


def test_adapter_is_read_only(registered, archive):
    with pytest.raises(ZipArchiveReadOnlyError, match="only reads archives"):
        zarr_core.open(f"{archive}|zip:inner", mode="w")
    with pytest.raises(ReadOnlyError):
        zarr_core.open(f"{archive}|zip:inner", mode="r+")
    reader = ZipReader(local_directory(archive.parent), "data.zip")
    for attempt in (
        lambda: reader.__setitem__("x", b"1"),
        lambda: reader.__delitem__("inner/zarr.json"),
        lambda: reader.setitems({"x": b"1"}),
        lambda: reader.rmdir("inner"),
    ):
        with pytest.raises(ZipArchiveReadOnlyError, match="read-only"):
            attempt()


def test_a_root_scheme_is_not_an_adapter_and_back(registered, archive):
    with pytest.raises(URLPipelineError, match="names a root store"):
        resolve(f"{archive}|file:")


def test_missing_and_bad_archives(tmp_path):
    store = MemoryStore()
    with pytest.raises(FileNotFoundError, match="no value at 'nope.zip'"):
        ZipReader(store, "nope.zip")
    store["text.zip"] = b"not an archive" * 10
    with pytest.raises(BadZipArchiveError, match="not a zip archive"):
        ZipReader(store, "text.zip")
    store["big-text.zip"] = b"x" * (fmt.TAIL_SIZE + 10)  # large: the start is read to diagnose
    with pytest.raises(BadZipArchiveError, match="not a zip archive") as info:
        ZipReader(store, "big-text.zip")
    assert not isinstance(info.value, UnfinishedZipArchiveError)
    writer = ZipStore(tmp_path / "unfinished.zip", mode="w")
    writer.setitems({f"k/{i}": bytes(2000) for i in range(100)})  # past the tail size
    store["unfinished.zip"] = (tmp_path / "unfinished.zip").read_bytes()
    writer.close()
    with pytest.raises(UnfinishedZipArchiveError, match="unfinished"):
        ZipReader(store, "unfinished.zip")


def test_hostile_names_are_not_exposed(tmp_path):
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("../escape", "/abs", "a\\..\\b", "ok"):
            zf.writestr(zipfile.ZipInfo(name), b"x")
    store = MemoryStore()
    store["h.zip"] = path.read_bytes()
    with pytest.warns(ZipMemberNameWarning, match=r"3 member\(s\)"):
        reader = ZipReader(store, "h.zip")
    assert list(reader) == ["ok"]
    with pytest.raises(InvalidKeyError):
        reader["../escape"]
    with pytest.raises(InvalidKeyError):
        reader.get_partial_values([("/abs", (0, 1))])


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_byte_ranges_and_batches(tmp_path, compression):
    path = tmp_path / "data.zip"
    values = {"v": b"0123456789", "w": b"abc", "empty": b""}
    with ZipStore(path, mode="w", compression=compression) as store:
        store.setitems(values)
    holder = MemoryStore()
    holder["x.zip"] = path.read_bytes()
    reader = ZipReader(holder, "x.zip")
    got = reader.get_partial_values(
        [
            ("v", None),
            ("v", (2, 3)),
            ("v", (-3, None)),
            ("w", (-10, None)),
            ("v", (8, 100)),
            ("v", (20, None)),
            ("missing", (0, 1)),
            ("v", (0, 0)),
            ("empty", (0, 5)),
        ]
    )
    assert got == [b"0123456789", b"234", b"789", b"abc", b"89", b"", None, b"", b""]
    assert reader.getitems(["v", "missing", "empty"]) == {"v": b"0123456789", "empty": b""}
    assert reader.getsize("") == 13 and reader.getsize("v") == 10


def test_nested_archives(registered, tmp_path):
    inner = tmp_path / "inner.zip"
    write_archive(inner)
    outer = tmp_path / "outer.zip"
    with ZipStore(outer, mode="w") as store:  # stored, so the inner archive is range-readable
        store["nested/inner.zip"] = inner.read_bytes()
    array = zarr_core.open(f"{outer}|zip:nested/inner.zip|zip:inner/a", mode="r")
    assert np.array_equal(array[:3, :3], DATA[:3, :3])


def test_pickle(archive):
    reader = ZipReader(local_directory(archive.parent), "data.zip")
    clone = pickle.loads(pickle.dumps(reader))
    assert clone == reader
    assert clone["inner/zarr.json"] == reader["inner/zarr.json"]


# -- over fsspec -----------------------------------------------------------------------
def test_over_fsspec_memory(archive):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/zip-reader-test/data.zip", archive.read_bytes())
    try:
        holder = Counting(FSStore("memory://zip-reader-test", mode="r"))
        reader = ZipReader(holder, "data.zip")
        group = zarr_core.open_group(reader, path="inner", mode="r")
        assert np.array_equal(group["a"][...], DATA)
        assert holder.whole_reads == []
    finally:
        fs.rm("/zip-reader-test", recursive=True)


def test_fsspec_zip_chaining(archive):
    """fsspec's own zip filesystem works too, through FSStore (no adapter involved)."""
    group = zarr_core.open(f"zip::file://{archive}", mode="r", path="inner")
    assert isinstance(group.store, FSStore)
    assert group.attrs["about"] == "zipped"
    assert np.array_equal(group["a"][...], DATA)


# -- over S3 ---------------------------------------------------------------------------
@pytest.fixture
def s3_requests(monkeypatch):
    """Every S3 call s3fs makes: (operation, Range header or None)."""
    import s3fs

    calls: list[tuple[str, str | None]] = []
    real = s3fs.S3FileSystem._call_s3

    async def recording(self, method, *args, **kwargs):
        calls.append((getattr(method, "__name__", method), kwargs.get("Range")))
        return await real(self, method, *args, **kwargs)

    monkeypatch.setattr(s3fs.S3FileSystem, "_call_s3", recording)
    return calls


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_over_s3_with_ranged_requests_only(
    registered, tmp_path, s3_bucket, s3_storage_options, s3_requests, zarr_format
):
    import s3fs

    path = tmp_path / "data.zip"
    write_archive(path, zarr_format=zarr_format)
    size = path.stat().st_size
    s3fs.S3FileSystem(**s3_storage_options).put_file(str(path), f"{s3_bucket}/dir/data.zip")
    s3_requests.clear()
    group = zarr_core.open(
        f"s3://{s3_bucket}/dir/data.zip|zip:inner", mode="r", storage_options=s3_storage_options
    )
    assert group.attrs["about"] == "zipped"
    assert np.array_equal(group["a"][:20, :20], DATA[:20, :20])
    gets = [r for op, r in s3_requests if op == "get_object"]
    assert gets and all(r is not None and r.startswith("bytes=") for r in gets), s3_requests
    downloaded = 0
    for r in gets:
        first, last = r[len("bytes=") :].split("-")
        downloaded += int(last) if first == "" else min(int(last), size - 1) - int(first) + 1
    assert downloaded < size / 2, (downloaded, size)
    assert len(s3_requests) <= 12, s3_requests
    # Reading everything batches the 400 chunks into a few merged requests.
    s3_requests.clear()
    assert np.array_equal(group["a"][...], DATA)
    assert len(s3_requests) <= 10, len(s3_requests)
