"""A database written by other software, holding keys that are not valid zarr keys.

A key that is not UTF-8 and text keys such as ``../../x`` are skipped (with an
InvalidKeyWarning) by listings, so the hierarchy still lists, opens and copies.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from zarr_core_sqlite import SQLiteStore

import zarr_core
from zarr_core.storage import MemoryStore, open_store
from zarr_core.storage.base import InvalidKeyWarning

VALID = ["a/c/0", "a/c/1", "a/zarr.json", "zarr.json"]
FOREIGN = [b"bad\xffkey", b"a/\xfe", "../../x", "a/../../y", "/abs", "a//b", "a\\b"]


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "x.sqlite"
    with zarr_core.open_group(f"sqlite:///{path}", mode="w") as root:
        root.zeros("a", shape=(4,), chunks=(2,), dtype="i4")[...] = np.arange(4)
    conn = sqlite3.connect(path)
    # Bytes as BLOB keys, as a careless writer stores them; the rest as TEXT.
    conn.executemany("INSERT INTO zarr VALUES (?, ?)", [(k, b"foreign") for k in FOREIGN])
    conn.commit()
    conn.close()
    return path


def test_keys_skip_what_is_not_a_key(path):
    store = SQLiteStore(path, mode="r")
    with pytest.warns(InvalidKeyWarning, match="not a valid zarr key"):
        assert sorted(store.keys()) == VALID
    with pytest.warns(InvalidKeyWarning):
        assert store.listdir("a") == ["c", "zarr.json"]


@pytest.mark.filterwarnings("ignore::zarr_core.storage.base.InvalidKeyWarning")
def test_open_group_and_read(path):
    root = zarr_core.open_group(SQLiteStore(path, mode="r"), mode="r")
    assert list(root) == ["a"]
    assert root["a"][...].tolist() == [0, 1, 2, 3]


@pytest.mark.filterwarnings("ignore::zarr_core.storage.base.InvalidKeyWarning")
@pytest.mark.parametrize("dest", ["memory", "directory"])
def test_copy_store_copies_the_valid_keys(path, tmp_path, dest):
    target = MemoryStore() if dest == "memory" else open_store(str(tmp_path / "copy.zarr"))
    copied, skipped, _ = zarr_core.copy_store(SQLiteStore(path, mode="r"), target)
    assert (copied, skipped) == (len(VALID), 0)
    assert sorted(target) == VALID
    assert zarr_core.open_array(target, path="a", mode="r")[...].tolist() == [0, 1, 2, 3]
