"""Helpers shared by the codec and the storage transformer: byte ranges and inner grids.

Nothing here knows about codecs or metadata: it turns index entries into byte-range
requests (coalescing neighbours), and moves inner chunks between a shard-shaped array
and a flat batch of chunks with NumPy views.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["EMPTY", "RangePlan", "block_view", "grid_coords", "grid_ids"]

#: Offset and length of an inner chunk that is not stored (2^64 - 1 in both fields).
EMPTY = np.uint64(2**64 - 1)


class RangePlan:
    """Byte ranges of one stored value, merged into as few requests as possible.

    Parameters
    ----------
    offsets, sizes
        Where each wanted piece starts in the value and how long it is.
    max_gap
        Pieces whose gap is at most this many bytes share one request: reading a few
        bytes nobody asked for is cheaper than another request on every backend.

    Attributes
    ----------
    requests : list of (start, length)
        The merged ranges, in increasing order.
    group, relative : numpy.ndarray
        For piece ``i``: the request holding it and where it starts inside that request.
    """

    __slots__ = ("requests", "group", "relative", "sizes")

    def __init__(self, offsets: np.ndarray, sizes: np.ndarray, max_gap: int):
        offsets = np.asarray(offsets, dtype=np.int64)
        sizes = np.asarray(sizes, dtype=np.int64)
        self.sizes = sizes
        n = len(offsets)
        if n < 2:  # nothing to merge (one point read): skip the vectorised machinery
            self.requests: list[tuple[int, int]] = list(zip(offsets.tolist(), sizes.tolist()))
            self.group = np.zeros(n, dtype=np.intp)
            self.relative = np.zeros(n, dtype=np.int64)
            return
        order = np.argsort(offsets, kind="stable")
        start = offsets[order]
        end = start + sizes[order]
        reach = np.maximum.accumulate(end)
        # A new request starts where a piece begins beyond what the previous ones cover
        # (plus the gap we are willing to read through).
        breaks = np.flatnonzero(start[1:] > reach[:-1] + max_gap) + 1
        firsts = np.concatenate(([0], breaks))
        lasts = np.concatenate((breaks, [n])) - 1
        group_start = start[firsts]
        group_end = reach[lasts]
        sorted_group = np.repeat(np.arange(len(firsts)), np.diff(np.concatenate((firsts, [n]))))
        group = np.empty(n, dtype=np.intp)
        group[order] = sorted_group
        self.group = group
        self.relative = offsets - group_start[group]
        self.requests = list(
            zip(group_start.tolist(), (group_end - group_start).tolist(), strict=True)
        )

    def pieces(self, values: Sequence[Any]) -> list[memoryview]:
        """Cut the pieces out of the fetched ``values`` (one per request, same order).

        Raises
        ------
        ValueError
            If a request came back shorter than asked (the value is truncated).
        """
        views = [memoryview(v).cast("B") for v in values]
        for view, (_, length) in zip(views, self.requests, strict=True):
            if len(view) < length:
                raise ValueError(
                    f"the value is truncated: {len(view)} bytes where {length} were expected"
                )
        return [
            views[g][r : r + s]
            for g, r, s in zip(self.group.tolist(), self.relative.tolist(), self.sizes.tolist())
        ]


def block_view(arr: np.ndarray, chunk_shape: tuple[int, ...]) -> np.ndarray:
    """View ``arr`` as its grid of chunks: shape ``(*grid, *chunk_shape)``.

    ``arr`` must have a whole number of chunks along every axis. Splitting an axis is
    always possible without a copy, so the result is a view of ``arr`` (writable when
    ``arr`` is), even for strided input.
    """
    grid = tuple(s // c for s, c in zip(arr.shape, chunk_shape))
    interleaved = [n for pair in zip(grid, chunk_shape) for n in pair]
    ndim = len(chunk_shape)
    order = [*range(0, 2 * ndim, 2), *range(1, 2 * ndim, 2)]
    return arr.reshape(interleaved).transpose(order)


def grid_ids(coords: Sequence[tuple[int, ...]], grid: tuple[int, ...]) -> np.ndarray:
    """C-order positions of the chunks at ``coords`` in a grid of shape ``grid``."""
    if not grid:
        return np.zeros(len(coords), dtype=np.intp)
    if len(coords) == 1:  # point reads: plain arithmetic beats building arrays
        position = 0
        for c, n in zip(coords[0], grid):
            position = position * n + c
        return np.array([position], dtype=np.intp)
    if not coords:
        return np.zeros(0, dtype=np.intp)
    return np.ravel_multi_index(np.array(coords, dtype=np.intp).T, grid)


def grid_coords(ids: np.ndarray, grid: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """The inverse of :func:`grid_ids`: one index array per axis (``()`` for 0-d)."""
    if not grid:
        return ()
    return np.unravel_index(ids, grid)
