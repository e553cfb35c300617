"""Errors that name the store, the path and the fix; install hints that are true; helpers
that close what they open (issue 11 items 7, 8 and the first half of 9)."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import (
    ArrayNotFoundError,
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    PathNotFoundError,
    PluginNotFoundError,
    UnknownExtensionError,
    install_hint,
)
from zarr_core.plugins import StoreSpec, hookimpl
from zarr_core.plugins.known import KNOWN
from zarr_core.storage import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
EXISTING = sorted(
    p.parent.name for p in ROOT.glob("plugins/*/pyproject.toml") if p.parent.name != "_template"
)

# -- item 7: not-found errors name the store and the path, and a node of the other format --


def test_not_found_names_store_url_and_path():
    url = zarr_core.FSStore("memory://compat-errors-empty")  # an fsspec store, named by URL
    with pytest.raises(
        ArrayNotFoundError,
        match=r"^no array found at path '/ \(root\)' in <FSStore 'memory://compat-errors-empty'",
    ):
        zarr_core.open_array(url, mode="r")
    with pytest.raises(
        GroupNotFoundError,
        match=r"^no group found at path 'a/b' in <FSStore 'memory://compat-errors-empty'",
    ):
        zarr_core.open_group(url, mode="r", path="a/b")
    with pytest.raises(
        PathNotFoundError, match=r"^nothing found at path 'x' in <MemoryStore at 0x[0-9a-f]+>$"
    ):
        zarr_core.open(MemoryStore(), mode="r", path="x")


@pytest.mark.parametrize(("stored", "asked"), [(3, 2), (2, 3)])
def test_not_found_says_a_node_of_the_other_format_is_there(stored, asked):
    store = MemoryStore()
    root = zarr_core.group(store, zarr_format=stored)
    root.zeros("arr", shape=3)
    hint = (
        f"a Zarr format {stored} {{kind}} is there; open it without zarr_format={asked} "
        f"(or with zarr_format={stored})"
    )
    with pytest.raises(
        ArrayNotFoundError,
        match=re.escape(f"no array found at path 'arr' in {store!r}; ")
        + re.escape(hint.format(kind="array")),
    ):
        zarr_core.open_array(store, mode="r", path="arr", zarr_format=asked)
    with pytest.raises(ArrayNotFoundError, match=re.escape(hint.format(kind="array"))):
        zarr_core.Array(store, "arr", zarr_format=asked)
    with pytest.raises(GroupNotFoundError, match=re.escape(hint.format(kind="group"))):
        zarr_core.open_group(store, mode="r", zarr_format=asked)
    with pytest.raises(GroupNotFoundError, match=re.escape(hint.format(kind="group"))):
        zarr_core.Group(store, zarr_format=asked)
    with pytest.raises(ArrayNotFoundError, match=re.escape(hint.format(kind="array"))):
        zarr_core.load(store, path="arr", zarr_format=asked)
    # nothing of either format: no hint
    with pytest.raises(ArrayNotFoundError, match=r"in <MemoryStore at 0x[0-9a-f]+>$"):
        zarr_core.open_array(store, mode="r", path="nope", zarr_format=asked)


def test_opening_the_other_kind_says_what_is_there():
    store = MemoryStore()
    root = zarr_core.group(store, zarr_format=2)
    root.create_group("g")
    root.zeros("a", shape=3)
    for mode in ("r", "r+", "a"):
        with pytest.raises(
            ContainsGroupError,
            match=re.escape(
                f"a group, not an array, is at path 'g' in {store!r}; open it with "
                "open_group() or zarr_core.open()"
            ),
        ):
            zarr_core.open_array(store, mode=mode, path="g")
        with pytest.raises(
            ContainsArrayError,
            match=re.escape(
                f"an array, not a group, is at path 'a' in {store!r}; open it with "
                "open_array() or zarr_core.open()"
            ),
        ):
            zarr_core.open_group(store, mode=mode, path="a")
    with pytest.raises(ContainsGroupError, match="a group, not an array, is at path 'g'"):
        zarr_core.Array(store, "g")
    # creating over a node is still "already exists"
    with pytest.raises(ContainsGroupError, match=r"^a group already exists at path 'g' in <"):
        zarr_core.open_array(store, mode="w-", path="g", shape=3)


# -- item 8: install hints ------------------------------------------------------------------


def test_install_hint_names_both_routes_for_existing_plugins():
    for name in EXISTING:
        hint = install_hint(f"zarr-core-{name}")
        assert hint == (
            f"; install it with: pip install zarr-core-{name} (or, from source: pip install "
            f"{ROOT / 'plugins' / name})"
        )


def test_every_known_plugin_is_in_the_repository():
    known = {dist for table in KNOWN.values() for dist in table.values()}
    assert known <= {f"zarr-core-{name}" for name in EXISTING}


def test_missing_plugin_errors_carry_the_hint(plugin_registry):
    with pytest.raises(PluginNotFoundError) as info:
        zarr_core.open_store("data.sqlite")
    assert str(info.value).startswith(
        "no installed plugin provides the suffix '.sqlite'; install it with: pip install "
        f"zarr-core-sqlite (or, from source: pip install {ROOT / 'plugins' / 'sqlite'})."
    )
    error = UnknownExtensionError("codec", "sharding_indexed", distribution="zarr-core-sharding")
    assert str(error) == (
        "unknown codec 'sharding_indexed' (must be understood); install it with: pip install "
        f"zarr-core-sharding (or, from source: pip install {ROOT / 'plugins' / 'sharding'})"
    )


def test_readme_lists_the_existing_backends():
    readme = (ROOT / "README.md").read_text()
    table = re.findall(r"^\| `(\w+)` \| `zarr-core-(\w+)` \|", readme, flags=re.MULTILINE)
    assert sorted(name for name, _ in table) == EXISTING
    assert all(name == dist for name, dist in table)


def test_core_dependency_floors_are_what_the_code_needs():
    """The floors the tox ``mindeps`` environment installs: numcodecs 0.16 (Blosc encoding
    passes ``typesize``), numpy 2 (``numpy.dtypes.StringDType``)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "numcodecs>=0.16" in deps and "numpy>=2.0" in deps
    tox = (ROOT / "tox.ini").read_text()
    assert "[testenv:mindeps]" in tox and "mindeps" not in (ROOT / "scripts/test.sh").read_text()


# -- item 9: helpers close the stores they open -------------------------------------------


class ClosingStore(MemoryStore):
    """A real in-memory store, one per URL, that remembers being closed."""

    by_url: dict[str, ClosingStore] = {}

    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    @classmethod
    def from_url(cls, url, *, mode="a", **storage_options):
        return cls.by_url.setdefault(url, cls())

    def close(self) -> None:
        self.closed = True


@hookimpl
def zarr_core_stores():
    return [StoreSpec(name="closing", target=f"{__name__}:ClosingStore", suffixes=(".closing",))]


@pytest.fixture
def closing_plugin(plugin_registry):
    ClosingStore.by_url.clear()
    plugin_registry.register(
        sys.modules[__name__], name="closing", distribution="zarr-core-closing"
    )
    return ClosingStore.by_url


def test_convert_closes_the_stores_it_opened(closing_plugin):
    source = MemoryStore()
    zarr_core.group(source, zarr_format=2).array("x", np.arange(6), chunks=3)
    zarr_core.convert(source, 3, dest="out.closing")
    dest = closing_plugin["out.closing"]
    assert dest.closed and zarr_core.open_array(dest, path="x", mode="r")[:].tolist() == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]
    assert zarr_core.open_array(source, path="x", mode="r").zarr_format == 2  # not converted
    # in place, from a path: closed too
    zarr_core.group("in.closing", zarr_format=2).zeros("y", shape=2)
    closing_plugin["in.closing"].closed = False
    zarr_core.convert("in.closing", 3)
    assert closing_plugin["in.closing"].closed
    # a store object passed in is the caller's: left open
    passed = ClosingStore()
    zarr_core.group(passed, zarr_format=2)
    zarr_core.convert(passed, 3)
    assert not passed.closed


def test_convert_closes_even_when_it_fails(closing_plugin):
    source = MemoryStore()
    zarr_core.group(source, zarr_format=3)
    with pytest.raises(ValueError, match="is already in Zarr format 3"):
        zarr_core.convert(source, 3, dest="failed.closing")
    assert closing_plugin["failed.closing"].closed


def test_save_load_and_copy_store_close_what_they_open(closing_plugin):
    zarr_core.save_array("a.closing", np.arange(3), zarr_format=2)
    assert closing_plugin["a.closing"].closed
    closing_plugin["a.closing"].closed = False
    assert zarr_core.load("a.closing").tolist() == [0, 1, 2]
    assert closing_plugin["a.closing"].closed
    zarr_core.copy_store("a.closing", "b.closing")
    assert closing_plugin["b.closing"].closed and ".zarray" in closing_plugin["b.closing"]


def test_node_errors_pickle_with_their_message():
    import pickle

    store = MemoryStore()
    for error in (
        ArrayNotFoundError("a", store, hint="a hint"),
        ContainsGroupError("g", store, prefix="a group, not an array, is"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error) and copy.path == error.path
        assert copy.store is None  # the store stays behind (it may not pickle)


def test_blosc_config_is_written_without_typesize():
    """numcodecs 0.16.0 puts ``typesize`` in Blosc's config; zarr-python 2 and tensorstore
    refuse a ``.zarray`` holding it (found by the mindeps environment)."""
    import json

    import numcodecs

    config = {**numcodecs.Blosc().get_config(), "typesize": 4}
    z = zarr_core.zeros(4, dtype="i4", compressor=config, zarr_format=2)
    assert json.loads(z.store[".zarray"])["compressor"] == {
        "id": "blosc",
        "cname": "lz4",
        "clevel": 5,
        "shuffle": 1,
        "blocksize": 0,
    }
    z[:] = [1, 2, 3, 4]
    assert z[:].tolist() == [1, 2, 3, 4]
