"""zarr-core-sharding: Zarr v3 sharding for zarr-core.

Installing this distribution gives zarr-core the ``sharding_indexed`` codec (so
``zarr_core.create(..., zarr_format=3, chunks=inner, shards=outer)`` works and sharded
arrays written by any implementation open) and the ZEP 2 draft ``sharding`` storage
transformer, with :func:`convert_to_sharding_indexed` to migrate arrays that use it.
Classes are imported on first access, so that plugin discovery (which imports
:mod:`zarr_core_sharding.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_sharding.codec import ShardingCodec
    from zarr_core_sharding.transformer import (
        ShardingStorageTransformer,
        ShardingTransformerStore,
        convert_to_sharding_indexed,
    )

__all__ = [
    "ShardingCodec",
    "ShardingStorageTransformer",
    "ShardingTransformerStore",
    "convert_to_sharding_indexed",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ShardingCodec": "zarr_core_sharding.codec",
        "ShardingStorageTransformer": "zarr_core_sharding.transformer",
        "ShardingTransformerStore": "zarr_core_sharding.transformer",
        "convert_to_sharding_indexed": "zarr_core_sharding.transformer",
    },
)
