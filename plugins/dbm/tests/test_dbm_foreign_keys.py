"""A database written by other software, holding keys that are not valid zarr keys.

A key that is not UTF-8 and text keys such as ``../../x`` are skipped (with an
InvalidKeyWarning) by listings, so the hierarchy still lists, opens and copies.
"""

from __future__ import annotations

import dbm.dumb

import numpy as np
import pytest
from zarr_core_dbm import DBMStore

import zarr_core
from zarr_core.storage import MemoryStore, open_store
from zarr_core.storage.base import InvalidKeyWarning

VALID = ["a/c/0", "a/c/1", "a/zarr.json", "zarr.json"]
FOREIGN = [b"bad\xffkey", b"a/\xfe", "../../x", "a/../../y", "/abs", "a//b", "a\\b"]


@pytest.fixture
def path(tmp_path):
    # dbm.dumb: the implementation every interpreter has (and zarr-python 2 uses).
    path = tmp_path / "x.db"
    with DBMStore(path, flag="n", open="dbm.dumb") as store:
        root = zarr_core.open_group(store, mode="w")
        root.zeros("a", shape=(4,), chunks=(2,), dtype="i4")[...] = np.arange(4)
    with dbm.dumb.open(str(path), "w") as db:  # another program's own writes
        for key in FOREIGN:
            db[key] = b"foreign"
    return path


def test_keys_skip_what_is_not_a_key(path):
    store = DBMStore(path, read_only=True)
    with pytest.warns(InvalidKeyWarning, match="not a valid zarr key"):
        assert sorted(store.keys()) == VALID
    with pytest.warns(InvalidKeyWarning):
        assert store.listdir("a") == ["c", "zarr.json"]


@pytest.mark.filterwarnings("ignore::zarr_core.storage.base.InvalidKeyWarning")
def test_open_group_and_read(path):
    root = zarr_core.open_group(DBMStore(path, read_only=True), mode="r")
    assert list(root) == ["a"]
    assert root["a"][...].tolist() == [0, 1, 2, 3]


@pytest.mark.filterwarnings("ignore::zarr_core.storage.base.InvalidKeyWarning")
@pytest.mark.parametrize("dest", ["memory", "directory"])
def test_copy_store_copies_the_valid_keys(path, tmp_path, dest):
    target = MemoryStore() if dest == "memory" else open_store(str(tmp_path / "copy.zarr"))
    copied, skipped, _ = zarr_core.copy_store(DBMStore(path, read_only=True), target)
    assert (copied, skipped) == (len(VALID), 0)
    assert sorted(target) == VALID
    assert zarr_core.open_array(target, path="a", mode="r")[...].tolist() == [0, 1, 2, 3]
