"""Declarations of the zarr-core-sqlite plugin (cheap to import: no store code here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="sqlite",
            target="zarr_core_sqlite.store:SQLiteStore",
            schemes=("sqlite",),
            suffixes=(".sqldb", ".sqlite", ".sqlite3"),
            description="every key a row of one SQLite table, batches in one transaction",
        )
    ]
