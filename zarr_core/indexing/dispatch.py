"""Choosing an indexing mode for a selection, and building its indexer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from zarr_core.errors import IndexSelectionError, InvalidArgumentError
from zarr_core.indexing._normalize import as_index_array, is_integer
from zarr_core.indexing.basic import BasicIndexer
from zarr_core.indexing.block import BlockIndexer
from zarr_core.indexing.coordinate import CoordinateIndexer, MaskIndexer
from zarr_core.indexing.orthogonal import OrthogonalIndexer
from zarr_core.indexing.projection import Indexer

__all__ = ["classify_selection", "classify_vindex", "make_indexer"]

Mode = Literal["basic", "orthogonal", "coordinate", "mask", "block"]

_INDEXERS = {
    "basic": BasicIndexer,
    "orthogonal": OrthogonalIndexer,
    "coordinate": CoordinateIndexer,
    "mask": MaskIndexer,
    "block": BlockIndexer,
}


def classify_selection(
    selection: Any, shape: Sequence[int]
) -> Literal["basic", "orthogonal", "coordinate", "mask"]:
    """Choose the indexing mode of a square-bracket selection, as zarr-python does.

    Call it on the selection with fields removed (see `pop_fields`). The rules, in order:

    * only integers, slices and Ellipsis: ``"basic"`` (also returned for ``None`` and
      unsupported items, so that `BasicIndexer` reports them);
    * one boolean array on its own: ``"orthogonal"`` when it is 1-d and the array is
      not (it selects along the first axis), otherwise ``"mask"``;
    * one integer array on its own: ``"coordinate"`` on a 1-d array, ``"orthogonal"``
      when it is 1-d (it selects along the first axis);
    * one item per dimension, only integers and integer arrays: ``"coordinate"`` (the
      arrays broadcast together, as in NumPy);
    * exactly one array among integers, slices and Ellipsis: ``"orthogonal"``;
    * one array per dimension, some boolean: ``"orthogonal"``.

    A 1-tuple is treated like its item. Where orthogonal and NumPy semantics differ
    (an integer and an array separated by a slice, or several boolean arrays) the result
    is orthogonal, as in zarr-python.

    Returns
    -------
    str
        ``"basic"``, ``"orthogonal"``, ``"coordinate"`` or ``"mask"``.

    Raises
    ------
    IndexSelectionError
        For a multi-dimensional integer array on its own on an N-d array (N > 1), and
        for several arrays mixed with slices or Ellipsis, whose meaning is ambiguous.
    """
    if isinstance(selection, tuple) and len(selection) == 1:
        selection = selection[0]
    items = selection if isinstance(selection, tuple) else (selection,)
    kinds = []
    arrays = []
    for item in items:
        if is_integer(item):
            kinds.append("int")
        elif item is Ellipsis or item is None or isinstance(item, slice):
            kinds.append("slice")
        else:
            arr = as_index_array(item)
            if arr is None:
                return "basic"
            kinds.append("bool" if arr.dtype == bool else "array")
            arrays.append(arr)
    if not arrays:
        return "basic"
    ndim = len(shape)
    if not isinstance(selection, tuple):
        (arr,) = arrays
        if arr.dtype == bool:
            return "orthogonal" if arr.ndim == 1 and ndim > 1 else "mask"
        if ndim == 1:
            return "coordinate"
        if arr.ndim == 1:
            return "orthogonal"
        raise IndexSelectionError(
            f"an integer array of shape {arr.shape} on its own cannot index a "
            f"{ndim}-dimensional array; use .vindex[...] with one array per dimension"
        )
    one_per_dim = len(items) == ndim
    if one_per_dim and "slice" not in kinds and "bool" not in kinds:
        return "coordinate"
    if len(arrays) == 1 or (one_per_dim and len(arrays) == ndim):
        return "orthogonal"
    raise IndexSelectionError(
        "selection mixes several index arrays with slices or Ellipsis, which is ambiguous; "
        "use .oindex[...] to index each axis independently, or .vindex[...] for points"
    )


def classify_vindex(selection: Any) -> Literal["coordinate", "mask"]:
    """Choose the mode of a ``vindex`` selection: a single boolean array is a mask.

    Parameters
    ----------
    selection : any
        The ``vindex`` selection, fields removed. A boolean array of the wrong shape is
        still classified as a mask, so that `MaskIndexer` reports the mismatch.

    Returns
    -------
    str
        ``"mask"`` or ``"coordinate"``.
    """
    if isinstance(selection, tuple) and len(selection) == 1:
        selection = selection[0]
    arr = as_index_array(selection)
    return "mask" if arr is not None and arr.dtype == bool else "coordinate"


def make_indexer(
    mode: Mode, selection: Any, shape: Sequence[int], chunks: Sequence[int]
) -> Indexer:
    """Build the indexer of a mode.

    Parameters
    ----------
    mode : {"basic", "orthogonal", "coordinate", "mask", "block"}
    selection : any
        The selection, fields removed.
    shape, chunks : sequence of int
        Array shape and chunk shape.

    Returns
    -------
    Indexer

    Raises
    ------
    ValueError
        For an unknown mode.
    """
    try:
        cls = _INDEXERS[mode]
    except KeyError:
        raise InvalidArgumentError(
            f"unknown indexing mode {mode!r}; expected one of {', '.join(_INDEXERS)}"
        ) from None
    return cls(selection, shape, chunks)
