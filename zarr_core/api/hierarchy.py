"""Opening and creating groups, and ``open`` for whatever node is there."""

from __future__ import annotations

from typing import Any

from zarr_core.errors import ArgumentTypeError, InvalidArgumentError
from zarr_core.node.array import Array
from zarr_core.node.creation import _prepare_target, open_array
from zarr_core.node.documents import (
    clear_or_check,
    load_node,
    node_documents,
    node_kind,
    not_found_error,
    require_parent_groups,
    write_group_metadata,
    wrong_kind_error,
)
from zarr_core.node.group import Group
from zarr_core.node.keywords import check_meta_array
from zarr_core.storage.resolve import resolve

__all__ = ["group", "open_group", "open"]


def _new_group(
    store, path, fmt, overwrite, chunk_store, attributes=None, existing_ok=False
) -> None:
    """Create a group at ``path`` atomically (``existing_ok``: a group another creator makes
    at the same moment is success, as for mode ``a``)."""
    if overwrite or not existing_ok:
        clear_or_check(store, chunk_store, path, overwrite)
    require_parent_groups(store, path, fmt, overwrite=overwrite, chunk_store=chunk_store)
    write_group_metadata(
        store, path, fmt, attributes, exclusive=not overwrite, existing_ok=existing_ok
    )


def group(
    store: Any = None,
    overwrite: bool = False,
    chunk_store: Any = None,
    cache_attrs: bool = True,
    synchronizer: Any = None,
    path: str | None = None,
    zarr_format: int | None = None,
    zarr_version: int | None = None,
    storage_options: dict | None = None,
    attributes: dict | None = None,
    meta_array: Any = None,
) -> Group:
    """Open the group at ``path``, creating it (and missing parents) if needed.

    With ``overwrite=True`` anything at ``path`` is deleted first. ``meta_array`` is
    accepted as in zarr-python 2 (NumPy only, see :mod:`zarr_core.node.keywords`).
    """
    check_meta_array(meta_array)
    target, full_path, fmt, pinned = _prepare_target(
        store, path, "a", storage_options, zarr_format, zarr_version
    )
    chunk_store_obj = resolve(chunk_store).store if chunk_store is not None else None
    kind, found = node_kind(target, full_path)
    explicit = zarr_format or zarr_version or pinned
    if overwrite or kind is None or (explicit is not None and found != explicit):
        # a node of the other format is an error unless overwriting, never deleted
        _new_group(
            target,
            full_path,
            fmt,
            overwrite,
            chunk_store_obj,
            attributes,
            existing_ok=kind is None,  # a group made meanwhile by someone else is fine
        )
    elif kind == "array":
        raise wrong_kind_error("array", full_path, target)
    return Group(
        target,
        full_path,
        chunk_store=chunk_store_obj,
        cache_attrs=cache_attrs,
        synchronizer=synchronizer,
        zarr_format=None if overwrite or kind is None else found,
    )


def open_group(
    store: Any = None,
    mode: str = "a",
    cache_attrs: bool = True,
    synchronizer: Any = None,
    path: str | None = None,
    chunk_store: Any = None,
    storage_options: dict | None = None,
    zarr_format: int | None = None,
    zarr_version: int | None = None,
    attributes: dict | None = None,
    meta_array: Any = None,
    *,
    _documents: dict[str, bytes] | None = None,
) -> Group:
    """Open a group with a file-like mode (``r``, ``r+``, ``a``, ``w``, ``w-``).

    ``meta_array`` is accepted as in zarr-python 2 (NumPy only, see
    :mod:`zarr_core.node.keywords`). ``_documents`` is internal: the node's documents
    when the caller has read them.
    """
    check_meta_array(meta_array)
    if mode not in ("r", "r+", "a", "w", "w-", "x"):
        raise InvalidArgumentError(
            f"invalid mode {mode!r}; expected one of 'r', 'r+', 'a', 'w', 'w-'"
        )
    target, full_path, fmt, pinned = _prepare_target(
        store, path, mode, storage_options, zarr_format, zarr_version
    )
    chunk_store_obj = resolve(chunk_store).store if chunk_store is not None else None
    explicit = zarr_format or zarr_version or pinned
    if mode in ("r", "r+", "a"):
        docs = node_documents(target, full_path) if _documents is None else _documents
        kind, found = node_kind(target, full_path, docs)
        if kind == "array" and (explicit is None or found == explicit):
            raise wrong_kind_error("array", full_path, target)
        if kind == "group" and (explicit is None or found == explicit):
            return Group(
                target,
                full_path,
                read_only=mode == "r",
                chunk_store=chunk_store_obj,
                cache_attrs=cache_attrs,
                synchronizer=synchronizer,
                _node=load_node(target, full_path, found, expect="group", docs=docs),
            )
        if mode in ("r", "r+"):
            raise not_found_error("group", full_path, target, explicit)
    # Mode "a" found nothing: a group another creator makes meanwhile is what was asked for.
    _new_group(
        target,
        full_path,
        fmt,
        mode == "w",
        chunk_store_obj,
        attributes,
        existing_ok=mode == "a" and kind is None,
    )
    return Group(
        target,
        full_path,
        chunk_store=chunk_store_obj,
        cache_attrs=cache_attrs,
        synchronizer=synchronizer,
        zarr_format=fmt,
    )


def open(
    store: Any = None, mode: str = "a", path: str | None = None, **kwargs: Any
) -> Array | Group:  # noqa: A001
    """Open the array or group at ``path`` (creating per ``mode``).

    With nothing there, mode ``a``/``w``/``w-`` creates an array when ``shape`` is given
    and a group otherwise.
    """
    storage_options = kwargs.pop("storage_options", None)
    resolved = resolve(store, mode=mode, storage_options=storage_options)
    from zarr_core.storage.keys import join_path, normalize_path

    full_path = join_path(resolved.path, normalize_path(path))
    if resolved.zarr_format is not None:
        kwargs.setdefault("zarr_format", resolved.zarr_format)
    if mode in ("r", "r+", "a"):
        docs = node_documents(resolved.store, full_path)
        kind, _ = node_kind(resolved.store, full_path, docs)
        if kind == "array":
            return open_array(resolved.store, mode=mode, path=full_path, _documents=docs, **kwargs)
        if kind == "group":
            return open_group(
                resolved.store, mode=mode, path=full_path, _documents=docs, **_group_kwargs(kwargs)
            )
        if mode in ("r", "r+"):
            raise not_found_error(None, full_path, resolved.store)
    if "shape" in kwargs:
        return open_array(resolved.store, mode=mode, path=full_path, **kwargs)
    return open_group(resolved.store, mode=mode, path=full_path, **_group_kwargs(kwargs))


_GROUP_ARGS = {
    "cache_attrs",
    "synchronizer",
    "chunk_store",
    "zarr_format",
    "zarr_version",
    "attributes",
    "meta_array",
}


def _group_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    unknown = set(kwargs) - _GROUP_ARGS
    if unknown:
        raise ArgumentTypeError(
            f"arguments {sorted(unknown)} apply to arrays, but a group is being opened"
        )
    return kwargs
