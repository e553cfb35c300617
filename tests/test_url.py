"""URL and URL-pipeline parsing and resolution."""

from __future__ import annotations

import os

import pytest

from zarr_core.errors import URLPipelineError
from zarr_core.plugins import StoreSpec, hookimpl
from zarr_core.storage import MemoryStore, PrefixStore, Store, open_store, resolve
from zarr_core.storage.adapters import StoreAdapter
from zarr_core.storage.keys import normalize_path
from zarr_core.storage.resolve import plan
from zarr_core.storage.url import local_path, parse_url, split_scheme


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("data/x.zarr", [("path", None, "data/x.zarr")]),
        ("C://windows/path", [("path", None, "C://windows/path")]),
        ("s3://bucket/x", [("url", "s3", "s3://bucket/x")]),
        ("SQLITE:///x.db", [("url", "sqlite", "SQLITE:///x.db")]),
        ("simplecache::s3://b/x", [("fsspec", "simplecache", "simplecache::s3://b/x")]),
        ("memory:", [("url", "memory", "memory://")]),
        (
            "s3://b/x.zip|zip:inner/path/|zarr3:",
            [
                ("url", "s3", "s3://b/x.zip"),
                ("adapter", "zip", "inner/path/"),
                ("adapter", "zarr3", ""),
            ],
        ),
    ],
)
def test_parse(url, expected):
    assert [(s.kind, s.scheme, s.body) for s in parse_url(url)] == expected


@pytest.mark.parametrize(
    ("url", "segment", "reason"),
    [
        ("|zarr3:", "", "no root"),
        ("memory://||zarr3:", "", "empty stage"),
        ("memory://|", "", "empty stage"),
        ("memory://|zarr3", "zarr3", "must look like 'name:'"),
        ("memory://|s3://b", "s3://b", "only the first stage"),
    ],
)
def test_parse_errors_name_the_segment(url, segment, reason):
    with pytest.raises(URLPipelineError, match=reason) as info:
        parse_url(url)
    assert info.value.segment == segment
    assert repr(url) in str(info.value)


def test_split_scheme():
    assert split_scheme("redis://h:1/0") == ("redis", "h:1/0")
    assert split_scheme("/abs/path") == (None, "/abs/path")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("x/data.db", "x/data.db"),
        ("db:///data.db", "data.db"),
        ("DB:///data.db", "data.db"),
        ("db:////abs/data.db", "/abs/data.db"),
        ("db:///~/data.db", os.path.expanduser("~/data.db")),
        ("other:///data.db", "other:///data.db"),  # another scheme is a plain path
    ],
)
def test_local_path(url, expected):
    assert local_path(url, "db") == expected


def test_local_path_errors_and_bare_urls():
    with pytest.raises(
        ValueError, match=r"names a host; write db:///relative\.x or db:////abs/path\.x"
    ):
        local_path("db://data.db", "db", suffix=".x")
    with pytest.raises(ValueError, match="names a host"):
        local_path("db://", "db")
    with pytest.raises(ValueError, match="names no environment"):
        local_path("db:///", "db", names="environment")
    with pytest.raises(ValueError, match="names no database"):
        local_path("", "db")
    assert local_path("db://", "db", bare=":memory:") == ":memory:"
    assert local_path("db:///", "db", bare=":memory:") == ":memory:"
    with pytest.raises(ValueError, match="names a host"):
        local_path("db://data.db", "db", bare=":memory:")


def test_format_adapters_pin_format_and_path():
    resolved = resolve("memory://|zarr2:")
    assert isinstance(resolved.store, MemoryStore)
    assert (resolved.path, resolved.zarr_format) == ("", 2)
    resolved = resolve("memory://|zarr3:sub/group")
    assert (resolved.path, resolved.zarr_format) == ("sub/group", 3)


def test_file_root_with_format(tmp_path):
    resolved = resolve(f"file://{tmp_path}/x.zarr|zarr2:")
    assert resolved.zarr_format == 2
    resolved.store["a"] = b"1"
    assert (tmp_path / "x.zarr" / "a").read_bytes() == b"1"


def test_unknown_adapter_names_segment(plugin_registry):
    from zarr_core.errors import PluginNotFoundError

    with pytest.raises(PluginNotFoundError, match="scheme 'zip'.*pip install zarr-core-zip"):
        resolve("memory://|zip:")


class ValueReader(StoreAdapter):
    """An adapter that exposes one stored value as a one-key store (like zip: would)."""

    consumes = "value"

    @classmethod
    def from_store(cls, store, path, body, *, mode):
        return MemoryStore(root={"content": store[path]}), normalize_path(body)


@hookimpl
def zarr_core_stores():
    return [StoreSpec("reader", f"{__name__}:ValueReader", schemes=("reader",), kind="adapter")]


def test_value_adapter_gets_parent_store_and_key(plugin_registry, tmp_path):
    import sys

    plugin_registry.register(sys.modules[__name__], name="reader")
    (tmp_path / "blob.bin").write_bytes(b"payload")
    resolved = resolve(f"file://{tmp_path}/blob.bin|reader:inner|zarr3:")
    assert resolved.store["content"] == b"payload"
    assert (resolved.path, resolved.zarr_format) == ("inner", 3)
    store = open_store(f"{tmp_path}{os.sep}blob.bin|reader:inner")
    assert isinstance(store, PrefixStore) and store.prefix == "inner"
    with pytest.raises(URLPipelineError, match="names none"):
        resolve("memory://|zarr3:|reader:")


def test_pathlike_and_mappings(tmp_path):
    store = open_store(tmp_path / "p")
    store["k"] = b"v"
    assert (tmp_path / "p" / "k").read_bytes() == b"v"
    assert isinstance(open_store(None), MemoryStore)
    data = {}
    open_store(data)["x"] = b"1"
    assert data == {"x": b"1"}
    with pytest.raises(TypeError, match="cannot use a int as a store"):
        open_store(42)


def test_fsmap_is_wrapped():
    import fsspec

    mapper = fsspec.get_mapper("memory://zc-fsmap-test")
    store = open_store(mapper)
    store["a/b"] = b"1"
    assert mapper["a/b"] == b"1"


class BlobRoot(Store):
    """A root store for the scheme 'blob' (and the suffix '.blob'), next to an adapter of that name."""

    @classmethod
    def from_url(cls, url, *, mode):
        return MemoryStore(root={"opened": url.encode()})


def two_kinds():
    return [
        StoreSpec("blob", f"{__name__}:BlobRoot", schemes=("blob",), suffixes=(".blob",)),
        StoreSpec("blob-reader", f"{__name__}:ValueReader", schemes=("blob",), kind="adapter"),
    ]


def test_one_scheme_names_a_root_and_an_adapter(plugin_registry, tmp_path):
    import types
    import warnings

    plugin = types.ModuleType("two_kinds")
    plugin.zarr_core_stores = hookimpl(two_kinds)
    plugin_registry.register(plugin, name="two-kinds")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the two declarations are no conflict
        assert open_store("blob://x")["opened"] == b"blob://x"
        (tmp_path / "data.blob").write_bytes(b"payload")
        # Opened at the parent directory by the default rule, not by the '.blob' suffix.
        resolved = resolve(f"{tmp_path}{os.sep}data.blob|blob:inner")
        assert resolved.store["content"] == b"payload"
        assert resolved.path == "inner"
        stages = plan("blob://x|blob:")
        assert [s.target.rsplit(":", 1)[1] for s in stages] == ["BlobRoot", "ValueReader"]
    with pytest.raises(URLPipelineError, match="names a root store"):
        resolve("memory://|file:")
    with pytest.raises(URLPipelineError, match="is an adapter"):
        resolve("zarr3://x")
