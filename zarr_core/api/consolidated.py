"""Consolidated metadata: every metadata document of a hierarchy in one stored value.

Opening a hierarchy normally reads one document per node, which on object stores means
one round trip per node. After :func:`consolidate_metadata`, :func:`open_consolidated`
reads a single value and serves every array, group and attribute document from memory;
chunks are still read from (and written to) the store.

The layouts are those zarr-python writes, so each library opens the other's:

* Format 2: a ``.zmetadata`` key next to the group's ``.zgroup``, holding
  ``{"metadata": {<key>: <document>, ...}, "zarr_consolidated_format": 1}`` where the
  keys are the ``.zgroup``/``.zarray``/``.zattrs`` keys relative to the group, written
  sorted with an indent of 4 (as zarr-python 2.18 does).
* Format 3: a ``consolidated_metadata`` member in the group's own ``zarr.json``,
  ``{"kind": "inline", "must_understand": false, "metadata": {<path>: <zarr.json>}}``
  with every descendant by its path relative to the group, sorted by depth then name,
  child groups carrying an empty ``consolidated_metadata`` (as zarr-python 3 does).

The snapshot is not kept up to date: after changing the hierarchy, consolidate again.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from typing import Any

from zarr_core.errors import GroupNotFoundError, InvalidArgumentError
from zarr_core.metadata import GroupMetadataV3
from zarr_core.metadata._json import dump_document, load_document
from zarr_core.storage.base import Store
from zarr_core.storage.consolidated import (
    _DOCUMENT_NAMES,
    _V2_NAMES,
    _ZARR_JSON,
    _ZARRAY,
    _ZGROUP,
    ZMETADATA,
    ConsolidatedMetadataReadOnlyError,
    ConsolidatedMetadataStore,
)
from zarr_core.storage.keys import join_path, normalize_path

__all__ = [
    "ConsolidatedMetadataStore",
    "ConsolidatedMetadataReadOnlyError",
    "consolidate_metadata",
    "open_consolidated",
]


def _empty_inline() -> dict:
    return {"kind": "inline", "must_understand": False, "metadata": {}}


def _node_format(store: Store, path: str) -> int:
    from zarr_core.node.documents import node_kind

    kind, fmt = node_kind(store, path)
    if kind != "group":
        raise GroupNotFoundError(path)
    return fmt  # type: ignore[return-value]


def _collect(store: Store, path: str, zarr_format: int) -> dict[str, bytes]:
    """Every metadata document of the hierarchy at ``path``, by key relative to it.

    Breadth first: one listing per group and one batched read per level of the tree;
    arrays are never listed, so chunks are never enumerated.
    """
    names = _V2_NAMES if zarr_format == 2 else (_ZARR_JSON,)
    found: dict[str, bytes] = {}
    start = len(path) + 1 if path else 0
    root_keys = [join_path(path, n) for n in names]
    found.update((k[start:], v) for k, v in store.getitems(root_keys).items())
    groups = [path]
    while groups:
        children = [join_path(g, name) for g in groups for name in store.listdir(g)]
        children = [c for c in children if c.rsplit("/", 1)[-1] not in _DOCUMENT_NAMES]
        docs = store.getitems([join_path(c, n) for c in children for n in names])
        groups = []
        for child in children:
            child_docs = {
                n: docs[join_path(child, n)] for n in names if join_path(child, n) in docs
            }
            if zarr_format == 2:
                if _ZARRAY not in child_docs and _ZGROUP not in child_docs:
                    continue  # not a node (attributes alone do not make one)
                if _ZGROUP in child_docs:
                    groups.append(child)
            else:
                if _ZARR_JSON not in child_docs:
                    continue
                doc = load_document(child_docs[_ZARR_JSON], join_path(child, _ZARR_JSON))
                if doc.get("node_type") == "group":
                    groups.append(child)
            for name, value in child_docs.items():
                found[join_path(child, name)[start:]] = value
    return found


def _v2_document(found: dict[str, bytes]) -> bytes:
    metadata = {key: load_document(value, key) for key, value in found.items()}
    return dump_document(
        {"metadata": metadata, "zarr_consolidated_format": 1}, indent=4, sort_keys=True
    )


def _member_order(path: str) -> tuple[int, str]:
    return path.count("/"), unicodedata.normalize("NFKC", path).casefold()


def _v3_document(root: bytes, found: dict[str, bytes], key: str) -> bytes:
    members: dict[str, Any] = {}
    for doc_key, value in found.items():
        node_path = doc_key[: -len(_ZARR_JSON)].rstrip("/")
        if not node_path:
            continue  # the consolidating group itself
        doc = load_document(value, doc_key)
        if doc.get("node_type") == "group":
            group = GroupMetadataV3.from_json(doc, doc_key)
            doc = json.loads(replace(group, consolidated_metadata=_empty_inline()).to_json())
        members[node_path] = doc
    ordered = {p: members[p] for p in sorted(members, key=_member_order)}
    meta = GroupMetadataV3.from_json(root, key)
    consolidated = {"kind": "inline", "must_understand": False, "metadata": ordered}
    return replace(meta, consolidated_metadata=consolidated).to_json()


def consolidate_metadata(
    store: Any,
    metadata_key: str = ZMETADATA,
    *,
    path: str | None = "",
    zarr_format: int | None = None,
    storage_options: dict | None = None,
) -> Any:
    """Gather the metadata of every node under a group into one stored value.

    Parameters
    ----------
    store
        Anything ``store=`` accepts (a Store, mapping, path or URL).
    metadata_key
        Format 2: the key, relative to the group, of the consolidated document.
        Format 3 keeps it in the group's ``zarr.json`` and ignores this.
    path
        The group to consolidate (the root by default). zarr-python 2.18 always
        consolidates the whole store; here, as in zarr-python 3, the keys are relative
        to this group and the document is stored in it.
    zarr_format
        Consolidate this format's hierarchy; by default the format of the group found.
    storage_options
        For fsspec URLs.

    Returns
    -------
    Group
        The group, opened from the new consolidated metadata (mode ``r+``).

    Raises
    ------
    GroupNotFoundError
        If no group exists at ``path``.

    Examples
    --------
    >>> import json, zarr_core
    >>> store = zarr_core.MemoryStore()
    >>> root = zarr_core.group(store, zarr_format=2)
    >>> _ = root.zeros("a/b", shape=(4,), chunks=(2,))
    >>> _ = zarr_core.consolidate_metadata(store)
    >>> sorted(json.loads(store[".zmetadata"])["metadata"])
    ['.zgroup', 'a/.zgroup', 'a/b/.zarray']
    """
    from zarr_core.storage.resolve import resolve

    resolved = resolve(store, mode="a", storage_options=storage_options)
    target, group_path = resolved.store, join_path(resolved.path, normalize_path(path))
    fmt = zarr_format or resolved.zarr_format or _node_format(target, group_path)
    found = _collect(target, group_path, fmt)
    if fmt == 2:
        if _ZGROUP not in found:
            raise GroupNotFoundError(group_path)
        target[join_path(group_path, metadata_key)] = _v2_document(found)
    else:
        key = join_path(group_path, _ZARR_JSON)
        if _ZARR_JSON not in found:
            raise GroupNotFoundError(group_path)
        target[key] = _v3_document(found[_ZARR_JSON], found, key)
    return open_consolidated(target, metadata_key, path=group_path, zarr_format=fmt)


# -- reading ------------------------------------------------------------------------------


def open_consolidated(
    store: Any,
    metadata_key: str = ZMETADATA,
    mode: str = "r+",
    *,
    path: str | None = None,
    zarr_format: int | None = None,
    chunk_store: Any = None,
    storage_options: dict | None = None,
    **kwargs: Any,
) -> Any:
    """Open a hierarchy from its consolidated metadata: one store read for all metadata.

    Parameters
    ----------
    store
        Anything ``store=`` accepts.
    metadata_key
        Format 2: the key of the consolidated document (``.zmetadata``).
    mode
        ``"r"`` (read only) or ``"r+"``: chunks may be written, metadata never (no new
        nodes, no resizing, no attribute changes).
    path
        The consolidated group, or a node below it to open.
    zarr_format
        Expect this format's consolidated metadata (default: whichever is there).
    chunk_store
        A separate store for chunks.
    storage_options
        For fsspec URLs.
    **kwargs
        Passed to :func:`zarr_core.open_group` or :func:`zarr_core.open_array`
        (``cache_attrs``, ``synchronizer``, ...).

    Returns
    -------
    Group or Array
        Whatever is at ``path``, backed by a :class:`ConsolidatedMetadataStore`.

    Raises
    ------
    MetadataError
        If there is no consolidated metadata.
    """
    from zarr_core.api.hierarchy import open as open_node
    from zarr_core.storage.resolve import resolve

    if mode not in ("r", "r+"):
        raise InvalidArgumentError(f"invalid mode {mode!r}; open_consolidated takes 'r' or 'r+'")
    resolved = resolve(store, mode=mode, storage_options=storage_options)
    full_path = join_path(resolved.path, normalize_path(path))
    meta_store = ConsolidatedMetadataStore(
        resolved.store,
        metadata_key,
        path=full_path,
        zarr_format=zarr_format or resolved.zarr_format,
        read_only=mode == "r",
    )
    if chunk_store is not None:
        kwargs["chunk_store"] = chunk_store
    return open_node(
        meta_store, mode=mode, path=full_path, zarr_format=meta_store.zarr_format, **kwargs
    )
