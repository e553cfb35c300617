"""Checks shared by the v2 and v3 document parsers; every error names the key and field."""

from __future__ import annotations

from typing import Any

from zarr_core.errors import MetadataError, UnknownExtensionError


def int_tuple(value: Any, *, minimum: int, field: str, key: str | None) -> tuple[int, ...]:
    """``value`` as a tuple of ints >= ``minimum`` (JSON bools and floats are rejected)."""
    if isinstance(value, (list, tuple)):
        # The type test excludes bool (and NumPy ints, which callers convert themselves).
        if all(type(n) is int and n >= minimum for n in value):
            return tuple(value)
        if all(hasattr(n, "__index__") and not isinstance(n, bool) for n in value):
            ints = tuple(n.__index__() for n in value)
            if all(n >= minimum for n in ints):
                return ints
    raise MetadataError(
        f"expected a list of integers >= {minimum}, got {value!r}", key=key, field=field
    )


#: NumPy's limit on the number of dimensions of an array (``numpy.MAXDIMS`` in NumPy 2).
MAX_DIMS = 64


def check_ndim(shape: tuple, field: str, key: str | None) -> None:
    """Refuse more dimensions than a NumPy array can have."""
    if len(shape) > MAX_DIMS:
        raise MetadataError(
            f"{len(shape)} dimensions, more than the {MAX_DIMS} a NumPy array can have",
            key=key,
            field=field,
        )


def check_same_length(shape: tuple, other: tuple, field: str, key: str | None) -> None:
    if len(shape) != len(other):
        raise MetadataError(
            f"has {len(other)} entries but the array has {len(shape)} dimensions",
            key=key,
            field=field,
        )


def require(doc: dict, names: tuple[str, ...], key: str | None) -> None:
    for name in names:
        if name not in doc:
            raise MetadataError("required member is missing", key=key, field=name)


def check_format(doc: dict, zarr_format: int, key: str | None) -> None:
    value = doc.get("zarr_format")
    if type(value) is not int or value != zarr_format:
        raise MetadataError(f"expected {zarr_format}, got {value!r}", key=key, field="zarr_format")


def check_dict(value: Any, field: str, key: str | None) -> dict:
    if not isinstance(value, dict):
        raise MetadataError(f"expected a JSON object, got {value!r}", key=key, field=field)
    return value


def extension_members(doc: dict, known: frozenset[str], key: str | None) -> dict[str, dict]:
    """The unknown top-level members of a v3 document, which must all be optional.

    Raises
    ------
    UnknownExtensionError
        For a member that is not an object with ``"must_understand": false``.
    """
    extra = {}
    for name, value in doc.items():
        if name in known:
            continue
        if not (isinstance(value, dict) and value.get("must_understand") is False):
            raise UnknownExtensionError("member", name, key=key)
        extra[name] = value
    return extra
