"""Tests of zarr_core.metadata: dtypes, fill values, chunk keys, v2/v3 documents, conversion.

Each pitfall listed in reference/formats.md (sections a and b) has a test here; the
documents in the "as zarr-python writes it" tests were produced with zarr-python 2.18.7
and 3.1.6.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zarr_core.errors import InvalidKeyError, MetadataError, UnknownExtensionError
from zarr_core.metadata import (
    ArrayMetadata,
    ArrayMetadataV2,
    ArrayMetadataV3,
    ChunkKeyEncoding,
    GroupMetadataV2,
    GroupMetadataV3,
    decode_attributes,
    decode_fill_value_v2,
    decode_fill_value_v3,
    encode_attributes,
    encode_fill_value_v2,
    encode_fill_value_v3,
    normalize_fill_value,
    normalize_v3_data_type,
    numpy_from_v2,
    numpy_from_v3,
    parse_node_v3,
    v2_from_numpy,
    v2_to_v3,
    v3_from_numpy,
    v3_object_kind,
    v3_to_v2,
)

KEY = "grp/arr/.zarray"
KEY3 = "grp/arr/zarr.json"


def bits(x) -> int:
    """The IEEE bit pattern of a NumPy float scalar."""
    return int(np.array(x).view(f"u{x.itemsize}"))


def from_bits(n: int, dtype: str):
    return np.array(n, f"u{np.dtype(dtype).itemsize}").view(dtype)[()]


def same(a, b) -> bool:
    """Equal values, NaN payload and the sign of zero included."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


def v2_doc(**changes) -> dict:
    doc = {
        "zarr_format": 2,
        "shape": [10, 6],
        "chunks": [4, 3],
        "dtype": "<f8",
        "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
        "fill_value": 0.0,
        "order": "C",
        "filters": None,
    }
    doc.update(changes)
    return doc


def v3_doc(**changes) -> dict:
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [10, 6],
        "data_type": "float32",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 3]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0.0,
        "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
    }
    doc.update(changes)
    return doc


def v3_struct(*fields) -> dict:
    return {
        "name": "struct",
        "configuration": {"fields": [{"name": n, "data_type": t} for n, t in fields]},
    }


# ------------------------------------------------------------------------- v2 dtypes

V2_TYPESTRS = [
    "|b1",
    "|i1",
    "<i2",
    ">i4",
    "<i8",
    "|u1",
    ">u2",
    "<u4",
    "<u8",
    "<f2",
    "<f4",
    ">f8",
    "<c8",
    ">c16",
    "<M8[ns]",
    "<M8[10s]",
    ">m8[ms]",
    "<m8[3D]",
    "|S12",
    "<U3",
    ">U1",
    "|V4",
    "|O",
]


@pytest.mark.parametrize("typestr", V2_TYPESTRS)
def test_v2_dtype_round_trip(typestr):
    dtype = numpy_from_v2(typestr)
    assert dtype == np.dtype(typestr)
    assert v2_from_numpy(dtype) == typestr


@pytest.mark.parametrize(
    "descr",
    [
        [["x", "<f4"], ["y", "<f4"], ["z", "<f4", [2, 2]]],
        [["a", "<i2"], ["b", [["c", ">f8"], ["d", "|S3", [3]]]]],
        [["t", "<M8[10s]"], ["u", "<U2"], ["v", "|b1"]],
    ],
)
def test_v2_structured_dtype_round_trip(descr):
    dtype = numpy_from_v2(descr)
    assert dtype.names[0] == descr[0][0]
    assert v2_from_numpy(dtype) == descr


def test_v2_subarray_dims_are_innermost():
    dtype = numpy_from_v2([["z", "<f4", [2, 3]]])
    assert dtype["z"].shape == (2, 3)


@pytest.mark.parametrize(
    "bad",
    ["float64", "<f3", "|S0", "<M8", "<M8[lightyears]", 5, None, [], [["x"]], [[1, "<f4"]],
     [["x", "<f4", [0]]], {"x": "<f4"}],
)  # fmt: skip
def test_v2_bad_dtype(bad):
    with pytest.raises(MetadataError) as info:
        numpy_from_v2(bad, key=KEY)
    assert info.value.key == KEY and info.value.field == "dtype"
    assert KEY in str(info.value) and "'dtype'" in str(info.value)


def test_v2_dtype_writer_refuses_padding_and_subarrays():
    padded = np.dtype([("a", "<i2"), ("b", "<f8")], align=True)
    with pytest.raises(MetadataError, match="padding"):
        v2_from_numpy(padded)
    with pytest.raises(MetadataError, match="subarray"):
        v2_from_numpy(np.dtype(("<f4", (2,))))


def test_v2_string_dtype_is_object():
    assert v2_from_numpy(np.dtypes.StringDType()) == "|O"


# ------------------------------------------------------------------------- v3 dtypes

V3_CORE = [
    ("bool", "?"),
    ("int8", "i1"),
    ("int16", "i2"),
    ("int32", "i4"),
    ("int64", "i8"),
    ("uint8", "u1"),
    ("uint16", "u2"),
    ("uint32", "u4"),
    ("uint64", "u8"),
    ("float16", "f2"),
    ("float32", "f4"),
    ("float64", "f8"),
    ("complex64", "c8"),
    ("complex128", "c16"),
]


@pytest.mark.parametrize(("name", "typestr"), V3_CORE)
def test_v3_core_types(name, typestr):
    assert numpy_from_v3(name) == np.dtype(typestr)
    assert numpy_from_v3({"name": name}) == np.dtype(typestr)
    assert normalize_v3_data_type({"name": name, "configuration": {}}) == name
    endian = None if np.dtype(typestr).itemsize == 1 else "little"
    assert v3_from_numpy(np.dtype(typestr).newbyteorder("<")) == (name, endian)
    big = np.dtype(typestr).newbyteorder(">")
    assert v3_from_numpy(big) == (name, None if endian is None else "big")


@pytest.mark.parametrize(
    ("dtype", "data_type", "endian"),
    [
        ("V2", {"name": "raw_bytes", "configuration": {"length_bytes": 2}}, None),
        ("S5", {"name": "null_terminated_bytes", "configuration": {"length_bytes": 5}}, None),
        (">U3", {"name": "fixed_length_utf32", "configuration": {"length_bytes": 12}}, "big"),
        (
            "<M8[10s]",
            {"name": "numpy.datetime64", "configuration": {"unit": "s", "scale_factor": 10}},
            "little",
        ),
        (
            "<m8[ns]",
            {"name": "numpy.timedelta64", "configuration": {"unit": "ns", "scale_factor": 1}},
            "little",
        ),
        ([("x", "<i4"), ("y", "<f8")], v3_struct(("x", "int32"), ("y", "float64")), "little"),
        (
            [("p", [("x", ">f4"), ("y", ">f4")]), ("t", ">M8[s]"), ("c", "S2")],
            v3_struct(
                ("p", v3_struct(("x", "float32"), ("y", "float32"))),
                (
                    "t",
                    {"name": "numpy.datetime64", "configuration": {"unit": "s", "scale_factor": 1}},
                ),
                ("c", {"name": "null_terminated_bytes", "configuration": {"length_bytes": 2}}),
            ),
            "big",
        ),
        ([("a", "u1"), ("b", "S3")], v3_struct(("a", "uint8"), ("b", {"name": "null_terminated_bytes", "configuration": {"length_bytes": 3}})), None),
    ],
)  # fmt: skip
def test_v3_extension_types(dtype, data_type, endian):
    dtype = np.dtype(dtype)
    assert v3_from_numpy(dtype) == (data_type, endian)
    assert numpy_from_v3(data_type) == dtype.newbyteorder("=")
    assert normalize_v3_data_type(data_type) == data_type


def test_v3_raw_bits_type():
    assert numpy_from_v3("r16") == np.dtype("V2")
    assert normalize_v3_data_type({"name": "r16"}) == "r16"  # kept, not turned into raw_bytes
    with pytest.raises(MetadataError, match="multiple of 8"):
        numpy_from_v3("r12")


def test_v3_variable_length_types():
    for name, kind in [
        ("string", "string"),
        ("bytes", "bytes"),
        ("variable_length_bytes", "bytes"),
    ]:
        assert numpy_from_v3(name) == np.dtype("O")
        assert v3_object_kind(name) == kind
        assert normalize_v3_data_type(name) == name
    assert v3_from_numpy(np.dtype("O"), object_kind="string") == ("string", None)
    assert v3_from_numpy(np.dtype("O"), object_kind="bytes") == ("bytes", None)
    assert v3_from_numpy(np.dtypes.StringDType()) == ("string", None)


def test_v3_object_without_kind_suggests_v2():
    with pytest.raises(MetadataError, match="zarr_format=2"):
        v3_from_numpy(np.dtype("O"))


def test_v3_legacy_structured_is_read_and_written_as_struct():
    legacy = {"name": "structured", "configuration": {"fields": [["x", "int32"], ["y", "float64"]]}}
    assert numpy_from_v3(legacy) == np.dtype([("x", "<i4"), ("y", "<f8")])
    assert normalize_v3_data_type(legacy) == v3_struct(("x", "int32"), ("y", "float64"))


def test_v3_microsecond_alias():
    dt = {"name": "numpy.datetime64", "configuration": {"unit": "μs", "scale_factor": 1}}
    assert numpy_from_v3(dt) == np.dtype("M8[us]")


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "int32", "must_understand": False},
        {"name": "int32", "configuration": {"endian": "big"}},
        {"name": "int32", "extra": 1},
        {"configuration": {}},
        5,
        {"name": "fixed_length_utf32", "configuration": {"length_bytes": 6}},
        {"name": "fixed_length_utf32"},
        {"name": "raw_bytes", "configuration": {"length_bytes": 0}},
        {"name": "numpy.datetime64", "configuration": {"unit": "parsec", "scale_factor": 1}},
        {"name": "numpy.datetime64", "configuration": {"unit": "s", "scale_factor": 0}},
        {"name": "numpy.datetime64", "configuration": {"unit": "generic", "scale_factor": 1}},
        v3_struct(("x", "int32"), ("x", "int8")),
        v3_struct(("x", "string")),
        {"name": "struct", "configuration": {"fields": []}},
        {"name": "struct", "configuration": {"fields": [{"name": "", "data_type": "int8"}]}},
    ],
)
def test_v3_bad_data_type(bad):
    with pytest.raises(MetadataError) as info:
        numpy_from_v3(bad, key=KEY3)
    assert not isinstance(info.value, UnknownExtensionError)
    assert info.value.key == KEY3 and info.value.field == "data_type"


@pytest.mark.parametrize("name", ["bfloat16", "float8_e4m3", "int4", "https://example.com/dt"])
def test_v3_unknown_data_type(name):
    with pytest.raises(UnknownExtensionError) as info:
        numpy_from_v3({"name": name}, key=KEY3)
    assert info.value.name == name and info.value.key == KEY3


@pytest.mark.parametrize(
    ("dtype", "match"),
    [
        ([("a", "<i4"), ("b", ">i4")], "mixes"),
        ([("a", "<f4", (2,))], "subarray"),
        (np.dtype([("a", "<i2"), ("b", "<f8")], align=True), "padding"),
        ("f16" if np.dtype("longdouble").itemsize == 16 else "f4x", "cannot be expressed"),
    ],
)
def test_v3_inexpressible_dtypes(dtype, match):
    if dtype == "f4x":
        pytest.skip("no 16-byte long double on this platform")
    with pytest.raises(MetadataError, match=match) as info:
        v3_from_numpy(np.dtype(dtype), key=KEY3)
    assert info.value.key == KEY3


# ------------------------------------------------------------------- v2 fill values


@pytest.mark.parametrize(
    ("dtype", "value", "json_value"),
    [
        ("<f8", np.float64(1.5), 1.5),
        ("<f8", np.float64(np.nan), "NaN"),
        ("<f4", np.float32(np.inf), "Infinity"),
        ("<f2", np.float16(-np.inf), "-Infinity"),
        ("<c8", np.complex64(complex(np.nan, np.inf)), ["NaN", "Infinity"]),
        ("<c16", np.complex128(1 - 2j), [1.0, -2.0]),
        ("|b1", np.True_, True),
        ("|b1", np.False_, False),
        ("<u8", np.uint64(2**64 - 1), 2**64 - 1),
        ("<i8", np.int64(-(2**63)), -(2**63)),
        ("<M8[ns]", np.datetime64("NaT", "ns"), -9223372036854775808),
        ("<M8[10s]", np.array(7, "i8").view("M8[10s]")[()], 7),
        ("<m8[ms]", np.timedelta64(-5, "ms"), -5),
        ("<U3", np.str_("ab"), "ab"),
        ("|S4", np.bytes_(b"ab"), "YWIAAA=="),  # pitfall 1: written at full item size
        ("|V3", np.void(b"abc"), "YWJj"),
    ],
)
def test_v2_fill_value_round_trip(dtype, value, json_value):
    dtype = np.dtype(dtype)
    encoded = encode_fill_value_v2(value, dtype)
    assert encoded == json_value and type(encoded) is type(json_value)
    decoded = decode_fill_value_v2(json.loads(json.dumps(encoded)), dtype)
    assert same(decoded, value)


def test_v2_fill_null_is_none():
    assert decode_fill_value_v2(None, np.dtype("<i4")) is None
    assert encode_fill_value_v2(None, np.dtype("<i4")) is None


def test_v2_short_bytes_fill_is_zero_padded():
    # Pitfall 1: zarr-python writes b"ab" for |S4 as "YWI=" (2 bytes).
    decoded = decode_fill_value_v2("YWI=", np.dtype("|S4"))
    assert decoded == b"ab"
    assert encode_fill_value_v2(decoded, np.dtype("|S4")) == "YWIAAA=="


def test_v2_negative_zero_keeps_its_sign():
    # Pitfall 2: zarr 2.18.7 writes -0.0 as 0.0.
    dtype = np.dtype("<f8")
    meta = ArrayMetadataV2.from_json(v2_doc(fill_value=-0.0))
    assert math.copysign(1, meta.fill_value) == -1
    assert b'"fill_value": -0.0' in meta.to_json()
    assert math.copysign(1, decode_fill_value_v2(-0.0, dtype)) == -1


def test_v2_hex_fill_is_rejected():
    # Pitfall 3: hex is v3-only; tensorstore misreads it as an integer.
    with pytest.raises(MetadataError, match="NaN") as info:
        decode_fill_value_v2("0x7ff8000000000000", np.dtype("<f8"), key=KEY)
    assert info.value.field == "fill_value" and info.value.key == KEY
    payload = from_bits(0x7FF8000000000001, "f8")
    assert encode_fill_value_v2(payload, np.dtype("<f8")) == "NaN"


def test_v2_bool_fill_reads_ints_writes_bools():
    # Pitfall 4: tensorstore requires true/false.
    assert decode_fill_value_v2(1, np.dtype("|b1")) is np.True_
    assert decode_fill_value_v2(0, np.dtype("|b1")) is np.False_
    assert encode_fill_value_v2(np.True_, np.dtype("|b1")) is True
    with pytest.raises(MetadataError):
        decode_fill_value_v2(2, np.dtype("|b1"))


def test_v2_structured_fill_is_base64_in_dtype_order():
    dtype = np.dtype([("x", ">i4"), ("z", "<f4", (2,))])
    value = np.array((1, (2.0, 3.0)), dtype)[()]
    encoded = encode_fill_value_v2(value, dtype)
    assert encoded == "AAAAAQAAAEAAAEBA"
    assert same(decode_fill_value_v2(encoded, dtype), value)


@pytest.mark.parametrize(
    ("json_value", "kind", "expected"),
    [
        ("", "string", ""),
        ("héllo", "string", "héllo"),
        (0, "string", ""),  # zarr-python 2's default for object arrays
        ("YWI=", "bytes", b"ab"),
        (0, "bytes", b""),
        ({"a": 1}, None, {"a": 1}),
        (None, "string", None),
    ],
)
def test_v2_object_fill(json_value, kind, expected):
    assert decode_fill_value_v2(json_value, np.dtype("O"), object_kind=kind) == expected


def test_v2_object_fill_encoding():
    dtype = np.dtype("O")
    assert encode_fill_value_v2("x", dtype, object_kind="string") == "x"
    assert encode_fill_value_v2(b"ab", dtype, object_kind="bytes") == "YWI="
    assert encode_fill_value_v2(3, dtype) == 3
    with pytest.raises(MetadataError):
        encode_fill_value_v2(object(), dtype)


@pytest.mark.parametrize(
    ("dtype", "value"),
    [
        ("<i1", 128),
        ("<u8", -1),
        ("<u8", 2**64),
        ("<i4", 1.5),
        ("<i4", True),
        ("<i4", "1"),
        ("<f8", "nan"),
        ("<f8", "1.0"),
        ("<f8", True),
        ("<c8", 1.0),
        ("<c8", [1.0]),
        ("|S2", "YWJj"),  # 3 bytes > 2
        ("|S2", "not base64!"),
        ("|S2", 5),
        ("<U2", "abc"),
        ("<U2", 5),
        ("<M8[s]", 2**63),
        ("<M8[s]", "1970-01-01"),
    ],
)
def test_v2_bad_fill_values(dtype, value):
    with pytest.raises(MetadataError) as info:
        decode_fill_value_v2(value, np.dtype(dtype), key=KEY)
    assert info.value.field == "fill_value" and info.value.key == KEY


def test_integral_float_is_accepted_for_ints():
    assert decode_fill_value_v2(3.0, np.dtype("<i4")) == 3
    assert decode_fill_value_v3(3.0, "int32") == 3


# ------------------------------------------------------------------- v3 fill values


def test_v3_nan_fill_values():
    for name, canonical in [
        ("float16", 0x7E00),
        ("float32", 0x7FC00000),
        ("float64", 0x7FF8 << 48),
    ]:
        nan = decode_fill_value_v3("NaN", name)
        assert bits(nan) == canonical
        assert encode_fill_value_v3(nan, name) == "NaN"
    assert encode_fill_value_v3(np.float32(np.inf), "float32") == "Infinity"
    assert encode_fill_value_v3(np.float64(-np.inf), "float64") == "-Infinity"


@pytest.mark.parametrize(
    ("name", "text", "pattern"),
    [
        ("float32", "0x7fa00001", 0x7FA00001),  # signalling NaN: bits kept exactly
        ("float32", "0xffc00000", 0xFFC00000),  # negative NaN
        ("float64", "0x7ff8000000000001", 0x7FF8000000000001),  # payload
        ("float16", "0x7e01", 0x7E01),
    ],
)
def test_v3_hex_nan_round_trip(name, text, pattern):
    value = decode_fill_value_v3(text, name)
    assert bits(value) == pattern
    assert encode_fill_value_v3(value, name) == text
    # Uppercase digits are accepted on read; we write lowercase.
    assert bits(decode_fill_value_v3("0x" + text[2:].upper(), name)) == pattern


def test_v3_hex_of_ordinary_number():
    assert decode_fill_value_v3("0x3ff0000000000000", "float64") == 1.0
    assert encode_fill_value_v3(np.float64(1.0), "float64") == 1.0


@pytest.mark.parametrize("text", ["0X7fc00000", "0x7fc0000", "0x7fc000000", "0xzzzzzzzz", "nan"])
def test_v3_bad_float_strings(text):
    with pytest.raises(MetadataError) as info:
        decode_fill_value_v3(text, "float32", key=KEY3)
    assert info.value.field == "fill_value"


def test_v3_float_rounding_and_negative_zero():
    assert np.isposinf(decode_fill_value_v3(1e40, "float32"))
    assert np.isposinf(decode_fill_value_v3(10**400, "float64"))
    zero = decode_fill_value_v3(-0.0, "float32")
    assert math.copysign(1, zero) == -1
    assert math.copysign(1, encode_fill_value_v3(zero, "float32")) == -1


def test_v3_complex_fill():
    value = decode_fill_value_v3(["-Infinity", "0x7fc00001"], "complex64")
    assert np.isneginf(value.real) and bits(value.imag) == 0x7FC00001
    assert encode_fill_value_v3(value, "complex64") == ["-Infinity", "0x7fc00001"]
    assert encode_fill_value_v3(np.complex128(1 + 2j), "complex128") == [1.0, 2.0]


def test_v3_integer_and_bool_fill():
    assert decode_fill_value_v3(2**64 - 1, "uint64") == np.uint64(2**64 - 1)
    assert decode_fill_value_v3(-(2**63), "int64") == np.int64(-(2**63))
    with pytest.raises(MetadataError):
        decode_fill_value_v3(256, "uint8")
    assert encode_fill_value_v3(np.True_, "bool") is True
    assert decode_fill_value_v3(False, "bool") is np.False_


def test_v3_null_fill_is_rejected():
    with pytest.raises(MetadataError, match="requires a fill value") as info:
        decode_fill_value_v3(None, "int32", key=KEY3)
    assert info.value.key == KEY3


def test_v3_datetime_fill():
    dt = {"name": "numpy.datetime64", "configuration": {"unit": "s", "scale_factor": 10}}
    nat = decode_fill_value_v3("NaT", dt)
    assert np.isnat(nat) and nat.dtype == np.dtype("M8[10s]")
    assert same(decode_fill_value_v3(-9223372036854775808, dt), nat)
    assert encode_fill_value_v3(nat, dt) == -9223372036854775808
    assert encode_fill_value_v3(decode_fill_value_v3(12, dt), dt) == 12


def test_v3_struct_fill():
    dt = v3_struct(("p", v3_struct(("x", "float32"), ("y", "float32"))), ("n", "int16"))
    value = decode_fill_value_v3({"p": {"x": 1.0, "y": "NaN"}, "n": -3}, dt)
    assert value["n"] == -3 and value["p"]["x"] == 1.0 and np.isnan(value["p"]["y"])
    assert encode_fill_value_v3(value, dt) == {"p": {"x": 1.0, "y": "NaN"}, "n": -3}
    for bad in [{"p": {"x": 1.0, "y": 2.0}}, {"p": {"x": 1, "y": 2}, "n": 1, "q": 2}, [1, 2]]:
        with pytest.raises(MetadataError):
            decode_fill_value_v3(bad, dt)


def test_v3_legacy_structured_base64_fill_uses_bytes_codec_endian():
    legacy = {"name": "structured", "configuration": {"fields": [["x", "int32"], ["y", "uint8"]]}}
    little = decode_fill_value_v3("AQAAAAI=", legacy)
    assert little["x"] == 1 and little["y"] == 2
    big = decode_fill_value_v3("AAAAAQI=", legacy, endian="big")
    assert big["x"] == 1 and big["y"] == 2
    assert encode_fill_value_v3(big, normalize_v3_data_type(legacy)) == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("data_type", "json_value", "expected"),
    [
        ("r24", [1, 2, 255], np.void(b"\x01\x02\xff")),
        ({"name": "raw_bytes", "configuration": {"length_bytes": 3}}, "AQL/", np.void(b"\x01\x02\xff")),
        ({"name": "null_terminated_bytes", "configuration": {"length_bytes": 4}}, "YWIAAA==", np.bytes_(b"ab")),
        ({"name": "fixed_length_utf32", "configuration": {"length_bytes": 8}}, "hé", np.str_("hé")),
        ("string", "foo", "foo"),
        ("bytes", "AQID", b"\x01\x02\x03"),
        ("variable_length_bytes", "", b""),
    ],
)  # fmt: skip
def test_v3_other_fill_round_trips(data_type, json_value, expected):
    decoded = decode_fill_value_v3(json_value, data_type)
    assert decoded == expected and type(decoded) is type(expected)
    assert encode_fill_value_v3(decoded, data_type) == json_value


def test_v3_bytes_fill_forms():
    assert decode_fill_value_v3([1, 2, 3], "bytes") == b"\x01\x02\x03"
    nt = {"name": "null_terminated_bytes", "configuration": {"length_bytes": 4}}
    assert decode_fill_value_v3("YWI=", nt) == b"ab"  # zarr-python writes it unpadded


@pytest.mark.parametrize(
    ("data_type", "value"),
    [
        ("r16", [1, 2, 3]),
        ("r16", [1, 256]),
        ("r16", "AQI="),
        ("string", 0),
        ("bytes", [300]),
        ({"name": "fixed_length_utf32", "configuration": {"length_bytes": 4}}, "ab"),
        ("int32", "NaN"),
        ("bool", "true"),
    ],
)
def test_v3_bad_fill_values(data_type, value):
    with pytest.raises(MetadataError) as info:
        decode_fill_value_v3(value, data_type, key=KEY3)
    assert info.value.field == "fill_value" and info.value.key == KEY3


# --------------------------------------------------------------- hypothesis round trips

FLOATS = {"float16": 2, "float32": 4, "float64": 8}


@given(st.sampled_from(sorted(FLOATS)), st.data())
def test_v3_float_bits_survive(name, data):
    size = FLOATS[name]
    pattern = data.draw(st.integers(0, 2 ** (8 * size) - 1))
    value = from_bits(pattern, f"f{size}")
    encoded = encode_fill_value_v3(value, name)
    assert bits(decode_fill_value_v3(json.loads(json.dumps(encoded)), name)) == pattern


@given(st.sampled_from(sorted(FLOATS)), st.data())
def test_v2_float_values_survive(name, data):
    size = FLOATS[name]
    value = from_bits(data.draw(st.integers(0, 2 ** (8 * size) - 1)), f"f{size}")
    dtype = np.dtype(f"<f{size}")
    decoded = decode_fill_value_v2(
        json.loads(json.dumps(encode_fill_value_v2(value, dtype))), dtype
    )
    assert (np.isnan(value) and np.isnan(decoded)) or bits(decoded) == bits(value)


@given(
    st.sampled_from(["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]),
    st.data(),
)
def test_integer_fill_round_trip(name, data):
    info = np.iinfo(name)
    value = data.draw(st.integers(int(info.min), int(info.max)))
    assert (
        int(decode_fill_value_v3(json.loads(json.dumps(encode_fill_value_v3(value, name))), name))
        == value
    )
    dtype = np.dtype(name).newbyteorder(">")
    assert int(decode_fill_value_v2(encode_fill_value_v2(value, dtype), dtype)) == value


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_v3_complex_bits_survive(re_bits, im_bits):
    value = np.empty((), "c16")
    value.real, value.imag = from_bits(re_bits, "f8"), from_bits(im_bits, "f8")
    value = value[()]
    decoded = decode_fill_value_v3(encode_fill_value_v3(value, "complex128"), "complex128")
    assert bits(decoded.real) == re_bits and bits(decoded.imag) == im_bits


@given(st.binary(max_size=8), st.integers(1, 8))
def test_fixed_bytes_round_trip(raw, size):
    dtype = np.dtype(f"S{size}")
    value = np.array(raw[:size], dtype)[()]
    assert decode_fill_value_v2(encode_fill_value_v2(value, dtype), dtype) == value
    nt = {"name": "null_terminated_bytes", "configuration": {"length_bytes": size}}
    assert decode_fill_value_v3(encode_fill_value_v3(value, nt), nt) == value


NUMERIC = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]


@given(st.sampled_from(NUMERIC), st.sampled_from("<>"), st.data())
def test_documents_round_trip_numeric_fill_bits(typestr, byteorder, data):
    dtype = np.dtype(byteorder + typestr)
    raw = data.draw(st.binary(min_size=dtype.itemsize, max_size=dtype.itemsize))
    if dtype.kind == "b":
        raw = bytes([raw[0] & 1])
    fill = np.frombuffer(raw, dtype)[0]
    meta3 = ArrayMetadataV3(
        shape=(3,),
        data_type=v3_from_numpy(dtype)[0],
        chunk_shape=(2,),
        codecs=["bytes"],
        fill_value=fill,
    )
    assert same(ArrayMetadataV3.from_json(meta3.to_json()).fill_value, meta3.fill_value)
    meta2 = ArrayMetadataV2(shape=(3,), chunks=(2,), dtype=dtype, fill_value=fill)
    again = ArrayMetadataV2.from_json(meta2.to_json())
    assert again == meta2 and again.dtype == dtype
    if dtype.kind not in "fc":
        assert same(again.fill_value, meta2.fill_value)


# --------------------------------------------------------------------- normalisation


def test_normalize_fill_value():
    payload = from_bits(0x7FC00001, "f4")
    assert normalize_fill_value(payload, np.dtype("<f4")) is payload
    assert same(normalize_fill_value(2, np.dtype(">i2")), np.int16(2))
    assert np.isnan(normalize_fill_value("NaN", np.dtype("f8")))
    record = np.dtype([("a", "<i4"), ("b", "<f4")])
    assert normalize_fill_value({"a": 1, "b": 2.5}, record) == np.array((1, 2.5), record)[()]
    assert normalize_fill_value((1, 2.5), record) == np.array((1, 2.5), record)[()]
    assert normalize_fill_value("x", np.dtype("O"), object_kind="string") == "x"
    assert normalize_fill_value(None, np.dtype("f8")) is None
    for value, dtype in [(300, "u1"), (1.5, "i4"), ("abc", "f8"), ({"a": 1}, record)]:
        with pytest.raises(MetadataError) as info:
            normalize_fill_value(value, np.dtype(dtype), key=KEY)
        assert info.value.field == "fill_value" and info.value.key == KEY
    with pytest.raises(MetadataError):
        normalize_fill_value(b"x", np.dtype("O"), object_kind="string")


# ------------------------------------------------------------------------ chunk keys


@pytest.mark.parametrize(
    ("cke", "coords", "key"),
    [
        (ChunkKeyEncoding("default"), (1, 23, 45), "c/1/23/45"),
        (ChunkKeyEncoding("default", "."), (1, 23, 45), "c.1.23.45"),
        (ChunkKeyEncoding("default"), (), "c"),
        (ChunkKeyEncoding("default", "."), (), "c"),
        (ChunkKeyEncoding("v2"), (1, 23, 45), "1.23.45"),
        (ChunkKeyEncoding("v2", "/"), (1, 23, 45), "1/23/45"),
        (ChunkKeyEncoding("v2"), (), "0"),
        (ChunkKeyEncoding("v2"), (7,), "7"),
    ],
)
def test_chunk_key_encodings(cke, coords, key):
    assert cke.encode(coords) == key
    assert cke.decode(key, ndim=len(coords)) == coords
    assert cke.encode_many(np.array([coords], dtype=np.int64).reshape(1, len(coords))) == [key]
    assert ChunkKeyEncoding.from_json(cke.to_json()) == cke


def test_chunk_key_decode_without_ndim():
    assert ChunkKeyEncoding("default").decode("c") == ()
    assert ChunkKeyEncoding("v2").decode("0") == (0,)


@pytest.mark.parametrize(
    ("cke", "key"),
    [
        (ChunkKeyEncoding("default"), "1/2"),
        (ChunkKeyEncoding("default"), "c/1/x"),
        (ChunkKeyEncoding("default"), "c/1/-2"),
        (ChunkKeyEncoding("default"), "c/01"),
        (ChunkKeyEncoding("default"), "c.1"),
        (ChunkKeyEncoding("v2"), "1/2"),
        (ChunkKeyEncoding("v2"), ".zarray"),
        (ChunkKeyEncoding("v2"), "1.٣"),
    ],
)
def test_chunk_key_decode_rejects_other_keys(cke, key):
    with pytest.raises(InvalidKeyError):
        cke.decode(key)


def test_chunk_key_decode_checks_ndim():
    with pytest.raises(InvalidKeyError):
        ChunkKeyEncoding("default").decode("c/1/2", ndim=3)
    with pytest.raises(InvalidKeyError):
        ChunkKeyEncoding("v2").decode("1", ndim=0)


def test_encode_many_is_fast_and_matches_encode():
    coords = np.indices((100, 100)).reshape(2, -1).T
    cke = ChunkKeyEncoding("default")
    start = time.perf_counter()
    keys = cke.encode_many(coords)
    elapsed = time.perf_counter() - start
    assert keys == [cke.encode(tuple(c)) for c in coords.tolist()]
    assert len(set(keys)) == 10_000
    assert elapsed < 1.0  # about 2 ms quiet; the bound only catches a pathological slowdown
    assert ChunkKeyEncoding("v2").encode_many(np.zeros((3, 0), int)) == ["0", "0", "0"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("default", ChunkKeyEncoding("default", "/")),
        ({"name": "default"}, ChunkKeyEncoding("default", "/")),
        ({"name": "v2"}, ChunkKeyEncoding("v2", ".")),
        ({"name": "v2", "configuration": {"separator": "/"}}, ChunkKeyEncoding("v2", "/")),
        ({"name": "default", "must_understand": True}, ChunkKeyEncoding("default", "/")),
    ],
)
def test_chunk_key_encoding_from_json(data, expected):
    assert ChunkKeyEncoding.from_json(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"name": "default", "must_understand": False},
        {"name": "default", "configuration": {"separator": "-"}},
        {"name": "default", "configuration": {"separator": "/", "x": 1}},
        {"name": "default", "other": 1},
        5,
    ],
)
def test_chunk_key_encoding_bad_json(data):
    with pytest.raises(MetadataError) as info:
        ChunkKeyEncoding.from_json(data, key=KEY3)
    assert not isinstance(info.value, UnknownExtensionError)
    assert info.value.key == KEY3 and info.value.field == "chunk_key_encoding"


def test_chunk_key_encoding_unknown():
    with pytest.raises(UnknownExtensionError) as info:
        ChunkKeyEncoding.from_json({"name": "n5_default"}, key=KEY3)
    assert info.value.name == "n5_default"


# ----------------------------------------------------------------------- v2 documents

# As zarr-python 2.18.7 writes it (zarr.create(shape=(4,), chunks=(2,), dtype="S4",
# fill_value=b"ab", compressor=None, dimension_separator="/")), except for the fill value.
ZP2_ZARRAY = b"""{
    "chunks": [
        2
    ],
    "compressor": null,
    "dimension_separator": "/",
    "dtype": "|S4",
    "fill_value": "YWIAAA==",
    "filters": null,
    "order": "C",
    "shape": [
        4
    ],
    "zarr_format": 2
}"""


def test_v2_writes_like_zarr_python_2():
    meta = ArrayMetadataV2.from_json(ZP2_ZARRAY)
    assert meta.to_json() == ZP2_ZARRAY
    assert meta.dimension_separator == "/"
    assert meta.chunk_key((1,)) == "1"


def test_v2_round_trip_and_fields():
    meta = ArrayMetadataV2.from_json(
        json.dumps(
            v2_doc(
                dtype=">i2",
                fill_value=-7,
                order="F",
                filters=[{"id": "delta", "dtype": ">i2"}],
                dimension_separator="/",
            )
        ),
        key=KEY,
    )
    assert meta.shape == (10, 6) and meta.chunks == (4, 3)
    assert meta.dtype == np.dtype(">i2") and meta.order == "F"
    assert same(meta.fill_value, np.int16(-7))
    assert meta.zarr_format == 2 and meta.chunk_key((2, 1)) == "2/1"
    assert meta.chunk_key_encoding == ChunkKeyEncoding("v2", "/")
    again = ArrayMetadataV2.from_json(meta.to_json())
    assert again == meta and hash(again) == hash(meta)
    assert isinstance(meta, ArrayMetadata)


def test_v2_nan_fill_equality():
    a = ArrayMetadataV2.from_json(v2_doc(fill_value="NaN"))
    assert a == ArrayMetadataV2.from_json(a.to_json())


def test_v2_optional_and_extra_members():
    doc = v2_doc(units="counts")  # N5Store leaks attributes into .zarray
    assert ArrayMetadataV2.from_json(doc).dimension_separator == "."
    assert ArrayMetadataV2.from_json(v2_doc(dimension_separator=None)).dimension_separator == "."
    assert ArrayMetadataV2.from_json(v2_doc(filters=[])).filters is None


def test_v2_zero_dim():
    meta = ArrayMetadataV2.from_json(v2_doc(shape=[], chunks=[]))
    assert meta.chunk_key(()) == "0"


def test_v2_object_array():
    doc = v2_doc(dtype="|O", filters=[{"id": "vlen-utf8"}], compressor=None, fill_value="")
    meta = ArrayMetadataV2.from_json(doc)
    assert meta.object_kind == "string" and meta.fill_value == ""
    assert json.loads(meta.to_json())["fill_value"] == ""
    with pytest.raises(MetadataError, match="object codec") as info:
        ArrayMetadataV2.from_json(v2_doc(dtype="|O", fill_value=None), key=KEY)
    assert info.value.field == "filters"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"zarr_format": 3}, "zarr_format"),
        ({"zarr_format": "2"}, "zarr_format"),
        ({"shape": "10"}, "shape"),
        ({"shape": [10, -1]}, "shape"),
        ({"shape": [10.0, 6]}, "shape"),
        ({"shape": [True, 6]}, "shape"),
        ({"chunks": [4]}, "chunks"),
        ({"chunks": [4, 0]}, "chunks"),
        ({"chunks": None}, "chunks"),
        ({"dtype": "<q8"}, "dtype"),
        ({"order": "K"}, "order"),
        ({"compressor": {"cname": "lz4"}}, "compressor"),
        ({"compressor": "blosc"}, "compressor"),
        ({"filters": {"id": "delta"}}, "filters"),
        ({"filters": [{"id": 5}]}, "filters"),
        ({"fill_value": "Infinite"}, "fill_value"),
        ({"dimension_separator": "-"}, "dimension_separator"),
    ],
)
def test_v2_invalid_documents(changes, field):
    with pytest.raises(MetadataError) as info:
        ArrayMetadataV2.from_json(v2_doc(**changes), key=KEY)
    assert info.value.key == KEY and info.value.field == field
    assert KEY in str(info.value) and repr(field) in str(info.value)


@pytest.mark.parametrize(
    "member", ["shape", "chunks", "dtype", "compressor", "fill_value", "order", "filters"]
)
def test_v2_missing_member(member):
    doc = v2_doc()
    del doc[member]
    with pytest.raises(MetadataError, match="missing") as info:
        ArrayMetadataV2.from_json(doc, key=KEY)
    assert info.value.field == member and info.value.key == KEY


@pytest.mark.parametrize("data", [b"{", b"[1, 2]", "null", b"\xff\xfe"])
def test_v2_not_a_json_object(data):
    with pytest.raises(MetadataError) as info:
        ArrayMetadataV2.from_json(data, key=KEY)
    assert info.value.key == KEY


def test_v2_update_revalidates():
    meta = ArrayMetadataV2.from_json(v2_doc())
    bigger = meta.update(shape=(20, 6))
    assert bigger.shape == (20, 6) and meta.shape == (10, 6)
    with pytest.raises(MetadataError):
        meta.update(shape=(20,))


def test_v2_constructor_normalises():
    meta = ArrayMetadataV2(shape=[np.int64(5)], chunks=[2], dtype="f4", fill_value="NaN")
    assert meta.shape == (5,) and isinstance(meta.shape[0], int)
    assert meta.dtype == np.dtype("<f4") and isinstance(meta.fill_value, np.float32)


def test_v2_group_and_attributes():
    assert GroupMetadataV2().to_json() == b'{\n    "zarr_format": 2\n}'
    GroupMetadataV2.from_json(b'{"zarr_format": 2, "consolidated_metadata": null}')
    with pytest.raises(MetadataError) as info:
        GroupMetadataV2.from_json(b'{"zarr_format": 3}', key="g/.zgroup")
    assert info.value.key == "g/.zgroup"
    # zarr-python 2 and 3 write bare NaN tokens in .zattrs; we do the same.
    data = encode_attributes({"b": float("nan"), "a": np.float32(1.5), "c": np.arange(2)})
    assert data == b'{\n    "a": 1.5,\n    "b": NaN,\n    "c": [\n        0,\n        1\n    ]\n}'
    assert math.isnan(decode_attributes(data)["b"])
    with pytest.raises(MetadataError):
        decode_attributes(b"[]", key="x/.zattrs")
    with pytest.raises(MetadataError):
        encode_attributes({"x": object()})


# ----------------------------------------------------------------------- v3 documents

# As zarr-python 3.1.6 writes it (create_array(shape=(4, 3), chunks=(2, 2), dtype="f4",
# fill_value=nan, dimension_names=["x", None], attributes={"u": "é"})).
ZP3_ZARR_JSON = json.dumps(
    {
        "shape": [4, 3],
        "data_type": "float32",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 2]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": "NaN",
        "codecs": [
            {"name": "bytes", "configuration": {"endian": "little"}},
            {"name": "zstd", "configuration": {"level": 0, "checksum": False}},
        ],
        "attributes": {"u": "é"},
        "dimension_names": ["x", None],
        "zarr_format": 3,
        "node_type": "array",
        "storage_transformers": [],
    },
    indent=2,
).encode()


def test_v3_writes_like_zarr_python_3():
    meta = ArrayMetadataV3.from_json(ZP3_ZARR_JSON, key=KEY3)
    assert meta.to_json() == ZP3_ZARR_JSON
    assert meta.shape == (4, 3) and meta.chunks == (2, 2) and meta.order == "C"
    assert meta.dtype == np.dtype("float32") and np.isnan(meta.fill_value)
    assert meta.dimension_names == ("x", None) and meta.attributes == {"u": "é"}
    assert meta.chunk_key((1, 0)) == "c/1/0"
    assert isinstance(meta, ArrayMetadata)
    assert parse_node_v3(ZP3_ZARR_JSON) == meta


# As zarr-python 3.1.6 writes a structured array: legacy name, base64 fill, bytes
# codec without endian.
ZP3_STRUCTURED = {
    "shape": [4],
    "data_type": {"name": "structured", "configuration": {"fields": [["x", "int32"], ["y", "float64"]]}},
    "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2]}},
    "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
    "fill_value": "AQAAAAAAAAAAAPA/",
    "codecs": [{"name": "bytes"}, {"name": "zstd", "configuration": {"level": 0, "checksum": False}}],
    "attributes": {},
    "zarr_format": 3,
    "node_type": "array",
    "storage_transformers": [],
}  # fmt: skip


def test_v3_reads_zarr_python_structured():
    meta = ArrayMetadataV3.from_json(ZP3_STRUCTURED)
    assert meta.dtype == np.dtype([("x", "<i4"), ("y", "<f8")])
    assert meta.fill_value["x"] == 1 and meta.fill_value["y"] == 1.0
    written = json.loads(meta.to_json())
    assert written["data_type"] == v3_struct(("x", "int32"), ("y", "float64"))
    assert written["fill_value"] == {"x": 1, "y": 1.0}
    assert ArrayMetadataV3.from_json(written) == meta


def test_v3_shorthand_codecs_and_extensions():
    doc = v3_doc(
        codecs=["bytes", "crc32c"],
        chunk_key_encoding="default",
        chunk_grid={"name": "regular", "configuration": {"chunk_shape": [4, 3]}},
        storage_transformers=None,
    )
    meta = ArrayMetadataV3.from_json(doc)
    assert meta.codecs == [{"name": "bytes"}, {"name": "crc32c"}]
    assert meta.storage_transformers == []
    assert json.loads(meta.to_json())["codecs"] == [{"name": "bytes"}, {"name": "crc32c"}]


def test_v3_unknown_member_must_be_understood():
    with pytest.raises(UnknownExtensionError) as info:
        ArrayMetadataV3.from_json(v3_doc(foo={"name": "foo"}), key=KEY3)
    assert info.value.kind == "member" and info.value.name == "foo" and info.value.key == KEY3
    assert "'foo'" in str(info.value) and KEY3 in str(info.value)
    with pytest.raises(UnknownExtensionError):
        ArrayMetadataV3.from_json(v3_doc(foo=1))
    with pytest.raises(UnknownExtensionError):
        ArrayMetadataV3.from_json(v3_doc(foo={"must_understand": True}))


def test_v3_optional_member_is_kept():
    extra = {"name": "foo", "must_understand": False, "configuration": {"x": 1}}
    meta = ArrayMetadataV3.from_json(v3_doc(foo=extra))
    assert meta.extra_members == {"foo": extra}
    assert json.loads(meta.to_json())["foo"] == extra
    with pytest.raises(MetadataError, match="shadow"):
        meta.update(extra_members={"shape": {"must_understand": False}})


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("data_type", {"name": "float32", "must_understand": False}),
        ("chunk_grid", {"name": "regular", "must_understand": False, "configuration": {"chunk_shape": [4, 3]}}),
        ("chunk_key_encoding", {"name": "default", "must_understand": False}),
    ],
)  # fmt: skip
def test_v3_must_understand_false_not_permitted(member, value):
    with pytest.raises(MetadataError, match="must_understand") as info:
        ArrayMetadataV3.from_json(v3_doc(**{member: value}), key=KEY3)
    assert info.value.field == member and info.value.key == KEY3


@pytest.mark.parametrize(
    ("member", "value", "name"),
    [
        ("chunk_grid", {"name": "rectilinear", "configuration": {}}, "rectilinear"),
        ("chunk_key_encoding", {"name": "fancy"}, "fancy"),
        ("data_type", "bfloat16", "bfloat16"),
    ],
)
def test_v3_unknown_extensions(member, value, name):
    with pytest.raises(UnknownExtensionError) as info:
        ArrayMetadataV3.from_json(v3_doc(**{member: value}), key=KEY3)
    assert info.value.name == name and info.value.key == KEY3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"zarr_format": 2}, "zarr_format"),
        ({"node_type": "group"}, "node_type"),
        ({"shape": [10]}, "chunk_grid"),
        ({"shape": [10, "6"]}, "shape"),
        ({"chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [0, 3]}}}, "chunk_grid"),
        ({"chunk_grid": {"name": "regular"}}, "chunk_grid"),
        ({"chunk_grid": 5}, "chunk_grid"),
        ({"codecs": []}, "codecs"),
        ({"codecs": {"name": "bytes"}}, "codecs"),
        ({"codecs": [{"configuration": {}}]}, "codecs"),
        ({"codecs": [{"name": "bytes", "configuration": []}]}, "codecs"),
        ({"codecs": [{"name": "bytes", "extra": 1}]}, "codecs"),
        ({"fill_value": None}, "fill_value"),
        ({"fill_value": "0x7fc00000"}, None),  # valid
        ({"attributes": []}, "attributes"),
        ({"dimension_names": ["x"]}, "dimension_names"),
        ({"dimension_names": ["x", 1]}, "dimension_names"),
        ({"storage_transformers": {"name": "x"}}, "storage_transformers"),
    ],
)  # fmt: skip
def test_v3_invalid_documents(changes, field):
    doc = v3_doc(**changes)
    if field is None:
        ArrayMetadataV3.from_json(doc)
        return
    with pytest.raises(MetadataError) as info:
        ArrayMetadataV3.from_json(doc, key=KEY3)
    assert info.value.key == KEY3 and info.value.field == field


@pytest.mark.parametrize(
    "member", ["shape", "data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs"]
)
def test_v3_missing_member(member):
    doc = v3_doc()
    del doc[member]
    with pytest.raises(MetadataError, match="missing") as info:
        ArrayMetadataV3.from_json(doc, key=KEY3)
    assert info.value.field == member


def test_v3_transformers_are_kept_unresolved():
    transformer = {"name": "some_transformer", "configuration": {"x": 1}}
    meta = ArrayMetadataV3.from_json(v3_doc(storage_transformers=[transformer]))
    assert meta.storage_transformers == [transformer]


def test_v3_zero_dim_and_v2_keys():
    meta = ArrayMetadataV3.from_json(
        v3_doc(
            shape=[],
            chunk_grid={"name": "regular", "configuration": {"chunk_shape": []}},
            chunk_key_encoding={"name": "v2"},
        )
    )
    assert meta.chunk_key(()) == "0"
    meta = ArrayMetadataV3.from_json(
        v3_doc(shape=[], chunk_grid={"name": "regular", "configuration": {"chunk_shape": []}})
    )
    assert meta.chunk_key(()) == "c"


def test_v3_constructor_defaults_and_update():
    meta = ArrayMetadataV3(shape=(5,), data_type="string", chunk_shape=(2,), codecs=["vlen-utf8"])
    assert meta.fill_value == "" and meta.object_kind == "string"
    assert meta.chunk_key_encoding == ChunkKeyEncoding("default", "/")
    assert ArrayMetadataV3.from_json(meta.to_json()) == meta
    resized = meta.update(shape=(9,))
    assert resized.shape == (9,) and resized.codecs == [{"name": "vlen-utf8"}]
    ints = ArrayMetadataV3(
        shape=(5,), data_type={"name": "int32"}, chunk_shape=(2,), codecs=["bytes"]
    )
    assert ints.data_type == "int32" and same(ints.fill_value, np.int32(0))
    with pytest.raises(ValueError):
        ints.update(dtype=np.dtype("i8"))


def test_v3_nan_payload_document():
    doc = v3_doc(fill_value="0x7fc00001")
    meta = ArrayMetadataV3.from_json(doc)
    assert bits(meta.fill_value) == 0x7FC00001
    assert json.loads(meta.to_json())["fill_value"] == "0x7fc00001"


def test_v3_attributes_with_nan_round_trip():
    meta = ArrayMetadataV3.from_json(v3_doc(attributes={"_FillValue": float("nan")}))
    assert b'"_FillValue": NaN' in meta.to_json()
    assert math.isnan(ArrayMetadataV3.from_json(meta.to_json()).attributes["_FillValue"])


def test_v3_group():
    group = GroupMetadataV3.from_json(b'{"zarr_format": 3, "node_type": "group"}')
    assert group.attributes == {} and group.consolidated_metadata is None
    assert (
        group.to_json() == b'{\n  "attributes": {},\n  "zarr_format": 3,\n  "node_type": "group"\n}'
    )
    consolidated = {"kind": "inline", "must_understand": False, "metadata": {"a": v3_doc()}}
    doc = {
        "zarr_format": 3,
        "node_type": "group",
        "attributes": {"x": 1},
        "consolidated_metadata": consolidated,
    }
    group = parse_node_v3(json.dumps(doc), key="zarr.json")
    assert isinstance(group, GroupMetadataV3)
    assert group.consolidated_metadata == consolidated and group.attributes == {"x": 1}
    assert json.loads(group.to_json()) == doc
    assert (
        GroupMetadataV3.from_json(dict(doc, consolidated_metadata=None)).consolidated_metadata
        is None
    )
    with pytest.raises(UnknownExtensionError):
        GroupMetadataV3.from_json(dict(doc, other={"name": "x"}))
    kept = GroupMetadataV3.from_json(dict(doc, other={"must_understand": False}))
    assert kept.extra_members == {"other": {"must_understand": False}}


@pytest.mark.parametrize("node_type", [None, "dataset"])
def test_parse_node_v3_bad_node_type(node_type):
    with pytest.raises(MetadataError) as info:
        parse_node_v3({"zarr_format": 3, "node_type": node_type}, key=KEY3)
    assert info.value.field == "node_type" and info.value.key == KEY3


def test_v3_legacy_structured_fill_inside_a_shard_uses_inner_endian():
    doc = dict(
        ZP3_STRUCTURED,
        fill_value="AAAAAT/wAAAAAAAA",
        codecs=[
            {
                "name": "sharding_indexed",
                "configuration": {
                    "chunk_shape": [1],
                    "codecs": [{"name": "bytes", "configuration": {"endian": "big"}}],
                    "index_codecs": ["bytes", "crc32c"],
                },
            }
        ],
    )
    meta = ArrayMetadataV3.from_json(doc)
    assert meta.fill_value["x"] == 1 and meta.fill_value["y"] == 1.0


def test_structured_dtypes_with_objects_are_refused():
    with pytest.raises(MetadataError, match="objects"):
        numpy_from_v2([["a", "|O"]], key=KEY)
    with pytest.raises(MetadataError, match="objects"):
        v2_from_numpy(np.dtype([("a", "O")]))


# ------------------------------------------------------------------------ conversion


def test_convert_f_order_big_endian_blosc():
    meta2 = ArrayMetadataV2.from_json(
        v2_doc(
            dtype=">f4",
            order="F",
            fill_value="NaN",
            compressor={"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": -1, "blocksize": 0},
        )
    )
    meta3 = v2_to_v3(meta2, {"_ARRAY_DIMENSIONS": ["y", "x"]})
    assert meta3.codecs == [
        {"name": "transpose", "configuration": {"order": [1, 0]}},
        {"name": "bytes", "configuration": {"endian": "big"}},
        {"name": "blosc", "configuration": {"cname": "zstd", "clevel": 3, "shuffle": "shuffle", "typesize": 4, "blocksize": 0}},
    ]  # fmt: skip
    assert meta3.chunk_key_encoding == ChunkKeyEncoding("v2", ".")
    assert meta3.dimension_names == ("y", "x")
    assert np.isnan(meta3.fill_value) and meta3.data_type == "float32"
    back, attrs = v3_to_v2(meta3)
    assert back.dtype == np.dtype(">f4") and back.order == "F"
    assert back.compressor["shuffle"] == 1  # auto became explicit byte shuffle
    assert attrs == {"_ARRAY_DIMENSIONS": ["y", "x"]}


def test_convert_blosc_auto_shuffle_for_bytes_is_bitshuffle():
    meta2 = ArrayMetadataV2.from_json(
        v2_doc(dtype="|u1", compressor={"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": -1})
    )
    blosc = v2_to_v3(meta2).codecs[-1]["configuration"]
    assert blosc["shuffle"] == "bitshuffle" and blosc["typesize"] == 1
    assert v2_to_v3(meta2).codecs[0] == {"name": "bytes"}


@pytest.mark.parametrize(
    ("compressor", "filters", "v3_tail"),
    [
        ({"id": "gzip", "level": 5}, None, [{"name": "gzip", "configuration": {"level": 5}}]),
        ({"id": "zstd", "level": 3}, None, [{"name": "zstd", "configuration": {"level": 3, "checksum": False}}]),
        ({"id": "zlib", "level": 1}, None, [{"name": "numcodecs.zlib", "configuration": {"level": 1}}]),
        (None, [{"id": "crc32c"}], [{"name": "crc32c"}]),
        ({"id": "lz4", "acceleration": 1}, [{"id": "crc32"}], [{"name": "numcodecs.crc32", "configuration": {}}, {"name": "numcodecs.lz4", "configuration": {"acceleration": 1}}]),
    ],
)  # fmt: skip
def test_convert_compressors(compressor, filters, v3_tail):
    meta2 = ArrayMetadataV2.from_json(v2_doc(dtype="<i4", compressor=compressor, filters=filters))
    meta3 = v2_to_v3(meta2)
    assert meta3.codecs[1:] == v3_tail
    back, _ = v3_to_v2(meta3)
    assert ArrayMetadataV2.from_json(back.to_json()) == back
    assert v2_to_v3(back) == meta3


def test_convert_array_filters_and_typesize():
    filters = [{"id": "delta", "dtype": "<i8", "astype": "<i2"}]
    compressor = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
    meta3 = v2_to_v3(
        ArrayMetadataV2.from_json(v2_doc(dtype="<i8", filters=filters, compressor=compressor))
    )
    assert meta3.codecs[0] == {
        "name": "numcodecs.delta",
        "configuration": {"dtype": "<i8", "astype": "<i2"},
    }
    assert meta3.codecs[2]["configuration"]["typesize"] == 2
    back, _ = v3_to_v2(meta3)
    assert back.filters == filters and back.compressor == compressor


def test_convert_vlen_strings():
    meta2 = ArrayMetadataV2.from_json(
        v2_doc(
            dtype="|O",
            filters=[{"id": "vlen-utf8"}],
            fill_value=0,
            compressor={"id": "zstd", "level": 1},
        )
    )
    meta3 = v2_to_v3(meta2)
    assert meta3.data_type == "string" and meta3.fill_value == ""
    assert meta3.codecs[0] == {"name": "vlen-utf8", "configuration": {}}
    back, _ = v3_to_v2(meta3)
    assert (
        back.filters == [{"id": "vlen-utf8"}]
        and back.fill_value == ""
        and back.dtype == np.dtype("O")
    )


def test_convert_structured_and_default_keys():
    meta3 = ArrayMetadataV3.from_json(ZP3_STRUCTURED)
    back, _ = v3_to_v2(meta3)
    assert back.dtype == np.dtype([("x", "<i4"), ("y", "<f8")]) and back.dimension_separator == "/"
    assert back.compressor == {"id": "zstd", "level": 0, "checksum": False}


@pytest.mark.parametrize(
    "codecs",
    [
        [{"name": "sharding_indexed", "configuration": {}}],
        [{"name": "transpose", "configuration": {"order": [0, 2, 1]}}, {"name": "bytes"}],
        [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "fancy"}],
        [{"name": "fancy_array_codec"}, {"name": "bytes"}],
    ],
)
def test_convert_inexpressible_in_v2(codecs):
    shape = [4, 4, 4]
    meta3 = ArrayMetadataV3(shape=shape, data_type="int16", chunk_shape=shape, codecs=codecs)
    with pytest.raises(MetadataError):
        v3_to_v2(meta3)


def test_convert_transformers_and_pickle_are_refused():
    meta3 = ArrayMetadataV3.from_json(v3_doc(storage_transformers=[{"name": "t"}]))
    with pytest.raises(MetadataError, match="storage transformers"):
        v3_to_v2(meta3)
    pickled = ArrayMetadataV2.from_json(
        v2_doc(dtype="|O", filters=[{"id": "pickle"}], fill_value=None)
    )
    with pytest.raises(MetadataError, match="zarr_format=2"):
        v2_to_v3(pickled)
    late = ArrayMetadataV2.from_json(
        v2_doc(filters=[{"id": "zlib"}, {"id": "delta", "dtype": "<f8"}])
    )
    with pytest.raises(MetadataError, match="follow"):
        v2_to_v3(late)
