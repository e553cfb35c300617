"""Declarations of the zarr-core-cache plugin (cheap to import: no store code here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="cache",
            target="zarr_core_cache.cache_store:CacheStore",
            schemes=("cache",),
            kind="adapter",
            description="caches the values of the stage before it, in memory or a local "
            "directory (…|cache:?max_size=1GB&dir=~/.cache/zarr-core)",
        ),
    ]
