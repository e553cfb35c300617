"""FSStore: the conformance kit on fsspec's memory and local file systems and on S3 (moto)."""

from __future__ import annotations

import pickle

import fsspec
import pytest

import zarr_core
from zarr_core.errors import ReadOnlyError
from zarr_core.storage import FSStore, open_store
from zarr_core.testing import StoreTests


class _FSBackend:
    """Reach an FSStore's files through its file system, not through the store."""

    persistent = True

    def backend_get(self, store, key):
        path = f"{store.path}/{key}"
        return store.fs.cat_file(path) if store.fs.isfile(path) else None

    def backend_set(self, store, key, value):
        store.fs.makedirs(f"{store.path}/{key}".rpartition("/")[0], exist_ok=True)
        store.fs.pipe_file(f"{store.path}/{key}", value)


class TestFSStoreMemory(_FSBackend, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        # fsspec's memory file system is global: a root per test keeps tests apart.
        return FSStore(f"memory://{tmp_path.name}/data.zarr", mode="r" if read_only else "w")


class TestFSStoreLocal(_FSBackend, StoreTests):
    def make_store(self, tmp_path, read_only=False):
        return FSStore(str(tmp_path / "data.zarr"), mode="r" if read_only else "w")


class TestFSStoreS3(_FSBackend, StoreTests):
    @pytest.fixture(autouse=True)
    def _s3(self, s3_bucket, s3_storage_options):
        self.bucket, self.options = s3_bucket, s3_storage_options

    def make_store(self, tmp_path, read_only=False):
        return FSStore(
            f"s3://{self.bucket}/data.zarr", mode="r" if read_only else "w", **self.options
        )


# -- FSStore's own parameters -------------------------------------------------------------
def test_storage_options_reach_the_file_system(tmp_path):
    store = FSStore(str(tmp_path / "x"), auto_mkdir=True)
    assert store.fs.auto_mkdir is True
    assert store.storage_options == {"auto_mkdir": True}


def test_fs_argument():
    fs = fsspec.filesystem("memory")
    store = FSStore("memory://fs-argument/root", fs=fs)
    store["a/b"] = b"1"
    assert fs.cat("/fs-argument/root/a/b") == b"1"
    assert FSStore("/fs-argument/root", fs=fs) == store
    with pytest.raises(ValueError, match="either fs or storage_options"):
        FSStore("/fs-argument/root", fs=fs, skip_instance_cache=True)


def test_normalize_keys():
    store = FSStore("memory://normalize/root", normalize_keys=True)
    store["Group/ZARR.json"] = b"{}"
    assert store.fs.cat("/normalize/root/group/zarr.json") == b"{}"
    assert "GROUP/zarr.JSON" in store
    assert list(store) == ["group/zarr.json"]
    assert store.getitems(["Group/ZARR.json", "group/zarr.json"]) == {
        "Group/ZARR.json": b"{}",
        "group/zarr.json": b"{}",
    }
    assert FSStore("memory://normalize/root") != store


def test_check_and_create(tmp_path):
    with pytest.raises(FileNotFoundError):
        FSStore(str(tmp_path / "missing"), check=True)
    FSStore(str(tmp_path / "made"), create=True, check=True)
    assert (tmp_path / "made").is_dir()
    FSStore(str(tmp_path / "not-made"), create=True, mode="r")
    assert not (tmp_path / "not-made").exists()


def test_mode_r_is_read_only():
    FSStore("memory://mode-r/root")["k"] = b"v"
    store = FSStore("memory://mode-r/root", mode="r")
    assert store.read_only and "read-only" in repr(store)
    assert store["k"] == b"v"
    with pytest.raises(ReadOnlyError):
        store["k"] = b"w"


def test_separators():
    assert FSStore("memory://sep", key_separator="/").dimension_separator == "/"
    assert FSStore("memory://sep", dimension_separator=".").dimension_separator == "."
    with pytest.raises(ValueError, match="disagree"):
        FSStore("memory://sep", key_separator="/", dimension_separator=".")


def test_fsspec_chain_url():
    FSStore("memory://chained/root").setitems({"zarr.json": b"{}", "c/0": b"chunk"})
    store = open_store("simplecache::memory://chained/root", mode="r")
    assert isinstance(store, FSStore)
    assert store.getitems(["zarr.json", "c/0", "c/1"]) == {"zarr.json": b"{}", "c/0": b"chunk"}
    assert store.get_partial_values([("c/0", (1, 3))]) == [b"hun"]


def test_fsmap_argument():
    mapper = fsspec.get_mapper("memory://mapper/root")
    mapper["k"] = b"v"
    store = open_store(mapper)
    assert isinstance(store, FSStore)
    assert store["k"] == b"v"


# -- S3 through open_store ----------------------------------------------------------------
def test_open_store_s3_url(s3_bucket, s3_storage_options, s3_endpoint):
    url = f"s3://{s3_bucket}/data.zarr"
    assert zarr_core.which(url)["stages"][0]["how"] == "fsspec"
    store = open_store(url, storage_options=s3_storage_options)
    assert isinstance(store, FSStore)
    assert store.fs.client_kwargs["endpoint_url"] == s3_endpoint
    store.setitems({"zarr.json": b"{}", "c/0/0": b"0123456789"})
    assert store.listdir("") == ["c", "zarr.json"]
    assert store.getitems(["c/0/0", "c/0/1"]) == {"c/0/0": b"0123456789"}
    assert store.get_partial_values([("c/0/0", (-4, None)), ("c/0/0", (20, None))]) == [
        b"6789",
        b"",
    ]
    reader = open_store(url, mode="r", storage_options=s3_storage_options)
    assert reader.read_only and reader["zarr.json"] == b"{}"
    assert reader == pickle.loads(pickle.dumps(store))


def test_s3_with_fs_argument(s3_bucket, s3_storage_options):
    import s3fs

    fs = s3fs.S3FileSystem(**s3_storage_options)
    store = FSStore(f"{s3_bucket}/root", fs=fs)
    store["a/b"] = b"1"
    store.rename("a", "c")
    assert fs.cat(f"{s3_bucket}/root/c/b") == b"1"
    assert not fs.exists(f"{s3_bucket}/root/a/b")


def test_rename_onto_itself_is_refused_not_data_loss():
    store = FSStore("memory://rename-self/root")
    store["a/b"] = b"1"
    for src, dst in (("a", "a"), ("a", "a/c"), ("a/b", "a/b")):
        with pytest.raises(ValueError, match="itself"):
            store.rename(src, dst)
    assert store["a/b"] == b"1"


# -- the file system's failures become typed errors ---------------------------------------
def test_a_missing_fsspec_backend_names_the_url_and_the_package():
    from zarr_core.errors import FilesystemUnavailableError

    with pytest.raises(FilesystemUnavailableError, match="'gcs://bucket/x'.*gcsfs") as info:
        open_store("gcs://bucket/x")
    assert isinstance(info.value, ImportError)


def test_missing_credentials_say_how_to_give_them(s3_endpoint, monkeypatch):
    from zarr_core.errors import StoreAuthenticationError

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    options = {"client_kwargs": {"endpoint_url": s3_endpoint}, "skip_instance_cache": True}
    store = FSStore("s3://no-creds-bucket/data.zarr", **options)
    for attempt in (lambda: store["zarr.json"], lambda: store.getitems(["zarr.json"])):
        with pytest.raises(StoreAuthenticationError, match="'anon': True") as info:
            attempt()
        assert "s3://no-creds-bucket/data.zarr" in str(info.value)
        assert "zarr.json" in str(info.value)


def test_an_unknown_storage_option_is_named(s3_storage_options):
    from zarr_core.errors import StorageOptionsError

    options = {**s3_storage_options, "bogus_option": 1, "skip_instance_cache": True}
    store = FSStore("s3://some-bucket/data.zarr", **options)
    with pytest.raises(StorageOptionsError, match="bogus_option") as info:
        store.listdir("")
    assert "s3://some-bucket/data.zarr" in str(info.value)


def test_fsstore_map_and_a_file_system_root():
    # zarr-python 2: FSStore.map is the fsspec mapping; a store at the root of a memory
    # file system lists its keys without a leading "/" (consolidation then works).
    fs = fsspec.filesystem("memory")
    fs.rm("/", recursive=True)
    store = FSStore("", fs=fs)
    root = zarr_core.group(store=store, zarr_format=2)
    root.zeros("a", shape=(4,), chunks=(2,))
    assert sorted(store) == [".zgroup", "a/.zarray"]
    assert store.map[".zgroup"] == store[".zgroup"]
    zarr_core.consolidate_metadata(store)
    assert list(zarr_core.open_consolidated(store)) == ["a"]
    meta = zarr_core.storage.ConsolidatedMetadataStore(store)
    assert type(meta["a/.zarray"]) is bytes


def test_whole_reads_from_s3_send_one_get_per_key_and_no_head(s3_bucket, s3_storage_options):
    """s3fs asks for each object's size (a HEAD) before a GET unless told the object needs
    no concurrent download; chunks never do, so a batch read is GETs only."""
    store = FSStore(f"s3://{s3_bucket}/data.zarr", mode="w", **s3_storage_options)
    store.setitems({f"c/{i}": bytes([i]) * 100 for i in range(20)})
    calls: list[str] = []
    fsspec.asyn.sync(store.fs.loop, store.fs.set_session)
    store.fs.s3.meta.events.register(
        "before-call.s3", lambda model, **kwargs: calls.append(model.name)
    )
    got = store.getitems([f"c/{i}" for i in range(20)] + ["missing"])
    assert got == {f"c/{i}": bytes([i]) * 100 for i in range(20)}
    assert calls.count("GetObject") == 21 and "HeadObject" not in calls
    calls.clear()
    assert store["c/3"] == bytes([3]) * 100  # and a single key: one GET
    assert calls == ["GetObject"]


def test_batch_reads_from_s3_keep_the_requests_in_flight_bounded(s3_bucket, s3_storage_options):
    """``remote.requests_in_flight`` bounds how many requests a batch call has open."""
    store = FSStore(f"s3://{s3_bucket}/data.zarr", mode="w", **s3_storage_options)
    store.setitems({f"c/{i}": b"x" * 100 for i in range(40)})
    fsspec.asyn.sync(store.fs.loop, store.fs.set_session)
    now, most = [0], [0]

    def before(**kwargs):
        now[0] += 1
        most[0] = max(most[0], now[0])

    def after(**kwargs):
        now[0] -= 1

    store.fs.s3.meta.events.register("before-call.s3.GetObject", before)
    store.fs.s3.meta.events.register("after-call.s3.GetObject", after)
    keys = [f"c/{i}" for i in range(40)]
    with zarr_core.config.set({"remote.requests_in_flight": 3}):
        assert len(store.getitems(keys)) == 40
    assert most[0] == 3
    most[0] = 0
    assert len(store.getitems(keys)) == 40  # the default, 64: all 40 at once
    assert most[0] > 3


def test_s3_connection_pool_is_as_big_as_the_requests_in_flight(s3_bucket, s3_storage_options):
    """aiobotocore's default pool of 10 connections would cap every batch at 10 requests
    at a time; the pool follows ``remote.requests_in_flight`` unless the caller sets it."""

    def pool(store: FSStore) -> int:
        fsspec.asyn.sync(store.fs.loop, store.fs.set_session)
        return store.fs.s3.meta.config.max_pool_connections

    url = f"s3://{s3_bucket}/data.zarr"
    assert pool(FSStore(url, **s3_storage_options)) == 64
    with zarr_core.config.set({"remote.requests_in_flight": 24}):
        assert pool(FSStore(url, **s3_storage_options)) == 24
    own = {**s3_storage_options, "config_kwargs": {"max_pool_connections": 5}}
    store = FSStore(url, **own)
    assert pool(store) == 5
    assert store.storage_options == own  # what pickling carries: the caller's own options
