"""Declarations of the zarr-core-mongodb plugin (cheap to import: no pymongo here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="mongodb",
            target="zarr_core_mongodb.store:MongoDBStore",
            schemes=("mongodb", "mongodb+srv"),
            description="one MongoDB document per key, batches in one query, GridFS for large values",
        )
    ]
