"""The N5 stores under zarr-core's kits: conformance (a directory, fsspec on a local path,
a real S3 server, memory), the plugin seen through zarr-core, URLs and the n5: adapter."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import zarr_core_n5.plugin
from zarr_core_n5 import N5Container, N5FSStore, N5MetadataError, N5Store

import zarr_core
from zarr_core.errors import ReadOnlyError
from zarr_core.storage import KVStore, open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.end_to_end import LocalStorePluginTests


def _file(root: str | Path, key: str) -> Path:
    return Path(root) / key


class _FileBackend:
    """Reach the container's files directly (keys the kit uses are not chunk keys, so
    their N5 path is the key itself; chunk keys are tested in test_format.py)."""

    def backend_get(self, store, key):
        path = _file(store.path if hasattr(store, "path") else store.url, key)
        return path.read_bytes() if path.is_file() else None

    def backend_set(self, store, key, value):
        path = _file(store.path if hasattr(store, "path") else store.url, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(value)


class TestN5Store(_FileBackend, StoreTests):
    persistent = True

    def make_store(self, tmp_path, read_only=False):
        return N5Store(tmp_path / "container.n5", read_only=read_only)


class TestN5FSStoreLocal(_FileBackend, StoreTests):
    persistent = True

    def make_store(self, tmp_path, read_only=False):
        return N5FSStore(str(tmp_path / "container.n5"), mode="r" if read_only else "a")


class TestN5FSStoreOnS3(StoreTests):
    """N5FSStore over a real S3 server (moto, started by the plugin's fixture)."""

    persistent = True

    @pytest.fixture(autouse=True)
    def _bucket(self, n5_s3):
        import s3fs

        self.bucket = n5_s3
        self.fs = s3fs.S3FileSystem(**n5_s3.storage_options)

    def _url(self, tmp_path):
        return f"{self.bucket.url}/{tmp_path.name}.n5"

    def make_store(self, tmp_path, read_only=False):
        return N5FSStore(
            self._url(tmp_path), mode="r" if read_only else "a", **self.bucket.storage_options
        )

    def backend_get(self, store, key):
        path = f"{store.url}/{key}"
        return self.fs.cat_file(path) if self.fs.isfile(path) else None

    def backend_set(self, store, key, value):
        self.fs.pipe_file(f"{store.url}/{key}", value)


class TestN5ContainerOverADict(StoreTests):
    """The wrapper alone, over a plain dict: the backend is the dict itself."""

    persistent = False

    def make_store(self, tmp_path, read_only=False):
        self.backing: dict[str, bytes] = {}
        return N5Container(KVStore(self.backing), read_only=read_only)

    def backend_get(self, store, key):
        return self.backing.get(key)

    def backend_set(self, store, key, value):
        self.backing[key] = value


class TestThroughZarrCore(LocalStorePluginTests):
    store_class = N5Store
    plugin = zarr_core_n5.plugin
    scheme = "n5"
    distribution = "zarr-core-n5"
    suffix_path = "x.n5"
    in_zarr_core_storage = True  # zarr_core.storage.N5Store, as in zarr-python 2
    group_url = "n5:///g.n5"
    array_url = "a.n5"
    url_suffix = ".n5"
    # a container is a directory: a plain file there is the OSError a directory store raises
    foreign_file_error = NotADirectoryError

    @pytest.mark.parametrize("zarr_format", [2])
    def test_groups_and_arrays_end_to_end(
        self, tmp_path, monkeypatch, zarr_format, storage_options
    ):
        # N5 presents Zarr format 2 only: format 3 is refused (next test).
        super().test_groups_and_arrays_end_to_end(
            tmp_path, monkeypatch, zarr_format, storage_options
        )

    def test_zarr_format_3_is_refused(self, tmp_path):
        with pytest.raises(N5MetadataError, match="zarr_format=2") as info:
            zarr_core.open_group(str(tmp_path / "v3.n5"), mode="w", zarr_format=3)
        assert info.value.key == "zarr.json"
        assert not (tmp_path / "v3.n5" / "zarr.json").exists()


# -- URLs, suffix, claim and the n5: adapter ------------------------------------------
def _container(path: Path) -> None:
    root = zarr_core.open_group(N5Store(path), mode="w", zarr_format=2)
    root.attrs["title"] = "claimed"
    z = root.zeros("vol/raw", shape=(12, 5), chunks=(5, 5), dtype="u2")
    z[...] = np.arange(60).reshape(12, 5)


def test_suffix_scheme_and_claim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _container(tmp_path / "c.n5")
    assert isinstance(open_store("c.n5"), N5Store)
    assert zarr_core.which("c.n5")["stages"][0]["how"] == "suffix"
    (tmp_path / "c.n5").rename(tmp_path / "plain")
    stage = zarr_core.which("plain")["stages"][0]
    assert (stage["how"], stage["plugin"]) == ("claim", "n5")
    root = zarr_core.open_group("plain", mode="r")
    assert root.attrs["title"] == "claimed"
    np.testing.assert_array_equal(root["vol/raw"][10:], np.arange(50, 60).reshape(2, 5))
    assert isinstance(open_store(f"n5:///{tmp_path}/plain"), N5Store)


def test_claim_ignores_other_directories(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "zarr").mkdir()
    (tmp_path / "zarr" / "attributes.json").write_text('{"not n5": 1}')
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "attributes.json").write_text("{not json")
    for path in ("zarr", "broken", "missing"):
        assert zarr_core.which(path)["stages"][0]["how"] == "default", path


def test_adapter_over_a_zip_archive(tmp_path):
    _container(tmp_path / "c.n5")
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((tmp_path / "c.n5").rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(tmp_path / "c.n5").as_posix())
    url = f"file://{archive}|zip:|n5:"
    assert [s["plugin"] for s in zarr_core.which(url)["stages"]] == ["directory", "zip", "n5"]
    root = zarr_core.open_group(url, mode="r")
    assert root.attrs["title"] == "claimed"
    np.testing.assert_array_equal(root["vol/raw"][...], np.arange(60).reshape(12, 5))
    z = zarr_core.open_array(f"file://{archive}|zip:|n5:vol/raw", mode="r")
    assert z.shape == (12, 5)


def test_adapter_over_s3(n5_s3):
    options = n5_s3.storage_options
    writer = N5FSStore(f"{n5_s3.url}/c.n5", **options)
    root = zarr_core.open_group(writer, mode="w", zarr_format=2)
    root.create_dataset("vol", data=np.arange(30, dtype="i4").reshape(5, 6), chunks=(2, 4))
    url = f"{n5_s3.url}/c.n5|n5:"
    z = zarr_core.open_group(url, mode="r", storage_options=options)["vol"]
    np.testing.assert_array_equal(z[...], np.arange(30).reshape(5, 6))
    with pytest.raises(ReadOnlyError):
        z[0, 0] = 1
    # Through the adapter in a writable mode, writes land as N5.
    z = zarr_core.open_array(f"{url}vol", mode="r+", storage_options=options)
    z[0, 0] = 99
    import s3fs

    fs = s3fs.S3FileSystem(**options)
    assert json.loads(fs.cat_file(f"{n5_s3.name}/c.n5/vol/attributes.json"))["dimensions"] == [6, 5]
    assert fs.isfile(f"{n5_s3.name}/c.n5/vol/0/0")  # block (0, 0), N5 nesting


def test_zarr_python_2_names(plugin_registry):
    plugin_registry.register(zarr_core_n5.plugin, name="n5", distribution="zarr-core-n5")
    assert zarr_core.N5Store is N5Store
    assert zarr_core.storage.N5FSStore is N5FSStore


def test_pickle_reopens(tmp_path):
    import pickle

    _container(tmp_path / "c.n5")
    store = N5Store(tmp_path / "c.n5", mode="r")
    clone = pickle.loads(pickle.dumps(store))
    assert clone == store and clone.read_only and clone.path == store.path
    fs_store = N5FSStore(str(tmp_path / "c.n5"), mode="r")
    assert pickle.loads(pickle.dumps(fs_store))["vol/raw/.zarray"] == fs_store["vol/raw/.zarray"]
