"""Converting a hierarchy between Zarr formats 2 and 3, in place or into another store.

Metadata documents are rewritten with :mod:`zarr_core.metadata.convert`. Chunk bytes
are kept whenever the other format can describe the same encoding, which covers the
usual codecs (blosc, gzip, zstd, crc32c, numcodecs filters, ``order="F"`` as a
transpose, variable-length strings and bytes): only their keys change, and only where
the chunk key encodings differ. An array whose codecs the other format cannot describe
(sharding or storage transformers going to format 2, filter orders format 3 has no
chain for) is decoded and re-encoded with the target format's default codecs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from zarr_core.errors import InvalidArgumentError, InvalidKeyError, MetadataError
from zarr_core.metadata import (
    ChunkKeyEncoding,
    decode_attributes,
    encode_attributes,
    v2_to_v3,
    v3_to_v2,
)
from zarr_core.node.documents import (
    ZARR_JSON,
    ZARRAY,
    ZATTRS,
    ZGROUP,
    NodeMetadata,
    check_no_node,
    load_node,
    write_group_metadata,
)
from zarr_core.storage.base import Store
from zarr_core.storage.keys import join_path, normalize_path

__all__ = ["convert", "ConversionReport"]

_DOCUMENTS = {2: (ZARRAY, ZGROUP, ZATTRS), 3: (ZARR_JSON,)}
_ALL_DOCUMENTS = frozenset((ZARR_JSON, ZARRAY, ZGROUP, ZATTRS))
_BATCH = 256
_TMP_SUFFIX = ".zarr-core-convert"


@dataclass
class ConversionReport:
    """What :func:`convert` did.

    Attributes
    ----------
    zarr_format
        The format written.
    groups
        Paths of the groups converted.
    arrays
        Paths of the arrays whose chunks were kept as stored (metadata rewritten, keys
        changed where the chunk key encodings differ).
    reencoded
        Paths of the arrays whose data were decoded and re-encoded, with the reason.
    chunks_moved
        Chunks stored under a new key (or into the destination store) unchanged.
    consolidated
        Whether the result has consolidated metadata.
    """

    zarr_format: int
    groups: list[str] = field(default_factory=list)
    arrays: list[str] = field(default_factory=list)
    reencoded: dict[str, str] = field(default_factory=dict)
    chunks_moved: int = 0
    consolidated: bool = False


def _walk(store: Store, path: str, node: NodeMetadata) -> Iterator[tuple[str, NodeMetadata]]:
    """``(path, node)`` for ``node`` and every node of its format below it, parents
    before children."""
    yield path, node
    if node.kind != "group":
        return
    for name in store.listdir(path):
        if name in _ALL_DOCUMENTS or name.endswith(_TMP_SUFFIX):
            continue
        child = join_path(path, name)
        try:
            child_node = load_node(store, child, node.zarr_format)
        except KeyError:
            continue  # not a node of this format (chunks, stray keys, other format)
        yield from _walk(store, child, child_node)


def _attributes(store: Store, path: str, node: NodeMetadata) -> dict:
    if node.zarr_format == 3:
        return dict(node.meta.attributes)
    key = join_path(path, ZATTRS)
    try:
        return decode_attributes(store[key], key)
    except KeyError:
        return {}


def _target_metadata(
    node: NodeMetadata, attrs: dict, fmt: int, chunk_key_encoding: str | None
) -> tuple[Any, dict]:
    """The array's metadata in format ``fmt`` (raises MetadataError if inexpressible)."""
    if fmt == 3:
        meta = v2_to_v3(node.meta, attrs)
        if chunk_key_encoding == "default":
            meta = meta.update(chunk_key_encoding=ChunkKeyEncoding("default", "/"))
        return meta, meta.attributes
    return v3_to_v2(node.meta)


def _check_data_type(node: NodeMetadata, fmt: int) -> None:
    """Raise MetadataError if format ``fmt`` cannot store the array's elements at all
    (then no re-encoding helps either)."""
    from zarr_core.metadata import v2_from_numpy, v3_from_numpy

    meta = node.meta
    key = meta.source_key
    if fmt == 3:
        v3_from_numpy(meta.dtype, object_kind=meta.object_kind, key=key)
    elif meta.object_kind is None:
        v2_from_numpy(meta.dtype, key=key)


def _write_array_metadata(store: Store, path: str, meta: Any, attrs: dict) -> None:
    if meta.zarr_format == 3:
        store[join_path(path, ZARR_JSON)] = meta.to_json()
        return
    values = {join_path(path, ZARRAY): meta.to_json()}
    if attrs:
        key = join_path(path, ZATTRS)
        values[key] = encode_attributes(attrs, key)
    store.setitems(values)


class _Converter:
    def __init__(
        self,
        source: Store,
        target: Store,
        source_path: str,
        target_path: str,
        fmt: int,
        chunk_key_encoding: str | None,
        log: Any,
        bar: Any,
    ):
        self.bar = bar
        self.source = source
        self.target = target
        self.source_path = source_path
        self.target_path = target_path
        self.fmt = fmt
        self.chunk_key_encoding = chunk_key_encoding
        self.in_place = source is target and source_path == target_path
        self.log = log
        self.report = ConversionReport(fmt)
        self.stale_keys: list[str] = []

    def target_of(self, path: str) -> str:
        return join_path(self.target_path, path[len(self.source_path) :].lstrip("/"))

    def run(self, top: NodeMetadata) -> None:
        nodes = list(_walk(self.source, self.source_path, top))
        # every array is checked before anything is written: no half-converted hierarchy
        for _, node in nodes:
            if node.kind == "array":
                _check_data_type(node, self.fmt)
        self.bar.total = len(nodes)
        for path, node in nodes:
            attrs = _attributes(self.source, path, node)
            if node.kind == "group":
                write_group_metadata(self.target, self.target_of(path), self.fmt, attrs)
                self.report.groups.append("/" + path)
                self.log(f"group /{path}")
                self._retire_documents(path)
            else:
                self.array(path, node, attrs)
            self.bar.update(1)
        if self.in_place:
            # the old documents go last, so an interrupted conversion leaves the
            # hierarchy readable in the old format
            self._delete(self.stale_keys)

    def _retire_documents(self, path: str) -> None:
        if self.in_place:
            self.stale_keys += [join_path(path, n) for n in _DOCUMENTS[5 - self.fmt]]

    def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _BATCH):
            self.source.delitems(keys[start : start + _BATCH])

    def array(self, path: str, node: NodeMetadata, attrs: dict) -> None:
        try:
            meta, new_attrs = _target_metadata(node, attrs, self.fmt, self.chunk_key_encoding)
        except MetadataError as exc:
            self.reencode(path, node, attrs, str(exc))
            return
        moved = self._move_chunks(path, node, meta.chunk_key_encoding)
        _write_array_metadata(self.target, self.target_of(path), meta, new_attrs)
        self._retire_documents(path)
        self.report.arrays.append("/" + path)
        self.report.chunks_moved += moved
        self.log(f"array /{path}: metadata rewritten, {moved} chunks moved")

    def _move_chunks(self, path: str, node: NodeMetadata, encoding: ChunkKeyEncoding) -> int:
        old_encoding = node.meta.chunk_key_encoding
        ndim = len(node.meta.shape)
        prefix = path + "/" if path else ""
        target_prefix = self.target_of(path)
        target_prefix = target_prefix + "/" if target_prefix else ""
        moves: dict[str, str] = {}
        for key in self.source.list_prefix(prefix):
            relative = key[len(prefix) :]
            if relative in _ALL_DOCUMENTS:
                continue
            try:
                coords = old_encoding.decode(relative, ndim)
            except InvalidKeyError:
                continue  # not a chunk of this array
            new_key = target_prefix + encoding.encode(coords)
            if new_key != key or not self.in_place:
                moves[key] = new_key
        items = list(moves.items())
        for start in range(0, len(items), _BATCH):
            batch = dict(items[start : start + _BATCH])
            values = self.source.getitems(list(batch))
            self.target.setitems({batch[k]: v for k, v in values.items()})
        if self.in_place:
            self.stale_keys += list(moves)
        return len(moves)

    def reencode(self, path: str, node: NodeMetadata, attrs: dict, reason: str) -> None:
        from zarr_core.api.convenience import copy_data
        from zarr_core.node.array import Array
        from zarr_core.node.creation import create

        if self.in_place and not path:
            raise InvalidArgumentError(
                f"the root array cannot be re-encoded in place ({reason}); convert it into "
                "another store (dest=) instead"
            )
        source = Array(self.source, path, read_only=True, _node=node)
        meta = node.meta
        kinds = {"string": str, "bytes": bytes}
        kwargs: dict[str, Any] = {
            "attributes": attrs,
            "fill_value": meta.fill_value,
            "dtype": kinds.get(meta.object_kind, meta.dtype),
        }
        chunks = tuple(meta.chunks)
        if self.fmt == 2:
            # a shard's inner chunks are what readers fetch; they become the v2 chunks
            first = meta.codecs[0]
            if first["name"] == "sharding_indexed":
                chunks = tuple(first["configuration"]["chunk_shape"])
            names = meta.dimension_names
            if names is not None and all(isinstance(n, str) for n in names):
                kwargs["attributes"] = {**attrs, "_ARRAY_DIMENSIONS": list(names)}
        else:
            names = attrs.get("_ARRAY_DIMENSIONS")
            if isinstance(names, list) and len(names) == len(meta.shape):
                kwargs["dimension_names"] = names
        destination = self.target_of(path)
        if self.in_place:
            # written beside the old array, which is then replaced by it
            destination = path + _TMP_SUFFIX
        new = create(
            meta.shape,
            chunks=chunks,
            store=self.target,
            path=destination,
            zarr_format=self.fmt,
            **kwargs,
        )
        copy_data(source, new)
        if self.in_place:
            self.source.rmdir(path)
            self.source.rename(destination, path)
        self.report.reencoded["/" + path] = reason
        self.log(f"array /{path}: re-encoded ({reason})")


def _consolidated(store: Store, path: str, fmt: int) -> bool:
    if fmt == 2:
        return join_path(path, ".zmetadata") in store
    try:
        return load_node(store, path, 3).meta.consolidated_metadata is not None
    except (KeyError, AttributeError):
        return False


def convert(
    source: Any,
    zarr_format: int,
    dest: Any = None,
    *,
    path: str | None = None,
    dest_path: str | None = None,
    chunk_key_encoding: str | None = None,
    consolidated: bool | None = None,
    overwrite: bool = False,
    log: Any = None,
    storage_options: dict | None = None,
    progress: bool = False,
) -> ConversionReport:
    """Convert a group (with everything below it) or an array to another Zarr format.

    Parameters
    ----------
    source
        The store holding the hierarchy (anything ``store=`` accepts).
    zarr_format
        The format to convert to: 3 (from 2) or 2 (from 3).
    dest
        Where to write the result; ``None`` converts in place (new documents are
        written first, old ones deleted last).
    path
        The node to convert in ``source``.
    dest_path
        Where to put it in ``dest`` (default: the same path in place, the root of
        ``dest`` otherwise).
    chunk_key_encoding
        To format 3 only: ``None``/``"v2"`` keeps the chunk keys (the ``v2`` chunk key
        encoding; no chunk moves), ``"default"`` re-keys chunks to ``c/...``.
    consolidated
        Consolidate the result's metadata; ``None`` does so if the source had
        consolidated metadata.
    overwrite
        Replace whatever is at ``dest_path`` in ``dest``.
    log
        As for :func:`zarr_core.copy`: a callable, a file path or a file.
    storage_options
        For fsspec URLs (both stores).
    progress
        Show a progress bar of the nodes converted on standard error (when it is a
        terminal).

    Returns
    -------
    ConversionReport

    Raises
    ------
    ValueError
        If the node is already in ``zarr_format``.
    MetadataError
        If an array cannot be stored in ``zarr_format`` at all (e.g. object arrays with
        the JSON codec going to format 3).

    Examples
    --------
    >>> import numpy as np, zarr_core
    >>> store = zarr_core.MemoryStore()
    >>> root = zarr_core.group(store, zarr_format=2)
    >>> root.array("x", np.arange(6), chunks=3).attrs["units"] = "m"
    >>> report = zarr_core.convert(store, 3)
    >>> report.arrays, report.chunks_moved
    (['/x'], 0)
    >>> x = zarr_core.open_array(store, path="x", mode="r")
    >>> x.zarr_format, x[:].tolist(), x.attrs["units"]
    (3, [0, 1, 2, 3, 4, 5], 'm')
    """
    from zarr_core.api.convenience import _opens_store
    from zarr_core.storage.resolve import resolve

    if zarr_format not in (2, 3):
        raise InvalidArgumentError(f"zarr_format must be 2 or 3, got {zarr_format!r}")
    if chunk_key_encoding not in (None, "v2", "default"):
        raise InvalidArgumentError(
            f"chunk_key_encoding must be 'v2' or 'default', got {chunk_key_encoding!r}"
        )
    if chunk_key_encoding is not None and zarr_format == 2:
        raise InvalidArgumentError("chunk_key_encoding applies to conversions to format 3")
    # Stores opened here from a path or URL are closed before returning, so that an
    # archive destination ("x.zip") is complete when convert() returns.
    with ExitStack() as opened:
        resolved = resolve(
            source, mode="r" if dest is not None else "a", storage_options=storage_options
        )
        if _opens_store(source):
            opened.callback(resolved.store.close)
        target = None
        if dest is not None:
            target = resolve(dest, mode="a", storage_options=storage_options)
            if _opens_store(dest):
                opened.callback(target.store.close)
        return _convert(
            resolved,
            target,
            path,
            dest_path,
            zarr_format,
            chunk_key_encoding,
            consolidated,
            overwrite,
            log,
            progress,
        )


def _convert(
    resolved: Any,
    target: Any,
    path: str | None,
    dest_path: str | None,
    zarr_format: int,
    chunk_key_encoding: str | None,
    consolidated: bool | None,
    overwrite: bool,
    log: Any,
    progress: bool,
) -> ConversionReport:
    from zarr_core.api.convenience import _Log
    from zarr_core.progress import progress_bar

    source_store = resolved.store
    source_path = join_path(resolved.path, normalize_path(path))
    found = load_node(source_store, source_path)
    if found.zarr_format == zarr_format:
        raise InvalidArgumentError(
            f"{source_path or '/'!r} is already in Zarr format {zarr_format}"
        )
    if target is None:
        target_store = source_store
        target_path = source_path if dest_path is None else normalize_path(dest_path)
    else:
        target_store = target.store
        target_path = join_path(target.path, normalize_path(dest_path))
    if not (target_store is source_store and target_path == source_path):
        if overwrite:
            target_store.rmdir(target_path)
        else:
            check_no_node(target_store, target_path)
    if consolidated is None:
        consolidated = _consolidated(source_store, source_path, found.zarr_format)
    writer = _Log(log)
    bar = progress_bar(progress, None, "convert", unit="node")
    try:
        converter = _Converter(
            source_store,
            target_store,
            source_path,
            target_path,
            zarr_format,
            chunk_key_encoding,
            writer,
            bar,
        )
        if converter.in_place and found.zarr_format == 2:
            converter.stale_keys.append(join_path(source_path, ".zmetadata"))
        converter.run(found)
        if consolidated and found.kind == "group":
            from zarr_core.api.consolidated import consolidate_metadata

            consolidate_metadata(target_store, path=target_path, zarr_format=zarr_format)
            converter.report.consolidated = True
    finally:
        bar.close()
        writer.close()
    return converter.report
