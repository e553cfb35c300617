"""Per-dimension indexers: which chunks one selection item touches, and where.

Each dimension indexer holds three parallel tuples, one entry per touched chunk:
``dim_chunk_ixs`` (chunk index along the dimension), ``dim_chunk_sels`` (selection
within that chunk) and ``dim_out_sels`` (where those items go along the output axis,
``None`` for an integer item, whose axis is dropped). The N-d indexers take the
Cartesian product of these tuples, so per-chunk work happens once per dimension rather
than once per chunk, and engines can vectorise over them directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np


class ChunkDimProjection(NamedTuple):
    """The part of one chunk selected along one dimension."""

    dim_chunk_ix: int
    dim_chunk_sel: int | slice | np.ndarray
    dim_out_sel: slice | np.ndarray | None


class DimIndexer:
    """Base class; see the module docstring for the attributes.

    Attributes
    ----------
    dim_len, dim_chunk_len : int
        Length of the dimension and of its chunks.
    nitems : int
        Number of items selected along the dimension.
    drops : bool
        True when the output has no axis for this dimension (integer selection).
    is_aligned : bool
        True when every chunk selection is ``slice(0, extent)`` with ``extent`` the
        in-bounds length of that chunk, so whole chunks map to contiguous output runs.
    """

    __slots__ = (
        "dim_len",
        "dim_chunk_len",
        "nitems",
        "dim_chunk_ixs",
        "dim_chunk_sels",
        "dim_out_sels",
        "is_aligned",
    )
    drops = False

    dim_len: int
    dim_chunk_len: int
    nitems: int
    dim_chunk_ixs: tuple[int, ...]
    dim_chunk_sels: tuple
    dim_out_sels: tuple
    is_aligned: bool

    @property
    def nchunks(self) -> int:
        """Number of chunks touched along this dimension."""
        return len(self.dim_chunk_ixs)

    def __iter__(self) -> Iterator[ChunkDimProjection]:
        return map(ChunkDimProjection, self.dim_chunk_ixs, self.dim_chunk_sels, self.dim_out_sels)


class IntDimIndexer(DimIndexer):
    """A single (already normalised, non-negative) integer index."""

    __slots__ = ()
    drops = True

    def __init__(self, index: int, dim_len: int, dim_chunk_len: int):
        self.dim_len = dim_len
        self.dim_chunk_len = dim_chunk_len
        self.nitems = 1
        ix, local = divmod(index, dim_chunk_len)
        self.dim_chunk_ixs = (ix,)
        self.dim_chunk_sels = (local,)
        self.dim_out_sels = (None,)
        self.is_aligned = False


class SliceDimIndexer(DimIndexer):
    """A slice with any non-zero step.

    A negative step is projected as the mirrored positive slice, then each chunk
    selection is reversed, so output selections are always increasing step-1 slices
    and chunks are listed in output order.
    """

    __slots__ = ()

    def __init__(self, dim_sel: slice, dim_len: int, dim_chunk_len: int):
        self.dim_len = dim_len
        self.dim_chunk_len = dim_chunk_len
        start, stop, step = dim_sel.indices(dim_len)
        n = len(range(start, stop, step))
        self.nitems = n
        if step > 0:
            ixs, sels, outs = _forward(start, step, n, dim_chunk_len)
        else:
            ixs, sels, outs = _forward(start + (n - 1) * step, -step, n, dim_chunk_len)
            ixs, sels, outs = _reverse(ixs, sels, outs, n)
        self.dim_chunk_ixs = ixs
        self.dim_chunk_sels = sels
        self.dim_out_sels = outs
        self.is_aligned = n == 0 or (
            step == 1
            and start % dim_chunk_len == 0
            and (stop % dim_chunk_len == 0 or stop == dim_len)
        )


def _forward(first: int, step: int, n: int, cl: int) -> tuple[tuple, tuple, tuple]:
    """Project the `n` positions ``first + k * step`` (step > 0) onto chunks of length `cl`."""
    if n == 0:
        return (), (), ()
    last = first + (n - 1) * step
    if step >= cl:
        # at most one item per chunk: iterate items, never the (possibly many) skipped chunks
        positions = range(first, last + 1, step)
        ixs = tuple(p // cl for p in positions)
        sels = tuple(slice(p % cl, p % cl + 1) for p in positions)
        outs = tuple(slice(k, k + 1) for k in range(n))
        return ixs, sels, outs
    c0, c1 = first // cl, last // cl
    if step == 1:
        # the common case, without a Python loop: 10,000 chunks cost about a millisecond
        ixs = tuple(range(c0, c1 + 1))
        head = first - c0 * cl
        tail = last + 1 - c1 * cl
        if c0 == c1:
            return ixs, (slice(head, tail),), (slice(0, n),)
        sels = (slice(head, cl),) + (slice(0, cl),) * (c1 - c0 - 1) + (slice(0, tail),)
        # output runs start where chunks c0 + 1, ..., c1 start, counted from `first`
        starts = range(cl - head, n, cl)
        outs = (slice(0, cl - head), *map(slice, starts, [*starts[1:], n]))
        return ixs, sels, outs
    ixs = tuple(range(c0, c1 + 1))
    sels = []
    outs = []
    for c in ixs:
        cs = c * cl
        # step < cl, so every chunk from c0 to c1 holds at least one selected item
        k0 = 0 if c == c0 else -((first - cs) // step)
        k1 = (min(cs + cl, last + 1) - 1 - first) // step + 1
        a = first + k0 * step - cs
        sels.append(slice(a, first + (k1 - 1) * step - cs + 1, step))
        outs.append(slice(k0, k1))
    return ixs, tuple(sels), tuple(outs)


def _reverse(ixs: tuple, sels: tuple, outs: tuple, n: int) -> tuple[tuple, tuple, tuple]:
    """Mirror forward projections of a negative-step slice (see `SliceDimIndexer`)."""
    rsels = []
    routs = []
    for sel, out in zip(reversed(sels), reversed(outs)):
        a, step = sel.start, sel.step or 1
        m = out.stop - out.start
        # a stop of -1 would mean "the end", so running down to index 0 needs None
        rsels.append(slice(a + (m - 1) * step, a - 1 if a else None, -step))
        routs.append(slice(n - out.stop, n - out.start))
    return tuple(reversed(ixs)), tuple(rsels), tuple(routs)


class IntArrayDimIndexer(DimIndexer):
    """A 1-d array of normalised integer indices, in any order, duplicates allowed.

    Items are grouped by chunk. When the chunk numbers never decrease along the array
    (e.g. sorted indices, or a boolean mask), each chunk's items are a contiguous run of
    the output and the output selections are slices; otherwise a stable sort groups
    them and the output selections are integer arrays (stable, so that on assignment
    the last of several duplicate indices wins, as in NumPy).
    """

    __slots__ = ()

    def __init__(self, indices: np.ndarray, dim_len: int, dim_chunk_len: int):
        self.dim_len = dim_len
        self.dim_chunk_len = dim_chunk_len
        self.is_aligned = False
        n = len(indices)
        self.nitems = n
        if n == 0:
            self.dim_chunk_ixs = self.dim_chunk_sels = self.dim_out_sels = ()
            return
        chunk_of = indices // dim_chunk_len
        if n > 1 and np.any(chunk_of[1:] < chunk_of[:-1]):
            order = stable_order(chunk_of, -(-dim_len // dim_chunk_len))
            chunk_of = chunk_of[order]
            indices = indices[order]
        else:
            order = None
        starts = [0, *(np.flatnonzero(np.diff(chunk_of)) + 1).tolist()]
        runs = tuple(map(slice, starts, [*starts[1:], n]))
        local = indices - chunk_of * dim_chunk_len
        self.dim_chunk_ixs = tuple(chunk_of[starts].tolist())
        self.dim_chunk_sels = tuple(map(local.__getitem__, runs))
        self.dim_out_sels = runs if order is None else tuple(map(order.__getitem__, runs))


def stable_order(keys: np.ndarray, nkeys: int) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for keys in ``range(nkeys)``.

    Keys that fit 16 bits are sorted as uint16, for which NumPy uses a radix sort:
    about 9x faster than a stable sort of int64 on 100,000 points.
    """
    if nkeys <= 1 << 16:
        keys = keys.astype(np.uint16)
    return np.argsort(keys, kind="stable")
