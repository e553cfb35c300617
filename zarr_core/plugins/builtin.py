"""Core's own plugin: the stores and codecs that ship with ``zarr-core`` itself.

They enter the registry exactly as a plugin's do, through the same hooks. Registered before
any entry-point plugin and marked built-in, so a plugin that declares the same name wins
without a conflict warning (the directory plugin serves ``file:`` when installed; without
it, local paths open through fsspec's local filesystem).
"""

from __future__ import annotations

from zarr_core.plugins import CodecSpec, StoreSpec, hookimpl

# v3 codec name -> "module:Class" in zarr_core.codecs. "endian" is an early draft's name
# of the bytes codec that zarr-python still reads.
_CODECS = {
    "bytes": ("bytes_codec:BytesCodec", "fixed-size values to bytes, with an endianness"),
    "endian": ("bytes_codec:BytesCodec", "early v3 drafts' name of the bytes codec"),
    "transpose": ("transpose:TransposeCodec", "reorder the dimensions of a chunk"),
    "blosc": ("compressors:BloscCodec", "Blosc compression"),
    "gzip": ("compressors:GzipCodec", "gzip compression"),
    "zstd": ("compressors:ZstdCodec", "Zstandard compression"),
    "crc32c": ("crc32c_codec:Crc32cCodec", "CRC-32C checksum of each chunk"),
    "vlen-utf8": ("vlen:VlenUtf8Codec", "variable-length UTF-8 strings"),
    "vlen-bytes": ("vlen:VlenBytesCodec", "variable-length byte strings"),
}


@hookimpl
def zarr_core_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(name=name, target=f"zarr_core.codecs.{target}", description=description)
        for name, (target, description) in _CODECS.items()
    ]


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="memory",
            target="zarr_core.storage.memory:MemoryStore",
            schemes=("memory",),
            description="in-memory store; memory://name is shared within the process",
        ),
        StoreSpec(
            name="file",
            target="zarr_core.storage.fsspec_store:FSStore",
            schemes=("file",),
            description="local files through fsspec (fallback when zarr-core-directory is absent)",
        ),
        StoreSpec(
            name="zarr2",
            target="zarr_core.storage.format_adapters:Zarr2Adapter",
            schemes=("zarr2",),
            kind="adapter",
            description="pin Zarr format 2 for the node at this point of a URL pipeline",
        ),
        StoreSpec(
            name="zarr3",
            target="zarr_core.storage.format_adapters:Zarr3Adapter",
            schemes=("zarr3",),
            kind="adapter",
            description="pin Zarr format 3 for the node at this point of a URL pipeline",
        ),
    ]
