"""Geometry of a regular chunk grid: validation, grid shape and chunk extents."""

from __future__ import annotations

import operator
from collections.abc import Sequence

from zarr_core.errors import InvalidArgumentError

__all__ = ["check_grid", "grid_shape", "chunk_extent"]


def check_grid(
    shape: Sequence[int], chunks: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validate an array shape and its chunk shape.

    Parameters
    ----------
    shape : sequence of int
        Array shape; every length must be >= 0.
    chunks : sequence of int
        Chunk shape, one length per dimension; every length must be >= 1, except on a
        zero-length dimension, which has no chunks at all.

    Returns
    -------
    shape, chunks : tuple of int
        Both as tuples of Python ints.

    Raises
    ------
    ValueError
        When the lengths differ or a length is out of range.
    """
    shape = tuple(operator.index(n) for n in shape)
    chunks = tuple(operator.index(c) for c in chunks)
    if len(shape) != len(chunks):
        raise InvalidArgumentError(
            f"chunk shape {chunks} does not have one length per dimension of shape {shape}"
        )
    for dim, (n, c) in enumerate(zip(shape, chunks)):
        if n < 0:
            raise InvalidArgumentError(
                f"array shape {shape} has a negative length in dimension {dim}"
            )
        if c < 1 and n > 0:
            raise InvalidArgumentError(f"chunk shape {chunks} has a length < 1 in dimension {dim}")
    return shape, chunks


def grid_shape(shape: Sequence[int], chunks: Sequence[int]) -> tuple[int, ...]:
    """Number of chunks along each dimension (edge chunks may extend past the array).

    Parameters
    ----------
    shape, chunks : sequence of int
        A valid array shape and chunk shape (see `check_grid`).

    Returns
    -------
    tuple of int
    """
    return tuple(-(-n // c) if n else 0 for n, c in zip(shape, chunks))


def chunk_extent(
    chunk_coords: Sequence[int], shape: Sequence[int], chunks: Sequence[int]
) -> tuple[int, ...]:
    """Shape of the part of a chunk that lies inside the array.

    Equal to `chunks` except for edge chunks, which are clipped at the array boundary.
    Passing this to `is_total_slice` answers "does the selection overwrite every valid
    element of the chunk?", which is what decides whether a write can skip the read.

    Parameters
    ----------
    chunk_coords : sequence of int
        Position of the chunk in the chunk grid.
    shape, chunks : sequence of int
        Array shape and chunk shape.

    Returns
    -------
    tuple of int
    """
    return tuple(min(c, n - i * c) for i, n, c in zip(chunk_coords, shape, chunks))
