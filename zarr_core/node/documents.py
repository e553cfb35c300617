"""Reading and writing node documents (arrays and groups) in either Zarr format.

One ``getitems`` call fetches every document a node might have (``zarr.json``,
``.zarray``, ``.zgroup``, ``.zattrs``), so opening a node costs one store round trip
whatever its format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from zarr_core.errors import (
    ArrayNotFoundError,
    ContainsArrayError,
    ContainsGroupError,
    GroupNotFoundError,
    MetadataError,
    PathNotFoundError,
)
from zarr_core.metadata import (
    ArrayMetadataV2,
    GroupMetadataV2,
    GroupMetadataV3,
    default_fill_value,
    encode_attributes,
    parse_node_v3,
)
from zarr_core.metadata._json import load_document
from zarr_core.storage.base import Store
from zarr_core.storage.keys import join_path

__all__ = [
    "NodeMetadata",
    "node_documents",
    "load_node",
    "node_kind",
    "write_array_metadata",
    "write_group_metadata",
    "require_parent_groups",
    "check_no_node",
    "clear_or_check",
    "not_found_error",
    "wrong_kind_error",
]

ZARR_JSON = "zarr.json"
ZARRAY = ".zarray"
ZGROUP = ".zgroup"
ZATTRS = ".zattrs"
_ALL = (ZARR_JSON, ZARRAY, ZGROUP, ZATTRS)


@dataclass
class NodeMetadata:
    """A parsed node document plus what the array engine derives from it once."""

    kind: Literal["array", "group"]
    meta: Any

    @property
    def zarr_format(self) -> int:
        return self.meta.zarr_format

    # -- array-only helpers ---------------------------------------------------------------
    def pipeline(self, allow_pickle: bool | None = None) -> Any:
        from zarr_core.codecs import ChunkSpec, CodecPipeline

        meta = self.meta
        spec = ChunkSpec(tuple(meta.chunks), meta.dtype, self.fill_for_memory, self.object_kind)
        allow = bool(allow_pickle)
        key = meta.source_key or ""
        if meta.zarr_format == 2:
            return CodecPipeline.from_v2(
                meta.compressor,
                meta.filters,
                spec,
                order=meta.order,
                allow_pickle=allow,
                key_hint=key,
            )
        return CodecPipeline.from_v3(meta.codecs, spec, key, allow_pickle=allow)

    @property
    def object_kind(self) -> str | None:
        return getattr(self.meta, "object_kind", None)

    @property
    def fill_for_memory(self) -> Any:
        """The fill value to put in memory.

        A v2 ``null`` reads as zero (``""``/``b""`` for strings and bytes), as other
        readers do, and as ``None`` in other object arrays, as in zarr-python 2.
        """
        fill = self.meta.fill_value
        if fill is not None:
            return fill
        return default_fill_value(self.meta.dtype, self.object_kind)

    @property
    def order(self) -> str:
        if self.meta.zarr_format == 2:
            return self.meta.order
        for codec in self.meta.codecs:
            if codec["name"] == "transpose":
                perm = list(codec.get("configuration", {}).get("order", []))
                return "F" if perm == list(range(len(perm)))[::-1] and len(perm) > 1 else "C"
        return "C"

    @property
    def compressor(self) -> Any:
        """v2: the numcodecs compressor object; v3: the first bytes-to-bytes codec's JSON."""
        if self.meta.zarr_format == 2:
            if self.meta.compressor is None:
                return None
            import numcodecs

            return numcodecs.get_codec(dict(self.meta.compressor))
        from zarr_core.codecs import BytesBytesCodec

        return next(iter(self._v3_codecs(BytesBytesCodec)), None)

    @property
    def filters(self) -> Any:
        if self.meta.zarr_format == 2:
            if not self.meta.filters:
                return None
            import numcodecs

            return [numcodecs.get_codec(dict(f)) for f in self.meta.filters]
        from zarr_core.codecs import ArrayArrayCodec

        return self._v3_codecs(ArrayArrayCodec) or None

    def _v3_codecs(self, kind: type) -> list[dict]:
        """The v3 codec documents whose class is a ``kind`` codec."""
        from zarr_core.codecs import get_codec_class

        return [c for c in self.meta.codecs if issubclass(get_codec_class(c["name"]), kind)]

    def chunk_key(self, coords: tuple[int, ...]) -> str:
        return self.meta.chunk_key_encoding.encode(coords)

    def chunk_keys(self, coords: list[tuple[int, ...]], prefix: str = "") -> list[str]:
        """The keys of many chunks, each after ``prefix``."""
        return self.meta.chunk_key_encoding.encode_many(coords, prefix)

    def with_shape(self, shape: tuple[int, ...]) -> NodeMetadata:
        return NodeMetadata(self.kind, replace(self.meta, shape=tuple(shape)))

    def metadata_keys(self, path: str) -> list[str]:
        names = (ZARRAY, ZATTRS) if self.zarr_format == 2 else (ZARR_JSON,)
        return [join_path(path, n) for n in names]


def node_documents(store: Store, path: str) -> dict[str, bytes]:
    """Every document of the node at ``path`` (by name: ``zarr.json``, ``.zarray``, ...),
    from one batched read; pass it on to :func:`node_kind` and :func:`load_node` so that
    opening a node costs that one round trip."""
    docs = store.getitems([join_path(path, n) for n in _ALL])
    prefix = len(path) + 1 if path else 0
    return {k[prefix:]: v for k, v in docs.items()}


def node_kind(
    store: Store, path: str, docs: dict[str, bytes] | None = None
) -> tuple[str | None, int | None]:
    """``("array"|"group"|None, format)`` of the node at ``path``, from one batched read
    (none with ``docs``, its :func:`node_documents`)."""
    return _kind(node_documents(store, path) if docs is None else docs, path)


def _kind(docs: dict[str, bytes], path: str) -> tuple[str | None, int | None]:
    if ZARR_JSON in docs:
        node_type = load_document(docs[ZARR_JSON], join_path(path, ZARR_JSON)).get("node_type")
        if node_type in ("array", "group"):
            return node_type, 3
        raise MetadataError(
            f"node_type must be 'array' or 'group', got {node_type!r}",
            key=join_path(path, ZARR_JSON),
            field="node_type",
        )
    if ZARRAY in docs:
        return "array", 2
    if ZGROUP in docs:
        return "group", 2
    return None, None


def _other_format_hint(docs: dict[str, bytes], path: str, zarr_format: int) -> str | None:
    """What to do when only a node of the format not asked for is at ``path``."""
    other = {k: v for k, v in docs.items() if (k == ZARR_JSON) == (zarr_format == 2)}
    kind, fmt = _kind(other, path)
    if kind is None:
        return None
    return (
        f"a Zarr format {fmt} {kind} is there; open it without zarr_format={zarr_format} "
        f"(or with zarr_format={fmt})"
    )


def wrong_kind_error(
    found: str, path: str, store: Store
) -> ContainsArrayError | ContainsGroupError:
    """The error for opening a ``found`` node as the other kind."""
    if found == "group":
        return ContainsGroupError(
            path,
            store,
            prefix="a group, not an array, is",
            hint="open it with open_group() or zarr_core.open()",
        )
    return ContainsArrayError(
        path,
        store,
        prefix="an array, not a group, is",
        hint="open it with open_array() or zarr_core.open()",
    )


def not_found_error(
    expect: str | None,
    path: str,
    store: Store,
    zarr_format: int | None = None,
    docs: dict[str, bytes] | None = None,
) -> ArrayNotFoundError | GroupNotFoundError | PathNotFoundError:
    """The error for nothing of ``expect`` kind at ``path``; with ``zarr_format`` it names
    a node of the other format if one is there (``docs``: what was already fetched)."""
    hint = None
    if zarr_format:
        hint = _other_format_hint(
            node_documents(store, path) if docs is None else docs, path, zarr_format
        )
    error = {"array": ArrayNotFoundError, "group": GroupNotFoundError}.get(
        expect or "", PathNotFoundError
    )
    return error(path, store, hint=hint)


def load_node(
    store: Store,
    path: str,
    zarr_format: int | None = None,
    expect: Literal["array", "group"] | None = None,
    docs: dict[str, bytes] | None = None,
) -> NodeMetadata:
    """Read and parse the node at ``path`` (detecting its format unless given); ``docs``:
    its :func:`node_documents`, when already read."""
    if docs is None:
        docs = node_documents(store, path)
    if zarr_format == 2:
        found = {k: v for k, v in docs.items() if k != ZARR_JSON}
    elif zarr_format == 3:
        found = {k: v for k, v in docs.items() if k == ZARR_JSON}
    else:
        found = docs
    kind, fmt = _kind(found, path)
    if kind is None:
        raise not_found_error(expect, path, store, zarr_format, docs)
    if expect is not None and kind != expect:
        raise wrong_kind_error(kind, path, store)
    if fmt == 3:
        meta = parse_node_v3(found[ZARR_JSON], key=join_path(path, ZARR_JSON))
    elif kind == "array":
        meta = ArrayMetadataV2.from_json(found[ZARRAY], key=join_path(path, ZARRAY))
    else:
        meta = GroupMetadataV2.from_json(found[ZGROUP], key=join_path(path, ZGROUP))
    return NodeMetadata(kind, meta)


def _current_attributes(store: Store, path: str) -> dict:
    try:
        key = join_path(path, ZARR_JSON)
        return load_document(store[key], key).get("attributes", {})
    except KeyError:
        return {}


def _put_documents(
    store: Store, key: str, document: bytes, extra: dict[str, bytes], exclusive: bool
) -> bool:
    """Write a node's document ``key`` and ``extra`` ones (v2 attributes).

    Without ``exclusive``: in one batch. With it, the node's document only if none is there
    (atomic create), then the others. Returns whether the node's document was written.
    """
    if not exclusive:
        store.setitems({key: document, **extra})
        return True
    if not store.set_if_not_exists(key, document):
        return False
    if extra:
        store.setitems(extra)
    return True


def _v2_attributes(path: str, attributes: dict | None) -> dict[str, bytes]:
    if not attributes:
        return {}
    zattrs = join_path(path, ZATTRS)
    return {zattrs: encode_attributes(attributes, key=zattrs)}


def _lost_race(store: Store, path: str, wanted: str | None) -> None:
    """Another creator wrote a node at ``path`` first: fine if it is a ``wanted`` one
    (``None``: nothing is fine), else the error for what is there."""
    kind, _ = node_kind(store, path)
    if wanted is not None and kind == wanted:
        return
    raise ContainsArrayError(path, store) if kind == "array" else ContainsGroupError(path, store)


def write_array_metadata(
    store: Store,
    path: str,
    node: NodeMetadata,
    attributes: dict | None = None,
    *,
    exclusive: bool = False,
) -> None:
    """Write an array document with ``attributes`` (v2: a ``.zattrs`` after it).

    Without ``attributes`` (a resize), a v3 document keeps the attributes stored in it.
    With ``exclusive`` the document is created atomically (``Store.set_if_not_exists``): of
    several racing creators exactly one succeeds, the others get ContainsArrayError or
    ContainsGroupError.
    """
    meta = node.meta
    if meta.zarr_format == 2:
        key, extra = join_path(path, ZARRAY), _v2_attributes(path, attributes)
    else:
        if attributes is None:
            attributes = _current_attributes(store, path)
        meta = replace(meta, attributes=attributes)
        key, extra = join_path(path, ZARR_JSON), {}
    if not _put_documents(store, key, meta.to_json(), extra, exclusive):
        _lost_race(store, path, None)


def write_group_metadata(
    store: Store,
    path: str,
    zarr_format: int,
    attributes: dict | None = None,
    *,
    exclusive: bool = False,
    existing_ok: bool = False,
) -> None:
    """Write a group document (and, for v2, its attributes when given).

    With ``exclusive`` the document is created atomically; losing the race to another
    creator is an error (ContainsGroupError/ContainsArrayError) unless ``existing_ok`` and
    the other creator made a group: creating what now exists is then success.
    """
    if zarr_format == 2:
        document, key = GroupMetadataV2().to_json(), join_path(path, ZGROUP)
        extra = _v2_attributes(path, attributes)
    else:
        document = GroupMetadataV3(attributes=dict(attributes or {})).to_json()
        key, extra = join_path(path, ZARR_JSON), {}
    if not _put_documents(store, key, document, extra, exclusive):
        _lost_race(store, path, "group" if existing_ok else None)


def check_no_node(store: Store, path: str) -> None:
    """Raise ContainsArrayError/ContainsGroupError if a node of either format exists at ``path``."""
    kind, _ = node_kind(store, path)
    if kind == "array":
        raise ContainsArrayError(path, store)
    if kind == "group":
        raise ContainsGroupError(path, store)


def clear_or_check(store: Store, chunk_store: Store | None, path: str, overwrite: bool) -> None:
    """Make room for a new node at ``path``: delete what is there when ``overwrite``, else
    raise ContainsArrayError/ContainsGroupError if a node exists."""
    if overwrite:
        _clear(store, chunk_store, path)
    else:
        check_no_node(store, path)


def _clear(store: Store, chunk_store: Store | None, path: str) -> None:
    store.rmdir(path)
    if chunk_store is not None:
        chunk_store.rmdir(path)


def require_parent_groups(
    store: Store,
    path: str,
    zarr_format: int,
    overwrite: bool = False,
    chunk_store: Store | None = None,
) -> None:
    """Write group documents for every missing ancestor of ``path`` (root included).

    An ancestor that is an array is an error, unless ``overwrite``: then it is deleted
    (with its chunks) and replaced by a group, as zarr-python 2 does.
    """
    if not path:
        return
    parts = path.split("/")
    ancestors = [""] + ["/".join(parts[:i]) for i in range(1, len(parts))]
    keys = []
    for ancestor in ancestors:
        keys += [join_path(ancestor, n) for n in (ZARR_JSON, ZARRAY, ZGROUP)]
    present = store.getitems(keys)
    for ancestor in ancestors:
        names = {join_path(ancestor, n) for n in (ZARR_JSON, ZARRAY, ZGROUP)}
        found = names & set(present)
        is_array = join_path(ancestor, ZARRAY) in found or (
            join_path(ancestor, ZARR_JSON) in found
            and json.loads(present[join_path(ancestor, ZARR_JSON)]).get("node_type") == "array"
        )
        if is_array:
            if not overwrite:
                raise ContainsArrayError(ancestor, store)
            _clear(store, chunk_store, ancestor)
        if is_array:
            write_group_metadata(store, ancestor, zarr_format)
        elif not found:
            # Atomic: a parent another creator makes meanwhile (with attributes) is kept.
            write_group_metadata(store, ancestor, zarr_format, exclusive=True, existing_ok=True)
