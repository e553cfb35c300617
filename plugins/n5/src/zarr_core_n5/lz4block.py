"""The framing of Java's ``net.jpountz.lz4.LZ4BlockOutputStream``, which N5's ``lz4`` uses.

Each frame is ``"LZ4Block"``, a token byte (method ``0x10`` raw or ``0x20`` LZ4, ORed with
the block-size level), the compressed and decompressed lengths and an XXH32 checksum
(seed ``0x9747b28c``, masked to 28 bits as lz4-java's ``asChecksum`` does), all
little-endian, then the data. The stream ends with an empty frame. The LZ4 blocks
themselves are plain LZ4 (numcodecs' LZ4 adds a 4-byte size prefix, handled here).
"""

from __future__ import annotations

import struct

__all__ = ["compress", "decompress"]

_MAGIC = b"LZ4Block"
_HEADER = struct.Struct("<BIII")
_HEADER_LEN = len(_MAGIC) + _HEADER.size
_RAW, _LZ4 = 0x10, 0x20
_LEVEL_BASE = 10
_SEED = 0x9747B28C
_MASK = 0xFFFFFFF


def _checksum(data: bytes | memoryview) -> int:
    import xxhash

    return xxhash.xxh32_intdigest(data, _SEED) & _MASK


def _level(block_size: int) -> int:
    return max(0, (block_size - 1).bit_length() - _LEVEL_BASE)


def _lz4():
    import numcodecs

    return numcodecs.LZ4()


def compress(data: memoryview, block_size: int = 65536) -> bytes:
    """Frame ``data`` as ``LZ4BlockOutputStream(out, block_size)`` would."""
    codec = _lz4()
    level = _level(block_size)
    out = []
    for start in range(0, len(data), block_size):
        piece = data[start : start + block_size]
        packed = memoryview(codec.encode(piece))[4:]  # drop numcodecs' size prefix
        method = _LZ4
        if len(packed) >= len(piece):  # incompressible: stored raw, as Java does
            packed, method = piece, _RAW
        out += [_MAGIC, _HEADER.pack(method | level, len(packed), len(piece), _checksum(piece))]
        out.append(bytes(packed))
    out += [_MAGIC, _HEADER.pack(_RAW | level, 0, 0, 0)]
    return b"".join(out)


def decompress(data: bytes | memoryview, nbytes: int) -> bytes:
    """Undo :func:`compress`; the result must be ``nbytes`` long (bounded: no bombs).

    Raises
    ------
    ValueError
        On a bad magic, method, length or checksum.
    """
    view = memoryview(data).cast("B")
    codec = _lz4()
    out = []
    total = pos = 0
    while pos < len(view):
        if bytes(view[pos : pos + len(_MAGIC)]) != _MAGIC:
            raise ValueError(f"no LZ4Block frame at byte {pos}")
        if pos + _HEADER_LEN > len(view):
            raise ValueError(f"truncated LZ4Block frame header at byte {pos}")
        token, packed_len, length, check = _HEADER.unpack_from(view, pos + len(_MAGIC))
        pos += _HEADER_LEN
        if length == 0 and packed_len == 0:
            break  # the end-of-stream frame
        method = token & 0xF0
        if method not in (_RAW, _LZ4) or total + length > nbytes:
            raise ValueError(
                f"bad LZ4Block frame (method {method:#x}, {length} bytes after {total} of {nbytes})"
            )
        packed = view[pos : pos + packed_len]
        if len(packed) != packed_len:
            raise ValueError("truncated LZ4Block frame")
        pos += packed_len
        piece = (
            bytes(packed) if method == _RAW else codec.decode(length.to_bytes(4, "little") + packed)
        )
        if len(piece) != length or _checksum(piece) != check:
            raise ValueError("LZ4Block frame checksum mismatch: the block is corrupt")
        out.append(piece)
        total += length
    return b"".join(out)
