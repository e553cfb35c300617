"""How :class:`~zarr_core_cache.CacheStore` lays out a value in its cache store.

Each cached value is stored with a 24-byte header: a magic tag, the wall-clock time it
was cached (so a time-to-live still holds after the cache is reopened by another
process), the payload's length and, for persistent cache stores, its CRC-32. A value a
crash left half-written (on a cache store that does not write atomically) fails the
length or checksum check and is treated as a miss, never served.
"""

from __future__ import annotations

import struct
import time
import zlib

__all__ = ["HEADER_SIZE", "pack", "unpack"]

_MAGIC = b"ZCc1"
_HEADER = struct.Struct("<4sQQI")  # magic, cached at (ns since the epoch), length, crc32
HEADER_SIZE = _HEADER.size
_NO_CRC = 0xFFFFFFFF  # in-memory cache stores cannot tear; their values skip the checksum


def pack(value: bytes, checksum: bool) -> bytes:
    """``value`` with its header, cached now."""
    crc = zlib.crc32(value) if checksum else _NO_CRC
    return _HEADER.pack(_MAGIC, time.time_ns(), len(value), crc) + value


def unpack(entry: bytes, checksum: bool) -> tuple[bytes, float] | None:
    """``(value, cached_at_seconds)``, or ``None`` if ``entry`` is torn or not ours."""
    if len(entry) < HEADER_SIZE:
        return None
    magic, cached_ns, length, crc = _HEADER.unpack_from(entry)
    if magic != _MAGIC or len(entry) - HEADER_SIZE != length:
        return None
    value = entry[HEADER_SIZE:]
    if checksum and zlib.crc32(value) != crc:
        return None
    return value, cached_ns / 1e9
