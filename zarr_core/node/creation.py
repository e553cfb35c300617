"""Creating and opening arrays: ``create``, ``zeros``, ``array``, ``open_array``, ...

Names and semantics follow the zarr-python 2.x API, plus ``zarr_format=2|3`` (alias
``zarr_version``). New arrays use format 3 unless ``zarr_format`` or the
``default_zarr_format`` config setting (``ZARR_CORE_DEFAULT_ZARR_FORMAT``) says otherwise.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from zarr_core import config
from zarr_core.errors import ArgumentTypeError, InvalidArgumentError
from zarr_core.metadata import ArrayMetadataV2, ArrayMetadataV3, ChunkKeyEncoding
from zarr_core.metadata.dtypes import v3_from_numpy
from zarr_core.metadata.fill_value import default_fill_value, normalize_fill_value
from zarr_core.node.array import Array
from zarr_core.node.documents import (
    NodeMetadata,
    clear_or_check,
    load_node,
    node_documents,
    node_kind,
    not_found_error,
    require_parent_groups,
    write_array_metadata,
    wrong_kind_error,
)
from zarr_core.node.keywords import check_meta_array, compressor_argument, merge_format
from zarr_core.storage.keys import join_path, normalize_path
from zarr_core.storage.memory import MemoryStore
from zarr_core.storage.resolve import resolve
from zarr_core.storage.transformers import apply_storage_transformers

__all__ = [
    "create",
    "empty",
    "zeros",
    "ones",
    "full",
    "array",
    "empty_like",
    "zeros_like",
    "ones_like",
    "full_like",
    "open_array",
    "open_like",
    "normalize_chunks",
    "guess_chunks",
]

_CHUNK_BASE = 256 * 1024  # target chunk bytes for a 1 MiB array, growing with its size
_CHUNK_MIN = 128 * 1024
_CHUNK_MAX = 64 * 1024 * 1024


def guess_chunks(shape: tuple[int, ...], typesize: int) -> tuple[int, ...]:
    """Pick a chunk shape for ``shape``: bigger arrays get bigger chunks (128 KiB - 64 MiB).

    Starts from the whole array and halves dimensions in turn, from the first, until the
    chunk is near a target size that grows logarithmically with the array's size.
    """
    ndim = len(shape)
    chunks = [max(float(s), 1.0) for s in shape]
    array_bytes = math.prod(chunks) * typesize
    target = _CHUNK_BASE * 2 ** math.log10(array_bytes / 2**20) if array_bytes else _CHUNK_MIN
    target = min(max(target, _CHUNK_MIN), _CHUNK_MAX)
    i = 0
    while ndim:
        chunk_bytes = math.prod(chunks) * typesize
        near = abs(chunk_bytes - target) / target < 0.5
        if (chunk_bytes < target or near) and chunk_bytes < _CHUNK_MAX:
            break
        if math.prod(chunks) == 1:
            break
        chunks[i % ndim] = math.ceil(chunks[i % ndim] / 2.0)
        i += 1
    return tuple(int(c) for c in chunks)


def normalize_chunks(chunks: Any, shape: tuple[int, ...], typesize: int) -> tuple[int, ...]:
    """Turn a ``chunks=`` argument into a full chunk shape.

    ``True``/``None`` guess; ``False`` means one chunk; an int applies to every dimension;
    in a tuple, ``None`` or ``-1`` means the whole dimension and missing trailing entries
    are filled from ``shape``.
    """
    if chunks is None or chunks is True:
        return guess_chunks(shape, typesize)
    if chunks is False:
        return tuple(max(s, 1) for s in shape)
    if isinstance(chunks, int | np.integer):
        chunks = (int(chunks),) * len(shape)
    chunks = tuple(chunks)
    if len(chunks) > len(shape):
        raise InvalidArgumentError(f"chunks {chunks} have more dimensions than shape {shape}")
    chunks = chunks + tuple(shape[len(chunks) :])
    out = tuple(max(s, 1) if c in (None, -1) else int(c) for c, s in zip(chunks, shape))
    if any(c <= 0 for c in out):
        raise InvalidArgumentError(f"chunk sizes must be positive, got {out}")
    return out


def _format(zarr_format: int | None, zarr_version: int | None, pinned: int | None) -> int:
    fmt = merge_format(zarr_format, zarr_version) or pinned or config.get("default_zarr_format")
    if fmt not in (2, 3):
        raise InvalidArgumentError(f"zarr_format must be 2 or 3, got {fmt!r}")
    return int(fmt)


def _object_codec_for(dtype: Any, object_codec: Any) -> tuple[np.dtype, Any, str | None]:
    """Resolve the ``str``/``bytes``/``'array:<dtype>'`` shorthands and object codecs.

    Returns the NumPy dtype, the numcodecs object codec (v2) and the v3 object kind.
    """
    import numcodecs

    if dtype is str or (isinstance(dtype, np.dtype) and dtype.kind == "T"):
        return np.dtype(object), object_codec or numcodecs.VLenUTF8(), "string"
    if dtype is bytes:
        return np.dtype(object), object_codec or numcodecs.VLenBytes(), "bytes"
    if isinstance(dtype, str) and dtype.startswith("array:"):
        return np.dtype(object), object_codec or numcodecs.VLenArray(dtype[6:]), None
    try:
        dtype = np.dtype("f8" if dtype is None else dtype)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"dtype {dtype!r} is not a NumPy data type: {exc}") from None
    kind = None
    if dtype.kind == "O":
        codec_id = getattr(object_codec, "codec_id", None)
        kind = {"vlen-utf8": "string", "vlen-bytes": "bytes"}.get(codec_id)
    return dtype, object_codec, kind


def _v2_metadata(
    shape, chunks, dtype, compressor, fill_value, order, filters, object_codec, dimension_separator
) -> ArrayMetadataV2:
    from zarr_core.codecs import default_v2_compressor

    filters = [f if isinstance(f, dict) else f.get_config() for f in filters or ()]
    if dtype.kind == "O":
        if object_codec is None and not (filters and _is_object_codec(filters[0])):
            raise InvalidArgumentError(
                "an object array needs an object codec: pass dtype=str, dtype=bytes, "
                "dtype='array:<type>' or object_codec=numcodecs.VLenUTF8() (or JSON, MsgPack, Pickle)"
            )
        if object_codec is not None and not (filters and filters[0]["id"] == object_codec.codec_id):
            filters.insert(0, object_codec.get_config())
    if compressor == "default":
        compressor = default_v2_compressor(dtype)
    elif compressor is not None and not isinstance(compressor, dict):
        from zarr_core.errors import BadCompressorError

        if not hasattr(compressor, "get_config"):
            raise BadCompressorError(compressor)
        compressor = compressor.get_config()
    if (
        compressor is not None
        and compressor.get("id") == "zstd"
        and compressor.get("checksum") is False
    ):
        # numcodecs writes checksum: false, which tensorstore refuses; false is the default.
        compressor = {k: v for k, v in compressor.items() if k != "checksum"}
    if compressor is not None and compressor.get("id") == "blosc" and "typesize" in compressor:
        # numcodecs 0.16.0 writes typesize, which zarr-python 2 and tensorstore refuse;
        # later numcodecs ignore it (blosc takes the item size from the dtype)
        compressor = {k: v for k, v in compressor.items() if k != "typesize"}
    return ArrayMetadataV2(
        shape=shape,
        chunks=chunks,
        dtype=dtype,
        compressor=compressor,
        fill_value=fill_value,
        order=order,
        filters=filters or None,
        dimension_separator=dimension_separator or ".",
        separator_stated=dimension_separator is not None,
    )


def _is_object_codec(config_: dict) -> bool:
    return config_.get("id") in {
        "vlen-utf8",
        "vlen-bytes",
        "vlen-array",
        "json2",
        "msgpack2",
        "pickle",
        "categorize",
        "json",
        "msgpack",
    }


def _v3_metadata(
    shape,
    chunks,
    dtype,
    object_kind,
    compressor,
    fill_value,
    order,
    filters,
    codecs,
    chunk_key_encoding,
    dimension_names,
    storage_transformers,
    attributes,
    shards,
) -> ArrayMetadataV3:
    from zarr_core.codecs import (
        ChunkSpec,
        CodecPipeline,
        default_v3_codecs,
        v3_codecs_from_numcodecs,
    )

    if dtype.kind == "O" and object_kind is None:
        raise InvalidArgumentError(
            "Zarr format 3 can store object arrays only as strings (dtype=str) or bytes "
            "(dtype=bytes); use zarr_format=2 for other object codecs (JSON, MsgPack, Pickle, VLenArray)"
        )
    if codecs is None:
        default = compressor == "default"
        codecs = v3_codecs_from_numcodecs(
            None if default else compressor,
            filters,
            dtype,
            order,
            ndim=len(shape),
            object_kind=object_kind,
        )
        if default:
            # default_v3_codecs is [array->bytes, compressor]: take the compressor it picks
            # (the array.default_compressor config, else zstd) after our own chain
            codecs += default_v3_codecs(dtype, object_kind)[1:]
    else:
        # validate a given chain and write it complete, with what depends on the dtype
        # (the bytes codec's endian, blosc's typesize) filled in
        spec = ChunkSpec(chunks, dtype, fill_value, object_kind)
        codecs = CodecPipeline.from_v3(codecs, spec).to_json()
    if shards is not None:
        codecs, chunks = _shard_codecs(shards, chunks, codecs, shape)
    if chunk_key_encoding is None:
        chunk_key_encoding = {"name": "default", "configuration": {"separator": "/"}}
    elif isinstance(chunk_key_encoding, str):
        chunk_key_encoding = {"name": chunk_key_encoding}
    elif isinstance(chunk_key_encoding, tuple):
        chunk_key_encoding = {
            "name": chunk_key_encoding[0],
            "configuration": {"separator": chunk_key_encoding[1]},
        }
    data_type, _ = v3_from_numpy(dtype, object_kind=object_kind)
    return ArrayMetadataV3(
        shape=shape,
        data_type=data_type,
        chunk_shape=chunks,
        chunk_key_encoding=ChunkKeyEncoding.from_json(chunk_key_encoding),
        fill_value=fill_value,
        codecs=list(codecs),
        attributes=dict(attributes or {}),
        dimension_names=tuple(dimension_names) if dimension_names is not None else None,
        storage_transformers=[dict(t) for t in storage_transformers or ()],
    )


def _shard_codecs(shards, chunks, codecs, shape):
    """Wrap the chain in ``sharding_indexed`` (the codec comes from the sharding plugin)."""
    from zarr_core.plugins import get_registry

    registry = get_registry()
    registry.require("codec", "sharding_indexed")  # names zarr-core-sharding when absent
    if isinstance(shards, int | np.integer):  # as for chunks: the same in every dimension
        shards = (int(shards),) * len(shape)
    try:
        shards = tuple(operator.index(s) for s in shards)
    except TypeError:
        raise ArgumentTypeError(
            f"shards must be an integer or a tuple of integers, got {shards!r}"
        ) from None
    if any(s <= 0 for s in shards):
        raise InvalidArgumentError(f"shard sizes must be positive, got {shards}")
    if len(shards) != len(shape):
        raise InvalidArgumentError(f"shards {shards} must have one entry per dimension of {shape}")
    if any(s % c for s, c in zip(shards, chunks)):
        raise InvalidArgumentError(
            f"the shard shape {shards} must be a multiple of the chunk shape {chunks}"
        )
    sharding = {
        "name": "sharding_indexed",
        "configuration": {
            "chunk_shape": list(chunks),
            "codecs": list(codecs),
            "index_codecs": [
                {"name": "bytes", "configuration": {"endian": "little"}},
                {"name": "crc32c"},
            ],
            "index_location": "end",
        },
    }
    return [sharding], shards


def _prepare_target(
    store: Any, path: str | None, mode: str, storage_options: Any, zarr_format, zarr_version
):
    resolved = resolve(store, mode=mode, storage_options=storage_options)
    full_path = join_path(resolved.path, normalize_path(path))
    fmt = _format(zarr_format, zarr_version, resolved.zarr_format)
    return resolved.store, full_path, fmt, resolved.zarr_format


def create(
    shape: int | tuple[int, ...],
    chunks: Any = True,
    dtype: Any = None,
    compressor: Any = "default",
    fill_value: Any = 0,
    order: str | None = None,
    store: Any = None,
    synchronizer: Any = None,
    overwrite: bool = False,
    path: str | None = None,
    chunk_store: Any = None,
    filters: Any = None,
    cache_metadata: bool = True,
    cache_attrs: bool = True,
    read_only: bool = False,
    object_codec: Any = None,
    dimension_separator: str | None = None,
    write_empty_chunks: bool | None = None,
    zarr_format: int | None = None,
    zarr_version: int | None = None,
    storage_options: dict | None = None,
    dimension_names: Any = None,
    chunk_key_encoding: Any = None,
    storage_transformers: Any = None,
    shards: Any = None,
    codecs: Any = None,
    attributes: dict | None = None,
    allow_pickle: bool | None = None,
    compression: Any = None,
    compression_opts: Any = None,
    partial_decompress: bool | str | None = None,
    meta_array: Any = None,
) -> Array:
    """Create an array.

    Parameters
    ----------
    shape
        Array shape.
    chunks
        Chunk shape; ``True`` (default) guesses one, ``False`` means a single chunk, an
        int is used for every dimension, ``None``/``-1`` entries span the dimension.
    dtype
        NumPy dtype (default ``float64``); ``str``, ``bytes`` and ``"array:<type>"`` make
        variable-length object arrays.
    compressor
        A numcodecs codec or ``None`` (also spelled ``"none"`` or ``[]``); ``"default"``
        picks Blosc-LZ4 (format 2, as zarr-python 2) or Zstd (format 3, as zarr-python
        3); settable through the ``array.default_compressor`` config.
    compression, compression_opts
        h5py spelling of ``compressor``: a numcodecs codec id (``"zlib"``, ``"gzip"``,
        ``"none"``...) and its argument (a level, a tuple or a dict of options).
    fill_value
        Value of elements never written (default 0, meaning zeros of the dtype: ``""``
        for strings, ``b""`` for bytes; no fill value for format 2 object arrays).
    order
        ``"C"`` or ``"F"`` layout inside chunks (format 3 expresses ``"F"`` as a
        ``transpose`` codec).
    store, path, storage_options
        Where: anything :func:`zarr_core.open_store` accepts, and a path inside it.
    overwrite
        Delete whatever exists at ``path`` first; otherwise an existing node is an error.
    read_only
        Return the new array read-only (its metadata is written all the same).
    chunk_store
        A separate store for the chunks.
    filters, object_codec
        numcodecs filters; the codec that serialises object elements.
    dimension_separator
        Chunk-key separator (``"."`` or ``"/"``); format 2 defaults to the store's (else
        ``"."``), format 3 applies it to the ``default`` chunk key encoding.
    write_empty_chunks
        Store chunks equal to the fill value (default from config: True).
    zarr_format, zarr_version
        2 or 3.
    dimension_names, chunk_key_encoding, storage_transformers, codecs
        Format 3 only: names per axis; ``"default"``/``"v2"`` or ``(name, separator)``;
        storage transformer documents; a full codec chain (overrides compressor/filters).
    attributes
        Initial user attributes.
    shards
        Format 3 only: shard shape (a multiple of ``chunks``); needs zarr-core-sharding.
    allow_pickle
        Allow decoding the ``pickle`` object codec.
    partial_decompress
        Decode only the blosc blocks a read needs: ``True``, ``False`` or ``"auto"``;
        ``None`` follows the ``array.partial_decompress`` setting (see
        :mod:`zarr_core.node.keywords`).
    meta_array
        Accepted as zarr-python 2 does; it must be a NumPy array: reads return NumPy
        arrays (see :mod:`zarr_core.node.keywords`).

    Returns
    -------
    Array
    """
    check_meta_array(meta_array)
    compressor = compressor_argument(compressor, compression, compression_opts)
    target, full_path, fmt, _ = _prepare_target(
        store, path, "a", storage_options, zarr_format, zarr_version
    )
    chunk_store_obj = resolve(chunk_store).store if chunk_store is not None else None
    shape = (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)
    dtype, object_codec, object_kind = _object_codec_for(dtype, object_codec)
    if dtype.subdtype is not None:
        # A subarray dtype ('f4', (2, 2)) adds its axes to the array, as in zarr-python 2.
        dtype, extra = dtype.subdtype
        if isinstance(chunks, tuple | list) and len(chunks) == len(shape):
            chunks = (*chunks, *extra)
        shape = (*shape, *extra)
    chunks = normalize_chunks(chunks, shape, dtype.itemsize)
    order = order or config.get("array.order")
    if order not in ("C", "F"):
        raise InvalidArgumentError(f"order must be 'C' or 'F', got {order!r}")
    if isinstance(fill_value, int) and not isinstance(fill_value, bool) and fill_value == 0:
        # the default 0 means zeros of the dtype, as in zarr-python 2 (b"" for "S6", not
        # b"0"); format 2 object arrays get no fill value
        fill_value = (
            None if fmt == 2 and dtype.kind == "O" else default_fill_value(dtype, object_kind)
        )
    fill_value = normalize_fill_value(fill_value, dtype, object_kind=object_kind)
    if fill_value is None and fmt == 3:
        fill_value = default_fill_value(dtype, object_kind)
    if fmt == 2:
        if shards is not None:
            raise InvalidArgumentError("shards need zarr_format=3 (sharding is a Zarr v3 codec)")
        v3_only = {
            "storage_transformers": storage_transformers,
            "chunk_key_encoding": chunk_key_encoding,
            "dimension_names": dimension_names,
            "codecs": codecs,
        }
        given = [name for name, value in v3_only.items() if value]
        if given:
            raise InvalidArgumentError(
                f"{', '.join(given)} need zarr_format=3 (format 2 arrays use "
                "dimension_separator, compressor and filters)"
            )
        separator = dimension_separator or target.dimension_separator
        meta: Any = _v2_metadata(
            shape, chunks, dtype, compressor, fill_value, order, filters, object_codec, separator
        )
    else:
        if dimension_separator is not None and chunk_key_encoding is None:
            chunk_key_encoding = ("default", dimension_separator)
        meta = _v3_metadata(
            shape,
            chunks,
            dtype,
            object_kind,
            compressor,
            fill_value,
            order,
            filters,
            codecs,
            chunk_key_encoding,
            dimension_names,
            storage_transformers,
            attributes,
            shards,
        )
    node = NodeMetadata("array", meta)
    # Resolve every codec and transformer before touching the store: a missing plugin
    # must not leave metadata behind that nothing can open.
    node.pipeline(allow_pickle=allow_pickle)
    apply_storage_transformers(meta, MemoryStore(), full_path)
    clear_or_check(target, chunk_store_obj, full_path, overwrite)
    require_parent_groups(target, full_path, fmt, overwrite=overwrite, chunk_store=chunk_store_obj)
    write_array_metadata(
        target, full_path, node, attributes=dict(attributes or {}), exclusive=not overwrite
    )
    return Array(
        target,
        full_path,
        read_only=read_only,
        chunk_store=chunk_store_obj,
        synchronizer=synchronizer,
        cache_metadata=cache_metadata,
        cache_attrs=cache_attrs,
        write_empty_chunks=write_empty_chunks,
        allow_pickle=allow_pickle,
        partial_decompress=partial_decompress,
        # A store that presents a view of its metadata (N5) is read back: chunks must be
        # encoded as that view says, not as the document written.
        _node=None if target.translates_metadata else node,
    )


def _fixed_fill(function: str, kwargs: dict[str, Any], fill_value: Any) -> dict[str, Any]:
    # zarr-python 2 raises TypeError for a fill_value these functions fix themselves;
    # ignoring it silently would store other values than the caller asked for.
    if "fill_value" in kwargs:
        raise ArgumentTypeError(
            f"{function}() got an unexpected keyword argument 'fill_value' (its fill value "
            f"is {fill_value!r}); use zarr_core.full(shape, fill_value=...) for another one"
        )
    return {**kwargs, "fill_value": fill_value}


def empty(shape: Any, **kwargs: Any) -> Array:
    """Create an array with no fill value (format 2: ``null``, as in zarr-python 2; format
    3, which requires one, stores zero): unwritten elements are undefined."""
    return create(shape, **_fixed_fill("empty", kwargs, None))


def zeros(shape: Any, **kwargs: Any) -> Array:
    """Create an array of zeros."""
    return create(shape, **_fixed_fill("zeros", kwargs, 0))


def ones(shape: Any, **kwargs: Any) -> Array:
    """Create an array of ones."""
    return create(shape, **_fixed_fill("ones", kwargs, 1))


def full(shape: Any, fill_value: Any, **kwargs: Any) -> Array:
    """Create an array filled with ``fill_value``."""
    return create(shape, fill_value=fill_value, **kwargs)


def _like(data: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, Array):
        kwargs.setdefault("chunks", data.chunks)
        kwargs.setdefault("compressor", data.compressor if data.zarr_format == 2 else "default")
        kwargs.setdefault("filters", data.filters if data.zarr_format == 2 else None)
        kwargs.setdefault("order", data.order)
        kwargs.setdefault("fill_value", data.fill_value)
        kwargs.setdefault("zarr_format", data.zarr_format)
    else:
        chunks = getattr(data, "chunks", None)
        if isinstance(chunks, tuple) and all(isinstance(c, int) for c in chunks):
            kwargs.setdefault("chunks", chunks)
    kwargs.setdefault("dtype", getattr(data, "dtype", None))
    kwargs.setdefault("shape", data.shape)
    return kwargs


def _like_fixed(data: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``_like`` for the functions that fix the fill value (it is not taken from ``data``)."""
    given = "fill_value" in kwargs
    kwargs = _like(data, kwargs)
    if not given:
        kwargs.pop("fill_value", None)
    return kwargs


def empty_like(data: Any, **kwargs: Any) -> Array:
    """An empty array shaped like ``data`` (an array-like or Array)."""
    return empty(**_like_fixed(data, kwargs))


def zeros_like(data: Any, **kwargs: Any) -> Array:
    return zeros(**_like_fixed(data, kwargs))


def ones_like(data: Any, **kwargs: Any) -> Array:
    return ones(**_like_fixed(data, kwargs))


def full_like(data: Any, **kwargs: Any) -> Array:
    kwargs = _like(data, kwargs)
    kwargs.setdefault("fill_value", getattr(data, "fill_value", 0))
    return full(**kwargs)


def array(data: Any, **kwargs: Any) -> Array:
    """Create an array holding a copy of ``data``."""
    if not hasattr(data, "shape") or not hasattr(data, "dtype"):
        # For an object array, lists of mixed objects or of arrays of different lengths
        # are its elements; NumPy refuses them as ragged unless asked for objects.
        dtype = kwargs.get("dtype")
        as_objects = dtype is not None and _object_codec_for(dtype, None)[0].kind == "O"
        data = np.asanyarray(data, dtype=object if as_objects else None)
    if kwargs.get("dtype") is None:
        kwargs["dtype"] = data.dtype
    chunks = getattr(data, "chunks", None)
    if isinstance(chunks, tuple) and all(isinstance(c, int) for c in chunks):
        kwargs.setdefault("chunks", chunks)  # keep the chunking of a zarr or dask source
    # read_only applies to the returned array: the data is written first, as in 2.x
    read_only = kwargs.pop("read_only", False)
    z = create(shape=data.shape, **kwargs)
    z[...] = data
    z.read_only = read_only
    return z


def open_array(
    store: Any = None,
    mode: str = "a",
    shape: Any = None,
    path: str | None = None,
    zarr_format: int | None = None,
    zarr_version: int | None = None,
    storage_options: dict | None = None,
    chunk_store: Any = None,
    synchronizer: Any = None,
    cache_metadata: bool = True,
    cache_attrs: bool = True,
    write_empty_chunks: bool | None = None,
    allow_pickle: bool | None = None,
    partial_decompress: bool | str | None = None,
    meta_array: Any = None,
    *,
    _documents: dict[str, bytes] | None = None,
    **kwargs: Any,
) -> Array:
    """Open an array, creating it as the mode allows.

    Modes: ``r`` read-only, must exist; ``r+`` read/write, must exist; ``a`` read/write,
    created if missing; ``w`` created, replacing anything there; ``w-`` (or ``x``)
    created, error if anything exists. Creation arguments (``shape``, ``chunks``,
    ``dtype``, ...) are passed to :func:`create`. ``partial_decompress`` (``True``,
    ``False``, ``"auto"``; ``None`` follows the ``array.partial_decompress`` setting) and
    ``meta_array`` are the zarr-python 2 keywords (see :mod:`zarr_core.node.keywords`).
    ``_documents`` is internal: the node's documents when the caller has read them.
    """
    check_meta_array(meta_array)
    target, full_path, fmt, pinned = _prepare_target(
        store, path, mode, storage_options, zarr_format, zarr_version
    )
    explicit = zarr_format or zarr_version or pinned
    chunk_store_obj = resolve(chunk_store).store if chunk_store is not None else None
    common = dict(
        chunk_store=chunk_store_obj,
        synchronizer=synchronizer,
        cache_metadata=cache_metadata,
        cache_attrs=cache_attrs,
        write_empty_chunks=write_empty_chunks,
        allow_pickle=allow_pickle,
        partial_decompress=partial_decompress,
    )
    if mode in ("r", "r+", "a"):
        docs = node_documents(target, full_path) if _documents is None else _documents
        kind, found_format = node_kind(target, full_path, docs)
        if kind == "group" and (explicit is None or found_format == explicit):
            raise wrong_kind_error("group", full_path, target)
        if kind == "array" and (explicit is None or found_format == explicit):
            node = load_node(target, full_path, found_format, expect="array", docs=docs)
            return Array(target, full_path, read_only=mode == "r", _node=node, **common)
        if mode in ("r", "r+") or (mode == "a" and shape is None):
            raise not_found_error("array", full_path, target, explicit)
    elif mode not in ("w", "w-", "x"):
        raise InvalidArgumentError(
            f"invalid mode {mode!r}; expected one of 'r', 'r+', 'a', 'w', 'w-'"
        )
    if shape is None:
        raise InvalidArgumentError("shape is required to create an array")
    return create(
        shape,
        store=target,
        path=full_path,
        overwrite=mode == "w",
        zarr_format=fmt,
        chunk_store=chunk_store_obj,
        synchronizer=synchronizer,
        cache_metadata=cache_metadata,
        cache_attrs=cache_attrs,
        write_empty_chunks=write_empty_chunks,
        allow_pickle=allow_pickle,
        partial_decompress=partial_decompress,
        **kwargs,
    )


def open_like(data: Any, path: Any, **kwargs: Any) -> Array:
    """Open (per ``mode``, default ``"a"``) an array at ``path`` (a store, path or URL)
    shaped like ``data``: its shape, dtype and chunks, and for an :class:`Array` its
    compressor, filters, order, fill value and format, unless given in ``kwargs``."""
    return open_array(path, **_like(data, kwargs))
