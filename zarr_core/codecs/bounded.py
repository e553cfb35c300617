"""Decompression with a ceiling on the output: no decompression bombs.

A chunk's metadata says how many bytes it decodes to, so a compressed value that would
expand beyond that is corrupt (or hostile). Each function here stops as soon as the
output passes ``limit`` bytes, or refuses before decompressing when the container
states its size (blosc and lz4 headers, zstd frame headers), so a bomb costs at most
``limit`` bytes of memory and the time to produce them. They raise
:class:`DecodedTooLarge` (a ``ValueError``), which the codec pipeline reports as a
:class:`~zarr_core.errors.CorruptChunkError` naming the key.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import Any

import zstandard

__all__ = [
    "DecodedTooLarge",
    "check_size",
    "stated_size_blosc",
    "stated_size_lz4",
    "zlib_bounded",
    "bz2_bounded",
    "lzma_bounded",
    "zstd_bounded",
    "GZIP_WBITS",
]

#: ``wbits`` for zlib to read gzip (RFC 1952) members only.
GZIP_WBITS = 16 + zlib.MAX_WBITS


class DecodedTooLarge(ValueError):
    """The data decodes to more bytes than the chunk can hold."""

    def __init__(self, codec: str, limit: int, stated: int | None = None):
        found = (
            f"says it decodes to {stated} bytes"
            if stated is not None
            else f"decodes to more than {limit} bytes"
        )
        super().__init__(
            f"{codec}: the data {found}; expected {limit} bytes at most, as the array's "
            "metadata implies (a corrupt chunk or a decompression bomb)"
        )


def check_size(codec: str, size: int, limit: int) -> None:
    """Raise :class:`DecodedTooLarge` when a stated or produced ``size`` exceeds ``limit``."""
    if size > limit:
        raise DecodedTooLarge(codec, limit, size)


def stated_size_blosc(view: bytes | memoryview) -> int:
    """The decoded size a blosc header states (bytes 4-8, little-endian)."""
    if len(view) < 16:
        raise ValueError(f"blosc: {len(view)} bytes is shorter than the 16-byte header")
    return int.from_bytes(view[4:8], "little")


def stated_size_lz4(view: bytes | memoryview) -> int:
    """The decoded size numcodecs ``LZ4`` stores before the block (4 bytes, little-endian)."""
    if len(view) < 4:
        raise ValueError(f"lz4: {len(view)} bytes is shorter than the 4-byte size header")
    return int.from_bytes(view[:4], "little")


def _members(codec: str, data: Any, limit: int, new: Callable[[], Any]) -> bytes:
    """Decompress concatenated streams (gzip members, bz2 and xz streams) one after the
    other with ``new()`` decompressors, each asked for at most what is left of ``limit``
    (plus one byte, to tell "exactly full" from "too much").

    Trailing bytes are treated as the standard library does: gzip skips zero padding,
    bz2 and lzma ignore data after the last stream that is not a stream.
    """
    parts: list[bytes] = []
    left = limit
    rest = data
    while True:
        decompressor = new()
        try:
            out = decompressor.decompress(rest, left + 1)
        except (OSError, lzma.LZMAError):
            if parts and codec != "gzip":
                return b"".join(parts)
            raise
        if len(out) > left:
            raise DecodedTooLarge(codec, limit)
        parts.append(out)
        left -= len(out)
        if not decompressor.eof:
            # The output stopped short of the limit before the end of the stream.
            raise ValueError(f"{codec}: truncated stream")
        rest = decompressor.unused_data
        if codec == "gzip":
            rest = rest.lstrip(b"\0")
        if not rest:
            return b"".join(parts)


def zlib_bounded(data: Any, limit: int, wbits: int = zlib.MAX_WBITS) -> bytes:
    """zlib (``wbits=15``) or gzip (:data:`GZIP_WBITS`) data, at most ``limit`` bytes.

    gzip may hold several members (a legal gzip file); zlib holds one stream.
    """
    codec = "gzip" if wbits == GZIP_WBITS else "zlib"
    if wbits == GZIP_WBITS:
        return _members(codec, data, limit, lambda: zlib.decompressobj(wbits))
    decompressor = zlib.decompressobj(wbits)
    out = decompressor.decompress(data, limit + 1)
    if len(out) > limit:
        raise DecodedTooLarge(codec, limit)
    if not decompressor.eof:
        raise ValueError(f"{codec}: truncated stream")
    return out  # bytes after the stream are ignored, as zlib.decompress does


def bz2_bounded(data: Any, limit: int) -> bytes:
    """bz2 data (one or more streams), at most ``limit`` bytes."""
    return _members("bz2", data, limit, bz2.BZ2Decompressor)


def lzma_bounded(data: Any, limit: int, format: int, filters: Any) -> bytes:
    """lzma/xz data in ``format`` (``lzma.FORMAT_*``), at most ``limit`` bytes."""

    def new() -> lzma.LZMADecompressor:
        if format == lzma.FORMAT_RAW:
            return lzma.LZMADecompressor(format=format, filters=filters)
        return lzma.LZMADecompressor(format=format)

    if format == lzma.FORMAT_RAW:
        # A raw stream has no end marker to find the next stream by: decode it alone.
        out = new().decompress(data, limit + 1)
        if len(out) > limit:
            raise DecodedTooLarge("lzma", limit)
        return out
    return _members("lzma", data, limit, new)


def zstd_bounded(dctx: zstandard.ZstdDecompressor, data: Any, limit: int) -> bytes:
    """zstd frames (one or several, with or without content size), at most ``limit``
    bytes."""
    stated = zstandard.frame_content_size(data)
    if stated > limit:
        raise DecodedTooLarge("zstd", limit, stated)
    if stated >= 0:
        try:
            return dctx.decompress(data, allow_extra_data=False)
        except zstandard.ZstdError:
            pass  # several frames: stream them below
    reader = dctx.stream_reader(data, read_across_frames=True, read_size=1 << 16)
    out = reader.read(limit + 1)
    if len(out) > limit:
        raise DecodedTooLarge("zstd", limit)
    return out
