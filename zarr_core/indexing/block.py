"""Block selections: whole chunks chosen by their position in the chunk grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zarr_core.errors import IndexSelectionError
from zarr_core.indexing._dims import SliceDimIndexer
from zarr_core.indexing._normalize import (
    check_slice,
    describe,
    expand_ellipsis,
    is_integer,
    normalize_integer,
)
from zarr_core.indexing.basic import ProductIndexer
from zarr_core.indexing.grid import check_grid, grid_shape

__all__ = ["BlockIndexer"]


class BlockIndexer(ProductIndexer):
    """Project a block selection (``z.blocks[...]``) onto a regular chunk grid.

    Each item picks chunks along one dimension of the grid: an integer picks one chunk
    (without dropping the axis: the result is that block's data), a step-1 slice a run
    of chunks. The result is the concatenated data of the chosen blocks, edge blocks
    clipped at the array boundary.

    Parameters
    ----------
    selection : int, slice, Ellipsis or tuple of those
        Positions in the chunk grid; negative integers count from the end.
    shape, chunks : sequence of int
        Array shape and chunk shape.

    Raises
    ------
    BoundsCheckError
        For a block number outside the grid (the size reported is the number of blocks).
    IndexSelectionError
        For a slice step other than 1, unsupported items, too many indices or ``None``.
    """

    def __init__(self, selection: Any, shape: Sequence[int], chunks: Sequence[int]):
        shape, chunks = check_grid(shape, chunks)
        items = expand_ellipsis(selection, len(shape))
        grid = grid_shape(shape, chunks)
        dims = []
        for dim, (item, n, c, nblocks) in enumerate(zip(items, shape, chunks, grid)):
            if is_integer(item):
                b = normalize_integer(item, nblocks, dim)
                start, stop = b, b + 1
            elif isinstance(item, slice):
                check_slice(item, dim)
                if item.step not in (None, 1):
                    raise IndexSelectionError(
                        f"block selection only supports slices with step 1, got step "
                        f"{item.step} in dimension {dim}"
                    )
                start, stop, _ = item.indices(nblocks)
            else:
                raise IndexSelectionError(
                    f"unsupported selection item for block indexing in dimension {dim}: "
                    f"expected an integer or a slice, got {describe(item)}"
                )
            dims.append(SliceDimIndexer(slice(start * c, min(stop * c, n)), n, c))
        super().__init__(dims)
