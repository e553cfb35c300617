"""Fill values: JSON <-> NumPy scalars, for v2 (``.zarray``) and v3 (``zarr.json``).

Decoded fill values are NumPy scalars of the array dtype, ``str``/``bytes`` for
variable-length strings and bytes, or ``None`` (v2 ``null``: no fill value). The rules and
the pitfalls they avoid are in reference/formats.md, sections a.4 and b.6. In short:

* floats: ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` strings; ``-0.0`` keeps its sign. v3
  also takes ``"0x..."`` raw bits (exactly two hex digits per byte), which we write only
  for NaNs other than the canonical quiet NaN, so payloads survive. v2 never uses hex.
* complex: ``[re, im]``; bool: ``true``/``false``; datetimes: int64 counts (NaT is -2**63).
* fixed-size bytes, raw and (v2) structured values: base64 of the raw bytes, written at
  full item size, read with zero padding because zarr-python drops trailing zeros.
* v3 ``struct``: an object keyed by field name; ``r<N>``: a list of byte values.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np

from zarr_core.errors import MetadataError
from zarr_core.metadata.dtypes import (
    ObjectKind,
    numpy_from_v3,
    v3_data_type_name,
    v3_object_kind,
)

__all__ = [
    "decode_fill_value_v2",
    "encode_fill_value_v2",
    "decode_fill_value_v3",
    "encode_fill_value_v3",
    "normalize_fill_value",
    "default_fill_value",
]

_UINT_OF_SIZE = {2: np.dtype("u2"), 4: np.dtype("u4"), 8: np.dtype("u8")}
_CANONICAL_NAN = {2: 0x7E00, 4: 0x7FC00000, 8: 0x7FF8000000000000}
_FLOAT_WORDS = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}
_NAT = -(2**63)


def _fail(value: Any, dtype: Any, why: str, key: str | None) -> MetadataError:
    return MetadataError(
        f"invalid fill value {value!r} for {dtype}: {why}", key=key, field="fill_value"
    )


def _native(dtype: np.dtype) -> np.dtype:
    return dtype.newbyteorder("=") if dtype.byteorder in "<>" else dtype


# ------------------------------------------------------------------ shared scalar rules


def _decode_float(value: Any, dtype: np.dtype, hex_ok: bool, key: str | None) -> np.floating:
    if isinstance(value, str):
        if value in _FLOAT_WORDS:
            return dtype.type(_FLOAT_WORDS[value])
        if hex_ok and value.startswith("0x"):
            digits = value[2:]
            if len(digits) != 2 * dtype.itemsize:
                raise _fail(value, dtype, f"expected {2 * dtype.itemsize} hex digits", key)
            try:
                bits = int(digits, 16)
            except ValueError:
                raise _fail(value, dtype, "not a hex number", key) from None
            # A view, not arithmetic, so that signalling NaNs keep their bits.
            return np.array(bits, _UINT_OF_SIZE[dtype.itemsize]).view(_native(dtype))[()]
        allowed = '"NaN", "Infinity", "-Infinity"' + (' or "0x..." bits' if hex_ok else "")
        raise _fail(value, dtype, f"expected a number, {allowed}", key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            as_float = float(value)
        except OverflowError:  # a huge JSON integer rounds to infinity
            as_float = np.inf if value > 0 else -np.inf
        with np.errstate(over="ignore"):
            return dtype.type(as_float)
    raise _fail(value, dtype, "expected a number", key)


def _encode_float(x: Any, hex_ok: bool) -> float | str:
    if np.isnan(x):
        if hex_ok:
            bits = int(np.array(x).view(_UINT_OF_SIZE[x.itemsize]))
            if bits != _CANONICAL_NAN[x.itemsize]:
                return f"0x{bits:0{2 * x.itemsize}x}"
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return float(x)  # the exact value; json writes the shortest repr, -0.0 included


def _decode_int(value: Any, dtype: np.dtype, key: str | None) -> np.integer:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # written by some tools; the spec wants an integer
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(value, dtype, "expected an integer", key)
    info = np.iinfo(dtype)
    if not info.min <= value <= info.max:
        raise _fail(value, dtype, f"out of range [{info.min}, {info.max}]", key)
    return dtype.type(value)


def _decode_scalar(value: Any, dtype: np.dtype, v3: bool, key: str | None) -> np.generic:
    """Decode the JSON of a bool, integer, float, complex or datetime scalar."""
    kind = dtype.kind
    if kind == "b":
        # 0/1 are accepted on read (zarr-python does); we always write true/false.
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return np.bool_(value)
        raise _fail(value, dtype, "expected true or false", key)
    if kind in "iu":
        return _decode_int(value, dtype, key)
    if kind == "f":
        return _decode_float(value, dtype, v3, key)
    if kind == "c":
        if not (isinstance(value, list) and len(value) == 2):
            raise _fail(value, dtype, "expected [real, imag]", key)
        part = np.dtype(f"f{dtype.itemsize // 2}")
        re, im = (_decode_float(v, part, v3, key) for v in value)
        out = np.empty((), _native(dtype))
        out.real, out.imag = re, im  # keeps NaN payloads, unlike complex(re, im)
        return out[()]
    if kind in "mM":
        if value == "NaT":
            value = _NAT
        count = _decode_int(value, np.dtype("i8"), key)
        return np.array(count).view(_native(dtype))[()]
    raise _fail(value, dtype, "unsupported dtype", key)


def _encode_scalar(x: Any, dtype: np.dtype, v3: bool, key: str | None) -> Any:
    kind = dtype.kind
    x = np.array(x, _native(dtype))[()]
    if kind == "b":
        return bool(x)
    if kind in "iu":
        return int(x)
    if kind == "f":
        return _encode_float(x, v3)
    if kind == "c":
        return [_encode_float(x.real, v3), _encode_float(x.imag, v3)]
    if kind in "mM":
        return int(np.array(x).view("i8"))
    raise MetadataError(f"cannot encode a fill value for {dtype}", key=key, field="fill_value")


def _b64decode(value: Any, dtype: Any, key: str | None) -> bytes:
    if not isinstance(value, str):
        raise _fail(value, dtype, "expected a base64 string", key)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(value, dtype, "not valid base64", key) from None


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _fixed_bytes(raw: bytes, value: Any, dtype: np.dtype, key: str | None) -> np.generic:
    """Raw bytes -> scalar of a fixed-size dtype, zero-padding short input (pitfall 1)."""
    if len(raw) > dtype.itemsize:
        raise _fail(value, dtype, f"{len(raw)} bytes do not fit in {dtype.itemsize}", key)
    return np.frombuffer(raw.ljust(dtype.itemsize, b"\0"), dtype).copy()[0]


def _raw(x: Any, dtype: np.dtype) -> bytes:
    return np.array(x, dtype).tobytes()


def _decode_str(value: Any, dtype: np.dtype, key: str | None) -> np.str_:
    if not isinstance(value, str):
        raise _fail(value, dtype, "expected a string", key)
    if len(value) > dtype.itemsize // 4:
        raise _fail(value, dtype, f"longer than {dtype.itemsize // 4} characters", key)
    return np.str_(value)


def _decode_vlen(value: Any, object_kind: ObjectKind, key: str | None) -> str | bytes:
    """Fill value of a variable-length string or bytes array."""
    if object_kind == "string" and isinstance(value, str):
        return value
    if object_kind == "bytes":
        if isinstance(value, str):
            return _b64decode(value, "bytes", key)
        if isinstance(value, list) and all(type(b) is int and 0 <= b <= 255 for b in value):
            return bytes(value)
    expected = "a string" if object_kind == "string" else "base64 or a list of byte values"
    raise _fail(value, f"{object_kind} data", f"expected {expected}", key)


def _encode_object(x: Any, object_kind: ObjectKind | None, key: str | None) -> Any:
    if object_kind == "bytes":
        return _b64encode(bytes(x))
    if object_kind == "string":
        return str(x)
    if isinstance(x, (str, int, float, bool)):
        return x
    raise MetadataError(
        f"fill value {x!r} of an object array cannot be written as JSON",
        key=key,
        field="fill_value",
    )


# ------------------------------------------------------------------------------- v2


def decode_fill_value_v2(
    value: Any, dtype: np.dtype, *, object_kind: ObjectKind | None = None, key: str | None = None
) -> Any:
    """Decode the ``fill_value`` of a ``.zarray`` document.

    Parameters
    ----------
    value
        The parsed JSON value.
    dtype
        The array dtype.
    object_kind
        For object arrays, what they hold (from the first filter: ``vlen-utf8`` ->
        ``"string"``, ``vlen-bytes`` -> ``"bytes"``); ``None`` keeps the JSON value as is.
    key
        Store key, for error messages.

    Returns
    -------
    A NumPy scalar of ``dtype``, ``str``/``bytes`` for string/bytes object arrays, or
    ``None`` for ``null``.

    Raises
    ------
    MetadataError
        If the value does not fit the dtype (hex strings are rejected: not v2).
    """
    if value is None:
        return None
    kind = dtype.kind
    if kind == "O":
        if object_kind is None:
            return value  # pickle/JSON/msgpack object arrays: any JSON value
        if value == 0 and type(value) is int:
            # zarr-python 2 writes 0 for object arrays when no fill value was chosen
            return default_fill_value(dtype, object_kind)
        return _decode_vlen(value, object_kind, key)
    if kind == "U":
        return _decode_str(value, dtype, key)
    if kind in "SV":
        return _fixed_bytes(_b64decode(value, dtype, key), value, dtype, key)
    return _decode_scalar(value, dtype, False, key)


def encode_fill_value_v2(
    value: Any, dtype: np.dtype, *, object_kind: ObjectKind | None = None, key: str | None = None
) -> Any:
    """Encode a fill value for a ``.zarray`` document (inverse of :func:`decode_fill_value_v2`).

    Every NaN is written as ``"NaN"``: v2 has no way to keep a NaN payload.
    """
    if value is None:
        return None
    kind = dtype.kind
    if kind == "O":
        return _encode_object(value, object_kind, key)
    if kind == "U":
        return str(np.str_(value))
    if kind in "SV":
        return _b64encode(_raw(value, dtype))
    return _encode_scalar(value, dtype, False, key)


# ------------------------------------------------------------------------------- v3


def decode_fill_value_v3(
    value: Any, data_type: Any, *, endian: str = "little", key: str | None = None
) -> Any:
    """Decode the ``fill_value`` of a v3 array document.

    Parameters
    ----------
    value
        The parsed JSON value (``null`` is not allowed in v3).
    data_type
        The ``data_type`` member as read (short-hand or object form).
    endian
        Byte order of the ``bytes`` codec; only used for the base64 fill values of the
        legacy ``structured`` type.
    key
        Store key, for error messages.

    Returns
    -------
    A NumPy scalar of the (native byte order) dtype, or ``str``/``bytes`` for the
    ``string`` and ``bytes`` data types.
    """
    dtype = numpy_from_v3(data_type, key=key)
    name = v3_data_type_name(data_type)
    if value is None:
        raise _fail(value, name, "v3 requires a fill value", key)
    object_kind = v3_object_kind(data_type)
    if object_kind is not None:
        return _decode_vlen(value, object_kind, key)
    if dtype.fields is not None:
        if isinstance(value, str):  # legacy "structured": base64 in the bytes codec order
            raw = _b64decode(value, name, key)
            stored = dtype.newbyteorder("<" if endian == "little" else ">")
            return _fixed_bytes(raw, value, stored, key).astype(dtype)
        return _decode_struct(value, data_type, dtype, key)
    if dtype.kind == "U":
        return _decode_str(value, dtype, key)
    if dtype.kind in "SV":
        if _is_raw_bits(name):
            if not (
                isinstance(value, list)
                and len(value) == dtype.itemsize
                and all(isinstance(b, int) and 0 <= b <= 255 for b in value)
            ):
                raise _fail(value, name, f"expected {dtype.itemsize} byte values 0..255", key)
            return _fixed_bytes(bytes(value), value, dtype, key)
        return _fixed_bytes(_b64decode(value, name, key), value, dtype, key)
    return _decode_scalar(value, dtype, True, key)


def _is_raw_bits(name: str) -> bool:
    """``r<N>`` takes a list of byte values; ``raw_bytes`` takes base64."""
    return name[0] == "r" and name[1:].isdigit()


def _struct_fields(data_type: Any) -> list[tuple[str, Any]]:
    fields = data_type["configuration"]["fields"]
    return [(f["name"], f["data_type"]) if isinstance(f, dict) else tuple(f) for f in fields]


def _decode_struct(value: Any, data_type: Any, dtype: np.dtype, key: str | None) -> np.void:
    fields = _struct_fields(data_type)
    if not isinstance(value, dict) or value.keys() != {name for name, _ in fields}:
        names = [name for name, _ in fields]
        raise _fail(value, "struct", f"expected an object with exactly the fields {names}", key)
    out = np.zeros((), dtype)
    for name, field_type in fields:
        out[name] = decode_fill_value_v3(value[name], field_type, key=key)
    return out[()]


def encode_fill_value_v3(value: Any, data_type: Any, *, key: str | None = None) -> Any:
    """Encode a fill value for a v3 array document (inverse of :func:`decode_fill_value_v3`).

    ``data_type`` is the normalised form we write (see
    :func:`~zarr_core.metadata.dtypes.normalize_v3_data_type`).
    """
    dtype = numpy_from_v3(data_type)
    object_kind = v3_object_kind(data_type)
    if object_kind is not None:
        return _encode_object(value, object_kind, key)
    if dtype.fields is not None:
        value = np.array(value, dtype)[()]
        return {
            name: encode_fill_value_v3(value[name], field_type, key=key)
            for name, field_type in _struct_fields(data_type)
        }
    if dtype.kind == "U":
        return str(np.str_(value))
    if dtype.kind in "SV":
        raw = _raw(value, dtype)
        return list(raw) if _is_raw_bits(v3_data_type_name(data_type)) else _b64encode(raw)
    return _encode_scalar(value, dtype, True, key)


# ------------------------------------------------------------------ constructor helpers


def default_fill_value(dtype: np.dtype, object_kind: ObjectKind | None = None) -> Any:
    """The fill value used when none is given: zero, ``""``, ``b""`` (``None`` for other objects)."""
    if dtype.kind == "O":
        return {"string": "", "bytes": b""}.get(object_kind)
    return np.zeros((), dtype)[()]


def normalize_fill_value(
    value: Any, dtype: np.dtype, *, object_kind: ObjectKind | None = None, key: str | None = None
) -> Any:
    """Convert a user-given fill value to the decoded form (NumPy scalar of ``dtype``).

    Accepts Python scalars, NumPy scalars, strings NumPy can parse (``"NaN"``), tuples or
    dicts for structured dtypes. ``None`` stays ``None``. NumPy scalars already of the
    right dtype are kept as they are, so NaN payloads survive.

    Raises
    ------
    MetadataError
        If the value cannot be converted to ``dtype``.
    """
    if value is None:
        return None
    if dtype.kind == "O":
        if object_kind == "string" and isinstance(value, str):
            return str(value)
        if object_kind == "bytes" and isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if object_kind is None:
            return value
        raise MetadataError(
            f"fill value {value!r} is not {object_kind!r}", key=key, field="fill_value"
        )
    if isinstance(value, np.generic) and value.dtype in (dtype, _native(dtype)):
        return value
    if dtype.fields is not None and isinstance(value, (bytes, bytearray, memoryview)):
        return _structured_from_bytes(bytes(value), dtype, key)
    try:
        if isinstance(value, dict) and dtype.fields is not None:
            out = np.zeros((), dtype)
            for name in dtype.names:
                out[name] = normalize_fill_value(value[name], dtype.fields[name][0], key=key)
            if value.keys() - set(dtype.names):
                raise KeyError(sorted(value.keys() - set(dtype.names)))
            return out[()]
        if isinstance(value, float) and dtype.kind in "iu" and not value.is_integer():
            raise ValueError("not an integer")
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array(value, dtype)[()]
    except MetadataError:
        raise
    except (TypeError, ValueError, OverflowError, KeyError) as e:
        raise MetadataError(
            f"fill value {value!r} cannot be converted to {dtype}: {e}",
            key=key,
            field="fill_value",
        ) from None


def _structured_from_bytes(raw: bytes, dtype: np.dtype, key: str | None) -> Any:
    """A structured fill value given as the element's raw bytes, zero-padded as in
    zarr-python 2 (so ``b""`` means all zeros); longer than an element is refused, where
    zarr-python 2 silently drops the excess."""
    if len(raw) > dtype.itemsize:
        raise MetadataError(
            f"fill value of {len(raw)} bytes for {dtype}, whose elements have "
            f"{dtype.itemsize}; give at most {dtype.itemsize} bytes (zero-padded) or a tuple",
            key=key,
            field="fill_value",
        )
    return np.frombuffer(raw.ljust(dtype.itemsize, b"\0"), dtype).copy()[0]
