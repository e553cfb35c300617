"""zarr-core-sqlite: a store that keeps every key in one table of a SQLite database.

Installing this distribution makes ``sqlite://`` URLs and paths ending in ``.sqlite``,
``.sqlite3`` or ``.sqldb`` open a :class:`SQLiteStore`. The class is imported on first
access so that plugin discovery (which imports :mod:`zarr_core_sqlite.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "SQLiteStore": "zarr_core_sqlite.store",
    },
)
