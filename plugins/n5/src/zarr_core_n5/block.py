"""N5 default-mode blocks: the header, the big-endian payload, truncated edge blocks.

Layout (N5 spec 4.0.0)::

    uint16 BE mode (0 default, 1 varlength, 2 object) | uint16 BE ndim |
    uint32 BE dims[ndim], N5 axis order | payload: compressed big-endian values

N5 lists axes fastest-first, so a block's payload in N5 axes is Fortran order, which is
C order in the reversed (Zarr) axes: decoding needs no transpose, only a byte swap.
Readers get full chunks in Zarr axes: truncated edge blocks (Java N5, z5py) are padded
with zeros, as full zero-padded ones (zarr-python 2, tensorstore) need nothing. Writers
always write full blocks, which every reader accepts.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from zarr_core_n5 import compression as _compression
from zarr_core_n5.errors import N5UnsupportedError

__all__ = ["decode", "encode", "header"]

_MODE_NDIM = struct.Struct(">HH")
_MODES = {1: "varlength", 2: "object"}


def header(shape: Sequence[int]) -> bytes:
    """The default-mode header of a block of ``shape`` (Zarr axis order)."""
    return _MODE_NDIM.pack(0, len(shape)) + struct.pack(f">{len(shape)}I", *shape[::-1])


def encode(chunk: np.ndarray, compression: Mapping[str, Any]) -> bytes:
    """One N5 block holding ``chunk`` (Zarr axes, any byte order) whole."""
    big = np.ascontiguousarray(chunk, dtype=chunk.dtype.newbyteorder(">"))
    return header(chunk.shape) + _compression.compress(compression, big)


def decode(
    data: bytes | memoryview,
    compression: Mapping[str, Any],
    dtype: np.dtype,
    chunk_shape: tuple[int, ...],
    dataset: str = "",
) -> np.ndarray:
    """The full chunk (Zarr axes, C order, ``dtype``) that the N5 block ``data`` holds.

    Raises
    ------
    N5UnsupportedError
        For varlength and object blocks, naming ``dataset``.
    ValueError
        For a header that does not fit the dataset, or a payload of the wrong size.
    """
    view = memoryview(data).cast("B")
    if len(view) < _MODE_NDIM.size:
        raise ValueError(f"an N5 block needs a header; got {len(view)} bytes")
    mode, ndim = _MODE_NDIM.unpack_from(view)
    if mode != 0:
        name = _MODES.get(mode, f"unknown mode {mode}")
        raise N5UnsupportedError(
            f"the N5 dataset {dataset or '/'!r} holds a block in {name} mode ({mode}); "
            "zarr-core reads only default-mode (0) blocks, as tensorstore and zarr-python 2 do"
        )
    if ndim != len(chunk_shape):
        raise ValueError(f"the block header has {ndim} dimensions, the dataset {len(chunk_shape)}")
    start = _MODE_NDIM.size + 4 * ndim
    if len(view) < start:
        raise ValueError("the N5 block header is truncated")
    shape = struct.unpack_from(f">{ndim}I", view, _MODE_NDIM.size)[::-1]
    if any(s > c for s, c in zip(shape, chunk_shape)):
        raise ValueError(
            f"the block extent {list(shape[::-1])} (N5 axes) exceeds the block size "
            f"{list(chunk_shape[::-1])}"
        )
    big = dtype.newbyteorder(">")
    raw = _compression.decompress(compression, view[start:], math.prod(shape) * big.itemsize)
    values = np.frombuffer(raw, dtype=big).reshape(shape)
    if shape == chunk_shape:
        return values.astype(dtype)  # the byte swap, into a new writable array
    out = np.zeros(chunk_shape, dtype=dtype)
    out[tuple(slice(0, s) for s in shape)] = values
    return out
