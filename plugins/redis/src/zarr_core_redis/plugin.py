"""Declarations of the zarr-core-redis plugin (cheap to import: no store code, no redis)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="redis",
            target="zarr_core_redis.store:RedisStore",
            schemes=("redis", "rediss", "unix"),
            description="every key a Redis string 'prefix:key', batches in one pipeline",
        )
    ]
