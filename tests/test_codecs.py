"""Tests for zarr_core.codecs: every codec against NumPy, the spec's byte formats,
numcodecs interoperability, batches against single chunks, and the error paths."""

from __future__ import annotations

import gzip
import os
import pickle
import signal
import threading
import types
import zlib

import numcodecs
import numpy as np
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from zarr_core import config
from zarr_core.codecs import (
    ArrayBytesCodec,
    BloscCodec,
    ChunkSpec,
    CodecPipeline,
    Crc32cCodec,
    TransposeCodec,
    default_v2_compressor,
    default_v3_codecs,
    get_codec_class,
    v3_codecs_from_numcodecs,
)
from zarr_core.codecs.base import PARALLEL_MIN_BYTES
from zarr_core.errors import (
    BadCompressorError,
    CodecError,
    CorruptChunkError,
    MetadataError,
    PluginLoadError,
    UnknownExtensionError,
    UnsafeDecodeError,
)
from zarr_core.plugins import CodecSpec, hookimpl

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BYTES_LE = {"name": "bytes", "configuration": {"endian": "little"}}
BYTES_BE = {"name": "bytes", "configuration": {"endian": "big"}}
ZSTD1 = {"name": "zstd", "configuration": {"level": 1, "checksum": False}}

NUMERIC_DTYPES = [
    "|b1", "|i1", "|u1", "<i2", ">u2", "<i4", ">i4", "<u8", "<i8", "<f2", "<f4", ">f8",
    "<c8", ">c16", "<M8[ns]", ">m8[s]", "<M8[10ms]", "|S3", "<U2", "|V4", [("a", "<i4"), ("b", ">f8")],
]  # fmt: skip


def v3(codecs, shape, dtype, **kwargs) -> CodecPipeline:
    return CodecPipeline.from_v3(codecs, ChunkSpec(shape, dtype), **kwargs)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-exact equality (NaN payloads included) of two arrays of one dtype and shape."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def arrays_of(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind in "Mm":  # keep clear of NaT arithmetic surprises: any int64 bit pattern
        return hnp.arrays(np.int64, shape).map(lambda a: a.view(dtype))
    if dtype.kind == "V" and dtype.fields is None:
        return hnp.arrays(np.uint8, (*shape, dtype.itemsize)).map(
            lambda a: np.ascontiguousarray(a).view(dtype).reshape(shape)
        )
    return hnp.arrays(dtype, shape)


@st.composite
def numeric_chunks(draw, max_dims=3):
    dtype = np.dtype(draw(st.sampled_from(NUMERIC_DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=5))
    return draw(arrays_of(dtype, shape))


BB_CHOICES = [
    {"name": "gzip", "configuration": {"level": 1}},
    {"name": "zstd", "configuration": {"level": 3, "checksum": True}},
    ZSTD1,
    {"name": "crc32c"},
    {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle"}},
    {"name": "blosc", "configuration": {"cname": "zstd", "clevel": 1, "shuffle": "bitshuffle"}},
    {"name": "blosc", "configuration": {"cname": "blosclz", "clevel": 9, "shuffle": "noshuffle"}},
    {"name": "numcodecs.zlib", "configuration": {"level": 1}},
    {"name": "numcodecs.bz2", "configuration": {"level": 1}},
    {"name": "numcodecs.crc32"},
]


@st.composite
def v3_chains(draw, ndim: int):
    codecs = []
    if ndim and draw(st.booleans()):
        order = draw(st.permutations(range(ndim)))
        codecs.append({"name": "transpose", "configuration": {"order": list(order)}})
    codecs.append(draw(st.sampled_from([BYTES_LE, BYTES_BE])))
    codecs += draw(st.lists(st.sampled_from(BB_CHOICES), max_size=3))
    return codecs


# ------------------------------------------------------------------ round trips


@SETTINGS
@given(data=st.data())
def test_v3_random_chains_round_trip(data):
    chunk = data.draw(numeric_chunks())
    codecs = data.draw(v3_chains(chunk.ndim))
    pipe = v3(codecs, chunk.shape, chunk.dtype)
    encoded = pipe.encode(chunk)
    assert isinstance(encoded, bytes)
    decoded = pipe.decode(encoded, "c/0")
    assert same_bits(decoded, chunk)
    assert decoded.flags.writeable
    batch = pipe.decode_batch([encoded, encoded, bytearray(encoded)], ["a", "b", "c"])
    assert len(batch) == 3 and all(same_bits(np.asarray(b), chunk) for b in batch)
    assert pipe.encode_batch([chunk, chunk]) == [encoded, encoded]
    assert pipe.encode_batch(np.stack([chunk, chunk])) == [encoded, encoded]
    # decoding into a reused buffer gives the same bits, whichever way the chain allows
    out = np.empty(chunk.shape, dtype=chunk.dtype)
    pipe.decode_into(encoded, out, "c/0")
    assert same_bits(out, chunk)
    # to_json round-trips to an equivalent pipeline
    assert CodecPipeline.from_v3(pipe.to_json(), pipe.spec).to_json() == pipe.to_json()


@SETTINGS
@given(data=st.data())
def test_v2_round_trip_and_numcodecs_interop(data):
    chunk = data.draw(numeric_chunks())
    order = data.draw(st.sampled_from("CF"))
    compressor = data.draw(
        st.sampled_from(
            [
                None,
                {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
                {"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": -1, "blocksize": 0},
                {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 2, "blocksize": 0},
                {"id": "zstd", "level": 1},
                {"id": "zstd", "level": 1, "checksum": True},
                {"id": "gzip", "level": 1},
                {"id": "zlib", "level": 1},
                {"id": "lz4", "acceleration": 1},
            ]
        )
    )
    pipe = CodecPipeline.from_v2(compressor, None, ChunkSpec(chunk.shape, chunk.dtype), order)
    encoded = pipe.encode(chunk)
    # zarr-python 2 semantics with numcodecs directly: layout in order, then compress
    laid_out = np.asarray(chunk, order=order)
    reference = laid_out.tobytes(order="A")
    if compressor is not None:
        codec = numcodecs.get_codec(compressor)
        assert codec.decode(encoded) == reference or bytes(codec.decode(encoded)) == reference
        if compressor["id"] in ("blosc", "zlib", "lz4"):  # deterministic: byte-identical
            assert encoded == bytes(codec.encode(laid_out))
        reference_encoded = codec.encode(laid_out)
    else:
        assert encoded == reference
        reference_encoded = reference
    decoded = pipe.decode(reference_encoded, "0.0")
    assert same_bits(np.ascontiguousarray(decoded), np.ascontiguousarray(chunk))
    if order == "F" and chunk.ndim > 1:
        assert decoded.flags.f_contiguous


@SETTINGS
@given(
    strings=hnp.arrays(
        object, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), elements=st.text()
    ),
    compress=st.booleans(),
)
def test_vlen_utf8_round_trip(strings, compress):
    codecs = [{"name": "vlen-utf8", "configuration": {}}] + ([ZSTD1] if compress else [])
    pipe = CodecPipeline.from_v3(codecs, ChunkSpec(strings.shape, object, object_kind="string"))
    decoded = pipe.decode(pipe.encode(strings))
    assert decoded.dtype == object and decoded.shape == strings.shape
    assert decoded.tolist() == strings.tolist()
    batch = pipe.decode_batch([pipe.encode(strings)] * 2)
    assert [b.tolist() for b in batch] == [strings.tolist()] * 2


@SETTINGS
@given(
    blobs=hnp.arrays(
        object, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), elements=st.binary()
    ),
    transpose=st.booleans(),
)
def test_vlen_bytes_round_trip_with_transpose(blobs, transpose):
    codecs = [
        {"name": "vlen-bytes", "configuration": {}},
        {"name": "gzip", "configuration": {"level": 1}},
    ]
    if transpose:
        codecs.insert(
            0, {"name": "transpose", "configuration": {"order": list(range(blobs.ndim))[::-1]}}
        )
    pipe = CodecPipeline.from_v3(codecs, ChunkSpec(blobs.shape, object, object_kind="bytes"))
    assert pipe.decode(pipe.encode(blobs)).tolist() == blobs.tolist()


def test_vlen_encodes_in_c_order_even_for_fortran_chunks():
    arr = np.asfortranarray(np.array([["a", "b"], ["c", "d"]], dtype=object))
    pipe = CodecPipeline.from_v3([{"name": "vlen-utf8"}], ChunkSpec((2, 2), object))
    assert pipe.encode(arr) == numcodecs.VLenUTF8().encode(
        np.array(["a", "b", "c", "d"], dtype=object)
    )
    transposed = CodecPipeline.from_v3(
        [{"name": "transpose", "configuration": {"order": [1, 0]}}, {"name": "vlen-utf8"}],
        ChunkSpec((2, 2), object),
    )
    assert transposed.encode(arr) == numcodecs.VLenUTF8().encode(
        np.array(["a", "c", "b", "d"], dtype=object)
    )


@pytest.mark.parametrize(
    ("filters", "dtype", "values"),
    [
        ([{"id": "vlen-utf8"}], object, ["a", "bcd", "", "é"]),
        ([{"id": "vlen-bytes"}], object, [b"a", b"", b"xyz", b"\x00"]),
        ([{"id": "json2"}], object, [1, "two", [3], {"four": 4}]),
        (
            [{"id": "vlen-array", "dtype": "<i8"}],
            object,
            [np.arange(3), np.arange(0), np.arange(1), np.arange(2)],
        ),
        (
            [{"id": "categorize", "labels": ["x", "y"], "dtype": "|O", "astype": "|u1"}],
            object,
            ["x", "y", "y", "x"],
        ),
        (
            [{"id": "delta", "dtype": "<i4"}, {"id": "shuffle", "elementsize": 4}],
            "<i4",
            [1, 5, -3, 7],
        ),
        (
            [{"id": "fixedscaleoffset", "offset": 1, "scale": 10, "dtype": "<f8", "astype": "<i2"}],
            "<f8",
            [1.5, 2.0, 0.1, 3.3],
        ),
        (
            [{"id": "astype", "encode_dtype": "<f4", "decode_dtype": "<f8"}],
            "<f8",
            [1.5, 2.0, 0.25, 3.0],
        ),
        ([{"id": "packbits"}], "|b1", [True, False, True, True]),
    ],
)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(
    "compressor", [None, {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}]
)
def test_v2_filters_match_zarr_python_2(filters, dtype, values, order, compressor):
    arr = np.empty(4, dtype=dtype)
    for i, value in enumerate(values):  # item by item: NumPy would unpack nested values
        arr[i] = value
    arr = arr.reshape(2, 2)
    pipe = CodecPipeline.from_v2(compressor, filters, ChunkSpec((2, 2), dtype), order)
    encoded = pipe.encode(arr)
    # the same steps with numcodecs, as zarr-python 2 runs them
    data = np.asarray(arr, order=order)
    for f in filters:
        data = numcodecs.get_codec(f).encode(data)
    if compressor is not None:
        data = numcodecs.get_codec(compressor).encode(data)
    if isinstance(data, np.ndarray):
        data = data.reshape(-1, order="A").view("u1")
    assert encoded == bytes(data)
    decoded = pipe.decode(encoded, "0.0")
    if filters[0]["id"] == "fixedscaleoffset":  # lossy: one decimal
        np.testing.assert_allclose(decoded, np.round(arr * 10) / 10)
    else:
        assert all(np.array_equal(a, b) for a, b in zip(decoded.flat, arr.flat))


def test_v2_object_array_needs_object_codec_first():
    with pytest.raises(MetadataError, match="object codec as its first filter"):
        CodecPipeline.from_v2(None, None, ChunkSpec((2,), object))
    with pytest.raises(MetadataError, match="first filter"):
        CodecPipeline.from_v2(None, [{"id": "zlib"}, {"id": "vlen-utf8"}], ChunkSpec((2,), object))


def test_v2_bad_configs():
    spec = ChunkSpec((2,), "<i4")
    with pytest.raises(MetadataError, match="compressor.*nope"):
        CodecPipeline.from_v2({"id": "nope"}, None, spec, key_hint="a/.zarray")
    with pytest.raises(MetadataError, match="filters"):
        CodecPipeline.from_v2(None, [{"id": "delta", "bogus": 1}], spec)
    with pytest.raises(MetadataError, match="string 'id'"):
        CodecPipeline.from_v2({"level": 1}, None, spec)
    with pytest.raises(MetadataError, match="order"):
        CodecPipeline.from_v2(None, None, spec, "X")


# ------------------------------------------------------------------ numcodecs.* in v3


@pytest.mark.parametrize(
    ("codec", "dtype", "values", "encoded_dtype"),
    [
        (
            {"name": "numcodecs.delta", "configuration": {"dtype": "<i8", "astype": "<i2"}},
            "<i8",
            [5, 6, 8, 2],
            "<i2",
        ),
        ({"name": "numcodecs.delta", "configuration": {}}, ">i4", [5, 6, 8, 2], ">i4"),
        (
            {
                "name": "numcodecs.fixedscaleoffset",
                "configuration": {"offset": 0, "scale": 4, "astype": "<i4"},
            },
            "<f8",
            [0.25, 1.5, -2, 8],
            "<i4",
        ),
        (
            {"name": "numcodecs.astype", "configuration": {"encode_dtype": "<f4"}},
            "<f8",
            [0.25, 1.5, -2, 8],
            "<f4",
        ),
        (
            {"name": "numcodecs.quantize", "configuration": {"digits": 3}},
            "<f8",
            [0.25, 1.5, -2, 8],
            "<f8",
        ),
        (
            {"name": "numcodecs.bitround", "configuration": {"keepbits": 10}},
            "<f4",
            [0.25, 1.5, -2, 8],
            "<f4",
        ),
    ],
)
def test_numcodecs_array_array_wrappers(codec, dtype, values, encoded_dtype):
    arr = np.array(values, dtype=dtype).reshape(2, 2)
    pipe = CodecPipeline.from_v3([codec, BYTES_LE, ZSTD1], ChunkSpec((2, 2), dtype))
    assert pipe.array_bytes_codec.name == "bytes"
    assert pipe._ab_spec.dtype == np.dtype(encoded_dtype)
    assert np.array_equal(pipe.decode(pipe.encode(arr)), arr)
    assert pipe.decode(pipe.encode(arr)).dtype == np.dtype(dtype)
    # dtype defaults are filled in, so the written metadata is complete
    assert CodecPipeline.from_v3(pipe.to_json(), pipe.spec).to_json() == pipe.to_json()


def test_numcodecs_packbits_changes_shape():
    arr = np.array([[True, False, True], [False, False, True]])
    pipe = CodecPipeline.from_v3(
        [{"name": "numcodecs.packbits"}, {"name": "bytes"}], ChunkSpec(arr.shape, bool)
    )
    encoded = pipe.encode(arr)
    assert len(encoded) == 2  # 1 header byte + ceil(6 / 8)
    assert np.array_equal(pipe.decode(encoded), arr)


@pytest.mark.parametrize(
    "name", ["zlib", "bz2", "lzma", "lz4", "shuffle", "adler32", "fletcher32", "crc32"]
)
def test_numcodecs_bytes_bytes_wrappers(name):
    arr = np.arange(24, dtype="<i4").reshape(4, 6)
    pipe = CodecPipeline.from_v3(
        [BYTES_LE, {"name": f"numcodecs.{name}"}], ChunkSpec(arr.shape, arr.dtype)
    )
    encoded = pipe.encode(arr)
    assert np.array_equal(pipe.decode(encoded), arr)
    if name in ("adler32", "fletcher32", "crc32"):
        assert pipe.compute_encoded_size() == len(encoded) == 96 + 4
    if name == "shuffle":
        assert pipe.to_json()[1]["configuration"] == {"elementsize": 4}


def test_numcodecs_array_bytes_wrapper(monkeypatch):
    class FakeZfpy(numcodecs.abc.Codec):
        codec_id = "zfpy"

        def encode(self, buf):
            return b"Z" + np.ascontiguousarray(buf).tobytes()

        def decode(self, buf, out=None):
            return np.frombuffer(bytes(buf)[1:], dtype="<f8")

    monkeypatch.setitem(numcodecs.registry.codec_registry, "zfpy", FakeZfpy)
    arr = np.arange(6, dtype="<f8").reshape(2, 3)
    pipe = CodecPipeline.from_v3(
        [{"name": "numcodecs.zfpy"}, ZSTD1], ChunkSpec(arr.shape, arr.dtype)
    )
    assert isinstance(pipe.array_bytes_codec, ArrayBytesCodec)
    assert np.array_equal(pipe.decode(pipe.encode(arr)), arr)


def test_unknown_numcodecs_id_is_unknown_codec(plugin_registry):
    with pytest.raises(UnknownExtensionError, match="numcodecs.nope"):
        get_codec_class("numcodecs.nope")


# ------------------------------------------------------------------ byte formats


def test_crc32c_trailer_known_value():
    codec = Crc32cCodec()
    encoded = bytes(codec.encode(b"123456789"))
    # The CRC-32C check value of "123456789" is 0xE3069283 (RFC 3720), little-endian.
    assert encoded == b"123456789" + bytes([0x83, 0x92, 0x06, 0xE3])
    assert bytes(codec.decode(encoded)) == b"123456789"
    assert codec.compute_encoded_size(9) == 13


def test_vlen_utf8_layout():
    pipe = CodecPipeline.from_v3(
        [{"name": "vlen-utf8", "configuration": {}}], ChunkSpec((2,), object)
    )
    assert pipe.encode(np.array(["hello", ""], dtype=object)) == (
        b"\x02\x00\x00\x00\x05\x00\x00\x00hello\x00\x00\x00\x00"
    )
    assert (
        pipe.encode(np.array([None, "é"], dtype=object))
        == b"\x02\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\xc3\xa9"
    )


def test_vlen_bytes_layout():
    pipe = CodecPipeline.from_v3([{"name": "vlen-bytes"}], ChunkSpec((2,), object))
    assert (
        pipe.encode(np.array([b"ab", b""], dtype=object))
        == b"\x02\x00\x00\x00\x02\x00\x00\x00ab\x00\x00\x00\x00"
    )


def test_bytes_endian():
    arr = np.array([1, 2], dtype="<i2")
    assert v3([BYTES_BE], (2,), "<i2").encode(arr) == b"\x00\x01\x00\x02"
    assert v3([BYTES_LE], (2,), "<i2").encode(arr) == b"\x01\x00\x02\x00"
    # decoding converts to the array's own dtype, whichever order was stored
    assert v3([BYTES_BE], (2,), ">i2").decode(b"\x00\x01\x00\x02").dtype == np.dtype(">i2")
    assert v3([BYTES_BE], (2,), "<i2").decode(b"\x00\x01\x00\x02").tolist() == [1, 2]
    complex_be = v3([BYTES_BE], (1,), "<c8").encode(np.array([1 + 2j], dtype="<c8"))
    assert complex_be == np.array([1, 2], dtype=">f4").tobytes()  # real part, then imaginary
    assert v3([{"name": "bytes"}], (2,), bool).encode(np.array([True, False])) == b"\x01\x00"


def test_bytes_json_omits_endian_for_single_byte_types():
    assert v3([{"name": "bytes"}], (2,), "u1").to_json() == [{"name": "bytes"}]
    assert v3([{"name": "bytes"}], (2,), "<i4").to_json() == [BYTES_LE]  # legacy default: little


def test_transpose_layout():
    arr = np.arange(6, dtype="u1").reshape(2, 3)
    pipe = v3(
        [{"name": "transpose", "configuration": {"order": [1, 0]}}, {"name": "bytes"}], (2, 3), "u1"
    )
    assert pipe.encode(arr) == bytes([0, 3, 1, 4, 2, 5])
    codec = TransposeCodec([2, 0, 1])
    assert codec.resolve(ChunkSpec((4, 5, 6), "u1")).shape == (6, 4, 5)


def test_compressor_containers():
    arr = np.arange(100, dtype="<u2")
    gz = v3([BYTES_LE, {"name": "gzip", "configuration": {"level": 5}}], (100,), "<u2").encode(arr)
    assert gz[:2] == b"\x1f\x8b" and gzip.decompress(gz) == arr.tobytes()
    zs = v3([BYTES_LE, ZSTD1], (100,), "<u2").encode(arr)
    assert (
        zs[:4] == b"\x28\xb5\x2f\xfd"
        and zstandard.ZstdDecompressor().decompress(zs) == arr.tobytes()
    )
    assert zstandard.frame_content_size(zs) == 200


def test_gzip_reads_multi_member_and_rejects_zlib():
    codec = get_codec_class("gzip").from_config({"level": 1}, ChunkSpec((1,), "u1"))
    assert bytes(codec.decode(gzip.compress(b"ab") + gzip.compress(b"cd"))) == b"abcd"
    with pytest.raises(Exception):  # noqa: B017 - zlib's error type
        codec.decode(zlib.compress(b"abcd"))


def test_zstd_reads_frames_without_content_size_and_concatenated_frames():
    no_size = zstandard.ZstdCompressor(write_content_size=False).compress(b"x" * 4000)
    two = zstandard.ZstdCompressor().compress(b"x" * 2000) * 2
    pipe = v3([{"name": "bytes"}, {"name": "zstd"}], (4000,), "u1")
    assert pipe.decode(no_size).tobytes() == b"x" * 4000
    assert pipe.decode(two).tobytes() == b"x" * 4000
    assert [b.tobytes() for b in pipe.decode_batch([no_size, two, no_size])] == [b"x" * 4000] * 3


@pytest.mark.parametrize("shuffle", ["noshuffle", "shuffle", "bitshuffle"])
@pytest.mark.parametrize("dtype", ["u1", "<i2", "<f8"])
def test_blosc_identical_to_numcodecs(shuffle, dtype):
    arr = (np.arange(5000) % 251).astype(dtype)
    pipe = v3(
        [
            {"name": "bytes"},
            {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": shuffle}},
        ],
        arr.shape,
        dtype,
    )
    blosc_json = pipe.to_json()[1]["configuration"]
    assert blosc_json["typesize"] == np.dtype(dtype).itemsize
    reference = numcodecs.Blosc(
        cname="lz4", clevel=5, shuffle=["noshuffle", "shuffle", "bitshuffle"].index(shuffle)
    )
    assert pipe.encode(arr) == reference.encode(arr)


def test_blosc_default_shuffle_follows_typesize():
    one = BloscCodec.from_config({"cname": "zstd", "clevel": 5}, ChunkSpec((1,), "u1"))
    eight = BloscCodec.from_config({"cname": "zstd", "clevel": 5}, ChunkSpec((1,), "f8"))
    assert (one.shuffle, one.typesize) == ("bitshuffle", 1)
    assert (eight.shuffle, eight.typesize) == ("shuffle", 8)


# ------------------------------------------------------------------ batches


BATCH_CHAINS = [
    [BYTES_LE],
    [BYTES_BE, ZSTD1],
    [BYTES_LE, ZSTD1, {"name": "crc32c"}],
    [{"name": "transpose", "configuration": {"order": [1, 0]}}, BYTES_LE, ZSTD1],
    [
        BYTES_LE,
        {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle"}},
    ],
    [BYTES_LE, {"name": "gzip", "configuration": {"level": 1}}],
    [BYTES_LE, {"name": "crc32c"}, {"name": "numcodecs.zlib", "configuration": {"level": 1}}],
]


@pytest.mark.parametrize("codecs", BATCH_CHAINS, ids=lambda c: "+".join(x["name"] for x in c))
@pytest.mark.parametrize("shape", [(8, 25), (256, 300)], ids=["small", "large"])
def test_batch_equals_one_by_one(codecs, shape):
    rng = np.random.default_rng(0)
    chunks = [rng.integers(0, 100, shape).astype("<f8") for _ in range(5)]
    pipe = v3(codecs, shape, "<f8")
    large = 8 * np.prod(shape) >= PARALLEL_MIN_BYTES  # the thread-pool path
    assert large == (shape == (256, 300))
    encoded = pipe.encode_batch(chunks)
    assert encoded == [pipe.encode(c) for c in chunks]
    assert pipe.encode_batch(np.stack(chunks)) == encoded
    decoded = pipe.decode_batch(encoded, [f"c/{i}" for i in range(5)])
    singles = [pipe.decode(e) for e in encoded]
    for d, s, c in zip(decoded, singles, chunks):
        assert same_bits(np.asarray(d), c) and same_bits(s, c)
    if isinstance(decoded, np.ndarray):
        assert decoded.shape == (5, *shape) and decoded.flags.writeable
    assert pipe.decode_batch([]).shape == (0, *shape)


def test_zstd_batch_decodes_into_one_block():
    pipe = v3([BYTES_LE, ZSTD1], (1000,), "<i4")
    chunks = np.arange(200_000, dtype="<i4").reshape(200, 1000)
    decoded = pipe.decode_batch(pipe.encode_batch(list(chunks)))
    assert isinstance(decoded, np.ndarray) and decoded.shape == (200, 1000)
    assert np.array_equal(decoded, chunks)


def test_v2_batch_with_fortran_order():
    chunks = [np.arange(12, dtype=">i4").reshape(3, 4) * k for k in range(4)]
    pipe = CodecPipeline.from_v2({"id": "zstd", "level": 1}, None, ChunkSpec((3, 4), ">i4"), "F")
    encoded = pipe.encode_batch(chunks)
    assert encoded == [pipe.encode(c) for c in chunks]
    decoded = pipe.decode_batch(encoded)
    assert all(np.array_equal(d, c) for d, c in zip(decoded, chunks))


def test_decoding_from_threads():
    pipe = v3([BYTES_LE, ZSTD1], (500,), "<i8")
    chunks = [np.arange(500, dtype="<i8") + k for k in range(50)]
    encoded = pipe.encode_batch(chunks)
    failures = []

    def work():
        for _ in range(20):
            if not all(np.array_equal(pipe.decode(e), c) for e, c in zip(encoded, chunks)):
                failures.append(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_concurrency_one_runs_inline():
    pipe = v3(
        [BYTES_LE, {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 1}}],
        (100_000,),
        "<f8",
    )
    chunks = [np.full(100_000, k, dtype="<f8") for k in range(3)]
    with config.set({"concurrency": 1}):
        decoded = pipe.decode_batch(pipe.encode_batch(chunks))
    assert all(np.array_equal(d, c) for d, c in zip(decoded, chunks))


# ------------------------------------------------------------------ corruption


CORRUPTIBLE = [
    [BYTES_LE, ZSTD1],
    [BYTES_LE, {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5}}],
    [BYTES_LE, {"name": "gzip", "configuration": {"level": 1}}],
    [BYTES_LE, {"name": "crc32c"}],
    [BYTES_LE],
]


@pytest.mark.parametrize("codecs", CORRUPTIBLE, ids=lambda c: "+".join(x["name"] for x in c))
@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_chunk_names_key(codecs, damage):
    pipe = v3(codecs, (100,), "<i4")
    good = pipe.encode(np.arange(100, dtype="<i4"))
    bad = {"truncate": good[: len(good) // 2], "garbage": b"\x07" * 37, "empty": b""}[damage]
    with pytest.raises(CorruptChunkError, match="c/1/2") as info:
        pipe.decode(bad, "c/1/2")
    assert info.value.key == "c/1/2" and info.value.__cause__ is not None
    with pytest.raises(CorruptChunkError, match="c/7"):
        pipe.decode_batch([good] * 5 + [bad] + [good], [f"c/{i}" for i in range(2, 9)])


def test_crc_mismatch():
    pipe = v3([BYTES_LE, {"name": "crc32c"}], (4,), "<u4")
    encoded = bytearray(pipe.encode(np.arange(4, dtype="<u4")))
    encoded[3] ^= 0x40
    with pytest.raises(CorruptChunkError, match="crc32c checksum mismatch") as info:
        pipe.decode(bytes(encoded), "arr/c/0")
    assert info.value.key == "arr/c/0"


def test_zstd_checksum_mismatch_detected():
    pipe = v3(
        [BYTES_LE, {"name": "zstd", "configuration": {"level": 1, "checksum": True}}],
        (1000,),
        "<i4",
    )
    encoded = bytearray(pipe.encode(np.zeros(1000, dtype="<i4")))
    encoded[-1] ^= 1
    with pytest.raises(CorruptChunkError, match="k"):
        pipe.decode(bytes(encoded), "k")


def test_vlen_corrupt_and_wrong_count():
    pipe = CodecPipeline.from_v3([{"name": "vlen-utf8"}], ChunkSpec((3,), object))
    with pytest.raises(CorruptChunkError, match="truncated"):
        pipe.decode(b"\x05\x00\x00\x00ab", "s")
    two = CodecPipeline.from_v3([{"name": "vlen-utf8"}], ChunkSpec((2,), object)).encode(
        np.array(["a", "b"], dtype=object)
    )
    with pytest.raises(CorruptChunkError, match="2 elements, expected 3"):
        pipe.decode(two, "s")


# ------------------------------------------------------------------ pickle


def _pickle_pipeline(**kwargs) -> tuple[CodecPipeline, bytes]:
    pipe = CodecPipeline.from_v2(None, [{"id": "pickle"}], ChunkSpec((2,), object), **kwargs)
    return pipe, pipe.encode(np.array([{"a": 1}, (2, 3)], dtype=object))


def test_pickle_requires_opt_in():
    pipe, encoded = _pickle_pipeline()
    with pytest.raises(UnsafeDecodeError, match="arr/0"):
        pipe.decode(encoded, "arr/0")
    with pytest.raises(UnsafeDecodeError):
        pipe.decode_batch([encoded], ["arr/0"])


def test_pickle_opt_in_by_config_and_argument():
    pipe, encoded = _pickle_pipeline()
    with config.set({"array.allow_pickle": True}):
        assert pipe.decode(encoded).tolist() == [{"a": 1}, (2, 3)]
    with config.set({"array.allow_pickle": "false"}), pytest.raises(UnsafeDecodeError):
        pipe.decode(encoded)
    allowed, encoded = _pickle_pipeline(allow_pickle=True)
    assert allowed.decode_batch([encoded])[0].tolist() == [{"a": 1}, (2, 3)]


# ------------------------------------------------------------------ chain validation


@pytest.mark.parametrize(
    ("codecs", "message"),
    [
        ([], "non-empty list"),
        ([ZSTD1, BYTES_LE], r"codecs\[0\].*needs an array->bytes codec"),
        ([BYTES_LE, BYTES_LE], r"codecs\[1\].*second array->bytes"),
        (
            [BYTES_LE, {"name": "transpose", "configuration": {"order": [0]}}],
            r"codecs\[1\].*must come before",
        ),
        ([{"name": "transpose", "configuration": {"order": [0]}}], "no array->bytes codec"),
        ([BYTES_LE, {"name": "zstd", "configuration": {"level": "high"}}], r"codecs\[1\].*level"),
        (
            [BYTES_LE, {"name": "zstd", "configuration": {"levle": 3}}],
            r"codecs\[1\].*unknown configuration member",
        ),
        ([{"name": "transpose", "configuration": {"order": "F"}}, BYTES_LE], "no longer allowed"),
        ([{"name": "transpose", "configuration": {"order": [0, 0]}}, BYTES_LE], "permutation"),
        ([{"name": "bytes", "configuration": {"endian": "middle"}}], "endian"),
        ([BYTES_LE, {"name": "blosc", "configuration": {"cname": "nope"}}], "cname"),
        ([{"configuration": {}}], "string 'name'"),
        ([{"name": "bytes", "extra": 1}], "unknown member"),
    ],
)
def test_invalid_chains(codecs, message):
    with pytest.raises(MetadataError, match=message) as info:
        CodecPipeline.from_v3(codecs, ChunkSpec((2,), "<i4"), "arr/zarr.json")
    assert "arr/zarr.json" in str(info.value)


def test_bytes_codec_rejects_object_arrays():
    with pytest.raises(MetadataError, match="vlen-utf8"):
        CodecPipeline.from_v3([BYTES_LE], ChunkSpec((2,), object))


def test_shorthand_codec_names_accepted():
    pipe = CodecPipeline.from_v3(["bytes", "crc32c"], ChunkSpec((2,), "u1"))
    assert pipe.compute_encoded_size() == 6


def test_unknown_codec_message(plugin_registry):
    with pytest.raises(UnknownExtensionError) as info:
        CodecPipeline.from_v3(
            [{"name": "sharding_indexed", "configuration": {}}],
            ChunkSpec((2,), "i4"),
            "a/zarr.json",
        )
    message = str(info.value)
    assert (
        "sharding_indexed" in message
        and "pip install zarr-core-sharding" in message
        and "a/zarr.json" in message
    )
    with pytest.raises(UnknownExtensionError, match="'frobnicate'") as info:
        get_codec_class("frobnicate", key="b/zarr.json")
    assert info.value.distribution is None


class Reverse(ArrayBytesCodec):
    """A plugin codec for the test below."""

    name = "reverse-bytes"

    @classmethod
    def from_config(cls, configuration, spec):
        return cls()

    def to_json(self):
        return {"name": self.name}

    def encode(self, chunk):
        return np.ascontiguousarray(chunk).tobytes()[::-1]

    def decode(self, data, spec):
        return np.frombuffer(bytes(data)[::-1], dtype=spec.dtype).reshape(spec.shape)


def test_plugin_codec_is_used(plugin_registry):
    plugin = types.ModuleType("reverse_plugin")
    plugin.zarr_core_codecs = hookimpl(
        lambda: [
            CodecSpec("reverse-bytes", f"{__name__}:Reverse"),
            CodecSpec("nc", "builtins:dict"),
        ]
    )
    plugin_registry.register(plugin, name="reverse")
    pipe = CodecPipeline.from_v3([{"name": "reverse-bytes"}, ZSTD1], ChunkSpec((3,), "<i2"))
    arr = np.array([1, 2, 3], dtype="<i2")
    assert np.array_equal(pipe.decode(pipe.encode(arr)), arr)
    assert pipe.to_json()[0] == {"name": "reverse-bytes"}
    with pytest.raises(PluginLoadError, match="'nc' must be a class derived from"):
        get_codec_class("nc")


def test_core_codecs_are_registered_like_plugins(plugin_registry):
    (core,) = [p for p in plugin_registry.plugins() if p.builtin]
    names = {c.name for c in core.codecs}
    assert {"bytes", "transpose", "blosc", "gzip", "zstd", "crc32c", "vlen-utf8"} <= names
    assert get_codec_class("zstd").__name__ == "ZstdCodec"


def test_encode_rejects_wrong_shape_and_bad_elements():
    pipe = v3([BYTES_LE], (2, 2), "<i4")
    with pytest.raises(CodecError, match="shape"):
        pipe.encode(np.zeros(3, dtype="<i4"))
    strings = CodecPipeline.from_v3([{"name": "vlen-utf8"}], ChunkSpec((1,), object))
    with pytest.raises(CodecError, match="vlen-utf8"):
        strings.encode(np.array([5], dtype=object))


def test_compute_encoded_size():
    index = CodecPipeline.from_v3([BYTES_LE, {"name": "crc32c"}], ChunkSpec((2, 2, 2), "<u8"))
    assert index.compute_encoded_size() == 68  # sharding index of 2x2 chunks
    with pytest.raises(CodecError, match="fixed-size"):
        v3([BYTES_LE, ZSTD1], (2,), "<u8").compute_encoded_size()


def test_v2_pipeline_has_no_v3_json():
    with pytest.raises(CodecError):
        CodecPipeline.from_v2(None, None, ChunkSpec((2,), "<i4")).to_json()


def test_pipelines_pickle():
    spec = ChunkSpec((2, 3), ">f8", fill_value=float("nan"))
    codecs = v3_codecs_from_numcodecs(
        numcodecs.Zlib(1), [numcodecs.Delta(">f8")], ">f8", "F", ndim=2
    )
    pipe = CodecPipeline.from_v3(codecs, spec)
    clone = pickle.loads(pickle.dumps(pipe))
    arr = np.arange(6, dtype=">f8").reshape(2, 3)
    assert clone.to_json() == pipe.to_json() and np.array_equal(clone.decode(pipe.encode(arr)), arr)


# ------------------------------------------------------------------ defaults


def test_default_v3_codecs():
    zstd0 = {"name": "zstd", "configuration": {"level": 0, "checksum": False}}
    assert default_v3_codecs("<f8") == [BYTES_LE, zstd0]
    assert default_v3_codecs(">i4") == [BYTES_LE, zstd0]  # zarr-python 3 writes little-endian
    assert default_v3_codecs("u1") == [{"name": "bytes"}, zstd0]
    assert default_v3_codecs(object, "string") == [
        {"name": "vlen-utf8", "configuration": {}},
        zstd0,
    ]
    assert default_v3_codecs(object, "bytes")[0]["name"] == "vlen-bytes"
    with pytest.raises(CodecError, match="zarr_format=2"):
        default_v3_codecs(object)
    with config.set({"array.default_compressor": {"id": "gzip", "level": 3}}):
        assert default_v3_codecs("<f8") == [
            BYTES_LE,
            {"name": "gzip", "configuration": {"level": 3}},
        ]


def test_default_v2_compressor():
    assert default_v2_compressor("<f8") == {
        "id": "blosc",
        "cname": "lz4",
        "clevel": 5,
        "shuffle": 1,
        "blocksize": 0,
    }
    with config.set({"array.default_compressor": {"id": "zstd", "level": 3}}):
        assert default_v2_compressor("<f8") == {"id": "zstd", "level": 3}


def test_v3_codecs_from_numcodecs():
    blosc_auto = numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.AUTOSHUFFLE)
    assert v3_codecs_from_numcodecs(blosc_auto, None, "u1")[1] == {
        "name": "blosc",
        "configuration": {
            "typesize": 1,
            "cname": "zstd",
            "clevel": 3,
            "shuffle": "bitshuffle",
            "blocksize": 0,
        },
    }
    assert (
        v3_codecs_from_numcodecs(blosc_auto, None, "<f8")[1]["configuration"]["shuffle"]
        == "shuffle"
    )
    assert (
        v3_codecs_from_numcodecs(numcodecs.Blosc(shuffle=0), None, "<f8")[1]["configuration"][
            "shuffle"
        ]
        == "noshuffle"
    )
    assert v3_codecs_from_numcodecs(numcodecs.GZip(4), None, "<f8")[1] == {
        "name": "gzip",
        "configuration": {"level": 4},
    }
    assert v3_codecs_from_numcodecs(numcodecs.Zstd(level=2), None, "<f8")[1] == {
        "name": "zstd",
        "configuration": {"level": 2, "checksum": False},
    }
    assert v3_codecs_from_numcodecs(numcodecs.LZMA(), None, "<f8")[1]["name"] == "numcodecs.lzma"
    codecs = v3_codecs_from_numcodecs(
        None, [numcodecs.Delta("<i4", astype="<i2")], ">i4", "F", ndim=3
    )
    assert codecs[0] == {"name": "transpose", "configuration": {"order": [2, 1, 0]}}
    assert codecs[1]["name"] == "numcodecs.delta"
    assert codecs[2] == BYTES_BE and len(codecs) == 3
    # blosc after a dtype-changing filter shuffles the filter's output elements
    after_delta = v3_codecs_from_numcodecs(
        numcodecs.Blosc(), [numcodecs.Delta("<i8", astype="<i2")], "<i8"
    )
    assert after_delta[2]["configuration"]["typesize"] == 2
    assert v3_codecs_from_numcodecs(None, [numcodecs.VLenUTF8()], object)[0]["name"] == "vlen-utf8"
    assert (
        v3_codecs_from_numcodecs({"id": "zstd", "level": 5}, [{"id": "vlen-bytes"}], object)[0][
            "name"
        ]
        == "vlen-bytes"
    )
    with pytest.raises(CodecError, match="zarr_format=2"):
        v3_codecs_from_numcodecs(None, [numcodecs.Pickle()], object)
    with pytest.raises(BadCompressorError):
        v3_codecs_from_numcodecs("zstd", None, "<f8")


def test_translated_chain_reads_like_numcodecs():
    """A v3 chain built from numcodecs objects decodes data encoded by those objects."""
    arr = (np.arange(1000) % 17).astype("<i4")
    codecs = v3_codecs_from_numcodecs(numcodecs.Blosc(cname="lz4", shuffle=1), None, "<i4")
    pipe = CodecPipeline.from_v3(codecs, ChunkSpec(arr.shape, arr.dtype))
    reference = numcodecs.Blosc(cname="lz4", shuffle=1).encode(arr)
    assert pipe.encode(arr) == reference
    assert np.array_equal(pipe.decode(reference), arr)


# ------------------------------------------------------------------ smaller paths


def test_numcodecs_filter_reinterpreting_byte_order_round_trips():
    # numcodecs views ">i4" data as the configured "<i4"; decoding must view it back.
    arr = np.array([1, 300, -5, 70000], dtype=">i4")
    codecs = [{"name": "numcodecs.delta", "configuration": {"dtype": "<i4"}}, BYTES_BE]
    pipe = CodecPipeline.from_v3(codecs, ChunkSpec(arr.shape, arr.dtype))
    assert same_bits(pipe.decode(pipe.encode(arr)), arr)


def test_list_batches_through_transpose_and_vlen():
    strings = [np.array([["a", "b", "c"], ["d", "e", str(k)]], dtype=object) for k in range(3)]
    codecs = [
        {"name": "transpose", "configuration": {"order": [1, 0]}},
        {"name": "vlen-utf8"},
        ZSTD1,
    ]
    pipe = CodecPipeline.from_v3(codecs, ChunkSpec((2, 3), object, object_kind="string"))
    encoded = pipe.encode_batch(strings)
    assert encoded == [pipe.encode(s) for s in strings]
    assert [d.tolist() for d in pipe.decode_batch(encoded)] == [s.tolist() for s in strings]


def test_single_and_empty_batches():
    pipe = v3([BYTES_LE, ZSTD1], (10,), "<i2")
    chunk = np.arange(10, dtype="<i2")
    encoded = pipe.encode_batch([chunk])
    assert encoded == [pipe.encode(chunk)]
    assert np.array_equal(pipe.decode_batch(encoded)[0], chunk)
    assert pipe.encode_batch([]) == []
    with pytest.raises(ValueError, match="keys"):
        pipe.decode_batch(encoded, ["a", "b"])


def test_batch_with_chunk_of_other_size_names_it():
    small = v3([BYTES_LE, {"name": "blosc", "configuration": {"cname": "lz4"}}], (5,), "<i4")
    big = v3([BYTES_LE, {"name": "blosc", "configuration": {"cname": "lz4"}}], (6,), "<i4")
    good = small.encode(np.arange(5, dtype="<i4"))
    odd = big.encode(np.arange(6, dtype="<i4"))
    with pytest.raises(CorruptChunkError, match="expected 20 bytes") as info:
        small.decode_batch([good, odd, good], ["c/0", "c/1", "c/2"])
    assert info.value.key == "c/1"


def test_endian_of_nested_dtypes():
    from zarr_core.codecs.bytes_codec import endian_of

    assert endian_of(np.dtype([("a", "u1"), ("b", ">i4")])) == "big"
    assert endian_of(np.dtype([("a", "u1"), ("b", "S3")])) is None
    assert endian_of(np.dtype(("<f8", (2,)))) == "little"
    assert default_v3_codecs([("x", ">f4"), ("y", "u1")])[0] == BYTES_LE


def test_repr_and_equality():
    pipe = CodecPipeline.from_v2(
        {"id": "zlib", "level": 1}, [{"id": "delta", "dtype": "<i4"}], ChunkSpec((3,), "<i4")
    )
    text = repr(pipe)
    assert "delta" in text and "zlib" in text and "(3,)" in text
    assert BloscCodec(cname="lz4") == BloscCodec(cname="lz4") != BloscCodec(cname="zstd")
    assert len({BloscCodec(cname="lz4"), BloscCodec(cname="lz4")}) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_thread_pool_survives_fork():
    pipe = v3([BYTES_LE, {"name": "gzip", "configuration": {"level": 1}}], (100_000,), "<f8")
    chunks = [np.full(100_000, k, dtype="<f8") for k in range(3)]
    encoded = pipe.encode_batch(chunks)  # large chunks: the pool now exists
    pid = os.fork()
    if pid == 0:  # child: the inherited pool has no threads; a new one must be made
        signal.alarm(20)
        decoded = pipe.decode_batch(encoded)
        os._exit(0 if all(np.array_equal(d, c) for d, c in zip(decoded, chunks)) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


# ------------------------------------------------------------------ decode_into


BLOSC_LZ4 = {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle"}}


@pytest.mark.parametrize(
    ("codecs", "dtype", "direct"),
    [
        ([BYTES_LE, ZSTD1], "<u2", True),
        ([BYTES_LE, BLOSC_LZ4], "<f4", True),
        ([{"name": "bytes"}, ZSTD1], "|u1", True),
        ([BYTES_BE, ZSTD1], "<f8", False),  # stored in another byte order: a conversion
        ([BYTES_LE, {"name": "gzip", "configuration": {"level": 1}}], "<i4", False),
        ([BYTES_LE, ZSTD1, {"name": "crc32c"}], "<i4", False),  # two compressors
        (
            [{"name": "transpose", "configuration": {"order": [1, 0]}}, BYTES_LE, ZSTD1],
            "<i4",
            False,
        ),
    ],
)
def test_decode_into_writes_the_chunk_directly_where_the_chain_allows(codecs, dtype, direct):
    """``decodes_into`` says whether the compressor writes into the caller's buffer (no
    intermediate array); either way the buffer ends up holding the chunk, and reusing it
    for another chunk leaves nothing of the first."""
    pipe = v3(codecs, (16, 16), dtype)
    assert pipe.decodes_into is direct
    rng = np.random.default_rng(3)
    first = rng.integers(0, 200, (16, 16)).astype(dtype)
    second = rng.integers(0, 200, (16, 16)).astype(dtype)
    out = np.empty((16, 16), dtype=dtype)
    for chunk in (first, second):
        pipe.decode_into(pipe.encode(chunk), out, "c/0/0")
        assert same_bits(out, chunk)


@pytest.mark.parametrize("compressor", [ZSTD1, BLOSC_LZ4])
def test_decode_into_reports_corrupt_and_wrongly_sized_chunks(compressor):
    pipe = v3([BYTES_LE, compressor], (32,), "<i4")
    good = pipe.encode(np.arange(32, dtype="<i4"))
    other_size = v3([BYTES_LE, compressor], (33,), "<i4").encode(np.arange(33, dtype="<i4"))
    out = np.full(32, -1, dtype="<i4")
    for bad in (good[: len(good) // 2], b"\x00" * len(good), other_size):
        with pytest.raises(CorruptChunkError, match="c/7"):
            pipe.decode_into(bad, out, "c/7")


def test_decode_into_refuses_what_follows_a_zstd_frame_and_checks_its_checksum():
    """Decoding into the buffer stops at the frame's stated size, so anything after the
    frame (a second frame, stray bytes) and a wrong checksum must still be reported, as
    a whole-frame decode reports them."""
    chunk = np.arange(64, dtype="<u4")
    pipe = v3(
        [BYTES_LE, {"name": "zstd", "configuration": {"level": 1, "checksum": True}}], (64,), "<u4"
    )
    frame = bytes(pipe.encode(chunk))
    out = np.zeros(64, dtype="<u4")
    pipe.decode_into(frame, out, "c/0")
    assert same_bits(out, chunk)
    flipped = bytearray(frame)
    flipped[-1] ^= 0xFF  # the last byte is the checksum's
    extra_frame = frame + zstandard.ZstdCompressor().compress(b"abc")
    for bad in (frame + b"xyz", extra_frame, bytes(flipped)):
        with pytest.raises(CorruptChunkError, match="c/2"):
            pipe.decode_into(bad, np.zeros(64, dtype="<u4"), "c/2")


def test_decode_into_a_zstd_frame_without_its_size():
    """Frames written by a streaming encoder state no content size: decoded the usual
    way (the size is checked after), not into the buffer blindly."""
    chunk = np.arange(64, dtype="<u4")
    streamed = zstandard.ZstdCompressor(write_content_size=False).compressobj()
    frame = streamed.compress(chunk.tobytes()) + streamed.flush()
    assert zstandard.frame_content_size(frame) == -1
    pipe = v3([BYTES_LE, ZSTD1], (64,), "<u4")
    out = np.zeros(64, dtype="<u4")
    pipe.decode_into(frame, out, "c/0")
    assert same_bits(out, chunk)
    with pytest.raises(CorruptChunkError, match="c/1"):
        v3([BYTES_LE, ZSTD1], (65,), "<u4").decode_into(frame, np.zeros(65, "<u4"), "c/1")


@pytest.mark.parametrize(
    "codecs",
    [
        [BYTES_LE, ZSTD1],
        [BYTES_LE, BLOSC_LZ4],
        [BYTES_BE, ZSTD1],  # no direct way: decoded, then copied
        [BYTES_LE, {"name": "gzip", "configuration": {"level": 1}}],
    ],
)
def test_decode_batch_into_fills_each_row_with_its_chunk(codecs):
    chunks = np.random.default_rng(5).integers(-500, 500, (6, 4, 5)).astype("<i4")
    pipe = v3(codecs, (4, 5), "<i4")
    out = np.full_like(chunks, 7)
    pipe.decode_batch_into(pipe.encode_batch(chunks), out, [f"c/{i}" for i in range(6)])
    assert same_bits(out, chunks)


@pytest.mark.parametrize("compressor", [ZSTD1, BLOSC_LZ4])
def test_decode_batch_into_names_the_corrupt_chunk(compressor):
    pipe = v3([BYTES_LE, compressor], (50,), "<i4")
    encoded = pipe.encode_batch(np.arange(150, dtype="<i4").reshape(3, 50))
    encoded[1] = encoded[1][:-3]
    with pytest.raises(CorruptChunkError, match="c/1"):
        pipe.decode_batch_into(encoded, np.empty((3, 50), "<i4"), ["c/0", "c/1", "c/2"])


@pytest.mark.parametrize("compressor", [ZSTD1, BLOSC_LZ4])
@pytest.mark.parametrize("extra", [0, 1])
def test_decode_batch_into_in_parts_on_the_pool(compressor, extra):
    # 4,000-byte chunks: the batch is decoded in parts of about 512 KiB on the codec
    # pool (131 chunks each), the last part of one chunk when extra == 1.
    n = 131 * 7 + extra
    chunks = np.random.default_rng(9).integers(-9, 9, (n, 1000)).astype("<i4")
    pipe = v3([BYTES_LE, compressor], (1000,), "<i4")
    encoded = pipe.encode_batch(chunks)
    keys = [f"c/{i}" for i in range(n)]
    out = np.full_like(chunks, 7)
    pipe.decode_batch_into(encoded, out, keys)
    assert same_bits(out, chunks)
    encoded[n - 2] = encoded[n - 2][:-3]  # a corrupt chunk in a later part
    with pytest.raises(CorruptChunkError, match=f"c/{n - 2}"):
        pipe.decode_batch_into(encoded, np.empty_like(chunks), keys)
