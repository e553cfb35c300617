"""Point selections: coordinate arrays (``vindex`` with integers) and boolean masks."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from zarr_core.errors import IndexSelectionError
from zarr_core.indexing._dims import stable_order
from zarr_core.indexing._normalize import (
    as_index_array,
    describe,
    is_integer,
    normalize_int_array,
    normalize_integer,
)
from zarr_core.indexing.grid import check_grid, grid_shape
from zarr_core.indexing.projection import ChunkProjection, make_projections

__all__ = ["CoordinateIndexer", "MaskIndexer"]


class _PointIndexer:
    """Groups points by chunk with a vectorised sort; subclasses supply the points.

    Projections scatter into a flat buffer of ``out_shape == (npoints,)``: each
    ``chunk_selection`` is a tuple of 1-d integer arrays (one point per position, within
    the chunk) and each ``out_selection`` the flat positions of those points in the
    result, a slice when the points already come in chunk order, else an integer array.
    The engine reshapes the flat buffer to ``shape`` at the end.
    """

    drop_axes: tuple[int, ...] = ()
    is_basic = False
    aligned_grid = None

    def _project(
        self, points: Sequence[np.ndarray], shape: tuple[int, ...], chunks: tuple[int, ...]
    ) -> None:
        flat = [p.reshape(-1) for p in points]
        npoints = flat[0].size if flat else 0
        self.out_shape = (npoints,)
        self._coords: list[tuple[int, ...]] = []
        self._sels: list[tuple[np.ndarray, ...]] = []
        self._outs: list[slice | np.ndarray] = []
        if npoints == 0:
            self.nchunks = 0
            return
        grid = grid_shape(shape, chunks)
        linear = np.ravel_multi_index([f // c for f, c in zip(flat, chunks)], grid)
        if npoints > 1 and np.any(linear[1:] < linear[:-1]):
            # stable, so that among duplicate points the last one written wins, as in NumPy
            order = stable_order(linear, math.prod(grid))
            linear = linear[order]
            flat = [f[order] for f in flat]
        else:
            order = None
        starts = [0, *(np.flatnonzero(np.diff(linear)) + 1).tolist()]
        # slicing through map() keeps the per-chunk work out of Python bytecode
        runs = list(map(slice, starts, [*starts[1:], npoints]))
        local = [f % c for f, c in zip(flat, chunks)]
        self._coords = list(zip(*(g.tolist() for g in np.unravel_index(linear[starts], grid))))
        self._sels = list(zip(*[map(arr.__getitem__, runs) for arr in local]))
        self._outs = runs if order is None else list(map(order.__getitem__, runs))
        self.nchunks = len(runs)

    def __iter__(self) -> Iterator[ChunkProjection]:
        return make_projections(self._coords, self._sels, self._outs)


class CoordinateIndexer(_PointIndexer):
    """Project a coordinate selection (NumPy integer-array indexing) onto a chunk grid.

    Parameters
    ----------
    selection : tuple of int or integer array-likes, one per dimension
        Broadcast together; the result has the broadcast shape. Points may come in any
        order, repeat, and use negative indices.
    shape, chunks : sequence of int
        Array shape and chunk shape.

    Attributes
    ----------
    shape : tuple of int
        The broadcast shape of the coordinate arrays.
    out_shape : tuple of int
        ``(number of points,)``: the flat buffer the projections scatter into.

    Raises
    ------
    BoundsCheckError
        For an out-of-range coordinate.
    IndexSelectionError
        For the wrong number of arrays, arrays that do not broadcast, boolean arrays,
        slices or other unsupported items, or a 0-d array.
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]):
        shape, chunks = check_grid(shape, chunks)
        ndim = len(shape)
        if ndim == 0:
            raise IndexSelectionError(
                "coordinate selection is not supported on a 0-dimensional array; use [()] or [...]"
            )
        items = selection if isinstance(selection, tuple) else (selection,)
        if len(items) != ndim:
            raise IndexSelectionError(
                f"coordinate selection needs one integer array per dimension: the array is "
                f"{ndim}-dimensional but {len(items)} were given"
            )
        arrays = [
            _coordinate_array(item, n, dim) for dim, (item, n) in enumerate(zip(items, shape))
        ]
        try:
            arrays = np.broadcast_arrays(*arrays)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise IndexSelectionError(
                f"coordinate arrays could not be broadcast together with shapes {shapes}"
            ) from None
        self.shape = arrays[0].shape
        self._project(arrays, shape, chunks)


def _coordinate_array(item: Any, dim_len: int, dim: int) -> np.ndarray:
    if is_integer(item):
        return np.asarray(normalize_integer(item, dim_len, dim), dtype=np.intp)
    arr = as_index_array(item)
    if arr is None:
        raise IndexSelectionError(
            f"unsupported selection item for coordinate indexing in dimension {dim}: expected "
            f"an integer or an integer array, got {describe(item)}"
        )
    if arr.dtype == bool:
        raise IndexSelectionError(
            f"boolean array in dimension {dim} of a coordinate selection: pass a single "
            f"boolean mask of the array's full shape, or use .oindex[...] for per-axis masks"
        )
    return normalize_int_array(arr, dim_len, dim)


class MaskIndexer(_PointIndexer):
    """Project a boolean mask of the array's shape onto a chunk grid.

    Equivalent to the coordinate selection ``np.nonzero(mask)``; the result is 1-d, in
    C order of the selected elements, as ``a[mask]`` in NumPy.

    Parameters
    ----------
    selection : boolean array-like, or a 1-tuple holding one
        Must have exactly the array's shape.
    shape, chunks : sequence of int
        Array shape and chunk shape.

    Raises
    ------
    IndexSelectionError
        If the selection is not a boolean array of the array's shape, or the array is 0-d.
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]):
        shape, chunks = check_grid(shape, chunks)
        if isinstance(selection, tuple) and len(selection) == 1:
            selection = selection[0]
        mask = as_index_array(selection)
        if mask is None or mask.dtype != bool:
            raise IndexSelectionError(
                f"mask selection needs a single boolean array, got {describe(selection)}"
            )
        if mask.shape != shape:
            raise IndexSelectionError(
                f"boolean mask of shape {mask.shape} does not match the array shape {shape}"
            )
        if not shape:
            raise IndexSelectionError(
                "mask selection is not supported on a 0-dimensional array; use [()] or [...]"
            )
        # n-d np.nonzero is several times slower than this on large masks
        self._project(np.unravel_index(np.flatnonzero(mask), shape), shape, chunks)
        self.shape = self.out_shape
