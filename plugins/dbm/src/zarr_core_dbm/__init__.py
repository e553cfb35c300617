"""zarr-core-dbm: a store over any DBM-style database (``dbm.gnu``, ``dbm.dumb``, ...).

Installing this distribution makes ``dbm://`` URLs open a :class:`DBMStore`. The class
is imported on first access so that plugin discovery (which imports
:mod:`zarr_core_dbm.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_dbm.store import IMPLEMENTATIONS, DBMStore, available_implementations

__all__ = ["DBMStore", "IMPLEMENTATIONS", "available_implementations"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_dbm import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_dbm' has no attribute {name!r}")
