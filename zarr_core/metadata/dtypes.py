"""NumPy dtypes <-> the ``dtype`` of Zarr v2 and the ``data_type`` of Zarr v3.

v2 stores NumPy typestrs (``"<f8"``, ``"|S4"``, ``"<M8[10s]"``, ``"|O"``) or structured
descr lists. v3 stores names without byte order: the byte order belongs to the ``bytes``
codec, so :func:`v3_from_numpy` returns it separately and :func:`numpy_from_v3` returns
dtypes in native byte order.

NumPy object arrays are ambiguous in v3: the caller says whether they hold ``str``
(``"string"``) or ``bytes`` (``"bytes"``) through ``object_kind``.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Literal

import numpy as np

from zarr_core.errors import MetadataError, UnknownExtensionError

__all__ = [
    "ObjectKind",
    "numpy_from_v2",
    "v2_from_numpy",
    "numpy_from_v3",
    "v3_from_numpy",
    "normalize_v3_data_type",
    "v3_data_type_name",
    "v3_object_kind",
    "v2_object_kind",
]

ObjectKind = Literal["string", "bytes"]

# Byte order is optional here because some writers emit bare kinds ("f8"); numpy then
# uses the native order, which is what those writers meant.
_V2_TYPESTR = re.compile(r"[<>|=]?[biufcmMSUVO]\d*(\[\d*[a-zA-Zμ]+\])?")

_CORE_V3 = {
    "bool": np.dtype("bool"),
    "int8": np.dtype("int8"),
    "int16": np.dtype("int16"),
    "int32": np.dtype("int32"),
    "int64": np.dtype("int64"),
    "uint8": np.dtype("uint8"),
    "uint16": np.dtype("uint16"),
    "uint32": np.dtype("uint32"),
    "uint64": np.dtype("uint64"),
    "float16": np.dtype("float16"),
    "float32": np.dtype("float32"),
    "float64": np.dtype("float64"),
    "complex64": np.dtype("complex64"),
    "complex128": np.dtype("complex128"),
}
_CORE_NAME = {(dt.kind, dt.itemsize): name for name, dt in _CORE_V3.items()}

_RAW_V3 = re.compile(r"r([1-9]\d*)")
_DATETIME_V3 = {"numpy.datetime64": "M", "numpy.timedelta64": "m"}
_DATETIME_UNITS = frozenset(
    ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "μs", "ns", "ps", "fs", "as", "generic"]
)
# zarr-python 3's name for vlen bytes; read only, we write the registered "bytes".
_VLEN_V3 = {"string": "string", "bytes": "bytes", "variable_length_bytes": "bytes"}
_SIZED_V3 = {"fixed_length_utf32": "U", "null_terminated_bytes": "S", "raw_bytes": "V"}
_STRUCT_V3 = ("struct", "structured")  # "structured" is the legacy, read-only alias
_EXTENSION_KEYS = frozenset(["name", "configuration", "must_understand"])


# --------------------------------------------------------------------------------- v2


def numpy_from_v2(value: Any, *, key: str | None = None) -> np.dtype:
    """Decode the ``dtype`` member of a ``.zarray`` document.

    Parameters
    ----------
    value
        A NumPy typestr such as ``"<f8"`` or a structured list such as
        ``[["x", "<f4"], ["z", "<f4", [2, 2]]]`` (fields may nest).
    key
        Store key of the document, used in error messages.

    Returns
    -------
    numpy.dtype

    Raises
    ------
    MetadataError
        If the value is not a valid v2 dtype.
    """
    try:
        dtype = np.dtype(_v2_descr(value))
    except (TypeError, ValueError) as e:
        raise MetadataError(f"invalid dtype {value!r}: {e}", key=key, field="dtype") from None
    _check_sized(dtype, value, key)
    return dtype


def _v2_descr(value: Any) -> Any:
    if isinstance(value, str):
        if not _V2_TYPESTR.fullmatch(value):
            raise ValueError("expected a NumPy typestr such as '<f8' or '|S4'")
        return value
    if isinstance(value, list) and value:
        fields = []
        for entry in value:
            if not (isinstance(entry, list) and len(entry) in (2, 3) and isinstance(entry[0], str)):
                raise ValueError(f"bad structured field {entry!r}; expected [name, type(, shape)]")
            field: tuple = (entry[0], _v2_descr(entry[1]))
            if len(entry) == 3:
                shape = entry[2]
                if not (isinstance(shape, list) and all(_is_int(n) and n > 0 for n in shape)):
                    raise ValueError(f"bad subarray shape {shape!r} for field {entry[0]!r}")
                field += (tuple(shape),)
            fields.append(field)
        return fields
    raise ValueError("expected a typestr or a non-empty list of fields")


def _check_sized(dtype: np.dtype, value: Any, key: str | None) -> None:
    if dtype.fields is not None and dtype.hasobject:
        # Their raw bytes are pointers: neither chunks nor a base64 fill value can hold them.
        raise MetadataError(
            f"invalid dtype {value!r}: structured dtypes cannot contain objects",
            key=key,
            field="dtype",
        )
    for leaf in _leaves(dtype):
        if leaf.kind in "SUV" and leaf.itemsize == 0 and leaf.fields is None:
            raise MetadataError(
                f"invalid dtype {value!r}: zero-sized {leaf.str!r}", key=key, field="dtype"
            )
        if leaf.kind in "mM" and np.datetime_data(leaf)[0] == "generic":
            raise MetadataError(
                f"invalid dtype {value!r}: datetime types need a unit, e.g. '<M8[ns]'",
                key=key,
                field="dtype",
            )


def _leaves(dtype: np.dtype):
    """Yield the non-structured base dtypes of ``dtype`` (fields and subarrays unwrapped)."""
    if dtype.subdtype is not None:
        yield from _leaves(dtype.subdtype[0])
    elif dtype.fields is not None:
        for name in dtype.names:
            yield from _leaves(dtype.fields[name][0])
    else:
        yield dtype


def v2_from_numpy(dtype: np.dtype, *, key: str | None = None) -> str | list:
    """Encode a NumPy dtype as the ``dtype`` member of a ``.zarray`` document.

    NumPy's ``StringDType`` is written as ``"|O"`` (zarr-python's vlen-utf8 convention).

    Raises
    ------
    MetadataError
        For subarray dtypes, dtypes without a datetime unit, and structured dtypes with
        padding (NumPy's ``descr`` would turn the padding into extra fields on reading).
    """
    dtype = np.dtype(dtype)
    if isinstance(dtype, np.dtypes.StringDType):
        return "|O"
    if dtype.subdtype is not None:
        raise MetadataError(
            f"a subarray dtype {dtype} cannot be an array dtype", key=key, field="dtype"
        )
    _check_sized(dtype, str(dtype), key)
    if dtype.fields is None:
        return dtype.str
    _check_packed(dtype, "dtype", key)
    return _descr_json(dtype.descr)


def _descr_json(descr: list) -> list:
    out = []
    for entry in descr:
        name, typ = entry[0], entry[1]
        item = [name, typ if isinstance(typ, str) else _descr_json(typ)]
        if len(entry) == 3:
            item.append(list(entry[2]))
        out.append(item)
    return out


def _check_packed(dtype: np.dtype, field: str, key: str | None) -> None:
    # Titles add extra entries to ``fields``; gaps and reordering show in the offsets.
    packed = len(dtype.fields) == len(dtype.names)
    offset = 0
    for name in dtype.names:
        sub, field_offset = dtype.fields[name][:2]
        packed = packed and field_offset == offset
        if sub.fields is not None:
            _check_packed(sub, field, key)
        offset += sub.itemsize
    if not packed or offset != dtype.itemsize:
        raise MetadataError(
            f"structured dtype {dtype} has padding, overlapping or titled fields; "
            f"use a packed dtype (np.dtype(fields) without align=True or offsets)",
            key=key,
            field=field,
        )


def v2_object_kind(filters: list[dict] | None) -> ObjectKind | None:
    """What a v2 object array holds, judged from its first filter (``vlen-utf8``/``vlen-bytes``)."""
    if filters:
        return {"vlen-utf8": "string", "vlen-bytes": "bytes"}.get(filters[0].get("id"))
    return None


# --------------------------------------------------------------------------------- v3


def v3_from_numpy(
    dtype: np.dtype, *, object_kind: ObjectKind | None = None, key: str | None = None
) -> tuple[str | dict, Literal["little", "big"] | None]:
    """Encode a NumPy dtype as a v3 ``data_type`` plus the byte order it was given in.

    Parameters
    ----------
    dtype
        Any NumPy dtype expressible in v3.
    object_kind
        For object dtypes: ``"string"`` (elements are ``str``) or ``"bytes"``.

    Returns
    -------
    data_type, endian
        The JSON ``data_type`` (a bare name for types without configuration) and
        ``"little"``/``"big"`` for the ``bytes`` codec, or ``None`` when no element has
        more than one byte.

    Raises
    ------
    MetadataError
        If v3 cannot express the dtype (general object arrays, subarray or padded
        structured dtypes, mixed byte orders, ``float128``...).
    """
    dtype = np.dtype(dtype)
    return _v3_json(dtype, object_kind, key), _endian(dtype, key)


def _v3_json(dtype: np.dtype, object_kind: ObjectKind | None, key: str | None) -> str | dict:
    if isinstance(dtype, np.dtypes.StringDType):
        return "string"
    kind = dtype.kind
    if kind == "O":
        if object_kind in ("string", "bytes"):
            return object_kind
        raise _bad(
            "Zarr v3 can store object arrays only as variable-length strings or bytes "
            "(pass object_kind='string' or 'bytes'); use zarr_format=2 with an object "
            "codec for general object arrays",
            key,
        )
    if dtype.fields is not None:
        _check_packed(dtype, "data_type", key)
        fields = []
        for name in dtype.names:
            sub = dtype.fields[name][0]
            if sub.subdtype is not None:
                raise _bad(
                    f"the v3 struct data type cannot hold the subarray field {name!r} "
                    f"({sub}); use zarr_format=2",
                    key,
                )
            fields.append({"name": name, "data_type": _v3_json(sub, None, key)})
        return {"name": "struct", "configuration": {"fields": fields}}
    name = _CORE_NAME.get((kind, dtype.itemsize))
    if name is not None:
        return name
    if kind in "mM":
        unit, scale = np.datetime_data(dtype)
        if unit == "generic":
            raise _bad(f"{dtype} has no unit", key)
        return {
            "name": "numpy.datetime64" if kind == "M" else "numpy.timedelta64",
            "configuration": {"unit": unit, "scale_factor": scale},
        }
    if kind in "SUV" and dtype.itemsize > 0 and dtype.subdtype is None:
        name = {"U": "fixed_length_utf32", "S": "null_terminated_bytes", "V": "raw_bytes"}[kind]
        return {"name": name, "configuration": {"length_bytes": dtype.itemsize}}
    raise _bad(f"the dtype {dtype} cannot be expressed in Zarr v3", key)


def _endian(dtype: np.dtype, key: str | None) -> Literal["little", "big"] | None:
    found = set()
    for leaf in _leaves(dtype):
        if leaf.byteorder in "<>=" and leaf.itemsize > 1 and leaf.kind != "O":
            found.add(leaf.byteorder.replace("=", "<" if sys.byteorder == "little" else ">"))
    if len(found) > 1:
        raise _bad(
            f"{dtype} mixes little- and big-endian fields; v3 has one byte order per array", key
        )
    if not found:
        return None
    return "little" if found.pop() == "<" else "big"


def v3_data_type_name(data_type: Any) -> str:
    """The name of a v3 ``data_type`` given in short-hand or object form (not validated)."""
    if isinstance(data_type, dict):
        return data_type.get("name")
    return data_type


def v3_object_kind(data_type: Any) -> ObjectKind | None:
    """``"string"``/``"bytes"`` for the variable-length v3 data types, else ``None``."""
    return _VLEN_V3.get(v3_data_type_name(data_type))


def numpy_from_v3(data_type: Any, *, key: str | None = None) -> np.dtype:
    """Decode a v3 ``data_type`` to a NumPy dtype in native byte order.

    ``string``, ``bytes`` and ``variable_length_bytes`` give the object dtype; use
    :func:`v3_object_kind` to learn which. ``r<N>`` and ``raw_bytes`` give ``V<n>``,
    ``struct``/``structured`` give a packed structured dtype.

    Raises
    ------
    UnknownExtensionError
        If the data type is not one we implement.
    MetadataError
        If it is malformed, or marked ``must_understand: false``.
    """
    return _parse_v3_checked(data_type, key)[1]


def normalize_v3_data_type(data_type: Any, *, key: str | None = None) -> str | dict:
    """Validate a v3 ``data_type`` and return the form we write.

    Types without configuration become bare names; the legacy ``structured`` becomes
    ``struct`` with object fields (writing ``structured`` is forbidden); everything else
    keeps its name, so ``r<N>`` and ``raw_bytes`` or ``bytes`` and ``variable_length_bytes``
    survive a rewrite.
    """
    return _parse_v3_checked(data_type, key)[0]


def _parse_v3_checked(data_type: Any, key: str | None) -> tuple[str | dict, np.dtype]:
    """:func:`_parse_v3`, with what NumPy or Python refuse (a 2**62-byte raw type, a
    struct nested a thousand deep) reported as the metadata error it is."""
    try:
        return _parse_v3(data_type, key)
    except MetadataError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise _bad(f"NumPy cannot represent {_short(data_type)}: {exc}", key) from None
    except RecursionError:
        raise _bad(f"nested too deeply: {_short(data_type)}", key) from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _bad(message: str, key: str | None) -> MetadataError:
    return MetadataError(message, key=key, field="data_type")


def _parse_v3(data_type: Any, key: str | None) -> tuple[str | dict, np.dtype]:
    if isinstance(data_type, str):
        name, config = data_type, None
    elif isinstance(data_type, dict):
        name, config = data_type.get("name"), data_type.get("configuration")
        if not isinstance(name, str):
            raise _bad(f"{data_type!r} has no string 'name'", key)
        extra = data_type.keys() - _EXTENSION_KEYS
        if extra:
            raise _bad(f"unexpected members {sorted(extra)} in {data_type!r}", key)
        if data_type.get("must_understand", True) is not True:
            raise _bad("'must_understand' may not be false for a data type", key)
        if config is not None and not isinstance(config, dict):
            raise _bad(f"'configuration' of {name!r} must be an object", key)
    else:
        raise _bad(f"expected a name or an object, got {data_type!r}", key)

    if name in _CORE_V3 or name in _VLEN_V3 or _RAW_V3.fullmatch(name):
        if config:
            raise _bad(f"{name!r} takes no configuration, got {config!r}", key)
        if name in _CORE_V3:
            return name, _CORE_V3[name]
        if name in _VLEN_V3:
            return name, np.dtype("O")
        bits = int(name[1:])
        if bits % 8:
            raise _bad(f"raw type {name!r}: the bit count must be a multiple of 8", key)
        return name, np.dtype(f"V{bits // 8}")
    if name in _DATETIME_V3:
        unit = _config_member(config, name, "unit", key)
        scale = _config_member(config, name, "scale_factor", key)
        if unit not in _DATETIME_UNITS or unit == "generic":
            raise _bad(f"{name!r}: unsupported unit {unit!r}", key)
        if not (_is_int(scale) and 1 <= scale <= 2**31 - 1):
            raise _bad(f"{name!r}: scale_factor must be an integer in [1, 2**31-1]", key)
        unit = "us" if unit == "μs" else unit
        dtype = np.dtype(f"{_DATETIME_V3[name]}8[{scale}{unit}]")
        return {"name": name, "configuration": {"unit": unit, "scale_factor": scale}}, dtype
    if name in _SIZED_V3:
        size = _config_member(config, name, "length_bytes", key)
        unit = 4 if name == "fixed_length_utf32" else 1
        if not (_is_int(size) and size > 0 and size % unit == 0):
            raise _bad(f"{name!r}: length_bytes must be a positive multiple of {unit}", key)
        kind = _SIZED_V3[name]
        dtype = np.dtype(f"{kind}{size // unit}")
        return {"name": name, "configuration": {"length_bytes": size}}, dtype
    if name in _STRUCT_V3:
        fields = _config_member(config, name, "fields", key)
        return _parse_struct(fields, key)
    raise UnknownExtensionError("data type", name, key=key)


def _config_member(config: dict | None, name: str, member: str, key: str | None) -> Any:
    if not config or member not in config:
        raise _bad(f"{name!r} needs a configuration with {member!r}", key)
    return config[member]


def _parse_struct(fields: Any, key: str | None) -> tuple[dict, np.dtype]:
    if not isinstance(fields, list) or not fields:
        raise _bad("struct 'fields' must be a non-empty list", key)
    out_json, out_np = [], []
    for field in fields:
        # Objects are the registered form; [name, type] pairs are the legacy "structured" form.
        if isinstance(field, dict) and field.keys() == {"name", "data_type"}:
            fname, ftype = field["name"], field["data_type"]
        elif isinstance(field, list) and len(field) == 2:
            fname, ftype = field
        else:
            raise _bad(f"bad struct field {field!r}; expected {{'name', 'data_type'}}", key)
        if not isinstance(fname, str) or not fname:
            raise _bad(f"struct field names must be non-empty strings, got {fname!r}", key)
        if any(fname == name for name, _ in out_np):
            raise _bad(f"duplicate struct field name {fname!r}", key)
        sub_json, sub_np = _parse_v3(ftype, key)
        if sub_np.kind == "O":
            raise _bad(f"struct field {fname!r} has the variable-length type {ftype!r}", key)
        out_json.append({"name": fname, "data_type": sub_json})
        out_np.append((fname, sub_np))
    return {"name": "struct", "configuration": {"fields": out_json}}, np.dtype(out_np)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
