"""Field selection on structured dtypes (``z['foo']``, ``z['foo', 'bar', :10]``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zarr_core.errors import IndexSelectionError

__all__ = ["pop_fields", "check_fields"]

Fields = str | list[str] | None


def _is_field_list(x: Any) -> bool:
    return isinstance(x, list) and bool(x) and all(isinstance(f, str) for f in x)


def pop_fields(selection: Any) -> tuple[Fields, Any]:
    """Split field names out of a selection.

    A string, or a non-empty list of strings, is a field selection; inside a tuple such
    items are removed from the selection and collected (zarr 2 semantics).

    Parameters
    ----------
    selection : any
        The selection as given to ``__getitem__``.

    Returns
    -------
    fields : str, list of str or None
        A single name when exactly one string was given on its own, a list of names
        otherwise, None when there were none.
    selection : any
        The rest of the selection; ``()`` when only fields were given, and a tuple
        reduced to its single remaining item is unwrapped.
    """
    if isinstance(selection, str):
        return selection, ()
    if _is_field_list(selection):
        return list(selection), ()
    if not isinstance(selection, tuple):
        return None, selection
    names: list[str] = []
    rest = []
    single = True
    for item in selection:
        if isinstance(item, str):
            names.append(item)
        elif _is_field_list(item):
            names.extend(item)
            single = False
        else:
            rest.append(item)
    if not names:
        return None, selection
    fields: Fields = names[0] if single and len(names) == 1 else names
    return fields, rest[0] if len(rest) == 1 else tuple(rest)


def check_fields(fields: Fields, dtype: np.dtype) -> np.dtype:
    """Check a field selection against a dtype and return the dtype of the result.

    Parameters
    ----------
    fields : str, list of str or None
        As returned by `pop_fields`, or the ``fields=`` argument of a selection method.
    dtype : numpy.dtype
        The array's dtype.

    Returns
    -------
    numpy.dtype
        `dtype` itself for no fields, the field's dtype for one name, a packed
        structured dtype of the named fields (in the given order) for a list.

    Raises
    ------
    IndexSelectionError
        If `fields` is not a string or list of strings, `dtype` has no fields, a name is
        unknown, or a name is repeated.
    """
    if fields is None or (isinstance(fields, (list, tuple)) and not fields):
        return dtype
    if isinstance(fields, str):
        names = [fields]
    elif isinstance(fields, (list, tuple)) and all(isinstance(f, str) for f in fields):
        names = list(fields)
    else:
        raise IndexSelectionError(
            f"'fields' must be a string or a list of strings, got {type(fields).__name__}"
        )
    if dtype.names is None:
        raise IndexSelectionError(
            f"cannot select fields {fields!r}: the array's dtype {dtype} is not structured"
        )
    for name in names:
        if name not in dtype.names:
            raise IndexSelectionError(
                f"no field named {name!r}; the array's fields are {list(dtype.names)}"
            )
    if len(set(names)) != len(names):
        raise IndexSelectionError(f"field names must not repeat, got {names}")
    if isinstance(fields, str):
        return dtype[fields]
    return np.dtype([(name, dtype[name]) for name in names])
