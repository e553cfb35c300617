"""Validation and normalisation of selection items shared by every indexing mode."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from zarr_core.errors import BoundsCheckError, IndexSelectionError


def is_integer(x: Any) -> bool:
    """True for Python and NumPy integers and 0-d integer arrays, but not for booleans."""
    if isinstance(x, (int, np.integer)):
        # bool is an int subclass; NumPy gives a boolean scalar index a mask meaning
        return not isinstance(x, bool)
    return isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iu"


def describe(item: Any) -> str:
    """Short description of a selection item for error messages (arrays are not printed)."""
    if isinstance(item, np.ndarray):
        return f"an array of shape {item.shape} and dtype {item.dtype}"
    text = repr(item)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(item).__name__} {text}"


def normalize_integer(i: Any, size: int, dim: int) -> int:
    """Resolve a possibly negative integer index against a dimension.

    Parameters
    ----------
    i : int-like
        The index; negative values count from the end as in NumPy.
    size : int
        Length of the dimension.
    dim : int
        Number of the dimension, for the error message.

    Returns
    -------
    int
        The index in ``range(size)``.

    Raises
    ------
    BoundsCheckError
        If ``i`` is outside ``[-size, size)``.
    IndexSelectionError
        If ``i`` is not an integer.
    """
    if not is_integer(i):
        raise IndexSelectionError(
            f"expected an integer index in dimension {dim}, got {describe(i)}"
        )
    j = operator.index(i)
    k = j + size if j < 0 else j
    if not 0 <= k < size:
        raise BoundsCheckError(j, dim, size)
    return k


def check_slice(s: slice, dim: int) -> slice:
    """Reject slices NumPy would reject: a zero step or non-integer bounds."""
    for name in ("start", "stop", "step"):
        value = getattr(s, name)
        if value is not None and not is_integer(value):
            raise IndexSelectionError(
                f"slice {name} in dimension {dim} must be an integer or None, got {describe(value)}"
            )
    if s.step is not None and operator.index(s.step) == 0:
        raise IndexSelectionError(f"slice step cannot be zero (dimension {dim})")
    return s


def expand_ellipsis(selection: Any, ndim: int) -> tuple[Any, ...]:
    """Turn a selection into a tuple of exactly `ndim` items.

    A non-tuple becomes a 1-tuple, one Ellipsis expands to as many full slices as
    needed, and missing trailing items become full slices.

    Raises
    ------
    IndexSelectionError
        On ``None`` (newaxis), more than one Ellipsis, or more items than dimensions.
    """
    items = selection if isinstance(selection, tuple) else (selection,)
    # identity tests throughout: `in` and .index() would compare arrays elementwise
    if any(item is None for item in items):
        raise IndexSelectionError("newaxis (None) is not supported in a zarr selection")
    at = [i for i, item in enumerate(items) if item is Ellipsis]
    if len(at) > 1:
        raise IndexSelectionError("a selection can only have a single Ellipsis ('...')")
    n_real = len(items) - len(at)
    if n_real > ndim:
        raise IndexSelectionError(
            f"too many indices for array: array is {ndim}-dimensional, but {n_real} were indexed"
        )
    fill = (slice(None),) * (ndim - n_real)
    if at:
        return items[: at[0]] + fill + items[at[0] + 1 :]
    return items + fill


def as_index_array(x: Any) -> np.ndarray | None:
    """Return `x` as an integer or boolean index array, or None if it is not array-like.

    Only lists and ndarrays count as arrays (as in zarr 2). An empty list is an empty
    integer array.

    Raises
    ------
    IndexSelectionError
        If `x` is array-like but ragged or of a dtype other than integer or boolean.
    """
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, list):
        try:
            arr = np.asarray(x)
        except ValueError as e:
            raise IndexSelectionError(f"index list cannot be made into an array: {e}") from None
        if arr.size == 0:
            arr = arr.astype(np.intp)
    else:
        return None
    if arr.dtype.kind not in "biu":
        raise IndexSelectionError(
            f"index arrays must have an integer or boolean dtype, got {describe(arr)}"
        )
    return arr


def normalize_int_array(arr: np.ndarray, size: int, dim: int) -> np.ndarray:
    """Bounds-check an integer index array and resolve negative indices (vectorised).

    Returns an ``intp`` array of the same shape with values in ``range(size)``.

    Raises
    ------
    BoundsCheckError
        Naming the first out-of-bounds index, in C order.
    """
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if hi >= size or lo < -size:
            bad = np.flatnonzero((arr < -size) | (arr >= size))[0]
            raise BoundsCheckError(int(arr.flat[bad]), dim, size)
        arr = arr.astype(np.intp, copy=False)
        if lo < 0:
            arr = np.where(arr < 0, arr + size, arr)
        return arr
    return arr.astype(np.intp, copy=False)
