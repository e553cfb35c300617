"""Declarations of the zarr-core-dbm plugin (cheap to import: no store code here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="dbm",
            target="zarr_core_dbm.store:DBMStore",
            schemes=("dbm",),
            description="every key a record of a DBM-style database (dbm.gnu, dbm.dumb, ...)",
        )
    ]
