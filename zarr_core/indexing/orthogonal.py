"""Orthogonal ("outer") selections: each axis indexed independently, as with np.ix_."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import product
from typing import Any

import numpy as np

from zarr_core.errors import IndexSelectionError
from zarr_core.indexing._dims import DimIndexer, IntArrayDimIndexer
from zarr_core.indexing._normalize import (
    as_index_array,
    describe,
    expand_ellipsis,
    is_integer,
    normalize_int_array,
)
from zarr_core.indexing.basic import ProductIndexer, basic_dim_indexer
from zarr_core.indexing.grid import check_grid
from zarr_core.indexing.projection import ChunkProjection, make_projections

__all__ = ["OrthogonalIndexer"]


class OrthogonalIndexer(ProductIndexer):
    """Project an orthogonal selection onto a regular chunk grid.

    The result has one axis per slice or array item, of the length of that item, in
    order; integer items drop their axis.

    Conventions of the projections, chosen so plain NumPy indexing applies them:

    * no array item: exactly as `BasicIndexer` (``drop_axes == ()``);
    * one array item: integer items become length-1 slices listed in ``drop_axes``, so
      the single array index keeps its position;
    * several array items: chunk selections are ``np.ix_``-ed (slices and integers turned
      into index arrays), and so are output selections when they hold arrays.

    Parameters
    ----------
    selection : tuple of int, slice, 1-d integer array or list, 1-d boolean array, Ellipsis
        Integer arrays may be in any order, with duplicates and negative values; boolean
        arrays must have the length of their dimension.
    shape, chunks : sequence of int
        Array shape and chunk shape.

    Raises
    ------
    BoundsCheckError
        For an out-of-range integer or array element.
    IndexSelectionError
        For unsupported items, arrays that are not 1-d, boolean arrays of the wrong
        length, too many indices, a zero step or ``None``.
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]):
        shape, chunks = check_grid(shape, chunks)
        items = expand_ellipsis(selection, len(shape))
        dims = [
            _dim_indexer(item, n, c, dim)
            for dim, (item, n, c) in enumerate(zip(items, shape, chunks))
        ]
        super().__init__(dims)
        n_arrays = sum(isinstance(d, IntArrayDimIndexer) for d in dims)
        self.is_basic = n_arrays == 0
        self.drop_axes = () if self.is_basic else tuple(i for i, d in enumerate(dims) if d.drops)
        kept = [d for d in dims if not d.drops]
        # with an array index present, integers must not be advanced indices too (NumPy
        # would move the broadcast axes): keep their axes and let the engine squeeze them
        chunk_sels = [d.dim_chunk_sels if self.is_basic else _keep_axis(d) for d in dims]
        out_sels = [d.dim_out_sels for d in kept]
        if n_arrays > 1:
            # np.ix_ only reshapes each axis' index array, so do it once per dimension
            # rather than once per chunk; the products below then pair them up
            chunk_sels = [
                _ix_axis(sels, d.dim_chunk_len, axis, len(dims))
                for axis, (sels, d) in enumerate(zip(chunk_sels, dims))
            ]
            if any(isinstance(s, np.ndarray) for sels in out_sels for s in sels):
                out_sels = [
                    _ix_axis(sels, d.nitems, axis, len(kept))
                    for axis, (sels, d) in enumerate(zip(out_sels, kept))
                ]
        self._chunk_sels = chunk_sels
        self._out_sels = out_sels

    def __iter__(self) -> Iterator[ChunkProjection]:
        return make_projections(
            product(*[d.dim_chunk_ixs for d in self.dim_indexers]),
            product(*self._chunk_sels),
            product(*self._out_sels),
        )


def _keep_axis(d: DimIndexer) -> tuple:
    """Chunk selections of a dimension, an integer turned into a length-1 slice."""
    if d.drops:
        return tuple(slice(i, i + 1) for i in d.dim_chunk_sels)
    return d.dim_chunk_sels


def _ix_axis(sels: tuple, n: int, axis: int, ndim: int) -> tuple[np.ndarray, ...]:
    """Turn one dimension's selections into the index arrays np.ix_ would make for it."""
    shape = [1] * ndim
    shape[axis] = -1
    return tuple(
        (np.arange(*s.indices(n)) if isinstance(s, slice) else s).reshape(shape) for s in sels
    )


def _dim_indexer(item: Any, dim_len: int, dim_chunk_len: int, dim: int) -> DimIndexer:
    if is_integer(item) or isinstance(item, slice):
        return basic_dim_indexer(item, dim_len, dim_chunk_len, dim)
    arr = as_index_array(item)
    if arr is None:
        raise IndexSelectionError(
            f"unsupported selection item for orthogonal indexing in dimension {dim}: "
            f"expected an integer, a slice, or a 1-d integer or boolean array, got {describe(item)}"
        )
    if arr.ndim != 1:
        raise IndexSelectionError(
            f"orthogonal selection arrays must be 1-dimensional, got an array of shape "
            f"{arr.shape} in dimension {dim}"
        )
    if arr.dtype == bool:
        if len(arr) != dim_len:
            raise IndexSelectionError(
                f"boolean array of length {len(arr)} does not match dimension {dim} of "
                f"length {dim_len}"
            )
        indices = np.flatnonzero(arr)
    else:
        indices = normalize_int_array(arr, dim_len, dim)
    return IntArrayDimIndexer(indices, dim_len, dim_chunk_len)
