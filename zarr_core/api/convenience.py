"""Convenience functions: save and load NumPy arrays, print trees, copy data around.

* :func:`save`, :func:`save_array`, :func:`save_group` and :func:`load` mirror NumPy's
  ``save``/``savez``/``load``: one array, or several in a group, loaded back lazily.
* :func:`copy` and :func:`copy_all` copy arrays and groups between zarr-core groups and
  h5py files (decoding and re-encoding data, so formats and codecs may change on the way).
* :func:`copy_store` copies raw keys between stores, without decoding anything.

The copy functions log one line per node or key (``copy /foo/bar (100,) int64``) and a
summary, and return ``(n_copied, n_skipped, n_bytes_copied)``.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from zarr_core.errors import ArgumentTypeError, InvalidArgumentError, MetadataError, ZarrCoreError
from zarr_core.storage.base import Store
from zarr_core.storage.keys import join_path, normalize_path

__all__ = [
    "CopyError",
    "LazyLoader",
    "save",
    "save_array",
    "save_group",
    "load",
    "tree",
    "copy",
    "copy_all",
    "copy_store",
]

_IF_EXISTS = ("raise", "replace", "skip", "skip_initialized")
# Data is copied in blocks of whole destination chunks of about this many bytes: big
# enough that each block is one batched store call over many chunks, small enough to
# keep memory bounded.
_BLOCK_BYTES = 64 * 2**20
# Keys per batched read/write in copy_store.
_KEY_BATCH = 256


class CopyError(ZarrCoreError, RuntimeError):
    """A copy found something already in the destination (with ``if_exists="raise"``)."""


# -- save / load --------------------------------------------------------------------------


def _opens_store(store: Any) -> bool:
    """Whether resolving ``store`` opens a new store that the caller should close."""
    return isinstance(store, str | os.PathLike)


def save_array(
    store: Any,
    arr: Any,
    *,
    zarr_format: int | None = None,
    path: str | None = None,
    storage_options: dict | None = None,
    **kwargs: Any,
) -> None:
    """Save one array, replacing whatever is at ``path``, like ``numpy.save``.

    Parameters
    ----------
    store
        Anything ``store=`` accepts; a path names a directory (or a ``.zip`` archive,
        ... by suffix). A store opened from a path or URL is closed afterwards.
    arr
        The data (anything :func:`numpy.asanyarray` takes).
    zarr_format
        2 or 3 (default from config).
    path
        Where in the store.
    storage_options
        For fsspec URLs.
    **kwargs
        Passed to :func:`zarr_core.create` (``chunks``, ``compressor``, ...).

    Examples
    --------
    >>> import numpy as np, zarr_core
    >>> store = zarr_core.MemoryStore()
    >>> zarr_core.save_array(store, np.arange(5))
    >>> zarr_core.load(store)
    array([0, 1, 2, 3, 4])
    """
    from zarr_core.node.creation import array
    from zarr_core.storage.resolve import resolve

    resolved = resolve(store, mode="w", storage_options=storage_options)
    try:
        array(
            arr,
            store=resolved.store,
            path=join_path(resolved.path, normalize_path(path)),
            overwrite=True,
            zarr_format=zarr_format or resolved.zarr_format,
            **kwargs,
        )
    finally:
        if _opens_store(store):
            resolved.store.close()


def save_group(
    store: Any,
    *args: Any,
    zarr_format: int | None = None,
    path: str | None = None,
    storage_options: dict | None = None,
    **kwargs: Any,
) -> None:
    """Save several arrays in a new group, like ``numpy.savez``.

    Positional arrays are named ``arr_0``, ``arr_1``, ...; keyword arrays by their
    keyword. Whatever was at ``path`` is replaced. Default codecs are used.

    Raises
    ------
    ValueError
        If no array is given.

    Examples
    --------
    >>> import numpy as np, zarr_core
    >>> store = zarr_core.MemoryStore()
    >>> zarr_core.save_group(store, np.arange(3), squares=np.arange(3) ** 2)
    >>> loader = zarr_core.load(store)
    >>> loader
    <LazyLoader: arr_0, squares>
    >>> loader["squares"]
    array([0, 1, 4])
    """
    if not args and not kwargs:
        raise InvalidArgumentError("at least one array must be given")
    from zarr_core.api.hierarchy import open_group
    from zarr_core.storage.resolve import resolve

    named = {f"arr_{i}": a for i, a in enumerate(args)}
    clash = named.keys() & kwargs.keys()
    if clash:
        raise InvalidArgumentError(f"the names {sorted(clash)} are used by positional arrays")
    named.update(kwargs)
    resolved = resolve(store, mode="w", storage_options=storage_options)
    try:
        group = open_group(
            resolved.store,
            mode="w",
            path=join_path(resolved.path, normalize_path(path)),
            zarr_format=zarr_format or resolved.zarr_format,
        )
        for name, data in named.items():
            group.array(name, data)
    finally:
        if _opens_store(store):
            resolved.store.close()


def save(
    store: Any,
    *args: Any,
    zarr_format: int | None = None,
    path: str | None = None,
    storage_options: dict | None = None,
    **kwargs: Any,
) -> None:
    """Save one array (:func:`save_array`) or several in a group (:func:`save_group`).

    Examples
    --------
    >>> import numpy as np, zarr_core
    >>> store = zarr_core.MemoryStore()
    >>> zarr_core.save(store, np.arange(4))
    >>> zarr_core.load(store)
    array([0, 1, 2, 3])
    >>> zarr_core.save(store, a=np.arange(2), b=np.ones(2))
    >>> sorted(zarr_core.load(store))
    ['a', 'b']
    """
    if not args and not kwargs:
        raise InvalidArgumentError("at least one array must be given")
    common = {"zarr_format": zarr_format, "path": path, "storage_options": storage_options}
    if len(args) == 1 and not kwargs:
        save_array(store, args[0], **common)
    else:
        save_group(store, *args, **common, **kwargs)


class LazyLoader(Mapping):
    """The arrays of a group, each read into memory when first asked for.

    Returned by :func:`load` for a group. Loaded arrays are kept.
    """

    def __init__(self, group: Any):
        self._group = group
        self._cache: dict[str, np.ndarray] = {}
        self._names = sorted(group.array_keys())

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name not in self._names:
                raise KeyError(name)
            self._cache[name] = self._group[name][...]
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def close(self) -> None:
        """Close the store the group was read from."""
        self._group.store.close()

    def __enter__(self) -> LazyLoader:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<LazyLoader: {', '.join(self._names)}>"


def load(
    store: Any,
    path: str | None = None,
    *,
    zarr_format: int | None = None,
    storage_options: dict | None = None,
    zarr_version: int | None = None,
    meta_array: Any = None,
) -> np.ndarray | LazyLoader:
    """Load an array into memory, or a group as a :class:`LazyLoader` of its arrays.

    Parameters
    ----------
    store
        Anything ``store=`` accepts.
    path
        The node to load.
    zarr_format, zarr_version
        Expect this format (default: whichever is there); ``zarr_version`` is the 2.x name.
    meta_array
        Accepted as in zarr-python 2 (NumPy only, see :mod:`zarr_core.node.keywords`).

    Raises
    ------
    PathNotFoundError
        If nothing is stored at ``path``.
    """
    from zarr_core.api.hierarchy import open as open_node
    from zarr_core.node.keywords import check_meta_array, merge_format
    from zarr_core.storage.resolve import resolve

    check_meta_array(meta_array)
    zarr_format = merge_format(zarr_format, zarr_version)
    resolved = resolve(store, mode="r", storage_options=storage_options)
    node = open_node(
        resolved.store,
        mode="r",
        path=join_path(resolved.path, normalize_path(path)),
        zarr_format=zarr_format or resolved.zarr_format,
    )
    if hasattr(node, "shape"):
        try:
            return node[...]
        finally:
            if _opens_store(store):
                resolved.store.close()
    return LazyLoader(node)


def tree(group: Any, expand: bool = False, level: int | None = None) -> Any:
    """A printable tree of a zarr-core or h5py group (HTML in notebooks).

    Parameters
    ----------
    group
        The group.
    expand
        In the HTML rendering, show every level open.
    level
        Show this many levels below ``group`` at most.

    Examples
    --------
    >>> import zarr_core
    >>> g = zarr_core.group()
    >>> _ = g.create_group("a").zeros("x", shape=(2, 3), chunks=(2, 3), dtype="u1")
    >>> print(zarr_core.tree(g))
    /
     └── a
         └── x (2, 3) uint8
    """
    from zarr_core.node.group import TreeView

    return TreeView(group, expand=expand, level=level)


# -- logging ------------------------------------------------------------------------------


class _Log:
    """``log=`` of the copy functions: a callable, a file path, a file or None."""

    def __init__(self, log: Any):
        self._file = None
        self._owned = False
        self._func: Callable[[str], Any] | None = None
        if log is None:
            return
        if callable(log):
            self._func = log
        elif isinstance(log, str | os.PathLike):
            self._file = open(log, "w")  # noqa: SIM115 - closed in close()
            self._owned = True
        elif hasattr(log, "write"):
            self._file = log
        else:
            raise ArgumentTypeError(f"log must be a callable, a file path or a file, got {log!r}")

    def __call__(self, message: str) -> None:
        if self._func is not None:
            self._func(message)
        elif self._file is not None:
            self._file.write(message + "\n")
            self._file.flush()

    def summary(self, dry_run: bool, copied: int, skipped: int, nbytes: int) -> None:
        message = f"{copied:,} copied, {skipped:,} skipped"
        if dry_run:
            self(f"dry run: {message}")
        else:
            self(f"all done: {message}, {nbytes:,} bytes copied")

    def close(self) -> None:
        if self._owned and self._file is not None:
            self._file.close()


# -- copying nodes ------------------------------------------------------------------------


def _is_h5py(obj: Any) -> bool:
    return type(obj).__module__.startswith("h5py")


def _is_array(obj: Any) -> bool:
    return hasattr(obj, "shape")


def _check_group(dest: Any) -> None:
    if not hasattr(dest, "require_group") or _is_array(dest):
        raise InvalidArgumentError(f"dest must be a group (zarr-core or h5py), got {dest!r}")


def _h5py_string(dtype: np.dtype) -> bool:
    import h5py

    info = h5py.check_string_dtype(dtype)
    return info is not None and dtype.kind == "O"


def _zarr_object_kind(array: Any) -> str | None:
    kind = getattr(array.metadata, "object_kind", None)
    if kind is None and array.zarr_format == 2 and array.dtype.kind == "O":
        from zarr_core.metadata import v2_object_kind

        kind = v2_object_kind(array.metadata.filters)
    return kind


def _zarr_to_zarr(source: Any, dest_format: int, kws: dict[str, Any]) -> dict[str, Any]:
    """Creation arguments keeping ``source``'s chunk encoding, across formats if needed."""
    import numcodecs

    from zarr_core.metadata import v2_to_v3, v3_to_v2

    kws.setdefault("fill_value", source.fill_value)
    explicit = {"compressor", "filters", "order", "codecs"} & kws.keys()
    kind = _zarr_object_kind(source)
    if kind is not None:
        kws.setdefault("dtype", {"string": str, "bytes": bytes}[kind])
    meta = source.metadata
    if dest_format == 3 and source.dimension_names is not None:
        kws.setdefault("dimension_names", source.dimension_names)
    if explicit:
        return kws
    try:
        if source.zarr_format == dest_format == 2:
            kws.update(compressor=source.compressor, filters=source.filters, order=source.order)
        elif source.zarr_format == dest_format == 3:
            kws.update(codecs=source.codecs, chunk_key_encoding=meta.chunk_key_encoding.to_json())
        elif dest_format == 3:
            kws["codecs"] = v2_to_v3(meta).codecs
        else:
            meta2, _ = v3_to_v2(meta)
            kws["dtype"] = kws.get("dtype", meta2.dtype)
            kws["compressor"] = meta2.compressor and numcodecs.get_codec(dict(meta2.compressor))
            filters = [numcodecs.get_codec(dict(f)) for f in meta2.filters or ()]
            kws.update(filters=filters or None, order=meta2.order)
    except MetadataError:
        pass  # the other format cannot express these codecs: its defaults apply
    return kws


def _creation_kwargs(source: Any, dest: Any, create_kws: dict[str, Any]) -> dict[str, Any]:
    kws = dict(create_kws)
    kws.setdefault("chunks", source.chunks)
    source_h5py, dest_h5py = _is_h5py(source), _is_h5py(dest)
    if source_h5py and dest_h5py:
        for option in ("compression", "compression_opts", "shuffle", "fletcher32", "fillvalue"):
            kws.setdefault(option, getattr(source, option))
    elif source_h5py:
        # zarr-core's own default codecs; h5py filters have no general zarr equivalent
        if _h5py_string(source.dtype):
            # h5py reports b"" as the fill of its strings; ours is the default ""
            kws.setdefault("dtype", str)
            kws.setdefault("fill_value", None)
        else:
            kws.setdefault("fill_value", source.fillvalue)
    elif dest_h5py:
        import h5py

        kws.setdefault("compression", "gzip")
        kws.setdefault("compression_opts", 1)
        kws.setdefault("shuffle", False)
        if _zarr_object_kind(source) == "string":
            kws.setdefault("dtype", h5py.string_dtype())
        elif source.fill_value is not None:
            kws.setdefault("fillvalue", source.fill_value)
    else:
        kws = _zarr_to_zarr(source, getattr(dest, "zarr_format", 3), kws)
    kws.setdefault("dtype", source.dtype)
    return kws


def _reader(source: Any) -> Any:
    # h5py hands variable-length strings back as bytes unless asked for str
    if _is_h5py(source) and _h5py_string(source.dtype):
        return source.asstr()
    return source


def data_blocks(dest: Any) -> Iterator[tuple[slice, ...]]:
    """The selections :func:`copy_data` writes, in order: whole chunks of ``dest``
    (several along the first axis when they are small), about ``_BLOCK_BYTES`` each."""
    shape = tuple(dest.shape)
    if 0 in shape:
        return
    chunks = tuple(dest.chunks or shape)
    itemsize = max(np.dtype(dest.dtype).itemsize, 8 if dest.dtype.kind == "O" else 1)
    row_bytes = chunks[0] * math.prod(shape[1:]) * itemsize
    if row_bytes <= _BLOCK_BYTES:
        step = chunks[0] * max(1, _BLOCK_BYTES // row_bytes)
        for start in range(0, shape[0], step):
            yield (slice(start, min(start + step, shape[0])),)
        return
    offsets = [range(0, s, c) for s, c in zip(shape, chunks)]
    for origin in itertools.product(*offsets):
        yield tuple(slice(o, min(o + c, s)) for o, c, s in zip(origin, chunks, shape))


def block_nbytes(dest: Any, selection: tuple[slice, ...]) -> int:
    """Bytes in memory of one block of :func:`data_blocks`."""
    size = math.prod(s.stop - s.start for s in selection) * math.prod(dest.shape[len(selection) :])
    return size * np.dtype(dest.dtype).itemsize


def copy_data(source: Any, dest: Any, bar: Any = None) -> None:
    """Copy every element of ``source`` into ``dest`` (same shape), block by block.

    Blocks are whole chunks of ``dest`` (see :func:`data_blocks`), so each destination
    chunk is written once and never read back. ``bar`` (a progress bar) is advanced by
    the bytes of each block.
    """
    reader = _reader(source)
    if not dest.shape:
        dest[()] = reader[()]
        return
    for selection in data_blocks(dest):
        dest[selection] = reader[selection]
        if bar is not None:
            bar.update(block_nbytes(dest, selection))


class _Copier:
    """One copy or copy_all run: the options and the running totals."""

    def __init__(
        self,
        log: _Log,
        shallow: bool,
        without_attrs: bool,
        if_exists: str,
        dry_run: bool,
        create_kws: dict[str, Any],
        bar: Any = None,
    ):
        self.log = log
        self.bar = bar
        self.shallow = shallow
        self.without_attrs = without_attrs
        self.if_exists = if_exists
        self.dry_run = dry_run
        self.create_kws = create_kws
        self.copied = self.skipped = self.nbytes = 0

    def node(self, source: Any, dest: Any, name: str, root: bool) -> None:
        if _is_array(source):
            self.array(source, dest, name)
        elif root or not self.shallow:
            self.group(source, dest, name)

    def array(self, source: Any, dest: Any, name: str) -> None:
        exists = dest is not None and name in dest
        copy = True
        if exists and self.if_exists == "raise":
            raise CopyError(f"an object {name!r} already exists in destination {dest.name!r}")
        if exists and self.if_exists == "skip":
            copy = False
        elif exists and self.if_exists == "skip_initialized":
            existing = dest[name]
            copy = not (_is_array(existing) and existing.nchunks_initialized == existing.nchunks)
        label = f"{source.name} {source.shape} {source.dtype}"
        if not copy:
            self.log(f"skip {label}")
            self.skipped += 1
            return
        self.log(f"copy {label}")
        self.copied += 1
        if self.dry_run:
            return
        if exists:
            del dest[name]
        kws = _creation_kwargs(source, dest, self.create_kws)
        shape = kws.pop("shape", source.shape)
        target = dest.create_dataset(name, shape=shape, **kws)
        copy_data(source, target, self.bar)
        self.nbytes += target.size * target.dtype.itemsize
        if not self.without_attrs:
            target.attrs.update(dict(source.attrs))

    def group(self, source: Any, dest: Any, name: str) -> None:
        in_the_way = dest is not None and name in dest and _is_array(dest[name])
        if in_the_way and self.if_exists == "raise":
            raise CopyError(f"an array {name!r} already exists in destination {dest.name!r}")
        if in_the_way and self.if_exists == "skip":
            self.log(f"skip {source.name}")
            self.skipped += 1
            return
        self.log(f"copy {source.name}")
        if self.dry_run:
            # nothing is created: the children are checked against what exists already
            found = None if dest is None else dest.get(name)
            target = None if found is None or _is_array(found) else found
        else:
            if in_the_way:
                del dest[name]
            target = dest.require_group(name)
            if not self.without_attrs:
                target.attrs.update(dict(source.attrs))
        for child in source:
            self.node(source[child], target, child, root=False)
        self.copied += 1

    @property
    def totals(self) -> tuple[int, int, int]:
        return self.copied, self.skipped, self.nbytes


def _run(
    dest: Any,
    log: Any,
    if_exists: str,
    dry_run: bool,
    body: Callable[[_Copier], None],
    progress: bool = False,
    **options: Any,
) -> tuple[int, int, int]:
    _check_group(dest)
    if if_exists not in _IF_EXISTS:
        raise InvalidArgumentError(f"if_exists must be one of {_IF_EXISTS}, got {if_exists!r}")
    if if_exists == "skip_initialized" and _is_h5py(dest):
        raise InvalidArgumentError("if_exists='skip_initialized' needs a zarr-core destination")
    from zarr_core.progress import progress_bar

    writer = _Log(log)
    bar = progress_bar(progress and not dry_run, None, "copy", unit="B", unit_scale=True)
    try:
        copier = _Copier(writer, if_exists=if_exists, dry_run=dry_run, bar=bar, **options)
        body(copier)
        writer.summary(dry_run, *copier.totals)
    finally:
        bar.close()
        writer.close()
    return copier.totals


def copy(
    source: Any,
    dest: Any,
    name: str | None = None,
    shallow: bool = False,
    without_attrs: bool = False,
    log: Any = None,
    if_exists: str = "raise",
    dry_run: bool = False,
    progress: bool = False,
    **create_kws: Any,
) -> tuple[int, int, int]:
    """Copy an array or group (with everything below it) into the group ``dest``.

    Source and destination may each be zarr-core or h5py objects, and zarr-core
    groups of either format: data are decoded and re-encoded, keeping the chunk shape,
    codecs (translated when the formats differ and the other format can express them),
    fill value and attributes unless ``create_kws`` say otherwise.

    Parameters
    ----------
    source
        An array or group (zarr-core or h5py).
    dest
        A group (zarr-core or h5py).
    name
        The name in ``dest``; by default the source's own name.
    shallow
        Copy only the immediate children of a source group (its arrays; sub-groups are
        left out).
    without_attrs
        Leave user attributes behind.
    log
        Where to report each step: a callable taking a string, a file path, or a file
        (``sys.stdout``).
    if_exists
        When an array of that name exists in ``dest``: ``"raise"`` a
        :class:`CopyError`, ``"replace"`` it, ``"skip"`` it, or ``"skip_initialized"``
        (skip it if every chunk is stored; zarr-core destinations only).
    dry_run
        Only log what would be done.
    progress
        Show a progress bar of the bytes copied on standard error (when it is a
        terminal).
    **create_kws
        Passed to the destination's ``create_dataset``.

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied
        Nodes copied and skipped, and bytes of data copied (uncompressed).

    Raises
    ------
    CopyError
        Something of that name exists and ``if_exists="raise"``.
    TypeError
        ``source`` is a root group and no ``name`` was given.

    Examples
    --------
    >>> import sys, numpy as np, zarr_core
    >>> source = zarr_core.group()
    >>> _ = source.create_dataset("foo/bar", data=np.arange(10), chunks=5)
    >>> dest = zarr_core.group()
    >>> zarr_core.copy(source["foo"], dest, log=sys.stdout)
    copy /foo
    copy /foo/bar (10,) int64
    all done: 2 copied, 0 skipped, 80 bytes copied
    (2, 0, 80)
    """
    if name is None:
        name = source.name.rsplit("/", 1)[-1]
        if not name:
            raise ArgumentTypeError("the source is a root group and has no name: pass name=")

    def body(copier: _Copier) -> None:
        copier.node(source, dest, name, root=True)

    return _run(
        dest,
        log,
        if_exists,
        dry_run,
        body,
        progress=progress,
        shallow=shallow,
        without_attrs=without_attrs,
        create_kws=create_kws,
    )


def copy_all(
    source: Any,
    dest: Any,
    shallow: bool = False,
    without_attrs: bool = False,
    log: Any = None,
    if_exists: str = "raise",
    dry_run: bool = False,
    progress: bool = False,
    **create_kws: Any,
) -> tuple[int, int, int]:
    """Copy every child of the group ``source`` into the group ``dest``.

    The source group's own attributes are copied onto ``dest`` (unless
    ``without_attrs``). Options and result as for :func:`copy`; with ``shallow`` only
    the arrays directly in ``source`` are copied.

    Examples
    --------
    >>> import numpy as np, zarr_core
    >>> source = zarr_core.group()
    >>> _ = source.create_dataset("a/x", data=np.arange(4), chunks=2)
    >>> _ = source.create_dataset("y", data=np.ones(3), chunks=3)
    >>> dest = zarr_core.group()
    >>> zarr_core.copy_all(source, dest)
    (3, 0, 56)
    >>> print(dest.tree())
    /
     ├── a
     │   └── x (4,) int64
     └── y (3,) float64
    """

    def body(copier: _Copier) -> None:
        for child in source:
            copier.node(source[child], dest, child, root=False)
        if not dry_run and not without_attrs:
            dest.attrs.update(dict(source.attrs))

    return _run(
        dest,
        log,
        if_exists,
        dry_run,
        body,
        progress=progress,
        shallow=shallow,
        without_attrs=without_attrs,
        create_kws=create_kws,
    )


# -- copying keys -------------------------------------------------------------------------


def _raw_store(store: Any, mode: str) -> Store:
    from zarr_core.storage.memory import KVStore
    from zarr_core.storage.resolve import open_store

    if isinstance(store, Store):
        return store
    if isinstance(store, Mapping) and not hasattr(store, "__setitem__"):
        return KVStore(store)  # type: ignore[arg-type] # read-only use
    return open_store(store, mode=mode)


def _patterns(value: str | list[str] | None, flags: int) -> list[re.Pattern]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [re.compile(p, flags) for p in value]


def copy_store(
    source: Any,
    dest: Any,
    source_path: str = "",
    dest_path: str = "",
    excludes: str | list[str] | None = None,
    includes: str | list[str] | None = None,
    flags: int = 0,
    if_exists: str = "raise",
    dry_run: bool = False,
    log: Any = None,
    progress: bool = False,
    keys: Iterable[str] | None = None,
) -> tuple[int, int, int]:
    """Copy keys from one store to another as they are: nothing is decoded.

    The fastest way to move a hierarchy (or part of it) between backends when its
    configuration stays the same. Keys are read and written in batches (one
    ``getitems``/``setitems`` per batch), so backends with native batch calls do few
    round trips.

    Parameters
    ----------
    source, dest
        Stores, mappings, paths or URLs (a store opened here from a path or URL is
        closed afterwards).
    source_path
        Copy only the keys under this path.
    dest_path
        Put the copied keys under this path (the part below ``source_path`` is kept).
    excludes
        Regular expressions: keys matching any are not copied...
    includes
        ...unless they match one of these.
    flags
        ``re`` flags for both.
    if_exists
        For keys already in ``dest``: ``"raise"`` a :class:`CopyError` (keys before it
        are copied), ``"replace"`` them or ``"skip"`` them.
    dry_run
        Only log what would be done.
    log
        As for :func:`copy`.
    progress
        Show a progress bar of the keys copied on standard error (when it is a
        terminal).
    keys
        Copy these keys of ``source`` (all under ``source_path``) instead of listing it:
        for callers that selected keys already.

    Returns
    -------
    n_copied, n_skipped, n_bytes_copied

    Examples
    --------
    >>> import sys, zarr_core
    >>> source = zarr_core.MemoryStore()
    >>> _ = zarr_core.array([1, 2, 3], chunks=2, store=source, path="x", zarr_format=2)
    >>> dest = {}
    >>> zarr_core.copy_store(source, dest, excludes=r"\\.zgroup$", log=sys.stdout)  # doctest: +ELLIPSIS
    copy x/.zarray
    copy x/0
    copy x/1
    all done: 3 copied, 0 skipped, ... bytes copied
    (3, 0, ...)
    """
    if if_exists not in ("raise", "replace", "skip"):
        raise InvalidArgumentError(
            f"if_exists must be 'raise', 'replace' or 'skip', got {if_exists!r}"
        )
    source_prefix = normalize_path(source_path)
    source_prefix = source_prefix + "/" if source_prefix else ""
    dest_prefix = normalize_path(dest_path)
    dest_prefix = dest_prefix + "/" if dest_prefix else ""
    exclude, include = _patterns(excludes, flags), _patterns(includes, flags)
    src, dst = _raw_store(source, "r"), _raw_store(dest, "a")
    from zarr_core.progress import progress_bar

    writer = _Log(log)
    copied = skipped = nbytes = 0
    pending: dict[str, str] = {}
    keys = src.list_prefix(source_prefix) if keys is None else list(keys)
    bar = progress_bar(progress and not dry_run, len(keys), "copy_store", unit="key")

    def flush() -> None:
        nonlocal nbytes
        if not pending:
            return
        values = src.getitems(list(pending))
        dst.setitems({pending[k]: v for k, v in values.items()})
        nbytes += sum(len(v) for v in values.values())
        bar.update(len(pending))
        pending.clear()

    try:
        existing = set() if if_exists == "replace" else set(dst.list_prefix(dest_prefix))
        for key in keys:
            if any(p.search(key) for p in exclude) and not any(p.search(key) for p in include):
                continue
            target = dest_prefix + key[len(source_prefix) :]
            label = key if target == key else f"{key} -> {target}"
            if target in existing:
                if if_exists == "raise":
                    flush()
                    raise CopyError(f"key {target!r} exists in destination")
                writer(f"skip {label}")
                skipped += 1
                continue
            writer(f"copy {label}")
            copied += 1
            if not dry_run:
                pending[key] = target
                if len(pending) >= _KEY_BATCH:
                    flush()
        flush()
        writer.summary(dry_run, copied, skipped, nbytes)
    finally:
        bar.close()
        writer.close()
        for given, opened in ((source, src), (dest, dst)):
            if _opens_store(given):
                opened.close()
    return copied, skipped, nbytes
