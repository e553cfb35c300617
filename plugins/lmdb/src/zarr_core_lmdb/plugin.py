"""Declarations of the zarr-core-lmdb plugin (cheap to import: lmdb is not imported here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="lmdb",
            target="zarr_core_lmdb.store:LMDBStore",
            schemes=("lmdb",),
            suffixes=(".lmdb", ".mdb"),
            description="every key a record of an LMDB environment, batches in one transaction",
        )
    ]
