"""Zarr v2 documents: ``.zarray``, ``.zgroup`` and ``.zattrs``.

Documents are written like zarr-python 2.18: sorted keys, indent 4, ASCII-only JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Literal, Self

import numpy as np

from zarr_core.errors import MetadataError
from zarr_core.metadata._json import dump_document, load_document
from zarr_core.metadata._validate import (
    check_dict,
    check_format,
    check_ndim,
    check_same_length,
    int_tuple,
    require,
)
from zarr_core.metadata.chunk_keys import ChunkKeyEncoding
from zarr_core.metadata.dtypes import ObjectKind, numpy_from_v2, v2_from_numpy, v2_object_kind
from zarr_core.metadata.fill_value import (
    decode_fill_value_v2,
    encode_fill_value_v2,
    normalize_fill_value,
)
from zarr_core.metadata.protocol import ArrayDocument

__all__ = [
    "ArrayMetadataV2",
    "GroupMetadataV2",
    "decode_attributes",
    "encode_attributes",
]

_REQUIRED = ("shape", "chunks", "dtype", "compressor", "fill_value", "order", "filters")


def _codec_config(value: Any, field: str, key: str | None) -> dict:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value
    raise MetadataError(
        f"expected a codec configuration with a string 'id', got {value!r}", key=key, field=field
    )


def _filters(value: Any, key: str | None) -> list[dict] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise MetadataError(f"expected null or a list, got {value!r}", key=key, field="filters")
    # An empty list (N5Store writes one) means the same as null.
    return [_codec_config(f, "filters", key) for f in value] or None


@dataclass(frozen=True, eq=False)
class ArrayMetadataV2(ArrayDocument):
    """The contents of a ``.zarray`` document.

    Parameters
    ----------
    shape, chunks
        Array and chunk shape (chunks > 0, same length as shape).
    dtype
        Anything :class:`numpy.dtype` accepts; byte order is kept (``>i4`` stays big-endian).
    compressor
        A numcodecs configuration (``{"id": ..., ...}``) or ``None``.
    fill_value
        Decoded fill value (a NumPy scalar), a Python value convertible to one, or
        ``None`` (no fill value).
    order
        Memory layout of each chunk, ``"C"`` or ``"F"``.
    filters
        numcodecs configurations or ``None``. Object arrays need an object codec first.
    dimension_separator
        ``"."`` or ``"/"``.
    separator_stated
        Whether the document states the separator. zarr-python 2 leaves out the default
        ``"."`` when nobody chose one, and so does this document then: the same array has
        byte-identical metadata (and ``digest()``) in both libraries.
    source_key
        The store key the document was read from; only used in error messages.
    """

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype
    compressor: dict | None = None
    fill_value: Any = None
    order: Literal["C", "F"] = "C"
    filters: list[dict] | None = None
    dimension_separator: Literal[".", "/"] = "."
    separator_stated: bool = field(default=True, kw_only=True, compare=False, repr=False)
    source_key: str | None = field(default=None, kw_only=True, repr=False)

    zarr_format: ClassVar[Literal[2]] = 2

    def __post_init__(self) -> None:
        key = self.source_key
        set_ = object.__setattr__
        set_(self, "shape", int_tuple(self.shape, minimum=0, field="shape", key=key))
        set_(self, "chunks", int_tuple(self.chunks, minimum=1, field="chunks", key=key))
        check_same_length(self.shape, self.chunks, "chunks", key)
        try:
            dtype = np.dtype(self.dtype)
        except (TypeError, ValueError) as e:
            raise MetadataError(f"invalid dtype: {e}", key=key, field="dtype") from None
        v2_from_numpy(dtype, key=key)  # raises if v2 cannot express it
        check_ndim(self.shape, "shape", key)
        set_(self, "dtype", dtype)
        if self.compressor is not None:
            _codec_config(self.compressor, "compressor", key)
        set_(self, "filters", _filters(self.filters, key))
        if dtype.kind == "O" and not self.filters:
            raise MetadataError(
                "object arrays need an object codec (e.g. vlen-utf8) as the first filter",
                key=key,
                field="filters",
            )
        if self.order not in ("C", "F"):
            raise MetadataError(f"expected 'C' or 'F', got {self.order!r}", key=key, field="order")
        if self.dimension_separator not in (".", "/"):
            raise MetadataError(
                f"expected '.' or '/', got {self.dimension_separator!r}",
                key=key,
                field="dimension_separator",
            )
        set_(
            self,
            "fill_value",
            normalize_fill_value(self.fill_value, dtype, object_kind=self.object_kind, key=key),
        )

    @classmethod
    def from_json(cls, data: bytes | str | dict, key: str | None = None) -> Self:
        """Parse a ``.zarray`` document.

        Parameters
        ----------
        data
            JSON text (bytes or str) or the parsed dict.
        key
            Store key of the document, named in error messages.

        Raises
        ------
        MetadataError
            Naming the key and the offending field. Unknown extra members are ignored,
            as the v2 spec asks.
        """
        doc = load_document(data, key)
        check_format(doc, 2, key)
        require(doc, _REQUIRED, key)
        dtype = numpy_from_v2(doc["dtype"], key=key)
        filters = _filters(doc["filters"], key)
        fill_value = decode_fill_value_v2(
            doc["fill_value"], dtype, object_kind=v2_object_kind(filters), key=key
        )
        return cls(
            shape=doc["shape"],
            chunks=doc["chunks"],
            dtype=dtype,
            compressor=doc["compressor"],
            fill_value=fill_value,
            order=doc["order"],
            filters=filters,
            # Absent in older data, null in some writers: both mean the default.
            dimension_separator=doc.get("dimension_separator") or ".",
            separator_stated=bool(doc.get("dimension_separator")),
            source_key=key,
        )

    def to_json(self) -> bytes:
        """The ``.zarray`` document, as zarr-python 2.18 writes it."""
        doc = {
            "zarr_format": 2,
            "shape": list(self.shape),
            "chunks": list(self.chunks),
            "dtype": v2_from_numpy(self.dtype),
            "compressor": self.compressor,
            "fill_value": encode_fill_value_v2(
                self.fill_value, self.dtype, object_kind=self.object_kind, key=self.source_key
            ),
            "order": self.order,
            "filters": self.filters,
        }
        if self.separator_stated or self.dimension_separator != ".":
            doc["dimension_separator"] = self.dimension_separator
        return dump_document(doc, indent=4, sort_keys=True, key=self.source_key)

    @property
    def object_kind(self) -> ObjectKind | None:
        """``"string"``/``"bytes"`` for vlen-utf8/vlen-bytes object arrays, else ``None``."""
        return v2_object_kind(self.filters) if self.dtype.kind == "O" else None

    @cached_property
    def chunk_key_encoding(self) -> ChunkKeyEncoding:
        """The equivalent v3 ``v2`` chunk key encoding."""
        return ChunkKeyEncoding("v2", self.dimension_separator)


@dataclass(frozen=True)
class GroupMetadataV2:
    """The contents of a ``.zgroup`` document, always ``{"zarr_format": 2}``."""

    zarr_format: ClassVar[Literal[2]] = 2

    @classmethod
    def from_json(cls, data: bytes | str | dict, key: str | None = None) -> Self:
        """Parse a ``.zgroup`` document; extra members (zarr-python 3 adds some) are ignored."""
        check_format(load_document(data, key), 2, key)
        return cls()

    def to_json(self) -> bytes:
        """The ``.zgroup`` document."""
        return dump_document({"zarr_format": 2}, indent=4, sort_keys=True)


def decode_attributes(data: bytes | str | dict, key: str | None = None) -> dict:
    """Parse a ``.zattrs`` document (any JSON object; bare ``NaN`` tokens are accepted)."""
    return check_dict(load_document(data, key), "attributes", key)


def encode_attributes(attributes: dict, key: str | None = None) -> bytes:
    """Serialise attributes as a ``.zattrs`` document, as zarr-python 2.18 does.

    Non-finite floats are written as bare ``NaN``/``Infinity``/``-Infinity`` tokens, which
    is what zarr-python 2 and 3 write and read (xarray relies on it for ``_FillValue``).
    NumPy scalars and arrays are converted to JSON numbers and lists.
    """
    check_dict(attributes, "attributes", key)
    return dump_document(attributes, indent=4, sort_keys=True, key=key)
