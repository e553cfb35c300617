"""zarr-core-sqlite: a store that keeps every key in one table of a SQLite database.

Installing this distribution makes ``sqlite://`` URLs and paths ending in ``.sqlite``,
``.sqlite3`` or ``.sqldb`` open a :class:`SQLiteStore`. The class is imported on first
access so that plugin discovery (which imports :mod:`zarr_core_sqlite.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_sqlite import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_sqlite' has no attribute {name!r}")
