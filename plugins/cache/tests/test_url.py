"""The ``cache:`` URL-pipeline adapter: resolution, options, persistence, errors."""

from __future__ import annotations

import numpy as np
import pytest
from zarr_core_cache import CacheConfigError, CacheStore
from zarr_core_cache.url_options import namespace

import zarr_core
from zarr_core.errors import InvalidSizeError, URLPipelineError
from zarr_core.plugins import list_plugins
from zarr_core.storage import FSStore, MemoryStore, open_store
from zarr_core.storage.prefix import PrefixStore
from zarr_core.storage.resolve import plan


def _array(tmp_path):
    path = tmp_path / "data.zarr"
    z = zarr_core.open_array(str(path), mode="w", shape=(20, 20), chunks=(5, 5), dtype="i2")
    z[...] = np.arange(400).reshape(20, 20)
    return path


def test_the_plugin_is_listed_as_an_adapter():
    (info,) = [p for p in list_plugins() if p.distribution == "zarr-core-cache"]
    assert info.schemes == ["cache"] and info.status == "ok"
    stages = plan("memory://x|cache:?max_size=1GB")
    assert [(s.plugin, s.kind, s.target) for s in stages[1:]] == [
        ("cache", "adapter", "zarr_core_cache.cache_store:CacheStore")
    ]


def test_default_stage_is_a_bounded_memory_cache(tmp_path):
    path = _array(tmp_path)
    store = open_store(f"file://{path}|cache:", mode="r")
    assert isinstance(store, CacheStore) and store.read_only
    assert isinstance(store.cache_store, MemoryStore)
    assert store.cache_info()["max_size"] == 1_000_000_000
    assert store.cache_info()["max_age_seconds"] == "infinity"


def test_options_size_age_and_directory(tmp_path):
    path = _array(tmp_path)
    url = f"file://{path}|cache:?max_size=2MiB&max_age=30&dir={tmp_path}/cache"
    z = zarr_core.open_array(url, mode="r")
    assert np.array_equal(z[...], np.arange(400).reshape(20, 20))
    store = z.store
    info = store.cache_info()
    assert (info["max_size"], info["max_age_seconds"]) == (2 << 20, 30.0)
    assert isinstance(store.cache_store, PrefixStore)
    assert store.cache_store.prefix == namespace(store.store)
    on_disk = FSStore(str(tmp_path / "cache"), mode="r").list_prefix("")
    assert len(on_disk) == 17 and all(k.startswith(namespace(store.store)) for k in on_disk)


def test_a_directory_cache_is_found_again_by_the_same_source(tmp_path):
    path = _array(tmp_path)
    url = f"file://{path}|cache:?dir={tmp_path}/cache"
    zarr_core.open_array(url, mode="r")[...]
    again = zarr_core.open_array(url, mode="r")
    assert again.store.cache_info()["cached_keys"] == 17  # metadata and 16 chunks
    probes = again.store.cache_stats()["misses"]  # absent metadata keys are not cached
    again[...]
    stats = again.store.cache_stats()
    assert stats["misses"] == probes and stats["hits"] >= 16


def test_home_directory_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    store = open_store("memory://h|cache:?dir=~/.cache/zarr-core", mode="a")
    store["k"] = b"v"
    assert (tmp_path / ".cache" / "zarr-core" / namespace(store.store) / "k").is_file()


def test_a_path_in_the_stage_is_below_the_previous_stage(tmp_path):
    path = tmp_path / "g.zarr"
    root = zarr_core.open_group(str(path), mode="w")
    root.zeros("sub/x", shape=(4,), chunks=(2,), dtype="u1")[...] = 7
    z = zarr_core.open_array(f"file://{path}|cache:sub/x", mode="r")
    assert z[...].tolist() == [7, 7, 7, 7]


def test_writes_through_the_stage(tmp_path):
    path = _array(tmp_path)
    z = zarr_core.open_array(f"file://{path}|cache:", mode="r+")
    z[0, :] = -1
    assert zarr_core.open_array(str(path), mode="r")[0, :].tolist() == [-1] * 20


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ("?size=1GB", CacheConfigError, "does not take the option 'size'; it takes max_size"),
        ("?max_size=huge", InvalidSizeError, "cache: max_size must be a number of bytes"),
        ("?max_age=later", CacheConfigError, "max_age must be seconds or 'infinity'"),
        ("?max_size", CacheConfigError, "does not take the option 'max_size'|bad query"),
    ],
)
def test_bad_options_name_the_option(body, error, message):
    with pytest.raises((error, ValueError), match=message):
        open_store(f"memory://bad|cache:{body}")


def test_cache_cannot_start_a_pipeline():
    with pytest.raises(URLPipelineError, match="adapter"):
        open_store("cache:")
