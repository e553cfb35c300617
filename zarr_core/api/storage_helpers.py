"""The zarr-python 2.x ``zarr.storage`` functions that create nodes: ``init_array`` and
``init_group``.

They write metadata documents through the node layer (``init_array`` takes every
:func:`~zarr_core.create` argument), so they live in the API layer; ``zarr_core.storage``
offers them under their 2.x names.
"""

from __future__ import annotations

from typing import Any

from zarr_core import config
from zarr_core.errors import InvalidArgumentError
from zarr_core.node.creation import create
from zarr_core.node.documents import check_no_node, require_parent_groups, write_group_metadata
from zarr_core.storage.helpers import rmdir
from zarr_core.storage.keys import normalize_path
from zarr_core.storage.resolve import resolve

__all__ = ["init_array", "init_group"]


def _as_store(store: Any) -> Any:
    """``store`` as a zarr-core Store (a mapping is wrapped, not copied)."""
    return resolve(store).store


def init_array(
    store: Any,
    shape: int | tuple[int, ...],
    chunks: Any = True,
    dtype: Any = None,
    compressor: Any = "default",
    fill_value: Any = None,
    order: str = "C",
    overwrite: bool = False,
    path: str | None = None,
    chunk_store: Any = None,
    filters: Any = None,
    object_codec: Any = None,
    dimension_separator: str | None = None,
    zarr_format: int | None = None,
    **kwargs: Any,
) -> None:
    """Write the metadata of a new array (and of its missing parent groups).

    A low-level helper: :func:`zarr_core.create` does the same and returns the array.
    Unlike ``create``, the fill value defaults to ``None`` (no fill value in format 2,
    zero in format 3).

    Parameters
    ----------
    store
        A Store or mutable mapping.
    shape, chunks, dtype, compressor, fill_value, order, filters, object_codec
        As for :func:`zarr_core.create`.
    overwrite
        Delete whatever is at ``path`` (in ``store`` and ``chunk_store``) first;
        otherwise an existing array or group there is an error.
    path
        Where in the store.
    chunk_store
        A separate store for the chunks (cleared at ``path`` when overwriting).
    dimension_separator
        ``"."`` or ``"/"`` between chunk indices in chunk keys.
    zarr_format
        2 or 3; default from the ``default_zarr_format`` config setting.
    **kwargs
        Further :func:`zarr_core.create` arguments (``codecs``, ``dimension_names`` ...).

    Raises
    ------
    ContainsArrayError, ContainsGroupError
        If a node exists at ``path`` and ``overwrite`` is False.

    Examples
    --------
    >>> from zarr_core.storage import init_array
    >>> store = {}
    >>> init_array(store, shape=(100, 100), chunks=(10, 10), path="foo", zarr_format=2)
    >>> sorted(store)
    ['.zgroup', 'foo/.zarray']
    """
    create(
        shape,
        chunks=chunks,
        dtype=dtype,
        compressor=compressor,
        fill_value=fill_value,
        order=order,
        store=_as_store(store),
        overwrite=overwrite,
        path=path,
        chunk_store=None if chunk_store is None else _as_store(chunk_store),
        filters=filters,
        object_codec=object_codec,
        dimension_separator=dimension_separator,
        zarr_format=zarr_format,
        **kwargs,
    )


def init_group(
    store: Any,
    overwrite: bool = False,
    path: str | None = None,
    chunk_store: Any = None,
    zarr_format: int | None = None,
    attributes: dict | None = None,
) -> None:
    """Write the metadata of a new group (and of its missing parent groups).

    Parameters
    ----------
    store
        A Store or mutable mapping.
    overwrite
        Delete whatever is at ``path`` (in ``store`` and ``chunk_store``) first;
        otherwise an existing array or group there is an error.
    path
        Where in the store.
    chunk_store
        A separate chunk store, cleared at ``path`` when overwriting.
    zarr_format
        2 or 3; default from the ``default_zarr_format`` config setting.
    attributes
        Initial user attributes.

    Raises
    ------
    ContainsArrayError, ContainsGroupError
        If a node exists at ``path`` and ``overwrite`` is False.

    Examples
    --------
    >>> from zarr_core.storage import init_group
    >>> store = {}
    >>> init_group(store, path="a/b", zarr_format=3)
    >>> sorted(store)
    ['a/b/zarr.json', 'a/zarr.json', 'zarr.json']
    """
    target = _as_store(store)
    path = normalize_path(path)
    fmt = zarr_format or config.get("default_zarr_format")
    if fmt not in (2, 3):
        raise InvalidArgumentError(f"zarr_format must be 2 or 3, got {fmt!r}")
    if overwrite:
        rmdir(target, path)
        if chunk_store is not None:
            rmdir(chunk_store, path)
    else:
        check_no_node(target, path)
    require_parent_groups(target, path, fmt)
    write_group_metadata(target, path, fmt, attributes)
