"""copy_store into a read-only store raises ReadOnlyError and writes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from zarr_core_sqlite import SQLiteStore
from zarr_core_zip import ZipStore

import zarr_core
from zarr_core.errors import ReadOnlyError
from zarr_core.storage import MemoryStore, open_store


@pytest.fixture
def source() -> MemoryStore:
    store = MemoryStore()
    root = zarr_core.open_group(store, mode="w")
    # More keys than one copy batch, so a failure after the first batch would show.
    root.zeros("a", shape=(3000,), chunks=(1,), dtype="u1")[...] = np.arange(3000) % 251
    return store


def _directory(tmp_path):
    zarr_core.open_group(str(tmp_path / "d.zarr"), mode="w").attrs["kept"] = True
    return open_store(str(tmp_path / "d.zarr"), mode="r")


def _sqlite(tmp_path):
    with zarr_core.open_group(f"sqlite:///{tmp_path}/x.sqlite", mode="w") as root:
        root.attrs["kept"] = True
    return SQLiteStore(tmp_path / "x.sqlite", mode="r")


def _zip(tmp_path):
    with ZipStore(tmp_path / "x.zip", mode="w") as store:
        zarr_core.open_group(store, mode="w").attrs["kept"] = True
    return ZipStore(tmp_path / "x.zip", mode="r")


def _memory(tmp_path):
    store = MemoryStore()
    zarr_core.open_group(store, mode="w").attrs["kept"] = True
    return MemoryStore(root=store.root, read_only=True)


@pytest.mark.parametrize("make_dest", [_directory, _sqlite, _zip, _memory])
def test_copy_store_into_a_read_only_store(tmp_path, source, make_dest):
    dest = make_dest(tmp_path)
    before = {k: dest[k] for k in dest}
    assert dest.read_only
    with pytest.raises(ReadOnlyError, match=r"is read-only \(key '(a/)?[^']*'\)") as caught:
        zarr_core.copy_store(source, dest)
    assert repr(dest) in str(caught.value)  # names the store
    assert "mode='r+'" in str(caught.value)  # and how to write to it
    assert {k: dest[k] for k in dest} == before  # nothing was written
    dest.close()


@pytest.mark.parametrize("if_exists", ["raise", "replace", "skip"])
def test_every_if_exists_mode_refuses_new_keys(tmp_path, source, if_exists):
    dest = _sqlite(tmp_path)
    with pytest.raises(ReadOnlyError, match="is read-only"):
        zarr_core.copy_store(source, dest, if_exists=if_exists)
    assert sorted(dest) == ["zarr.json"]
    dest.close()
