"""The Array: a chunked N-d array in a store, with NumPy-style indexing.

Metadata handling is delegated to :mod:`zarr_core.node.documents` (both formats), chunk I/O to
:mod:`zarr_core.engine.transfer`, selections to :mod:`zarr_core.indexing`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from zarr_core.engine import transfer as engine
from zarr_core.engine.chunk_io import ChunkIO
from zarr_core.errors import ArgumentTypeError, InvalidArgumentError, ReadOnlyError
from zarr_core.indexing import (
    BasicIndexer,
    BlockIndexer,
    CoordinateIndexer,
    MaskIndexer,
    OrthogonalIndexer,
    classify_selection,
    classify_vindex,
    pop_fields,
)
from zarr_core.node.attrs import Attributes
from zarr_core.node.base import Node
from zarr_core.node.documents import NodeMetadata, load_node, write_array_metadata
from zarr_core.storage.base import Store
from zarr_core.storage.keys import normalize_path
from zarr_core.storage.transformers import apply_storage_transformers

__all__ = ["Array"]

_INDEXERS = {
    "basic": BasicIndexer,
    "orthogonal": OrthogonalIndexer,
    "coordinate": CoordinateIndexer,
    "mask": MaskIndexer,
    "block": BlockIndexer,
}


class Array(Node):
    """A Zarr array (format 2 or 3) stored in a :class:`~zarr_core.storage.Store`.

    Usually obtained from :func:`zarr_core.open_array`, :func:`zarr_core.create` and
    friends rather than constructed directly.

    Parameters
    ----------
    store
        The store holding the metadata (and the chunks unless ``chunk_store`` is given).
    path
        Path of the array inside the store.
    read_only
        Refuse writes.
    chunk_store
        A separate store for the chunks.
    synchronizer
        Object with a ``__getitem__(key) -> lock`` used around each chunk update.
    cache_metadata
        Keep metadata in memory; when False, re-read it before every operation so changes
        made by other processes (e.g. a resize) are seen.
    cache_attrs
        Keep attributes in memory (see :class:`~zarr_core.node.attrs.Attributes`).
    write_empty_chunks
        Store chunks equal to the fill value (True, as zarr-python 2); when False they
        are deleted instead.
    zarr_format
        Expect this format; ``None`` detects it.
    allow_pickle
        Allow decoding the ``pickle`` codec (else the ``array.allow_pickle`` config).
    partial_decompress
        Decode only the blosc blocks a read needs from a chunk: ``True``, ``False`` or
        ``"auto"``; ``None`` (default) follows the ``array.partial_decompress`` setting,
        itself ``"auto"`` (see :func:`zarr_core.engine.transfer.partial_decompress_mode`).
    zarr_version, meta_array
        zarr-python 2 arguments (see :mod:`zarr_core.node.keywords`): the 2.x name of
        ``zarr_format``, and NumPy only.
    """

    _kind = "array"

    def __init__(
        self,
        store: Store | Any,
        path: str | None = "",
        read_only: bool = False,
        chunk_store: Store | Any | None = None,
        synchronizer: Any = None,
        cache_metadata: bool = True,
        cache_attrs: bool = True,
        write_empty_chunks: bool | None = None,
        zarr_format: int | None = None,
        allow_pickle: bool | None = None,
        partial_decompress: bool | str | None = None,
        zarr_version: int | None = None,
        meta_array: Any = None,
        _node: NodeMetadata | None = None,
    ):
        from zarr_core import config
        from zarr_core.node.keywords import as_store, check_meta_array, merge_format

        check_meta_array(meta_array)
        zarr_format = merge_format(zarr_format, zarr_version)
        store = as_store(store, read_only)
        self._store = store
        self._chunk_store = None if chunk_store is None else as_store(chunk_store, read_only)
        self._path = normalize_path(path)
        self._read_only = bool(read_only) or store.read_only
        self._synchronizer = synchronizer
        self._cache_metadata = cache_metadata
        self._allow_pickle = allow_pickle
        self._partial_decompress = (
            None
            if partial_decompress is None
            else engine.partial_decompress_mode(partial_decompress)
        )
        self._write_empty_chunks = (
            config.get("array.write_empty_chunks")
            if write_empty_chunks is None
            else write_empty_chunks
        )
        self._load(_node or load_node(store, self._path, zarr_format, expect="array"))
        self._attrs = Attributes._of(self, cache=cache_attrs)

    # -- metadata -----------------------------------------------------------------------
    def _load(self, node: NodeMetadata) -> None:
        self._node = node
        self._meta = node.meta
        meta_key = node.metadata_keys(self._path)[0]
        self._io = ChunkIO(
            # Chunk I/O goes through the storage transformers the metadata names (v3 only).
            store=apply_storage_transformers(self._meta, self.chunk_store, self._path, meta_key),
            pipeline=node.pipeline(allow_pickle=self._allow_pickle),
            shape=tuple(self._meta.shape),
            chunks=tuple(self._meta.chunks),
            dtype=self._meta.dtype,
            order=self._node.order,
            fill=node.fill_for_memory,
            path=self._path,
            chunk_keys=node.chunk_keys,
            metadata_key=meta_key,
            zarr_format=self._meta.zarr_format,
            write_empty_chunks=self._write_empty_chunks,
            synchronizer=self._synchronizer,
            owner=node,
            partial_decompress=self._partial_decompress,
        )

    def _refresh(self) -> None:
        if not self._cache_metadata:
            self._load(load_node(self._store, self._path, self._meta.zarr_format, expect="array"))

    # -- properties ---------------------------------------------------------------------
    @Node.read_only.setter
    def read_only(self, value: bool) -> None:
        self._read_only = bool(value)

    @property
    def metadata(self) -> Any:
        """The parsed metadata document (format-specific class)."""
        return self._meta

    @property
    def shape(self) -> tuple[int, ...]:
        self._refresh()
        return tuple(self._meta.shape)

    @shape.setter
    def shape(self, value: int | tuple[int, ...]) -> None:
        # z.shape = (n,) resizes, as in zarr-python 2
        self.resize(value)

    @property
    def chunks(self) -> tuple[int, ...]:
        return tuple(self._meta.chunks)

    @property
    def dtype(self) -> np.dtype:
        return self._meta.dtype

    @property
    def fill_value(self) -> Any:
        return self._meta.fill_value

    @property
    def order(self) -> str:
        return self._node.order

    @property
    def compressor(self) -> Any:
        return self._node.compressor

    @property
    def filters(self) -> Any:
        return self._node.filters

    @property
    def codecs(self) -> list[dict] | None:
        """The v3 codec chain (``None`` for format 2)."""
        return getattr(self._meta, "codecs", None)

    @property
    def dimension_names(self) -> tuple | None:
        names = getattr(self._meta, "dimension_names", None)
        return tuple(names) if names is not None else None

    @property
    def write_empty_chunks(self) -> bool:
        return self._write_empty_chunks

    @property
    def ndim(self) -> int:
        return len(self._meta.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the whole array takes in memory (uncompressed)."""
        return self.size * self.itemsize

    @property
    def cdata_shape(self) -> tuple[int, ...]:
        """Shape of the chunk grid."""
        return tuple(math.ceil(s / c) for s, c in zip(self.shape, self.chunks))

    @property
    def nchunks(self) -> int:
        return math.prod(self.cdata_shape)

    @property
    def nchunks_initialized(self) -> int:
        """Number of chunks present in the chunk store."""
        return len(self._stored_chunk_keys())

    initialized = nchunks_initialized

    def _stored_chunk_keys(self) -> list[str]:
        prefix = self._path + "/" if self._path else ""
        wanted = set(self._io.keys(list(np.ndindex(*self.cdata_shape))))
        return [k for k in self._io.store.list_prefix(prefix) if k in wanted]

    @property
    def nbytes_stored(self) -> int:
        """Bytes stored under the array's path: metadata, attributes and every chunk.

        Asked of the store (``getsize``: a listing with sizes, ``STRLEN``, file sizes),
        so no chunk is read: summing the values would download the whole array and
        hold it in memory. A store that presents a view (N5) answers with what it holds.
        """
        stores = [self._store] if self._chunk_store is None else [self._store, self._chunk_store]
        return sum(store.getsize(self._path) for store in stores)

    # -- numpy-like protocol ------------------------------------------------------------
    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self[...]
        return a.astype(dtype) if dtype is not None else a

    def __iter__(self) -> Iterator[Any]:
        return self.islice()

    def islice(self, start: int | None = None, end: int | None = None) -> Iterator[Any]:
        """Iterate over the first axis, decoding each chunk once."""
        # checked here rather than in the generator, so that iter() itself raises
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        start, end, _ = slice(start, end).indices(self.shape[0])
        return self._iter_rows(start, end)

    def _iter_rows(self, start: int, end: int) -> Iterator[Any]:
        step = self.chunks[0]
        for block_start in range(start - start % step, end, step):
            lo, hi = max(block_start, start), min(block_start + step, end)
            if lo < hi:
                yield from self[lo:hi]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Array)
            and self._store == other._store
            and self._path == other._path
            and self.zarr_format == other.zarr_format
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<zarr_core.Array {self.name!r} {self.shape} {self.dtype}{' read-only' if self._read_only else ''}>"

    # -- selection API -------------------------------------------------------------------
    def _indexer(self, mode: str, selection: Any):
        self._refresh()
        return _INDEXERS[mode](selection, self.shape, self.chunks)

    def _get(self, mode: str, selection: Any, out: Any = None, fields: Any = None):
        indexer = self._indexer(mode, selection)  # first: it may reload the metadata
        return engine.read(self._io, indexer, out=out, fields=fields)

    def _set(self, mode: str, selection: Any, value: Any, fields: Any = None) -> None:
        self._check_writable()
        indexer = self._indexer(mode, selection)  # first: it may reload the metadata
        engine.write(self._io, indexer, value, fields=fields)

    def __getitem__(self, selection: Any) -> Any:
        fields, selection = pop_fields(selection)
        mode = classify_selection(selection, self.shape)
        result = self._get(mode, selection, fields=fields)
        if mode == "basic" and result.ndim == 0:
            return result[()]
        return result

    def __setitem__(self, selection: Any, value: Any) -> None:
        fields, selection = pop_fields(selection)
        self._set(classify_selection(selection, self.shape), selection, value, fields=fields)

    def get_basic_selection(self, selection: Any = Ellipsis, out: Any = None, fields: Any = None):
        """Read integers/slices/Ellipsis, as NumPy basic indexing."""
        result = self._get("basic", selection, out=out, fields=fields)
        return result[()] if result.ndim == 0 and out is None else result

    def set_basic_selection(self, selection: Any, value: Any, fields: Any = None) -> None:
        self._set("basic", selection, value, fields=fields)

    def get_orthogonal_selection(self, selection: Any, out: Any = None, fields: Any = None):
        """Read an outer product of per-axis selections (ints, slices, int or bool arrays)."""
        return self._get("orthogonal", selection, out=out, fields=fields)

    def set_orthogonal_selection(self, selection: Any, value: Any, fields: Any = None) -> None:
        self._set("orthogonal", selection, value, fields=fields)

    def get_coordinate_selection(self, selection: Any, out: Any = None, fields: Any = None):
        """Read points given by one broadcastable integer array per axis."""
        return self._get("coordinate", selection, out=out, fields=fields)

    def set_coordinate_selection(self, selection: Any, value: Any, fields: Any = None) -> None:
        self._set("coordinate", selection, value, fields=fields)

    def get_mask_selection(self, selection: Any, out: Any = None, fields: Any = None):
        """Read the elements where a boolean array of the array's shape is True."""
        return self._get("mask", selection, out=out, fields=fields)

    def set_mask_selection(self, selection: Any, value: Any, fields: Any = None) -> None:
        self._set("mask", selection, value, fields=fields)

    def get_block_selection(self, selection: Any, out: Any = None, fields: Any = None):
        """Read whole chunks by their position in the chunk grid."""
        return self._get("block", selection, out=out, fields=fields)

    def set_block_selection(self, selection: Any, value: Any, fields: Any = None) -> None:
        self._set("block", selection, value, fields=fields)

    @property
    def oindex(self) -> _Accessor:
        """``z.oindex[...]``: orthogonal selection."""
        return _Accessor(self, "orthogonal")

    @property
    def vindex(self) -> _Accessor:
        """``z.vindex[...]``: coordinate or mask selection."""
        return _Accessor(self, None)

    @property
    def blocks(self) -> _Accessor:
        """``z.blocks[...]``: block selection."""
        return _Accessor(self, "block")

    # -- shape changes ------------------------------------------------------------------
    def _metadata_lock(self) -> Any:
        """The synchronizer's lock on this array's metadata document (a no-op without one).

        Shape changes hold it while they read, change and write the shape, so that
        concurrent appends (threads or processes) each start from the shape the previous
        one stored.
        """
        if self._synchronizer is None:
            return contextlib.nullcontext()
        return self._synchronizer[self._node.metadata_keys(self._path)[0]]

    def _reload(self) -> None:
        # Forced even when metadata is cached: another writer may have resized.
        self._load(load_node(self._store, self._path, self._meta.zarr_format, expect="array"))

    def resize(self, *shape: int | tuple[int, ...]) -> None:
        """Change the shape; chunks wholly outside the new shape are deleted.

        The stored metadata is re-read first (under a synchronizer, holding the lock on
        the metadata key), as zarr-python 2 does.
        """
        self._check_writable()
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        new_shape = tuple(int(s) for s in shape)
        with self._metadata_lock():
            self._reload()
            self._resize_nosync(new_shape)

    def _resize_nosync(self, new_shape: tuple[int, ...]) -> None:
        if len(new_shape) != self.ndim:
            raise InvalidArgumentError(f"resize needs {self.ndim} dimensions, got {new_shape}")
        old_grid = self.cdata_shape
        node = self._node.with_shape(new_shape)
        # stored first: if the write is refused (consolidated metadata, a read-only
        # store) this object keeps the shape that is still stored
        write_array_metadata(self._store, self._path, node)
        self._load(node)
        new_grid = self.cdata_shape
        stale = [c for c in np.ndindex(*old_grid) if any(i >= n for i, n in zip(c, new_grid))]
        if stale:
            self._io.store.delitems(self._io.keys(stale))

    def append(self, data: Any, axis: int = 0) -> tuple[int, ...]:
        """Grow along ``axis`` and write ``data`` into the new region; returns the new shape.

        The stored shape is re-read first; under a synchronizer the whole append
        (re-reading, resizing, writing the data) holds the lock on the metadata key, so
        concurrent appends never overlap.
        """
        self._check_writable()
        data = np.asanyarray(data)
        with self._metadata_lock():
            self._reload()
            shape = self.shape
            if data.ndim != self.ndim or any(
                d != s for i, (d, s) in enumerate(zip(data.shape, shape)) if i != axis
            ):
                raise InvalidArgumentError(
                    f"cannot append data of shape {data.shape} to an array of shape {shape} along axis {axis}"
                )
            new_shape = tuple(s + data.shape[axis] if i == axis else s for i, s in enumerate(shape))
            self._resize_nosync(new_shape)
            region = tuple(
                slice(shape[axis], new_shape[axis]) if i == axis else slice(None)
                for i in range(self.ndim)
            )
            self[region] = data
        return new_shape

    # -- derived views ------------------------------------------------------------------
    def astype(self, dtype: Any) -> _AsType:
        """A read-only view decoding to ``dtype`` (``z.astype('f4')[:]``)."""
        return _AsType(self, np.dtype(dtype))

    def view(self, read_only: bool | None = None, **kwargs: Any) -> Array:
        """Another Array object over the same data (optionally read-only)."""
        if kwargs:
            raise ArgumentTypeError(f"unsupported view arguments: {sorted(kwargs)}")
        return Array(
            self._store,
            self._path,
            read_only=self._read_only if read_only is None else read_only,
            chunk_store=self._chunk_store,
            synchronizer=self._synchronizer,
            cache_metadata=self._cache_metadata,
            write_empty_chunks=self._write_empty_chunks,
            allow_pickle=self._allow_pickle,
            partial_decompress=self._partial_decompress,
        )

    # -- information --------------------------------------------------------------------
    def digest(self, hashname: str = "sha1") -> bytes:
        """Hash of every chunk (in chunk-grid order, a missing one as no bytes), then of
        the metadata documents (format 2: ``.zarray`` then ``.zattrs``).

        The value zarr-python 2 gives for the same stored array; equal arrays at
        different paths or in different stores have equal digests.
        """
        import hashlib  # here: its import (OpenSSL) is 3 ms of every start-up

        h = hashlib.new(hashname)
        keys = self._io.keys(list(np.ndindex(*self.cdata_shape)))
        chunks = self._io.store.getitems(keys)
        for key in keys:
            h.update(bytes(chunks.get(key, b"")))
        metadata_keys = self._node.metadata_keys(self._path)
        docs = self._store.getitems(metadata_keys)
        for key in metadata_keys:
            h.update(bytes(docs.get(key, b"")))
        return h.digest()

    def hexdigest(self, hashname: str = "sha1") -> str:
        return self.digest(hashname).hex()

    def info_items(self) -> list[tuple[str, str]]:
        """The rows shown by :attr:`info`."""
        items = [
            ("Type", f"zarr_core.Array (Zarr format {self.zarr_format})"),
            ("Name", self.name),
            ("Data type", str(self.dtype)),
            ("Shape", str(self.shape)),
            ("Chunk shape", str(self.chunks)),
            ("Order", self.order),
            ("Read-only", str(self._read_only)),
        ]
        if self.zarr_format == 2:
            items.append(("Compressor", repr(self.compressor)))
            if self.filters:
                items.append(("Filters", ", ".join(repr(f) for f in self.filters)))
        else:
            items.append(("Codecs", ", ".join(c["name"] for c in self.codecs)))
        if self._synchronizer is not None:
            sync = type(self._synchronizer)
            items.append(("Synchronizer type", f"{sync.__module__}.{sync.__name__}"))
        items.append(("Store type", f"{type(self._store).__module__}.{type(self._store).__name__}"))
        if self._chunk_store is not None:
            items.append(("Chunk store type", type(self._chunk_store).__name__))
        items.append(("No. bytes", _human(self.nbytes)))
        stored = self.nbytes_stored
        items.append(("No. bytes stored", _human(stored)))
        if stored:
            items.append(("Storage ratio", f"{self.nbytes / stored:.1f}"))
        items.append(("Chunks initialized", f"{self.nchunks_initialized}/{self.nchunks}"))
        return items

    @property
    def info(self) -> InfoReport:
        """A printable summary of the array."""
        return InfoReport(self.info_items())

    # -- pickling -----------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {
            "store": self._store,
            "path": self._path,
            "read_only": self._read_only,
            "chunk_store": self._chunk_store,
            "synchronizer": self._synchronizer,
            "cache_metadata": self._cache_metadata,
            "cache_attrs": self._attrs._cache,
            "write_empty_chunks": self._write_empty_chunks,
            "allow_pickle": self._allow_pickle,
            "partial_decompress": self._partial_decompress,
            "zarr_format": self.zarr_format,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]


class _Accessor:
    """``z.oindex`` / ``z.vindex`` / ``z.blocks``."""

    def __init__(self, array: Array, mode: str | None):
        self._array = array
        self._mode = mode

    def _resolve(self, selection: Any) -> tuple[Any, str, Any]:
        fields, selection = pop_fields(selection)
        mode = self._mode or classify_vindex(selection)
        return fields, mode, selection

    def __getitem__(self, selection: Any) -> np.ndarray:
        fields, mode, selection = self._resolve(selection)
        return self._array._get(mode, selection, fields=fields)

    def __setitem__(self, selection: Any, value: Any) -> None:
        fields, mode, selection = self._resolve(selection)
        self._array._set(mode, selection, value, fields=fields)


class _AsType:
    """Read-only view of an array converting to another dtype on read."""

    def __init__(self, array: Array, dtype: np.dtype):
        self._array = array
        self.dtype = dtype
        self.shape = array.shape

    def __getitem__(self, selection: Any) -> Any:
        return np.asarray(self._array[selection]).astype(self.dtype)

    def __setitem__(self, selection: Any, value: Any) -> None:
        raise ReadOnlyError("an astype() view")


class InfoReport:
    """Aligned ``name : value`` rows; printed as text, shown as a table in notebooks."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items

    def __repr__(self) -> str:
        width = max(len(k) for k, _ in self.items)
        return "\n".join(f"{k:<{width}} : {v}" for k, v in self.items) + "\n"

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self.items
        )
        return f"<table class='zarr-core-info'>{rows}</table>"


def _human(n: int) -> str:
    if n < 2**10:
        return str(n)
    for unit, power in (("K", 10), ("M", 20), ("G", 30), ("T", 40), ("P", 50)):
        if n < 2 ** (power + 10):
            return f"{n} ({n / 2**power:.1f}{unit})"
    return str(n)
