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

__all__ = ["decode", "encode", "fit", "header", "read_header"]

_MODE_NDIM = struct.Struct(">HH")
_MODES = {1: "varlength", 2: "object"}


def header(n5_shape: Sequence[int]) -> bytes:
    """The default-mode header of a block whose extent is ``n5_shape`` (N5 axis order)."""
    return _MODE_NDIM.pack(0, len(n5_shape)) + struct.pack(f">{len(n5_shape)}I", *n5_shape)


def read_header(
    view: memoryview, ndim: int, dataset: str | None = None
) -> tuple[tuple[int, ...], int]:
    """The block extent (N5 axis order) and the payload's offset.

    Raises
    ------
    N5UnsupportedError
        For varlength and object blocks, naming ``dataset`` when given.
    ValueError
        For a truncated header or one with another number of dimensions than ``ndim``.
    """
    if len(view) < _MODE_NDIM.size:
        raise ValueError(f"an N5 block needs a header; got {len(view)} bytes")
    mode, found = _MODE_NDIM.unpack_from(view)
    if mode != 0:
        name = _MODES.get(mode, "an unknown")
        what = "this N5 dataset" if dataset is None else f"the N5 dataset {dataset or '/'!r}"
        raise N5UnsupportedError(
            f"{what} holds a block in {name} mode ({mode}); "
            "zarr-core reads only default-mode (0) blocks, as tensorstore and zarr-python 2 do"
        )
    if found != ndim:
        raise ValueError(f"the block header has {found} dimensions, the dataset {ndim}")
    start = _MODE_NDIM.size + 4 * ndim
    if len(view) < start:
        raise ValueError("the N5 block header is truncated")
    return struct.unpack_from(f">{ndim}I", view, _MODE_NDIM.size), start


def fit(values: np.ndarray, chunk_shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``values`` as a new C-order ``dtype`` array of ``chunk_shape``: zero-padded where
    the block is smaller (a truncated edge block), cut where it is larger."""
    if values.shape == chunk_shape:
        return np.ascontiguousarray(values, dtype=dtype)  # also the byte swap, into a copy
    out = np.zeros(chunk_shape, dtype=dtype)
    common = tuple(slice(0, min(v, c)) for v, c in zip(values.shape, chunk_shape))
    out[common] = values[common]
    return out


def encode(chunk: np.ndarray, compression: Mapping[str, Any]) -> bytes:
    """One N5 block holding ``chunk`` (Zarr axes, any byte order) whole."""
    big = np.ascontiguousarray(chunk, dtype=chunk.dtype.newbyteorder(">"))
    return header(chunk.shape[::-1]) + _compression.compress(compression, big)


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
    n5_shape, start = read_header(view, len(chunk_shape), dataset)
    shape = n5_shape[::-1]
    if any(s > c for s, c in zip(shape, chunk_shape)):
        # tensorstore refuses these too: more data than a block holds is damage.
        raise ValueError(
            f"the block extent {list(n5_shape)} (N5 axes) exceeds the block size "
            f"{list(chunk_shape[::-1])}"
        )
    big = dtype.newbyteorder(">")
    raw = _compression.decompress(compression, view[start:], math.prod(shape) * big.itemsize)
    return fit(np.frombuffer(raw, dtype=big).reshape(shape), chunk_shape, dtype)
