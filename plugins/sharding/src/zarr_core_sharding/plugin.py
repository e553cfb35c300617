"""Declarations of the zarr-core-sharding plugin (cheap to import: no codec code here)."""

from __future__ import annotations

from zarr_core.plugins import CodecSpec, TransformerSpec, hookimpl


@hookimpl
def zarr_core_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(
            name="sharding_indexed",
            target="zarr_core_sharding.codec:ShardingCodec",
            description="Zarr v3 sharding: many inner chunks per stored object, with an index",
        )
    ]


@hookimpl
def zarr_core_storage_transformers() -> list[TransformerSpec]:
    return [
        TransformerSpec(
            name="sharding",
            target="zarr_core_sharding.transformer:ShardingStorageTransformer",
            description="ZEP 2 draft sharding storage transformer (read and written by zarr-core only)",
        )
    ]
