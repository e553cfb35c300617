"""Functions over any store: test for nodes, list, delete, measure, move.

Each works on a :class:`~zarr_core.storage.Store` or on any ``MutableMapping`` of str to
bytes (a plain ``dict``, a zarr-python store ...). Where the store has a native method
of the same name (``listdir``, ``rmdir``, ``getsize``, ``rename``) it is used, so a
backend's fast implementation (one SQL statement, a directory rename) does the work;
otherwise a default built on the mapping interface does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, MutableMapping
from typing import Any

from zarr_core.errors import InvalidArgumentError, MetadataError
from zarr_core.storage.keys import join_path, normalize_path

__all__ = [
    "contains_array",
    "contains_group",
    "listdir",
    "rmdir",
    "getsize",
    "rename",
    "migrate_1to2",
]

_ZARR_JSON, _ZARRAY, _ZGROUP, _ZATTRS = "zarr.json", ".zarray", ".zgroup", ".zattrs"


def _prefix(path: str) -> str:
    return path + "/" if path else ""


def _keys_under(store: Mapping, path: str) -> list[str]:
    if hasattr(store, "list_prefix"):
        return list(store.list_prefix(_prefix(path)))
    prefix = _prefix(path)
    return sorted(k for k in list(store) if k.startswith(prefix))


# -- nodes --------------------------------------------------------------------------------


def _node_kinds(store: Any, path: str) -> dict[int, str]:
    """``{zarr_format: "array"|"group"}`` for the node documents found at ``path``."""
    keys = [join_path(path, name) for name in (_ZARR_JSON, _ZARRAY, _ZGROUP)]
    if hasattr(store, "getitems"):
        docs = store.getitems(keys)
    else:
        docs = {k: store[k] for k in keys if k in store}
    kinds = {}
    if keys[0] in docs:
        try:
            node_type = json.loads(docs[keys[0]]).get("node_type")
        except (ValueError, AttributeError):
            node_type = None
        if node_type in ("array", "group"):
            kinds[3] = node_type
    if keys[1] in docs:
        kinds[2] = "array"
    elif keys[2] in docs:
        kinds[2] = "group"
    return kinds


def contains_array(store: Any, path: str | None = None, zarr_format: int | None = None) -> bool:
    """Whether an array (of ``zarr_format``, or of either format) is stored at ``path``.

    Examples
    --------
    >>> from zarr_core.storage import contains_array, init_array
    >>> store = {}
    >>> init_array(store, shape=10, path="x", zarr_format=2)
    >>> contains_array(store, "x"), contains_array(store, "x", zarr_format=3), contains_array(store)
    (True, False, False)
    """
    kinds = _node_kinds(store, normalize_path(path))
    if zarr_format is not None:
        return kinds.get(zarr_format) == "array"
    return "array" in kinds.values()


def contains_group(
    store: Any,
    path: str | None = None,
    explicit_only: bool = True,
    zarr_format: int | None = None,
) -> bool:
    """Whether a group (of ``zarr_format``, or of either format) is stored at ``path``.

    With ``explicit_only=False`` a path that has no group document but has keys below it
    counts as a group too (an *implicit* group, which old drafts of Zarr v3 allowed).

    Examples
    --------
    >>> from zarr_core.storage import contains_group, init_array
    >>> store = {}
    >>> init_array(store, shape=10, path="a/x", zarr_format=2)
    >>> contains_group(store), contains_group(store, "a"), contains_group(store, "a/x")
    (True, True, False)
    """
    path = normalize_path(path)
    kinds = _node_kinds(store, path)
    if zarr_format is not None:
        found = kinds.get(zarr_format) == "group"
    else:
        found = "group" in kinds.values()
    if found or explicit_only or kinds:
        return found
    return bool(_keys_under(store, path))


# -- listing, deleting, measuring, moving -------------------------------------------------


def listdir(store: Any, path: str | None = None) -> list[str]:
    """Sorted names of the keys and sub-directories directly under ``path``.

    Examples
    --------
    >>> from zarr_core.storage import listdir
    >>> listdir({"a/b": b"1", "a/c/d": b"2", "e": b"3"}, "a")
    ['b', 'c']
    """
    path = normalize_path(path)
    if hasattr(store, "listdir"):
        return list(store.listdir(path))
    prefix = _prefix(path)
    return sorted({k[len(prefix) :].split("/", 1)[0] for k in _keys_under(store, path)})


def rmdir(store: Any, path: str | None = None) -> None:
    """Delete every key under ``path`` (everything when ``path`` is empty).

    Examples
    --------
    >>> from zarr_core.storage import rmdir
    >>> store = {"a/b": b"1", "a/c/d": b"2", "ab": b"3"}
    >>> rmdir(store, "a")
    >>> store
    {'ab': b'3'}
    """
    path = normalize_path(path)
    if hasattr(store, "rmdir"):
        store.rmdir(path)
        return
    for key in _keys_under(store, path):
        del store[key]


def getsize(store: Any, path: str | None = None) -> int:
    """Bytes stored at the key ``path``, or under ``path`` recursively; -1 if unknown.

    Examples
    --------
    >>> from zarr_core.storage import getsize
    >>> store = {"a/b": b"12", "a/c/d": b"345", "e": b"6"}
    >>> getsize(store, "a"), getsize(store, "a/b"), getsize(store), getsize(object())
    (5, 2, 6, -1)
    """
    path = normalize_path(path)
    if hasattr(store, "getsize"):
        return store.getsize(path)
    if not isinstance(store, Mapping):
        return -1
    if path and path in store:
        return _nbytes(store[path])
    total = 0
    for key in _keys_under(store, path):
        size = _nbytes(store[key])
        if size < 0:
            return -1
        total += size
    return total


def _nbytes(value: Any) -> int:
    try:
        return memoryview(value).nbytes
    except TypeError:
        return -1


def rename(store: Any, src_path: str, dst_path: str) -> None:
    """Move the key ``src_path``, or every key under it, to ``dst_path``.

    Examples
    --------
    >>> from zarr_core.storage import rename
    >>> store = {"a/b": b"1", "a/c/d": b"2"}
    >>> rename(store, "a", "x/y")
    >>> sorted(store)
    ['x/y/b', 'x/y/c/d']
    """
    src, dst = normalize_path(src_path), normalize_path(dst_path)
    if hasattr(store, "rename"):
        store.rename(src, dst)
        return
    if not src or not dst or dst == src or dst.startswith(src + "/"):
        raise InvalidArgumentError(f"cannot rename {src_path!r} to {dst_path!r}")
    moves = {k: dst + k[len(src) :] for k in _keys_under(store, src)}
    if src in store:
        moves[src] = dst
    if not moves:
        raise KeyError(src_path)
    for old, new in moves.items():
        store[new] = store[old]
    for old in moves:
        del store[old]


# -- Zarr v1 ------------------------------------------------------------------------------


def _v1_fill_value(value: Any) -> Any:
    # v1 wrote non-finite fills as bare JSON tokens; v2 spells them as strings.
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _v1_compressor(name: Any, options: Any) -> dict | None:
    from numcodecs.registry import codec_registry

    if name is None or name == "none":
        return None
    try:
        cls = codec_registry[name]
    except KeyError:
        raise MetadataError(f"unknown v1 compression {name!r}", key="meta") from None
    if isinstance(options, dict):
        codec = cls(**options)
    elif isinstance(options, list | tuple):
        codec = cls(*options)
    elif options is None:
        codec = cls()
    else:
        codec = cls(options)
    return codec.get_config()


def migrate_1to2(store: MutableMapping) -> None:
    """Rewrite a Zarr format 1 array (keys ``meta`` and ``attrs``) as a format 2 array.

    Format 1 had no hierarchies, so the store holds one array at its root. Its chunks
    already have format 2 keys and stay where they are; ``meta`` becomes ``.zarray``
    (``compression``/``compression_opts`` turned into a numcodecs ``compressor``) and
    ``attrs`` becomes ``.zattrs``.

    Raises
    ------
    MetadataError
        If there is no ``meta`` document (saying what is there instead, such as format 3
        metadata), or it is not a format 1 document.

    Examples
    --------
    >>> import json
    >>> from zarr_core.storage import migrate_1to2
    >>> store = {"meta": json.dumps({"zarr_format": 1, "shape": [4], "chunks": [2],
    ...     "dtype": "<i4", "compression": "zlib", "compression_opts": 1,
    ...     "fill_value": 0, "order": "C"}).encode(), "attrs": b'{"a": 1}', "0": b"..."}
    >>> migrate_1to2(store)
    >>> sorted(store)
    ['.zarray', '.zattrs', '0']
    >>> json.loads(store[".zarray"])["compressor"]
    {'id': 'zlib', 'level': 1}
    """
    from zarr_core.metadata import ArrayMetadataV2

    if "meta" not in store:
        found = [k for k in ("zarr.json", _ZARRAY, ".zgroup") if k in store]
        what = {
            "zarr.json": "Zarr format 3 metadata (zarr.json)",
            _ZARRAY: "a Zarr format 2 array (.zarray): there is nothing to migrate",
            ".zgroup": "a Zarr format 2 group (.zgroup): there is nothing to migrate",
        }
        detail = f"; the store holds {what[found[0]]}" if found else ""
        raise MetadataError(f"no Zarr format 1 array (key 'meta') in {store!r}{detail}", key="meta")
    try:
        meta = json.loads(store["meta"])
    except ValueError as exc:
        raise MetadataError(f"not valid JSON: {exc}", key="meta") from None
    if not isinstance(meta, dict) or meta.get("zarr_format") != 1:
        raise MetadataError("expected a Zarr format 1 document", key="meta", field="zarr_format")
    try:
        doc = {
            "zarr_format": 2,
            "shape": meta["shape"],
            "chunks": meta["chunks"],
            "dtype": meta["dtype"],
            "compressor": _v1_compressor(meta["compression"], meta.get("compression_opts")),
            "fill_value": _v1_fill_value(meta.get("fill_value")),
            "order": meta.get("order", "C"),
            "filters": None,
        }
    except KeyError as exc:
        raise MetadataError(f"missing member {exc}", key="meta") from None
    zarray = ArrayMetadataV2.from_json(doc, key="meta").to_json()
    attrs = store.get("attrs")
    # New documents first: an interruption leaves both versions, never neither.
    store[_ZARRAY] = zarray
    if attrs is not None:
        store[_ZATTRS] = attrs
        del store["attrs"]
    del store["meta"]
