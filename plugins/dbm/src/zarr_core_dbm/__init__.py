"""zarr-core-dbm: a store over any DBM-style database (``dbm.gnu``, ``dbm.dumb``, ...).

Installing this distribution makes ``dbm://`` URLs open a :class:`DBMStore`. The class
is imported on first access so that plugin discovery (which imports
:mod:`zarr_core_dbm.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_dbm.store import IMPLEMENTATIONS, DBMStore, available_implementations

__all__ = ["DBMStore", "IMPLEMENTATIONS", "available_implementations"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DBMStore": "zarr_core_dbm.store",
        "IMPLEMENTATIONS": "zarr_core_dbm.store",
        "available_implementations": "zarr_core_dbm.store",
    },
)
