"""Codecs: chunk arrays to stored bytes and back, for Zarr v2 and v3.

:class:`CodecPipeline` is the entry point; :mod:`zarr_core.codecs.base` documents the
contract codec plugins implement.
"""

from zarr_core.codecs.base import (
    ArrayArrayCodec,
    ArrayBytesCodec,
    BytesBytesCodec,
    ChunkSpec,
    Codec,
)
from zarr_core.codecs.bytes_codec import BytesCodec
from zarr_core.codecs.compressors import BloscCodec, GzipCodec, ZstdCodec
from zarr_core.codecs.crc32c_codec import Crc32cCodec
from zarr_core.codecs.defaults import (
    default_v2_compressor,
    default_v3_codecs,
    v3_codecs_from_numcodecs,
)
from zarr_core.codecs.pipeline import CodecPipeline
from zarr_core.codecs.registry import get_codec_class
from zarr_core.codecs.transpose import TransposeCodec
from zarr_core.codecs.vlen import VlenBytesCodec, VlenUtf8Codec

__all__ = [
    "ArrayArrayCodec",
    "ArrayBytesCodec",
    "BytesBytesCodec",
    "ChunkSpec",
    "Codec",
    "CodecPipeline",
    "get_codec_class",
    "default_v2_compressor",
    "default_v3_codecs",
    "v3_codecs_from_numcodecs",
    "BytesCodec",
    "TransposeCodec",
    "BloscCodec",
    "GzipCodec",
    "ZstdCodec",
    "Crc32cCodec",
    "VlenUtf8Codec",
    "VlenBytesCodec",
]
