"""The ``bytes`` array->bytes codec: elements in C order, in a given byte order."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import numpy as np

from zarr_core.codecs.base import (
    ArrayBytesCodec,
    BytesLike,
    ChunkBatch,
    ChunkSpec,
    byte_view,
    check_config,
    nbytes_of,
)
from zarr_core.errors import CodecError

__all__ = ["BytesCodec", "endian_of"]

Endian = Literal["little", "big"]
_ORDER_CHAR = {"little": "<", "big": ">"}


def endian_of(dtype: np.dtype) -> Endian | None:
    """The byte order of ``dtype``'s multi-byte elements (of its first such field for
    structured dtypes), or ``None`` when no element has a byte order."""
    if dtype.fields is not None:
        orders = (endian_of(dtype.fields[name][0]) for name in dtype.names)
        return next((e for e in orders if e is not None), None)
    if dtype.subdtype is not None:
        return endian_of(dtype.subdtype[0])
    if dtype.byteorder == "|":
        return None
    big = dtype.byteorder == ">" or (dtype.byteorder == "=" and sys.byteorder == "big")
    return "big" if big else "little"


class BytesCodec(ArrayBytesCodec):
    """Serialise the elements in C order, in ``endian`` byte order.

    Parameters
    ----------
    endian
        ``"little"`` or ``"big"``; ``None`` keeps every element in the byte order of the
        array's own dtype (Zarr v2, whose dtype carries the byte order, and v3 types of
        one-byte elements).
    """

    name: ClassVar[str] = "bytes"
    is_fixed_size: ClassVar[bool] = True

    def __init__(self, endian: Endian | None = None):
        if endian not in (None, "little", "big"):
            raise CodecError(f"codec 'bytes': endian must be 'little' or 'big', got {endian!r}")
        self.endian = endian
        self._native = endian == sys.byteorder

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> BytesCodec:
        check_config(cls.name, configuration, ("endian",))
        if spec.dtype.hasobject:
            raise CodecError(
                "codec 'bytes' cannot serialise object arrays; use 'vlen-utf8' or 'vlen-bytes'"
            )
        endian = configuration.get("endian")
        if endian is None and endian_of(spec.dtype) is not None:
            # Required by the spec for multi-byte types, but the legacy "structured" data
            # type was written without it, meaning little-endian.
            endian = "little"
        return cls(endian)

    def to_json(self) -> dict[str, Any]:
        if self.endian is None:
            return {"name": self.name}
        return {"name": self.name, "configuration": {"endian": self.endian}}

    def compute_encoded_size(self, n: int) -> int:
        return n

    def stored_dtype(self, dtype: np.dtype) -> np.dtype:
        """The dtype of the stored elements for elements of ``dtype`` in memory."""
        if self.endian is None or (self._native and dtype.isnative):  # checked cheaply
            return dtype
        return dtype.newbyteorder(_ORDER_CHAR[self.endian])

    def encode(self, chunk: np.ndarray) -> BytesLike:
        # The array itself is the bytes-like result: no copy when it is already C-ordered
        # in the stored byte order, and the next codec reads it through the buffer protocol.
        arr = np.asarray(chunk)
        stored = self.stored_dtype(arr.dtype)
        return np.asarray(arr, dtype=stored, order="C")

    def encode_batch(self, chunks: ChunkBatch) -> list[BytesLike]:
        if not isinstance(chunks, np.ndarray):
            return super().encode_batch(chunks)
        # A stacked batch converts in one NumPy call; its rows are the chunks (indexed with
        # ``...`` so that 0-d chunks stay arrays, keeping their byte order).
        stacked = np.asarray(chunks, dtype=self.stored_dtype(chunks.dtype), order="C")
        return [stacked[i, ...] for i in range(len(stacked))]

    def decode(self, data: BytesLike, spec: ChunkSpec) -> np.ndarray:
        stored = self.stored_dtype(spec.dtype)
        size = nbytes_of(data)
        if size != spec.nbytes:
            raise ValueError(
                f"expected {spec.nbytes} bytes for a chunk of shape {spec.shape} and dtype "
                f"{spec.dtype}, got {size}"
            )
        arr = np.frombuffer(byte_view(data), dtype=stored).reshape(spec.shape)
        return arr if stored == spec.dtype else arr.astype(spec.dtype)

    def decode_batch(self, datas: Sequence[BytesLike], spec: ChunkSpec) -> ChunkBatch:
        expected = spec.nbytes
        if len(datas) < 2 or expected == 0 or any(nbytes_of(d) != expected for d in datas):
            return super().decode_batch(datas, spec)
        # One C-level join beats a Python-level copy per chunk, and gives a writable block.
        rows = np.frombuffer(bytearray().join(datas), dtype=np.uint8).reshape(len(datas), -1)
        return self.decode_stacked(rows, spec)

    def decode_stacked(self, rows: np.ndarray, spec: ChunkSpec) -> np.ndarray:
        stored = self.stored_dtype(spec.dtype)
        arr = rows.view(stored).reshape((len(rows), *spec.shape))
        return arr if stored == spec.dtype else arr.astype(spec.dtype)
