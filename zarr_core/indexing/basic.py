"""Basic selections (integers, slices, Ellipsis) and the shared Cartesian-product machinery."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import product
from typing import Any

from zarr_core.errors import IndexSelectionError
from zarr_core.indexing._dims import DimIndexer, IntDimIndexer, SliceDimIndexer
from zarr_core.indexing._normalize import (
    check_slice,
    describe,
    expand_ellipsis,
    is_integer,
    normalize_integer,
)
from zarr_core.indexing.grid import check_grid
from zarr_core.indexing.projection import ChunkProjection, make_projections

__all__ = ["BasicIndexer"]


class ProductIndexer:
    """An indexer whose projections are the Cartesian product of per-dimension ones.

    Attributes
    ----------
    dim_indexers : list of DimIndexer
        One per array dimension; their parallel tuples ``dim_chunk_ixs``,
        ``dim_chunk_sels`` and ``dim_out_sels`` let an engine vectorise over the grid.
    shape, out_shape, drop_axes, is_basic, nchunks, aligned_grid
        See `zarr_core.indexing.Indexer`.
    """

    drop_axes: tuple[int, ...] = ()
    is_basic = True

    def __init__(self, dim_indexers: list[DimIndexer]):
        self.dim_indexers = dim_indexers
        self.shape = tuple(d.nitems for d in dim_indexers if not d.drops)
        self.out_shape = self.shape
        self.nchunks = math.prod(d.nchunks for d in dim_indexers)

    @property
    def aligned_grid(self) -> tuple[int, ...] | None:
        """See `zarr_core.indexing.Indexer`: the chunks touched per axis when every one is
        read whole (its in-bounds part) with no integer axes, else None."""
        dims = self.dim_indexers
        if dims and all(d.is_aligned and not d.drops for d in dims):
            return tuple(len(d.dim_chunk_ixs) for d in dims)
        return None

    def __iter__(self) -> Iterator[ChunkProjection]:
        dims = self.dim_indexers
        # Three products of per-dimension tuples, zipped: itertools does all the
        # per-chunk work in C, with no Python-level call per chunk.
        return make_projections(
            product(*[d.dim_chunk_ixs for d in dims]),
            product(*[d.dim_chunk_sels for d in dims]),
            product(*[d.dim_out_sels for d in dims if not d.drops]),
        )


class BasicIndexer(ProductIndexer):
    """Project a basic selection onto a regular chunk grid.

    Parameters
    ----------
    selection : int, slice, Ellipsis or tuple of those
        As for ``numpy.ndarray.__getitem__``: negative integers count from the end,
        slices may have any non-zero step, fewer items than dimensions are allowed, and
        ``()`` or ``...`` select all of a 0-d array.
    shape, chunks : sequence of int
        Array shape and chunk shape.

    Raises
    ------
    BoundsCheckError
        For an out-of-range integer.
    IndexSelectionError
        For ``None``, arrays or other unsupported items, too many indices, or a zero step.
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]):
        shape, chunks = check_grid(shape, chunks)
        items = expand_ellipsis(selection, len(shape))
        super().__init__(
            [
                basic_dim_indexer(item, n, c, dim)
                for dim, (item, n, c) in enumerate(zip(items, shape, chunks))
            ]
        )


def basic_dim_indexer(item: Any, dim_len: int, dim_chunk_len: int, dim: int) -> DimIndexer:
    """Dimension indexer for an integer or slice item; anything else is an error."""
    if is_integer(item):
        return IntDimIndexer(normalize_integer(item, dim_len, dim), dim_len, dim_chunk_len)
    if isinstance(item, slice):
        return SliceDimIndexer(check_slice(item, dim), dim_len, dim_chunk_len)
    raise IndexSelectionError(
        f"unsupported selection item for basic indexing in dimension {dim}: expected an "
        f"integer or a slice, got {describe(item)}; use .oindex[...] or .vindex[...] to "
        f"select with arrays"
    )
