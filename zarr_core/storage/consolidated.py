"""The store side of consolidated metadata: a store that serves every metadata document of
a hierarchy from the one consolidated value it read at open.

The layouts (format 2 ``.zmetadata``, format 3 inline ``consolidated_metadata``) are
described in :mod:`zarr_core.api.consolidated`, which writes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from zarr_core.errors import MetadataError, ReadOnlyError
from zarr_core.metadata._json import load_document
from zarr_core.storage.base import Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.keys import join_path, normalize_path
from zarr_core.storage.wrapper import WrapperStore

__all__ = ["ConsolidatedMetadataStore", "ConsolidatedMetadataReadOnlyError", "ZMETADATA"]

ZMETADATA = ".zmetadata"
_ZARR_JSON, _ZARRAY, _ZGROUP, _ZATTRS = "zarr.json", ".zarray", ".zgroup", ".zattrs"
_DOCUMENT_NAMES = frozenset((_ZARR_JSON, _ZARRAY, _ZGROUP, _ZATTRS))
_V2_NAMES = (_ZARRAY, _ZGROUP, _ZATTRS)


class ConsolidatedMetadataReadOnlyError(ReadOnlyError):
    """A metadata document was to be written through consolidated metadata."""

    def __init__(self, key: str | None = None):
        self.key = key
        where = f" (key {key!r})" if key is not None else ""
        # ReadOnlyError's "reopen with mode r+" hint would be wrong here.
        PermissionError.__init__(
            self,
            f"the metadata of a hierarchy opened from consolidated metadata is read-only{where};"
            " open it without consolidated metadata to change its structure, attributes or"
            " shapes, then call consolidate_metadata again",
        )


# -- collecting ---------------------------------------------------------------------------


def _encode(doc: Any) -> bytes:
    # NaN and infinities in attributes stay the bare tokens zarr-python writes.
    return json.dumps(doc).encode("ascii")


def _read_v2(raw: bytes, key: str, base: str) -> dict[str, bytes]:
    doc = load_document(raw, key)
    version = doc.get("zarr_consolidated_format")
    if version != 1:
        raise MetadataError(
            f"unsupported consolidated metadata format {version!r} (expected 1)",
            key=key,
            field="zarr_consolidated_format",
        )
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        raise MetadataError("expected an object", key=key, field="metadata")
    documents = {join_path(base, k): _encode(v) for k, v in metadata.items()}
    documents[key] = bytes(raw)
    return documents


def _read_v3(raw: bytes, doc: dict, key: str, base: str) -> dict[str, bytes]:
    consolidated = doc["consolidated_metadata"]
    if not isinstance(consolidated, dict) or consolidated.get("kind") != "inline":
        raise MetadataError(
            "only consolidated metadata of kind 'inline' is supported",
            key=key,
            field="consolidated_metadata",
        )
    members = consolidated.get("metadata")
    if not isinstance(members, dict):
        raise MetadataError("expected an object", key=key, field="consolidated_metadata")
    documents = {key: bytes(raw)}
    for member_path, member in members.items():
        if not isinstance(member, dict) or member.get("zarr_format") != 3:
            raise MetadataError(
                f"member {member_path!r} is not a Zarr format 3 document",
                key=key,
                field="consolidated_metadata",
            )
        documents[join_path(base, normalize_path(member_path), _ZARR_JSON)] = _encode(member)
    return documents


def _load(
    store: Store, path: str, metadata_key: str, zarr_format: int | None
) -> tuple[int, str, dict[str, bytes]]:
    """Find the consolidated metadata covering ``path`` with one batched read.

    It may be stored at ``path`` or at any ancestor (zarr-python 2.18 keeps one document
    at the store root); the nearest wins. Returns the format, the consolidated group's
    path and the documents by store key.
    """
    parts = path.split("/") if path else []
    ancestors = ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]
    wanted = []
    for ancestor in ancestors:
        if zarr_format != 2:
            wanted.append(join_path(ancestor, _ZARR_JSON))
        if zarr_format != 3:
            wanted.append(join_path(ancestor, metadata_key))
    values = store.getitems(wanted)
    for ancestor in ancestors:
        v3_key = join_path(ancestor, _ZARR_JSON)
        if v3_key in values and zarr_format != 2:
            doc = load_document(values[v3_key], v3_key)
            if doc.get("consolidated_metadata") is not None:
                return 3, ancestor, _read_v3(values[v3_key], doc, v3_key, ancestor)
        v2_key = join_path(ancestor, metadata_key)
        if v2_key in values:
            return 2, ancestor, _read_v2(values[v2_key], v2_key, ancestor)
    where = {2: f" ({metadata_key})", 3: " (in zarr.json)"}.get(zarr_format or 0, "")
    raise MetadataError(
        f"no consolidated metadata{where} at {path or '/'!r} or above it;"
        " call consolidate_metadata first"
    )


class ConsolidatedMetadataStore(WrapperStore):
    """A store serving metadata documents from consolidated metadata, chunks from below.

    It reads the consolidated metadata once, when created. Afterwards every
    ``zarr.json``/``.zarray``/``.zgroup``/``.zattrs`` key is answered from memory
    (missing there means missing) and writing one raises
    :class:`ConsolidatedMetadataReadOnlyError`; every other key (chunks) goes to the
    wrapped store, for reading and, unless ``read_only``, for writing.

    Parameters
    ----------
    store
        The store holding the hierarchy (a Store or mutable mapping).
    metadata_key
        Format 2: the key of the consolidated document, relative to ``path``.
    path
        A node of the hierarchy; the consolidated metadata is looked for there and in
        its ancestors, the nearest being used (:attr:`path` is where it was found).
    zarr_format
        Look only for this format's consolidated metadata.
    read_only
        Refuse chunk writes too.

    Raises
    ------
    MetadataError
        If there is no consolidated metadata, or it is malformed.
    """

    def __init__(
        self,
        store: Any,
        metadata_key: str = ZMETADATA,
        *,
        path: str | None = "",
        zarr_format: int | None = None,
        read_only: bool = False,
    ):
        from zarr_core.storage.resolve import resolve

        store = resolve(store).store
        super().__init__(store, read_only=read_only)
        self.metadata_key = metadata_key
        self.zarr_format, self.path, self._documents = _load(
            store, normalize_path(path), metadata_key, zarr_format
        )
        self._extra_names = frozenset((metadata_key.rsplit("/", 1)[-1],))

    def _is_metadata(self, key: str) -> bool:
        name = key.rsplit("/", 1)[-1]
        return key in self._documents or name in _DOCUMENT_NAMES or name in self._extra_names

    def _refuse_metadata(self, keys: Iterable[str]) -> None:
        for key in keys:
            if self._is_metadata(key):
                raise ConsolidatedMetadataReadOnlyError(key)

    # -- primitives ---------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        if self._is_metadata(key):
            return self._documents[key]
        return self.store[key]

    def _set(self, key: str, value: bytes) -> None:
        self._refuse_metadata([key])
        self.store[key] = value

    def _delete(self, key: str) -> None:
        self._refuse_metadata([key])
        del self.store[key]

    def _contains(self, key: str) -> bool:
        if self._is_metadata(key):
            return key in self._documents
        return key in self.store

    def _keys(self) -> Iterator[str]:
        yield from self._documents
        for key in self.store:
            if not self._is_metadata(key):
                yield key

    def _len(self) -> int:
        return sum(1 for _ in self._keys())

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        self._refuse_metadata([key])
        return self.store.set_if_not_exists(key, value)

    # -- listing ------------------------------------------------------------------------
    def _list_dir(self, prefix: str) -> Iterable[str]:
        """Children as the consolidated metadata knows them (no store call)."""
        return {k[len(prefix) :].split("/", 1)[0] for k in self._documents if k.startswith(prefix)}

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        docs = [k for k in self._documents if k.startswith(prefix)]
        return docs + [k for k in self.store.list_prefix(prefix) if not self._is_metadata(k)]

    def _delete_prefix(self, prefix: str) -> None:
        raise ConsolidatedMetadataReadOnlyError(prefix or None)

    def _rename(self, src: str, dst: str) -> None:
        raise ConsolidatedMetadataReadOnlyError(src)

    # -- batches ------------------------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        rest = []
        for key in keys:
            if self._is_metadata(key):
                if key in self._documents:
                    out[key] = self._documents[key]
            else:
                rest.append(key)
        if rest:
            out.update(self.store.getitems(rest))
        return out

    def _set_many(self, items: dict[str, bytes]) -> None:
        self._refuse_metadata(items)
        self.store.setitems(items)

    def _delete_many(self, keys: list[str]) -> None:
        self._refuse_metadata(keys)
        self.store.delitems(keys)

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        stored = [(k, r) for k, r in requests if not self._is_metadata(k)]
        fetched = iter(self.store.get_partial_values(stored) if stored else ())
        out: list[bytes | None] = []
        for key, byte_range in requests:
            if not self._is_metadata(key):
                out.append(next(fetched))
            elif key in self._documents:
                doc = self._documents[key]
                out.append(doc if byte_range is None else byte_range.slice(doc))
            else:
                out.append(None)
        return out

    # -- state --------------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, bytes]:
        """The documents served from memory, by store key."""
        return dict(self._documents)

    def _identity(self) -> Any:
        return (type(self.store), self.store._identity(), self.path, self.metadata_key)

    def __repr__(self) -> str:
        return f"<ConsolidatedMetadataStore {self.path or '/'!r} of {self.store!r}>"
