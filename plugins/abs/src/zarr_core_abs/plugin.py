"""Declarations of the zarr-core-abs plugin (cheap to import: no Azure code here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="abs",
            target="zarr_core_abs.store:ABSStore",
            schemes=("az", "abfs"),
            description="blobs in an Azure Blob Storage container, batches sent concurrently",
        )
    ]
