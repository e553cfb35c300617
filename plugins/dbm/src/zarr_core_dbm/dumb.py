"""``dbm.dumb`` made crash-safe: copy-on-write values and an atomically replaced index.

``dbm.dumb`` keeps its index (key -> offset and size in the ``.dat`` file) in memory
and in a text file, ``.dir``, which it rewrites in place on ``sync()``/``close()``. A
value rewritten in place, or the index rewritten halfway, leaves a process killed at
the wrong moment with a ``.dir`` pointing at bytes that no longer hold what it says:
values torn or cut short, ``zarr.json`` truncated mid-document.

:class:`DurableDumb` writes the same file format (zarr-python 2 and the standard
library read it) but never changes a byte the ``.dir`` on disk points at:

* every value written goes to the end of ``.dat`` (``dbm.dumb`` pads each value to a
  512-byte block, as before), never over an older value;
* ``.dir`` is only ever replaced whole: ``sync()``/``close()`` sync ``.dat``, write the
  new index to a temporary file, sync it, and rename it over ``.dir``;
* adding and deleting keys change only the in-memory index, as rewrites do.

So the database on disk is always exactly that of the last ``sync()``/``close()``
(:meth:`~zarr_core_dbm.DBMStore.flush`/``close`` of the store): that is the durability
point, and it also survives a power loss. The price is space: a rewritten or deleted
value's old bytes stay in ``.dat`` (copying the store into a new database reclaims it).
"""

from __future__ import annotations

import dbm.dumb
import os
from typing import Any

__all__ = ["DurableDumb", "is_dumb", "open_durable"]

_TEMP_SUFFIX = b".zarr-tmp"


def is_dumb(db: Any) -> bool:
    """Whether ``db`` is a ``dbm.dumb`` database object."""
    return isinstance(db, dbm.dumb._Database)


class DurableDumb(dbm.dumb._Database):
    """A ``dbm.dumb`` database whose files on disk always hold its last ``sync()``."""

    # As in the base class: _commit may run from __del__ at interpreter exit, when module
    # globals may already be gone, so it reaches everything through the instance.
    _temp_suffix = _TEMP_SUFFIX

    def _setval(self, pos: int, val: bytes) -> tuple[int, int]:
        # Never over the old value, which the .dir on disk may still point at.
        return self._addval(val)

    def _addkey(self, key: bytes, pos_and_siz_pair: tuple[int, int]) -> None:
        self._index[key] = pos_and_siz_pair  # the .dir file changes only on commit

    def __delitem__(self, key: bytes | str) -> None:
        if self._readonly:
            raise dbm.dumb.error("The database is opened for reading only")
        if isinstance(key, str):
            key = key.encode("utf-8")
        self._verify_open()
        del self._index[key]  # may raise KeyError
        self._modified = True

    def _commit(self) -> None:
        if self._index is None or not self._modified:
            return
        os_ = self._os
        # The values first: the new index must never reach the disk before them.
        fd = os_.open(self._datfile, os_.O_RDONLY)
        try:
            os_.fsync(fd)
        finally:
            os_.close(fd)
        temp = self._dirfile + self._temp_suffix
        with self._io.open(temp, "w", encoding="Latin-1") as f:
            self._chmod(temp)
            for key, pos_and_siz_pair in self._index.items():
                f.write(f"{key.decode('Latin-1')!r}, {pos_and_siz_pair!r}\n")
            f.flush()
            os_.fsync(f.fileno())
        os_.replace(temp, self._dirfile)
        self._modified = False
        directory = os_.path.dirname(self._dirfile) or b"."
        try:
            fd = os_.open(directory, os_.O_RDONLY)
        except OSError:  # not every system opens directories (Windows)
            return
        try:
            os_.fsync(fd)  # the rename itself
        finally:
            os_.close(fd)

    sync = _commit


def open_durable(path: str, flag: str, mode: int) -> DurableDumb:
    """Open ``path`` as :func:`dbm.dumb.open` would, as a :class:`DurableDumb`."""
    umask = os.umask(0)
    os.umask(umask)
    return DurableDumb(path, mode & ~umask, flag=flag)
