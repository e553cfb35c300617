"""Bounded decompression keeps decoding every legal value as before.

The limits must not refuse what the formats allow (several gzip members, zero padding,
bz2/xz streams, zstd frames without a content size, a raw lzma stream), must accept a
value decoding to exactly the limit and refuse one byte more, and must report damaged
data as corrupt, as the unbounded decoders did.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zlib

import numcodecs
import numpy as np
import pytest
import zstandard

import zarr_core
from zarr_core.codecs.bounded import (
    GZIP_WBITS,
    DecodedTooLarge,
    bz2_bounded,
    lzma_bounded,
    zlib_bounded,
    zstd_bounded,
)
from zarr_core.errors import CorruptChunkError

DATA = bytes(range(256)) * 40  # 10240 bytes
N = len(DATA)
_dctx = zstandard.ZstdDecompressor()


def _zstd(data: bytes, **kwargs) -> bytes:
    return zstandard.ZstdCompressor(**kwargs).compress(data)


def _gzip_members(data: bytes) -> bytes:
    return gzip.compress(data[:100], mtime=0) + gzip.compress(data[100:], mtime=0)


def _gzip_padded(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0) + bytes(8)


def _bz2_streams(data: bytes) -> bytes:
    return bz2.compress(data[:5000]) + bz2.compress(data[5000:])


def _bz2_junk(data: bytes) -> bytes:
    return bz2.compress(data) + b"\0\0junk"


def _xz_streams(data: bytes) -> bytes:
    return lzma.compress(data[:5000]) + lzma.compress(data[5000:])


def _zstd_frames(data: bytes) -> bytes:
    return b"".join(_zstd(data[i : i + 3000], write_content_size=False) for i in range(0, N, 3000))


def _zlib_tail(data: bytes) -> bytes:
    return zlib.compress(data) + b"tail"


_RAW = [{"id": lzma.FILTER_LZMA2, "preset": 1}]
# name -> (decoder taking (data, limit), encoder)
LEGAL = {
    "zlib": (zlib_bounded, zlib.compress),
    "zlib-trailing-bytes": (zlib_bounded, _zlib_tail),
    "gzip": (lambda d, n: zlib_bounded(d, n, GZIP_WBITS), lambda d: gzip.compress(d, mtime=0)),
    "gzip-two-members": (lambda d, n: zlib_bounded(d, n, GZIP_WBITS), _gzip_members),
    "gzip-zero-padding": (lambda d, n: zlib_bounded(d, n, GZIP_WBITS), _gzip_padded),
    "bz2": (bz2_bounded, bz2.compress),
    "bz2-two-streams": (bz2_bounded, _bz2_streams),
    "bz2-trailing-junk": (bz2_bounded, _bz2_junk),
    "xz": (lambda d, n: lzma_bounded(d, n, lzma.FORMAT_XZ, None), lzma.compress),
    "xz-two-streams": (lambda d, n: lzma_bounded(d, n, lzma.FORMAT_XZ, None), _xz_streams),
    "lzma-alone": (
        lambda d, n: lzma_bounded(d, n, lzma.FORMAT_ALONE, None),
        lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE),
    ),
    "lzma-raw": (
        lambda d, n: lzma_bounded(d, n, lzma.FORMAT_RAW, _RAW),
        lambda d: lzma.compress(d, format=lzma.FORMAT_RAW, filters=_RAW),
    ),
    "zstd-sized": (lambda d, n: zstd_bounded(_dctx, d, n), _zstd),
    "zstd-unsized": (
        lambda d, n: zstd_bounded(_dctx, d, n),
        lambda d: _zstd(d, write_content_size=False),
    ),
    "zstd-frames": (lambda d, n: zstd_bounded(_dctx, d, n), _zstd_frames),
}


@pytest.mark.parametrize("name", LEGAL)
def test_exactly_the_limit_decodes(name: str) -> None:
    decode, encode = LEGAL[name]
    assert decode(encode(DATA), N) == DATA


@pytest.mark.parametrize("name", LEGAL)
def test_one_byte_over_the_limit_is_refused(name: str) -> None:
    decode, encode = LEGAL[name]
    with pytest.raises(DecodedTooLarge, match=f"expected {N - 1} bytes at most"):
        decode(encode(DATA), N - 1)


@pytest.mark.parametrize("name", ["zlib", "gzip", "bz2", "xz"])
def test_truncated_stream_is_refused(name: str) -> None:
    decode, encode = LEGAL[name]
    with pytest.raises(ValueError, match="truncated stream"):
        decode(encode(DATA)[:-12], N)


def test_zstd_size_stated_too_large_is_refused_before_decoding() -> None:
    frame = _zstd(DATA)
    with pytest.raises(DecodedTooLarge, match=r"says it decodes to 10240 bytes; expected 100"):
        zstd_bounded(_dctx, frame, 100)


# --- through arrays: every compressor still reads what it wrote, both formats -------

V2_COMPRESSORS = {
    "zlib": numcodecs.Zlib(),
    "gzip": numcodecs.GZip(),
    "bz2": numcodecs.BZ2(),
    "lzma": numcodecs.LZMA(),
    "lzma-raw": numcodecs.LZMA(format=lzma.FORMAT_RAW, filters=_RAW),
    "zstd": numcodecs.Zstd(),
    "zstd-checksum": numcodecs.Zstd(checksum=True),
    "blosc": numcodecs.Blosc(),
    "lz4": numcodecs.LZ4(),
}


@pytest.mark.parametrize("name", V2_COMPRESSORS)
@pytest.mark.parametrize("filters", [None, [numcodecs.Delta("<i4")]], ids=["plain", "delta"])
def test_v2_compressors_round_trip(name: str, filters) -> None:
    z = zarr_core.create(
        (50, 30),
        chunks=(16, 16),  # edge chunks too
        dtype="<i4",
        zarr_format=2,
        compressor=V2_COMPRESSORS[name],
        filters=filters,
    )
    data = np.arange(1500, dtype="<i4").reshape(50, 30)
    z[...] = data
    np.testing.assert_array_equal(z[...], data)
    assert z[3, 4] == data[3, 4]


@pytest.mark.parametrize(
    "codec", ["gzip", "zstd", "blosc", "numcodecs.zlib", "numcodecs.bz2", "numcodecs.lz4"]
)
def test_v3_compressors_round_trip(codec: str) -> None:
    codecs = [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": codec}]
    z = zarr_core.create((50, 30), chunks=(16, 16), dtype="<f8", zarr_format=3, codecs=codecs)
    data = np.linspace(0, 1, 1500).reshape(50, 30)
    z[...] = data
    np.testing.assert_array_equal(z[...], data)


def test_object_arrays_are_not_bounded_by_element_count() -> None:
    """Variable-length elements have no declared size: long strings still decode."""
    z = zarr_core.create(
        4,
        chunks=2,
        dtype=object,
        object_codec=numcodecs.VLenUTF8(),
        zarr_format=2,
        compressor=numcodecs.Zlib(),
    )
    z[:] = ["x" * 100_000, "y", "", "z" * 3]
    assert [len(s) for s in z[:]] == [100_000, 1, 0, 3]


def test_a_chunk_one_byte_too_long_is_corrupt() -> None:
    """A chunk that decodes to more than the chunk shape holds is refused by name."""
    z = zarr_core.create(10, chunks=10, dtype="u1", zarr_format=2, compressor=numcodecs.Zlib())
    z.store["0"] = zlib.compress(bytes(11))
    with pytest.raises(CorruptChunkError, match=r"chunk '0' is corrupt: .*expected 10 bytes"):
        z[...]
