"""zarr-core-lmdb: a store that keeps every key as a record of an LMDB environment.

Installing this distribution makes ``lmdb://`` URLs and paths ending in ``.lmdb`` or
``.mdb`` open an :class:`LMDBStore`. The class (and with it the ``lmdb`` library) is
imported on first access so that plugin discovery, which imports
:mod:`zarr_core_lmdb.plugin`, stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_lmdb.store import LMDBStore

__all__ = ["LMDBStore"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "LMDBStore": "zarr_core_lmdb.store",
    },
)
