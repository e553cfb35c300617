"""N5 ``attributes.json`` <-> Zarr v2 ``.zgroup``, ``.zarray`` and ``.zattrs``.

One ``attributes.json`` per directory holds N5's dataset fields and the user's
attributes side by side. The views presented as Zarr v2 documents, as zarr-python 2's
``N5Store`` and z5py present them:

* ``.zarray`` (a directory whose attributes have ``dimensions``): shape and chunks are
  ``dimensions`` and ``blockSize`` reversed (C order), the dtype in native byte order,
  fill value 0, order C, no filters, ``dimension_separator`` ``"."``, and the compressor
  ``n5_block`` (:mod:`zarr_core_n5.codec`), which reads and writes N5 blocks;
* ``.zgroup``: any other directory with an ``attributes.json``;
* ``.zattrs``: the keys N5 does not reserve (present only when there are some).

Writing a view updates only its part of the document: array metadata never erases user
attributes, and user attributes can neither overwrite nor fake array metadata (reserved
names are dropped with an :class:`~zarr_core_n5.errors.N5AttributeWarning`).
"""

from __future__ import annotations

import json
import math
import numbers
import sys
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarr_core_n5 import compression as _compression
from zarr_core_n5.errors import (
    N5AttributeWarning,
    N5MetadataError,
    N5TensorstoreWarning,
    N5UnsupportedError,
)

__all__ = [
    "ATTRIBUTES",
    "DATA_TYPES",
    "N5_VERSION",
    "RESERVED",
    "apply_zarray",
    "apply_zattrs",
    "apply_zgroup",
    "dumps",
    "is_dataset",
    "loads",
    "user_attributes",
    "zarray_view",
]

ATTRIBUTES = "attributes.json"
#: The version written into groups (zarr-python 2 writes the same; every N5 reads it).
N5_VERSION = "2.0.0"
DATA_TYPES = frozenset(
    ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float32", "float64")
)
_DATASET_KEYS = frozenset(("dimensions", "blockSize", "dataType", "compression", "compressionType"))
#: Attribute names that belong to N5 and never appear among the user's attributes.
RESERVED = _DATASET_KEYS | {"n5"}
# tensorstore's n5 driver parses these user attributes and rejects a dataset whose values
# have the wrong type: a per-dimension list of strings (axes, units) or numbers.
_TENSORSTORE_LISTS = {"axes": "string", "units": "string", "resolution": "number"}


def _warn(message: str, category: type[Warning]) -> None:
    """Warn at the user's line: the first caller outside zarr-core and its plugins."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("zarr_core"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def loads(value: bytes, where: str) -> dict[str, Any]:
    """Parse an ``attributes.json``; it must hold a JSON object."""
    try:
        doc = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise N5MetadataError(f"not valid JSON ({exc})", key=where) from None
    if not isinstance(doc, dict):
        raise N5MetadataError(f"must hold a JSON object, got {type(doc).__name__}", key=where)
    return doc


def dumps(doc: Mapping[str, Any]) -> bytes:
    return json.dumps(doc, indent=4, ensure_ascii=False).encode()


def is_dataset(doc: Mapping[str, Any]) -> bool:
    return "dimensions" in doc


def user_attributes(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in RESERVED}


def _int_list(doc: Mapping[str, Any], name: str, where: str, low: int) -> list[int]:
    value = doc.get(name)
    if not (isinstance(value, list) and value and all(type(v) is int and v >= low for v in value)):
        raise N5MetadataError(
            f"must be a non-empty list of integers >= {low}, got {value!r}", key=where, field=name
        )
    return value


def zarray_view(doc: Mapping[str, Any], dataset: str, where: str) -> dict[str, Any]:
    """The Zarr v2 ``.zarray`` of the dataset described by ``doc``.

    Raises
    ------
    N5UnsupportedError
        For the ``string`` and ``object`` data types, naming the dataset.
    N5MetadataError
        For missing or invalid fields, naming ``where`` and the field.
    """
    dims = _int_list(doc, "dimensions", where, 0)
    block = _int_list(doc, "blockSize", where, 1)
    if len(block) != len(dims):
        raise N5MetadataError(
            f"has {len(block)} entries, dimensions has {len(dims)}", key=where, field="blockSize"
        )
    data_type = doc.get("dataType")
    if data_type in ("string", "object"):
        raise N5UnsupportedError(
            f"the N5 dataset {dataset or '/'!r} has dataType {data_type!r}, which zarr-core "
            "does not read (it reads the numeric types: "
            f"{', '.join(sorted(DATA_TYPES))})",
            key=where,
            field="dataType",
        )
    if data_type not in DATA_TYPES:
        raise N5MetadataError(
            f"unknown N5 data type {data_type!r}; expected one of {', '.join(sorted(DATA_TYPES))}",
            key=where,
            field="dataType",
        )
    dtype = np.dtype(data_type).str
    chunks = block[::-1]
    return {
        "zarr_format": 2,
        "shape": dims[::-1],
        "chunks": chunks,
        "dtype": dtype,
        "compressor": {
            "id": "n5_block",
            "compression": _compression.normalize(doc, where),
            "dtype": dtype,
            "chunk_shape": chunks,
            "dataset": dataset,
        },
        "fill_value": 0,
        "order": "C",
        "filters": None,
        "dimension_separator": ".",
    }


def apply_zgroup(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` as a group: the N5 version is added, dataset fields are dropped."""
    out = {k: v for k, v in doc.items() if k not in _DATASET_KEYS}
    out.setdefault("n5", N5_VERSION)
    return out


def apply_zarray(
    doc: Mapping[str, Any], value: bytes, where: str, top_level: bool
) -> dict[str, Any]:
    """``doc`` with the dataset fields of the Zarr v2 ``.zarray`` document ``value``.

    ``top_level``: the dataset is the container's root, which carries the N5 version
    (zarr-python 2 requires it there).

    Raises
    ------
    N5MetadataError
        For anything N5 cannot express (fill value, order, filters, dtype, compressor,
        ``/`` chunk keys), naming ``where``, the field and what N5 allows.
    """
    meta = loads(value, where)
    try:
        dtype = np.dtype(meta["dtype"])
        shape, chunks = list(meta["shape"]), list(meta["chunks"])
    except (KeyError, TypeError) as exc:
        raise N5MetadataError(f"not a Zarr v2 array document ({exc!r})", key=where) from None
    if dtype.name not in DATA_TYPES:
        raise N5MetadataError(
            f"N5 stores only the numeric types {', '.join(sorted(DATA_TYPES))}; got {dtype}",
            key=where,
            field="dtype",
        )
    if not shape:
        raise N5MetadataError("N5 datasets have at least one dimension", key=where, field="shape")
    fill = meta.get("fill_value")
    if fill is not None and not (isinstance(fill, numbers.Number) and fill == 0):
        raise N5MetadataError(
            f"N5 has no fill value (missing blocks read as 0); got {fill!r}: use 0 or None",
            key=where,
            field="fill_value",
        )
    if meta.get("order", "C") != "C":
        raise N5MetadataError(
            f"N5 blocks are C order in Zarr axes; got order={meta['order']!r}",
            key=where,
            field="order",
        )
    if meta.get("filters"):
        raise N5MetadataError(
            "N5 has no filters; got " + repr(meta["filters"]), key=where, field="filters"
        )
    if meta.get("dimension_separator") not in (None, "."):
        raise N5MetadataError(
            "N5 arrays use '.' chunk keys here (the blocks are nested directories in N5 "
            f"whatever the separator); got {meta['dimension_separator']!r}: leave it unset",
            key=where,
            field="dimension_separator",
        )
    compressor = meta.get("compressor")
    if isinstance(compressor, Mapping) and compressor.get("id") == "n5_block":
        compression = _compression.normalize(compressor, where)
    else:
        compression = _compression.from_numcodecs(compressor, dtype.itemsize, where)
    out = {k: v for k, v in doc.items() if k not in _DATASET_KEYS}
    if top_level:
        out.setdefault("n5", N5_VERSION)
    out.update(
        dimensions=shape[::-1],
        blockSize=chunks[::-1],
        dataType=dtype.name,
        compression=compression,
    )
    if math.prod(chunks) * dtype.itemsize >= 2**31:
        _warn(
            f"{where}: blocks of {chunks} {dtype} exceed 2 GiB, which tensorstore refuses",
            N5TensorstoreWarning,
        )
    return out


def apply_zattrs(doc: Mapping[str, Any], value: bytes, where: str) -> dict[str, Any]:
    """``doc`` with its user attributes replaced by the Zarr ``.zattrs`` document ``value``.

    Reserved names are dropped with an :class:`N5AttributeWarning`; on a dataset, values of
    ``axes``, ``units`` and ``resolution`` that tensorstore would reject warn with
    :class:`N5TensorstoreWarning`.
    """
    attrs = loads(value, where)
    reserved = sorted(k for k in attrs if k in RESERVED)
    if reserved:
        _warn(
            f"{where}: the attributes {reserved} are reserved by N5 for its own metadata and "
            "were not stored; rename them",
            N5AttributeWarning,
        )
    out = {k: v for k, v in doc.items() if k in RESERVED}
    out.update((k, v) for k, v in attrs.items() if k not in RESERVED)
    if is_dataset(doc):
        _check_tensorstore(attrs, len(doc["dimensions"]), where)
    return out


def _check_tensorstore(attrs: Mapping[str, Any], rank: int, where: str) -> None:
    for name, kind in _TENSORSTORE_LISTS.items():
        if name not in attrs:
            continue
        value = attrs[name]
        ok = isinstance(value, list) and len(value) == rank
        if ok and kind == "string":
            ok = all(isinstance(v, str) for v in value)
        elif ok:
            ok = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
        if not ok:
            _warn(
                f"{where}: tensorstore's n5 driver reads the attribute {name!r} as a list of "
                f"{rank} {kind}s (one per dimension, N5 axis order) and will refuse to open "
                f"this dataset with {name}={value!r}; store it in that form or under another "
                "name",
                N5TensorstoreWarning,
            )
