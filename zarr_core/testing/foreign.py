"""The foreign-keys kit: a database written by other software, holding keys that are not
valid zarr keys (not UTF-8, ``../../x``, ``/abs``, ...).

Listings skip them with an :class:`~zarr_core.storage.base.InvalidKeyWarning`, so the
hierarchy still lists, opens and copies. Usage (a plugin's ``tests/test_<name>_foreign_keys.py``)::

    from zarr_core.testing.foreign import ForeignKeysTests

    class TestForeignKeys(ForeignKeysTests):
        def open_store(self, tmp_path, read_only=False):   # the store under test
            return SQLiteStore(tmp_path / "x.sqlite", read_only=read_only)

        def write_raw(self, tmp_path, items):  # the keys as another program writes them
            ...
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import zarr_core
from zarr_core.storage import MemoryStore, Store, open_store
from zarr_core.storage.base import InvalidKeyWarning

__all__ = ["ForeignKeysTests", "VALID", "FOREIGN"]

#: What zarr-core writes into the store (a group with one small array, format 3).
VALID = ["a/c/0", "a/c/1", "a/zarr.json", "zarr.json"]
#: Keys another program wrote: bytes that are not UTF-8, and text that is not a key.
FOREIGN = [b"bad\xffkey", b"a/\xfe", "../../x", "a/../../y", "/abs", "a//b", "a\\b"]


class ForeignKeysTests:
    """A store holding invalid keys written by others still works (see the module docstring)."""

    def open_store(self, tmp_path: Path, read_only: bool = False) -> Store:
        """The store under test, over data in ``tmp_path`` (the same data on every call)."""
        raise NotImplementedError

    def write_raw(self, tmp_path: Path, items: dict[bytes | str, bytes]) -> None:
        """Write ``items`` with the backend's own client (store closed), as another
        program would: ``bytes`` keys as they are, ``str`` keys as text."""
        raise NotImplementedError

    def open_read_only(self, location: Path) -> Store:
        return self.open_store(location, read_only=True)

    @pytest.fixture
    def location(self, tmp_path):
        with self.open_store(tmp_path) as store:
            root = zarr_core.open_group(store, mode="w")
            root.zeros("a", shape=(4,), chunks=(2,), dtype="i4")[...] = np.arange(4)
        self.write_raw(tmp_path, dict.fromkeys(FOREIGN, b"foreign"))
        return tmp_path

    def test_keys_skip_what_is_not_a_key(self, location):
        store = self.open_read_only(location)
        with pytest.warns(InvalidKeyWarning, match="not a valid zarr key"):
            assert sorted(store.keys()) == VALID
        with pytest.warns(InvalidKeyWarning):
            assert store.listdir("a") == ["c", "zarr.json"]

    @pytest.mark.filterwarnings("ignore::zarr_core.storage.base.InvalidKeyWarning")
    def test_open_group_and_read(self, location):
        root = zarr_core.open_group(self.open_read_only(location), mode="r")
        assert list(root) == ["a"]
        assert root["a"][...].tolist() == [0, 1, 2, 3]

    @pytest.mark.filterwarnings("ignore::zarr_core.storage.base.InvalidKeyWarning")
    @pytest.mark.parametrize("dest", ["memory", "directory"])
    def test_copy_store_copies_the_valid_keys(self, location, tmp_path, dest):
        target = MemoryStore() if dest == "memory" else open_store(str(tmp_path / "copy.zarr"))
        copied, skipped, _ = zarr_core.copy_store(self.open_read_only(location), target)
        assert (copied, skipped) == (len(VALID), 0)
        assert sorted(target) == VALID
        assert zarr_core.open_array(target, path="a", mode="r")[...].tolist() == [0, 1, 2, 3]
