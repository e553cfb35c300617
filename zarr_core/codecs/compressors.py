"""The ``blosc``, ``gzip`` and ``zstd`` bytes->bytes codecs.

Each writes the standard container of its library, so other implementations read what
we write: blosc's own header (identical to numcodecs ``Blosc``), RFC 1952 gzip members,
and zstd frames with the content size in the header.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import zstandard
from numcodecs import blosc

from zarr_core.codecs.base import (
    PARALLEL_MIN_BYTES,
    BytesBytesCodec,
    BytesLike,
    ChunkSpec,
    byte_view,
    check_config,
    exportable,
    nbytes_of,
)
from zarr_core.codecs.bounded import (
    GZIP_WBITS,
    check_size,
    stated_size_blosc,
    zlib_bounded,
    zstd_bounded,
)
from zarr_core.config import concurrency
from zarr_core.errors import CodecError
from zarr_core.pools import parallel_map

__all__ = ["BloscCodec", "GzipCodec", "ZstdCodec", "SHUFFLE_NAMES"]

#: v3 shuffle names and the blosc constants they stand for.
SHUFFLE_NAMES: dict[str, int] = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}
_SHUFFLE_BY_INT = {v: k for k, v in SHUFFLE_NAMES.items()}


def _check_int(codec: str, field: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise CodecError(
            f"codec {codec!r}: {field} must be an integer in [{lo}, {hi}], got {value!r}"
        )
    return value


def _object_or_itemsize(spec: ChunkSpec) -> int:
    # Variable-length encodings are byte streams: no element structure to shuffle.
    return 1 if spec.dtype.hasobject else spec.dtype.itemsize


# --------------------------------------------------------------------------- blosc


class BloscCodec(BytesBytesCodec):
    """Blosc meta-compression; the output is byte-identical to numcodecs ``Blosc``.

    Parameters
    ----------
    cname
        Inner compressor: ``lz4``, ``lz4hc``, ``blosclz``, ``zstd``, ``zlib``.
    clevel
        0-9.
    shuffle
        ``"noshuffle"``, ``"shuffle"`` (bytes) or ``"bitshuffle"``.
    typesize
        Element size the shuffle works on; chosen from the dtype at creation.
    blocksize
        Bytes per block; 0 lets blosc choose.
    """

    name: ClassVar[str] = "blosc"

    def __init__(
        self,
        cname: str = "zstd",
        clevel: int = 5,
        shuffle: str = "shuffle",
        typesize: int = 1,
        blocksize: int = 0,
    ):
        if cname not in blosc.list_compressors():
            raise CodecError(
                f"codec 'blosc': cname {cname!r} is not one of {blosc.list_compressors()}"
            )
        if shuffle not in SHUFFLE_NAMES:
            raise CodecError(
                f"codec 'blosc': shuffle must be one of {list(SHUFFLE_NAMES)}, got {shuffle!r}"
            )
        self.cname = cname
        self.clevel = _check_int("blosc", "clevel", clevel, 0, 9)
        self.shuffle = shuffle
        self.typesize = _check_int("blosc", "typesize", typesize, 1, 2**31 - 1)
        self.blocksize = _check_int("blosc", "blocksize", blocksize, 0, 2**31 - 1)
        self._cname_bytes = cname.encode("ascii")
        self._shuffle_int = SHUFFLE_NAMES[shuffle]

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> BloscCodec:
        check_config(
            cls.name, configuration, ("cname", "clevel", "shuffle", "typesize", "blocksize")
        )
        typesize = configuration.get("typesize") or _object_or_itemsize(spec)
        shuffle = configuration.get("shuffle", "bitshuffle" if typesize == 1 else "shuffle")
        return cls(
            cname=configuration.get("cname", "zstd"),
            clevel=configuration.get("clevel", 5),
            shuffle=shuffle,
            typesize=typesize,
            blocksize=configuration.get("blocksize", 0),
        )

    @classmethod
    def from_numcodecs_config(cls, config: Mapping[str, Any], typesize: int) -> BloscCodec:
        """Build from a numcodecs ``blosc`` config, resolving shuffle ``-1`` (auto) the way
        numcodecs does for elements of ``typesize`` bytes."""
        shuffle = config.get("shuffle", 1)
        if shuffle == -1:
            shuffle = 2 if typesize == 1 else 1
        if shuffle not in _SHUFFLE_BY_INT:
            raise CodecError(f"codec 'blosc': shuffle must be -1, 0, 1 or 2, got {shuffle!r}")
        return cls(
            cname=config.get("cname", "lz4"),
            clevel=config.get("clevel", 5),
            shuffle=_SHUFFLE_BY_INT[shuffle],
            typesize=config.get("typesize") or typesize,
            blocksize=config.get("blocksize", 0),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "configuration": {
                "typesize": self.typesize,
                "cname": self.cname,
                "clevel": self.clevel,
                "shuffle": self.shuffle,
                "blocksize": self.blocksize,
            },
        }

    def encode(self, data: BytesLike) -> BytesLike:
        return blosc.compress(
            byte_view(data),
            self._cname_bytes,
            self.clevel,
            self._shuffle_int,
            self.blocksize,
            self.typesize,
        )

    @staticmethod
    def _decoded_size(view: memoryview) -> int:
        # Header: version, versionlz, flags, typesize, then u32le nbytes, blocksize, cbytes.
        # Checking cbytes first keeps blosc from reading past the end of a truncated chunk.
        nbytes = stated_size_blosc(view)
        cbytes = int.from_bytes(view[12:16], "little")
        if cbytes != len(view):
            raise ValueError(f"blosc: the header says {cbytes} compressed bytes, got {len(view)}")
        return nbytes

    def decode(self, data: BytesLike) -> BytesLike:
        view = byte_view(data)
        out = np.empty(self._decoded_size(view), dtype=np.uint8)
        blosc.decompress(view, out)
        return out

    def decode_bounded(self, data: BytesLike, max_size: int) -> BytesLike:
        # blosc never writes past the size its header states: checking that is enough.
        view = byte_view(data)
        size = self._decoded_size(view)
        check_size(self.name, size, max_size)
        out = np.empty(size, dtype=np.uint8)
        blosc.decompress(view, out)
        return out

    def decode_into(self, data: BytesLike, out: np.ndarray) -> bool:
        view = byte_view(data)
        if self._decoded_size(view) != len(out):
            return False
        blosc.decompress(view, out)
        return True

    def decode_batch_fixed(
        self, datas: Sequence[BytesLike], size: int, out: np.ndarray | None = None
    ) -> np.ndarray:
        views = [byte_view(d) for d in datas]
        for i, view in enumerate(views):
            decoded = self._decoded_size(view)
            if decoded != size:
                raise ValueError(f"blosc: item {i} decodes to {decoded} bytes, expected {size}")
        rows = np.empty((len(views), size), dtype=np.uint8) if out is None else out

        def work(i: int) -> None:
            blosc.decompress(views[i], rows[i])

        # Blosc releases the GIL: large chunks decode side by side on the pool.
        parallel_map(work, range(len(views)), size >= PARALLEL_MIN_BYTES)
        return rows


# ---------------------------------------------------------------------------- gzip


class GzipCodec(BytesBytesCodec):
    """Deflate in the gzip (RFC 1952) container; ``mtime`` is 0 so output is reproducible.

    Parameters
    ----------
    level
        0-9.
    """

    name: ClassVar[str] = "gzip"

    def __init__(self, level: int = 5):
        self.level = _check_int("gzip", "level", level, 0, 9)

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> GzipCodec:
        check_config(cls.name, configuration, ("level",))
        return cls(configuration.get("level", 5))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "configuration": {"level": self.level}}

    def encode(self, data: BytesLike) -> BytesLike:
        return gzip.compress(byte_view(data), compresslevel=self.level, mtime=0)

    def decode_bounded(self, data: BytesLike, max_size: int) -> BytesLike:
        return zlib_bounded(byte_view(data), max_size, GZIP_WBITS)

    def decode(self, data: BytesLike) -> BytesLike:
        view = byte_view(data)
        decompressor = zlib.decompressobj(wbits=GZIP_WBITS)  # gzip header only
        out = decompressor.decompress(view)
        if not decompressor.eof:
            raise ValueError("gzip: truncated stream")
        if decompressor.unused_data:
            return gzip.decompress(view)  # several members (a legal gzip file), or garbage
        return out


# ---------------------------------------------------------------------------- zstd

# zstandard contexts must not be used by two threads at once, and building one per call
# costs more than compressing a small chunk: keep one per thread (and level).
_local = threading.local()


def _compressor(level: int, checksum: bool) -> zstandard.ZstdCompressor:
    cache = getattr(_local, "compressors", None)
    if cache is None:
        cache = _local.compressors = {}
    cctx = cache.get((level, checksum))
    if cctx is None:
        cctx = cache[level, checksum] = zstandard.ZstdCompressor(
            level=level, write_checksum=checksum, write_content_size=True
        )
    return cctx


def _decompressor() -> zstandard.ZstdDecompressor:
    dctx = getattr(_local, "decompressor", None)
    if dctx is None:
        dctx = _local.decompressor = zstandard.ZstdDecompressor()
    return dctx


def _zstd_threads(n: int, total: int) -> int:
    # zstd starts its own threads per call: only worth it for enough work.
    if total < 4 * PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(concurrency(), n))


def zstd_decompress(data: BytesLike) -> bytes:
    """Decompress one or more concatenated zstd frames, with or without content size."""
    view = byte_view(data)
    dctx = _decompressor()
    try:
        return dctx.decompress(view, allow_extra_data=False)
    except zstandard.ZstdError:
        pass  # no content size in the header, or several frames: stream instead
    parts = []
    while True:
        stream = dctx.decompressobj()
        parts.append(stream.decompress(view))
        if not stream.eof:
            raise ValueError("zstd: truncated frame")
        view = memoryview(stream.unused_data)
        if not view:
            return b"".join(parts)


def zstd_decompress_into(data: BytesLike, out: memoryview) -> None:
    """Decompress one zstd frame holding exactly ``len(out)`` bytes into ``out``.

    This thread's decompressor streams straight into the buffer: numcodecs'
    ``decompress(data, out)`` sets up a new zstd context for every call, which made
    decoding 1,024 frames of 128 KiB take 54 ms instead of 41 ms. Raises when the frame
    holds fewer bytes, or is followed by anything (another frame or stray bytes).
    """
    view = byte_view(data)
    with _decompressor().stream_reader(
        view, read_size=len(view), read_across_frames=True, closefd=False
    ) as reader:
        filled = 0
        while filled < len(out):
            got = reader.readinto(out[filled:])
            if not got:
                raise ValueError(f"zstd: the frame holds {filled} bytes, not {len(out)}")
            filled += got
        if reader.read(1):
            raise ValueError(f"zstd: data follows the frame's {len(out)} bytes")


def zstd_decompress_bounded(data: BytesLike, limit: int) -> bytes:
    """:func:`zstd_decompress` producing at most ``limit`` bytes (see
    :mod:`zarr_core.codecs.bounded`)."""
    return zstd_bounded(_decompressor(), byte_view(data), limit)


class ZstdCodec(BytesBytesCodec):
    """Zstandard frames (zarr-extensions ``zstd``).

    Parameters
    ----------
    level
        -131072..22; 0 means the library default (3).
    checksum
        Whether frames carry a content checksum (verified on decode).
    """

    name: ClassVar[str] = "zstd"

    def __init__(self, level: int = 0, checksum: bool = False):
        self.level = _check_int("zstd", "level", level, -131072, 22)
        if not isinstance(checksum, bool):
            raise CodecError(f"codec 'zstd': checksum must be true or false, got {checksum!r}")
        self.checksum = checksum

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> ZstdCodec:
        check_config(cls.name, configuration, ("level", "checksum"))
        return cls(configuration.get("level", 0), configuration.get("checksum", False))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "configuration": {"level": self.level, "checksum": self.checksum},
        }

    def encode(self, data: BytesLike) -> BytesLike:
        return _compressor(self.level, self.checksum).compress(byte_view(data))

    def decode(self, data: BytesLike) -> BytesLike:
        return zstd_decompress(data)

    def decode_bounded(self, data: BytesLike, max_size: int) -> BytesLike:
        return zstd_decompress_bounded(data, max_size)

    def decode_into(self, data: BytesLike, out: np.ndarray) -> bool:
        view = byte_view(data)
        # The header states the frame's size; without it (or for another size) the usual
        # path decodes and reports, so that a frame of another size is never streamed
        # into part of the buffer.
        if zstandard.frame_content_size(view) != len(out):
            return False
        zstd_decompress_into(view, memoryview(out))
        return True

    def encode_batch(self, datas: Sequence[BytesLike]) -> list[BytesLike]:
        if len(datas) < 2:
            return super().encode_batch(datas)
        views = [exportable(d) for d in datas]
        threads = _zstd_threads(len(views), len(views) * nbytes_of(views[0]))
        frames = _compressor(self.level, self.checksum).multi_compress_to_buffer(
            views, threads=threads
        )
        return [frames[i].tobytes() for i in range(len(frames))]

    def decode_batch_fixed(
        self, datas: Sequence[BytesLike], size: int, out: np.ndarray | None = None
    ) -> np.ndarray | None:
        n = len(datas)
        if n < 2 or size == 0:
            return None
        sizes = np.full(n, size, dtype=np.uint64).tobytes()
        threads = _zstd_threads(n, n * size)
        # One C call decodes every frame (on zstd's own threads); stating the expected
        # sizes also covers frames written without a content size and fails on any
        # frame that does not decode to exactly ``size`` bytes.
        decoded = _decompressor().multi_decompress_to_buffer(
            [exportable(d) for d in datas],
            decompressed_sizes=sizes,
            threads=threads,
        )
        if out is None:
            return np.frombuffer(bytearray().join(decoded), dtype=np.uint8).reshape(n, size)
        # Straight from zstd's buffer into the caller's: one copy, no block in between.
        np.concatenate(
            [np.frombuffer(part, dtype=np.uint8) for part in decoded], out=out.reshape(-1)
        )
        return out
