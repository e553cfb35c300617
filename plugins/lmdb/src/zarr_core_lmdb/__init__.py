"""zarr-core-lmdb: a store that keeps every key as a record of an LMDB environment.

Installing this distribution makes ``lmdb://`` URLs and paths ending in ``.lmdb`` or
``.mdb`` open an :class:`LMDBStore`. The class (and with it the ``lmdb`` library) is
imported on first access so that plugin discovery, which imports
:mod:`zarr_core_lmdb.plugin`, stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_lmdb.store import LMDBStore

__all__ = ["LMDBStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_lmdb import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_lmdb' has no attribute {name!r}")
