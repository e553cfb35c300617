"""Partial decompression: decode only the blosc blocks holding the rows a read needs.

A chain that lays a chunk out as plain elements (``bytes``, after nothing but
``transpose`` codecs) and then compresses it with blosc alone stores every run of
*rows* -- consecutive indices along the first axis of the stored layout -- as one
contiguous byte span of the decoded frame. Blosc cuts that frame into blocks that are
compressed independently (shuffle included), so such a span is recovered from the
blocks covering it. A 64x64 window of a 1024x1024 float32 chunk is 64 rows, 256 KiB of
4 MiB: one or two blosc blocks of eight.

The blosc1 frame (c-blosc's ``README_HEADER.rst``)::

    byte 0 version, 1 versionlz, 2 flags, 3 typesize,
    4-8 nbytes (decoded size), 8-12 blocksize, 12-16 cbytes (frame size), all little-endian
    then, unless flags has MEMCPYED (0x02), one int32 start offset per block,
    then the blocks. A MEMCPYED frame holds the raw bytes right after the header.

Offsets need not increase with the block index: blosc's compressing threads write
blocks in the order they finish. Blocks do tile the payload without gaps, so a block
ends where the next block in file order starts (the last one at ``cbytes``).

To decode some blocks, :class:`RowReader` builds a small frame of its own holding only
those blocks (the original header with sizes and offsets rewritten) and hands it to
blosc, so shuffle, split streams and every inner compressor are decoded by blosc itself.

Reading is a conversation, so that a caller can fetch byte ranges from a store for many
chunks at once: :meth:`RowReader.read_rows` is a generator that yields a list of byte
ranges to fetch (``(offset, length)`` tuples, or ``None`` for the whole value), is sent
the list of fetched values, and finally returns the decoded rows. First the header and
the block offsets, then the covering blocks: two requests. Frames this reader does not
handle (blosc2 extended headers, blosc's delta filter, a size that disagrees with the
metadata) are fetched whole and decoded by the full pipeline, which reports their errors
as a whole-chunk read does.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Generator, Sequence
from typing import TypeAlias

import numpy as np
from numcodecs import blosc

from zarr_core.codecs.base import (
    ArrayArrayCodec,
    ArrayBytesCodec,
    BytesBytesCodec,
    BytesLike,
    byte_view,
    nbytes_of,
)
from zarr_core.codecs.bytes_codec import BytesCodec
from zarr_core.codecs.compressors import BloscCodec
from zarr_core.codecs.transpose import TransposeCodec
from zarr_core.errors import CorruptChunkError, MetadataError

__all__ = ["RowReader", "Request", "RowRead", "row_reader_for"]

#: One byte range to fetch: ``(offset, length)``, or ``None`` for the whole value.
Request: TypeAlias = tuple[int, int] | None
#: The generator :meth:`RowReader.read_rows` returns.
RowRead: TypeAlias = Generator[list[Request], Sequence[BytesLike], np.ndarray]

_HEADER = 16
# Flags of the blosc1 header.
_SHUFFLE, _MEMCPYED, _BITSHUFFLE, _DELTA, _DONT_SPLIT = 0x01, 0x02, 0x04, 0x08, 0x10
# c-blosc chooses blocks of at least 8 KiB unless told a block size (MIN_BUFFERSIZE is
# 128 bytes); the first request asks for the offsets of that many blocks with the
# header, so that only frames with forced tiny blocks need a request more. It asks for
# 8 KiB at least, which costs a file or an object store no more than 16 bytes do and
# holds the whole frame of a chunk that compresses very well.
_GUESS_BLOCKSIZE = 8192
_FIRST_REQUEST = 8192


class RowReader:
    """Decodes runs of stored rows of a chunk from the blocks of its blosc frame.

    Built by :class:`~zarr_core.codecs.pipeline.CodecPipeline` for chains that allow it
    (``pipeline.row_reader``); the engine decides when to use it.

    Parameters
    ----------
    shape
        The logical chunk shape.
    dtype
        The chunk's dtype in memory.
    stored_dtype
        The element type as the ``bytes`` codec lays it out (byte order included).
    permutation
        Logical axis of each stored axis (the composed ``transpose`` orders; the
        identity without them).
    decode
        The full pipeline's ``decode(data, key)``, for frames read whole.

    Attributes
    ----------
    axis
        The logical axis whose indices are the stored rows.
    nrows
        Number of rows (the chunk's length along :attr:`axis`).
    row_nbytes
        Bytes per row.
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: np.dtype,
        stored_dtype: np.dtype,
        permutation: Sequence[int],
        decode: Callable[[BytesLike, str], np.ndarray],
    ):
        self._stored_shape = tuple(shape[p] for p in permutation)
        self._inverse = tuple(int(i) for i in np.argsort(permutation))
        self._dtype = dtype
        self._stored_dtype = stored_dtype
        self._decode = decode
        self.axis = int(permutation[0])
        self.nrows = self._stored_shape[0]
        self.row_nbytes = int(np.prod(self._stored_shape[1:], dtype=np.int64)) * dtype.itemsize
        self._nbytes = self.nrows * self.row_nbytes
        self._head = max(_FIRST_REQUEST, _HEADER + 4 * -(-self._nbytes // _GUESS_BLOCKSIZE))

    def read_rows(
        self,
        key: str,
        start: int,
        stop: int,
        max_share: float = 1.0,
        before_whole: Callable[[], None] | None = None,
    ) -> RowRead:
        """Decode rows ``start:stop`` of the chunk stored under ``key``.

        A generator (see the module docstring): it yields lists of byte ranges and is
        sent the fetched values (the caller handles missing keys: a missing chunk is
        never sent); it returns the rows as an array in logical axis order, of the chunk
        shape except ``stop - start`` along :attr:`axis`. Read-only, possibly a view of
        fetched bytes.

        When the rows lie in every block of the frame, or in more than ``max_share`` of
        them, the whole value is fetched and decoded instead (the header tells), after
        calling ``before_whole`` (the engine's check that a whole chunk fits in memory).

        Raises
        ------
        CorruptChunkError
            Naming ``key``, when the frame is truncated or invalid.
        """
        if not 0 <= start < stop <= self.nrows:
            raise ValueError(f"rows {start}:{stop} of a chunk of {self.nrows} rows")
        try:
            return (yield from self._read(key, start, stop, max_share, before_whole))
        except (CorruptChunkError, MetadataError):
            raise
        except Exception as exc:  # blosc or NumPy on invalid data
            raise CorruptChunkError(key, f"blosc: {type(exc).__name__}: {exc}") from exc

    def _read(
        self,
        key: str,
        start: int,
        stop: int,
        max_share: float,
        before_whole: Callable[[], None] | None,
    ) -> RowRead:
        first, last = start * self.row_nbytes, stop * self.row_nbytes
        (head,) = yield [(0, self._head)]
        head = byte_view(head)
        if len(head) < _HEADER:
            raise CorruptChunkError(
                key, f"blosc: {len(head)} bytes is shorter than the 16-byte header"
            )
        flags = head[2]
        nbytes, blocksize, cbytes = (
            int.from_bytes(head[i : i + 4], "little") for i in range(4, _HEADER, 4)
        )
        if (
            head[0] not in (1, 2)  # blosc1 formats; c-blosc2's own frames are newer
            or flags & _DELTA  # every block is a difference to the first one
            or flags & (_SHUFFLE | _BITSHUFFLE) == _SHUFFLE | _BITSHUFFLE  # blosc2 header
            or head[3] == 0
            or nbytes != self._nbytes
            or not 0 < blocksize <= nbytes
        ):
            return (yield from self._whole(key, start, stop, before_whole))
        if flags & _MEMCPYED:
            if cbytes != _HEADER + nbytes:
                raise CorruptChunkError(
                    key, f"blosc: an uncompressed frame of {nbytes} bytes states {cbytes}"
                )
            (raw,) = yield [(_HEADER + first, last - first)]
            _check_length(key, raw, last - first, _HEADER + first)
            return self._as_rows(raw, start, stop)
        nblocks = -(-nbytes // blocksize)
        b0, b1 = first // blocksize, -(-last // blocksize)
        if b1 - b0 == nblocks or b1 - b0 > max_share * nblocks:
            # Decoding the frame as it is saves copying its blocks into a frame of their
            # own: all that partial decoding would save when every block is needed.
            return (yield from self._whole(key, start, stop, before_whole))
        table = _HEADER + 4 * nblocks
        if cbytes < table:
            raise CorruptChunkError(
                key, f"blosc: {cbytes} bytes cannot hold the offsets of {nblocks} blocks"
            )
        if len(head) < table:
            (rest,) = yield [(len(head), table - len(head))]
            _check_length(key, rest, table - len(head), len(head))
            head = memoryview(bytes(head) + bytes(byte_view(rest)))
        starts = struct.unpack_from(f"<{nblocks}I", head, _HEADER)
        ends = _block_ends(key, starts, table, cbytes)
        runs: list[list[int]] = []  # [offset, end] in the frame, blocks b0..b1-1 in order
        for b in range(b0, b1):
            if runs and runs[-1][1] == starts[b]:
                runs[-1][1] = ends[b]
            else:
                runs.append([starts[b], ends[b]])
        if max(e for _, e in runs) <= len(head):
            # A frame that compresses well may already be whole in the first response.
            parts: Sequence[BytesLike] = [head[s:e] for s, e in runs]
        else:
            parts = yield [(s, e - s) for s, e in runs]
            for (s, e), part in zip(runs, parts):
                _check_length(key, part, e - s, s)
        sizes = [ends[b] - starts[b] for b in range(b0, b1)]
        out = _decode_blocks(head, parts, sizes, b0, b1, blocksize, nbytes)
        offset = b0 * blocksize
        return self._as_rows(out[first - offset : last - offset], start, stop)

    def _whole(
        self, key: str, start: int, stop: int, before_whole: Callable[[], None] | None
    ) -> RowRead:
        """Fetch the whole value and decode it with the full pipeline."""
        if before_whole is not None:
            before_whole()
        (whole,) = yield [None]
        chunk = self._decode(whole, key)
        index = [slice(None)] * chunk.ndim
        index[self.axis] = slice(start, stop)
        return chunk[tuple(index)]

    def _as_rows(self, data: BytesLike, start: int, stop: int) -> np.ndarray:
        rows = np.frombuffer(byte_view(data), dtype=self._stored_dtype)
        rows = rows.reshape((stop - start, *self._stored_shape[1:]))
        if rows.dtype != self._dtype:
            rows = rows.astype(self._dtype)
        return rows.transpose(self._inverse)


def _check_length(key: str, data: BytesLike, expected: int, offset: int) -> None:
    got = nbytes_of(data)
    if got != expected:
        raise CorruptChunkError(
            key,
            f"blosc: truncated: {expected} bytes expected at offset {offset}, the stored "
            f"value has {got}",
        )


def _block_ends(key: str, starts: Sequence[int], table: int, cbytes: int) -> list[int]:
    """Where each block ends: at the next start in file order, the last at ``cbytes``."""
    in_file = sorted(starts)
    bounds = [*in_file, cbytes]
    if in_file[0] < table or any(a >= b for a, b in zip(bounds, bounds[1:])):
        raise CorruptChunkError(
            key,
            f"blosc: block offsets {in_file[:8]}... do not tile the {cbytes}-byte frame "
            f"after its {table}-byte header",
        )
    end_of = dict(zip(in_file, bounds[1:]))
    return [end_of[s] for s in starts]


def _decode_blocks(
    head: memoryview,
    parts: Sequence[BytesLike],
    sizes: Sequence[int],
    b0: int,
    b1: int,
    blocksize: int,
    nbytes: int,
) -> np.ndarray:
    """Decode blocks ``b0:b1`` (their bytes in ``parts``, in block order) by framing them
    as a blosc frame of their own (``head`` starts with the original header)."""
    size = min(b1 * blocksize, nbytes) - b0 * blocksize
    flags = head[2]
    if size < blocksize:
        # Only the short last block: a frame whose block size exceeds its size is
        # invalid, so the block size becomes that size. The last block of a frame is
        # never split into typesize streams, which the flag keeps blosc from assuming.
        blocksize, flags = size, flags | _DONT_SPLIT
    table = _HEADER + 4 * len(sizes)
    offsets, at = [], table
    for n in sizes:
        offsets.append(at)
        at += n
    header = struct.pack(
        f"<4B3I{len(sizes)}I", head[0], head[1], flags, head[3], size, blocksize, at, *offsets
    )
    # One allocation and one copy of the blocks (a bytearray would zero its memory first).
    frame = b"".join([header, *parts])
    out = np.empty(size, dtype=np.uint8)
    blosc.decompress(frame, out)
    return out


def row_reader_for(
    spec_shape: tuple[int, ...],
    dtype: np.dtype,
    array_array: Sequence[ArrayArrayCodec],
    array_bytes: ArrayBytesCodec,
    bytes_bytes: Sequence[BytesBytesCodec],
    decode: Callable[[BytesLike, str], np.ndarray],
) -> RowReader | None:
    """A :class:`RowReader` for a chain of ``transpose``\\* + ``bytes`` + one blosc
    compressor over fixed-size elements, else None."""
    if (
        not spec_shape
        or dtype.hasobject
        or math.prod(spec_shape) * dtype.itemsize == 0
        or not isinstance(array_bytes, BytesCodec)
        or len(bytes_bytes) != 1
        or not (
            isinstance(bytes_bytes[0], BloscCodec)
            or getattr(bytes_bytes[0], "codec_id", None) == "blosc"  # numcodecs.blosc
        )
        or not all(isinstance(c, TransposeCodec) for c in array_array)
    ):
        return None
    permutation = np.arange(len(spec_shape))
    for codec in array_array:
        permutation = permutation[list(codec.order)]
    return RowReader(
        spec_shape,
        dtype,
        array_bytes.stored_dtype(dtype),
        permutation.tolist(),
        decode,
    )
