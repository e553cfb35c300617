"""The ZEP 2 draft ``sharding`` storage transformer, and its converter to ``sharding_indexed``.

Before sharding became the ``sharding_indexed`` codec, the ZEP 2 draft described it as a
storage transformer: a layer between an array and its store that merges the keys of
``chunks_per_shard`` neighbouring chunks into one shard key. The shard key is the chunk
key of the chunk grid coarsened by ``chunks_per_shard`` (``c/3/5`` lives in ``c/1/2``
for ``(2, 2)``), and a shard value is the chunks' encoded bytes followed by an index of
``16 * prod(chunks_per_shard)`` bytes: little-endian ``uint64`` ``(offset, nbytes)``
pairs in C order, ``2^64 - 1`` in both for a missing chunk, no checksum.

zarr-core writes the metadata entry ``{"name": "sharding", "configuration": {"type":
"indexed", "chunks_per_shard": [...]}, "must_understand": true}``. It is our extension:
zarr-python 3 and tensorstore refuse every storage transformer, so only zarr-core reads
such arrays. :func:`convert_to_sharding_indexed` turns them into standard sharded arrays
that every Zarr v3 implementation reads, by rewriting the metadata alone: the shard
layout above is exactly ``sharding_indexed`` with an index at the end and no checksum.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import numpy as np

from zarr_core.errors import CorruptChunkError, InvalidArgumentError, InvalidKeyError, MetadataError
from zarr_core.metadata.chunk_keys import ChunkKeyEncoding
from zarr_core.storage import Store, WrapperStore
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.transformers import StorageTransformer
from zarr_core_sharding._layout import EMPTY, RangePlan

__all__ = [
    "ShardingStorageTransformer",
    "ShardingTransformerStore",
    "convert_to_sharding_indexed",
]

_NAMES = ("sharding", "https://purl.org/zarr/spec/storage_transformers/sharding/1.0")

# Writers to one shard must not interleave their read-modify-write cycles. Locks are
# striped by shard key and shared by every transformer in the process, so two arrays
# opened on the same data serialise too.
_LOCKS = [threading.Lock() for _ in range(64)]


def _locks(shard_keys: Iterable[str]) -> list[threading.Lock]:
    # Sorted stripes: two writers locking overlapping sets never wait on each other in a cycle.
    return [_LOCKS[i] for i in sorted({hash(k) % len(_LOCKS) for k in shard_keys})]


def _chunks_per_shard(value: Any, ndim: int | None = None) -> tuple[int, ...]:
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise MetadataError(
            f"chunks_per_shard must be a list of positive integers, got {value!r}",
            field="storage_transformers",
        )
    if ndim is not None and len(value) != ndim:
        raise MetadataError(
            f"chunks_per_shard {list(value)} has {len(value)} entries for an array of "
            f"{ndim} dimensions",
            field="storage_transformers",
        )
    return tuple(value)


class ShardingStorageTransformer(StorageTransformer, Mapping[str, Any]):
    """The ZEP 2 draft sharding storage transformer: pass it in ``storage_transformers``.

    The object is the metadata entry itself (a read-only mapping), so
    ``zarr_core.create(..., zarr_format=3, storage_transformers=[ShardingStorageTransformer("indexed", (2, 2))])``
    writes it into ``zarr.json``.

    Parameters
    ----------
    _type
        The index type; ``"indexed"`` is the only one the draft defines.
    chunks_per_shard
        How many chunks along each dimension share one stored shard.

    Raises
    ------
    MetadataError
        For another type or an invalid ``chunks_per_shard``.
    """

    name = "sharding"

    def __init__(self, _type: str = "indexed", chunks_per_shard: Sequence[int] = ()):
        if _type != "indexed":
            raise MetadataError(
                f"the sharding storage transformer has only the type 'indexed', got {_type!r}",
                field="storage_transformers",
            )
        self.type = _type
        self.chunks_per_shard = _chunks_per_shard(chunks_per_shard)

    def to_json(self) -> dict[str, Any]:
        """The metadata entry; ``must_understand`` is spelled out because readers that
        do not know this extension must refuse the array rather than misread it."""
        return {
            "name": self.name,
            "configuration": {"type": self.type, "chunks_per_shard": list(self.chunks_per_shard)},
            "must_understand": True,
        }

    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_json())

    def __len__(self) -> int:
        return len(self.to_json())

    def __repr__(self) -> str:
        return f"ShardingStorageTransformer({self.type!r}, {list(self.chunks_per_shard)})"

    @classmethod
    def from_config(
        cls, configuration: Mapping[str, Any], array_metadata: Any, store: Store, path: str
    ) -> ShardingTransformerStore:
        """The store an array with this transformer reads and writes its chunks through.

        Parameters
        ----------
        configuration
            The entry's ``configuration``: ``chunks_per_shard`` and optionally ``type``.
        array_metadata
            The array's v3 metadata (its chunk key encoding and rank are used).
        store, path
            The store below the transformer and the array's path in it.

        Raises
        ------
        MetadataError
            For an invalid configuration.
        """
        unknown = set(configuration) - {"type", "chunks_per_shard"}
        if unknown:
            raise MetadataError(
                f"unknown member(s) {sorted(unknown)} in the sharding storage transformer",
                field="storage_transformers",
            )
        if configuration.get("type", "indexed") != "indexed":
            raise MetadataError(
                f"the sharding storage transformer has only the type 'indexed', got {configuration['type']!r}",
                field="storage_transformers",
            )
        if "chunks_per_shard" not in configuration:
            raise MetadataError(
                "the sharding storage transformer needs 'chunks_per_shard'",
                field="storage_transformers",
            )
        ndim = len(array_metadata.shape)
        cps = _chunks_per_shard(configuration["chunks_per_shard"], ndim)
        return ShardingTransformerStore(store, path, cps, array_metadata.chunk_key_encoding)


class ShardingTransformerStore(WrapperStore):
    """A store that serves an array's chunk keys from shards kept in another store.

    Keys under ``path`` that are chunk keys of the array go to shards; every other key
    (metadata, other nodes) passes straight through.

    Parameters
    ----------
    store
        The store holding the shards.
    path
        The array's path in ``store``.
    chunks_per_shard
        Chunks per shard along each dimension.
    chunk_key_encoding
        The array's chunk key encoding (shards use it too, on the coarser grid).

    Notes
    -----
    Writing a chunk rewrites its whole shard. Within one process the shard's writers
    take turns (a lock per shard); across processes they do not, so processes must not
    write chunks of the same shard at the same time.
    """

    def __init__(
        self,
        store: Store,
        path: str,
        chunks_per_shard: Sequence[int],
        chunk_key_encoding: ChunkKeyEncoding,
    ):
        super().__init__(store)
        self.path = path
        self.chunks_per_shard = tuple(chunks_per_shard)
        self._prefix = f"{path}/" if path else ""
        self._cke = chunk_key_encoding
        self._n = math.prod(self.chunks_per_shard)
        self._index_size = 16 * self._n

    # -- key mapping --------------------------------------------------------------------
    def _locate(self, key: str) -> tuple[str, int] | None:
        """The shard key and position in it of chunk key ``key``; None for other keys."""
        if not key.startswith(self._prefix):
            return None
        try:
            coords = self._cke.decode(key[len(self._prefix) :], len(self.chunks_per_shard))
        except InvalidKeyError:
            return None
        shard = tuple(c // k for c, k in zip(coords, self.chunks_per_shard))
        local = tuple(c % k for c, k in zip(coords, self.chunks_per_shard))
        position = int(np.ravel_multi_index(local, self.chunks_per_shard)) if local else 0
        return self._prefix + self._cke.encode(shard), position

    def _chunk_key(self, shard_key: str, position: int) -> str:
        shard = self._cke.decode(shard_key[len(self._prefix) :], len(self.chunks_per_shard))
        local = np.unravel_index(position, self.chunks_per_shard) if shard else ()
        coords = tuple(s * k + int(i) for s, k, i in zip(shard, self.chunks_per_shard, local))
        return self._prefix + self._cke.encode(coords)

    def _split(self, keys: Iterable[str]) -> tuple[list[str], dict[str, dict[int, str]]]:
        """Keys that pass through, and chunk keys grouped by shard (position -> key)."""
        plain: list[str] = []
        shards: dict[str, dict[int, str]] = {}
        for key in keys:
            where = self._locate(key)
            if where is None:
                plain.append(key)
            else:
                shards.setdefault(where[0], {})[where[1]] = key
        return plain, shards

    # -- shard values -------------------------------------------------------------------
    def _parse(self, shard_key: str, value: bytes) -> tuple[memoryview, np.ndarray]:
        data = memoryview(value).cast("B")
        if len(data) < self._index_size:
            raise CorruptChunkError(
                shard_key,
                f"sharding transformer: {len(data)} bytes cannot hold the {self._index_size}-byte index",
            )
        index = np.frombuffer(data[len(data) - self._index_size :], dtype="<u8").reshape(self._n, 2)
        stored = ~((index[:, 0] == EMPTY) & (index[:, 1] == EMPTY))
        ends = index[stored, 0] + index[stored, 1]
        if len(ends) and (
            ends.max() > len(data) - self._index_size or (ends < index[stored, 0]).any()
        ):
            raise CorruptChunkError(
                shard_key, "sharding transformer: the index points outside the shard"
            )
        return data, index

    def _chunks_of(self, shard_key: str, value: bytes) -> dict[int, memoryview]:
        data, index = self._parse(shard_key, value)
        return {
            i: data[o : o + n]
            for i, (o, n) in enumerate(index.tolist())
            if not (o == n == int(EMPTY))
        }

    def _build(self, chunks: Mapping[int, Any]) -> bytes:
        index = np.full((self._n, 2), EMPTY, dtype="<u8")
        offset = 0
        parts = []
        for i in sorted(chunks):
            blob = memoryview(chunks[i]).cast("B")
            index[i] = (offset, len(blob))
            offset += len(blob)
            parts.append(blob)
        parts.append(index.tobytes())
        return b"".join(parts)

    # -- reading ------------------------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        plain, shards = self._split(keys)
        out = self.store.getitems(plain) if plain else {}
        if not shards:
            return out
        if not self.store.supports_partial_reads:
            values = self.store.getitems(list(shards))
            for shard_key, wanted in shards.items():
                if shard_key in values:
                    chunks = self._chunks_of(shard_key, values[shard_key])
                    out.update({key: bytes(chunks[i]) for i, key in wanted.items() if i in chunks})
            return out
        # One call for every index, one for every wanted chunk (neighbours merged).
        shard_keys = list(shards)
        indexes = self.store.get_partial_values(
            [(k, ByteRange.last(self._index_size)) for k in shard_keys]
        )
        plans = []
        for shard_key, raw in zip(shard_keys, indexes):
            if raw is None:
                continue
            if len(raw) != self._index_size:
                raise CorruptChunkError(
                    shard_key, "sharding transformer: the shard is shorter than its index"
                )
            index = np.frombuffer(raw, dtype="<u8").reshape(self._n, 2)
            wanted = shards[shard_key]
            found = [i for i in wanted if not (index[i, 0] == EMPTY and index[i, 1] == EMPTY)]
            if found:
                entries = index[found].astype(np.int64)
                plans.append((shard_key, found, RangePlan(entries[:, 0], entries[:, 1], 0)))
        values = self.store.get_partial_values(
            [(shard_key, r) for shard_key, _, plan in plans for r in plan.requests]
        )
        start = 0
        for shard_key, found, plan in plans:
            got = values[start : start + len(plan.requests)]
            start += len(plan.requests)
            try:
                pieces = plan.pieces([b"" if v is None else v for v in got])
            except ValueError as exc:
                raise CorruptChunkError(shard_key, f"sharding transformer: {exc}") from None
            wanted = shards[shard_key]
            out.update({wanted[i]: bytes(piece) for i, piece in zip(found, pieces)})
        return out

    # Chunks are pieces of shards: ranges of them are sliced from whole chunks.
    _get_ranges = Store._get_ranges

    def _get(self, key: str) -> bytes:
        return self._get_many([key])[key]

    def _contains(self, key: str) -> bool:
        return key in self._get_many([key])

    # -- writing ------------------------------------------------------------------------
    def _rewrite(self, shards: Mapping[str, Mapping[int, Any]]) -> None:
        """Apply changes (position -> new bytes, or None to delete) to shards, each shard
        read and written once, under its lock."""
        with ExitStack() as stack:
            for lock in _locks(shards):
                stack.enter_context(lock)
            current = self.store.getitems(list(shards))
            updated: dict[str, bytes] = {}
            emptied: list[str] = []
            for shard_key, changes in shards.items():
                chunks: dict[int, Any] = {}
                if shard_key in current:
                    chunks = self._chunks_of(shard_key, current[shard_key])
                for i, blob in changes.items():
                    if blob is None:
                        chunks.pop(i, None)
                    else:
                        chunks[i] = blob
                if chunks:
                    updated[shard_key] = self._build(chunks)
                elif shard_key in current:
                    emptied.append(shard_key)
            if updated:
                self.store.setitems(updated)
            if emptied:
                self.store.delitems(emptied)

    def _set_many(self, values: dict[str, bytes]) -> None:
        plain, shards = self._split(values)
        if plain:
            self.store.setitems({k: values[k] for k in plain})
        if shards:
            self._rewrite(
                {s: {i: values[key] for i, key in wanted.items()} for s, wanted in shards.items()}
            )

    def _delete_many(self, keys: list[str]) -> None:
        plain, shards = self._split(keys)
        if plain:
            self.store.delitems(plain)
        if shards:
            self._rewrite({s: dict.fromkeys(wanted) for s, wanted in shards.items()})

    def _set(self, key: str, value: bytes) -> None:
        self._set_many({key: value})

    def _delete(self, key: str) -> None:
        if key not in self._get_many([key]):
            raise KeyError(key)
        self._delete_many([key])

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        if self._locate(key) is None:
            return self.store.set_if_not_exists(key, value)
        return Store._set_if_not_exists(self, key, value)

    # -- listing ------------------------------------------------------------------------
    def _keys(self) -> Iterable[str]:
        return self._expand(self.store.list_prefix(""))

    def _len(self) -> int:
        return sum(1 for _ in self._keys())

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        # A chunk key need not share a prefix with its shard's key (c/3 lives in c/1):
        # below the array, list all of it and filter.
        base = self._prefix if prefix.startswith(self._prefix) else prefix
        return [k for k in self._expand(self.store.list_prefix(base)) if k.startswith(prefix)]

    # Listings, sizes, deletes by prefix and renames follow the chunk keys, not the shards.
    _list_dir = Store._list_dir
    _delete_prefix = Store._delete_prefix
    _getsize = Store._getsize
    _rename = Store._rename

    def _expand(self, keys: Iterable[str]) -> list[str]:
        """Underlying keys with every shard key replaced by the chunk keys it holds."""
        plain, shards = [], []
        for key in keys:
            (plain if self._locate(key) is None else shards).append(key)
        if not shards:
            return plain
        indexes = self.store.get_partial_values(
            [(k, ByteRange.last(self._index_size)) for k in shards]
        )
        for shard_key, raw in zip(shards, indexes):
            if raw is None or len(raw) != self._index_size:
                continue
            index = np.frombuffer(raw, dtype="<u8").reshape(self._n, 2)
            present = np.flatnonzero(~((index[:, 0] == EMPTY) & (index[:, 1] == EMPTY)))
            plain.extend(self._chunk_key(shard_key, int(i)) for i in present)
        return plain

    # -- identity -----------------------------------------------------------------------
    def _identity(self) -> Any:
        return (self.store, self.path, self.chunks_per_shard)

    def __repr__(self) -> str:
        return f"<ShardingTransformerStore {list(self.chunks_per_shard)} over {self.store!r}>"

    def close(self) -> None:
        self.store.close()


def convert_to_sharding_indexed(
    store: Any, path: str = "", *, dest: Any = None, dest_path: str | None = None
) -> dict[str, Any]:
    """Turn an array that uses the ``sharding`` storage transformer into a standard
    ``sharding_indexed`` array, readable by every Zarr v3 implementation.

    Two sources are understood:

    * a Zarr v3 array written by zarr-core with :class:`ShardingStorageTransformer`. Its
      shards already have the ``sharding_indexed`` layout (index at the end, no
      checksum) under the right keys, so converting in place rewrites ``zarr.json`` and
      nothing else;
    * an array in the pre-final v3 draft layout that zarr-python 2.14-2.18 wrote with its
      experimental ``ShardingStorageTransformer`` (metadata in
      ``meta/root/<path>.array.json``, shards at ``data/root/<path>/c<i>/<j>``). It needs
      ``dest`` (another store): the shards are copied there under Zarr v3 keys
      (``<path>/c/<i>/<j>``), byte for byte.

    Parameters
    ----------
    store
        The store (or anything :func:`zarr_core.open_store` accepts) holding the array.
    path
        The array's path in ``store``.
    dest, dest_path
        Where to write the converted array (default: in place, same path). Shards are
        copied there, and the source is left untouched.

    Returns
    -------
    dict
        The new ``zarr.json`` document.

    Raises
    ------
    MetadataError
        If the node is not such an array: no array, or not exactly one storage
        transformer, the ``sharding`` one.
    ValueError
        For a draft-layout array without another store as ``dest``.
    """
    from zarr_core.storage import open_store
    from zarr_core.storage.keys import join_path, normalize_path

    source = store if isinstance(store, Store) else open_store(store, mode="a")
    target = (
        source if dest is None else dest if isinstance(dest, Store) else open_store(dest, mode="a")
    )
    path = normalize_path(path)
    dest_path = path if dest_path is None else normalize_path(dest_path)
    draft_key = f"meta/root/{path}.array.json"
    if path and draft_key in source:
        if target is source:
            raise InvalidArgumentError(
                "an array in the v3 draft layout is converted into another store: pass dest="
            )
        doc, shards = _from_draft(source, path, draft_key)
    else:
        doc, shards = _from_v3(source, path)
    new_prefix = f"{dest_path}/" if dest_path else ""
    if target is not source or dest_path != path:
        for start in range(0, len(shards), 256):  # bounded memory for big arrays
            batch = shards[start : start + 256]
            values = source.getitems([old for old, _ in batch])
            target.setitems({new_prefix + new: values[old] for old, new in batch if old in values})
    if dest_path and (target is not source or dest_path != path):
        from zarr_core import open_group

        # the new array's parents, as creating it with zarr-core would make them
        parent = dest_path.rpartition("/")[0]
        open_group(target, path=parent, mode="a", zarr_format=3)
    target[join_path(dest_path, "zarr.json")] = json.dumps(doc, indent=2).encode()
    return doc


def _sharding_codec(chunks: list[int], codecs: list[dict]) -> dict:
    return {
        "name": "sharding_indexed",
        "configuration": {
            "chunk_shape": chunks,
            "codecs": codecs,
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
            "index_location": "end",
        },
    }


def _from_v3(source: Store, path: str) -> tuple[dict, list[tuple[str, str]]]:
    """The converted document of a zarr-core transformer array, and its shard keys
    (relative to the array) as (old, new) pairs."""
    from zarr_core.storage.keys import join_path

    meta_key = join_path(path, "zarr.json")
    try:
        doc = json.loads(source[meta_key])
    except KeyError:
        raise MetadataError("no Zarr v3 array here", key=meta_key) from None
    if doc.get("zarr_format") != 3 or doc.get("node_type") != "array":
        raise MetadataError("not a Zarr v3 array", key=meta_key)
    transformers = doc.get("storage_transformers") or []
    names = [t.get("name") or t.get("extension") for t in transformers if isinstance(t, dict)]
    if len(transformers) != 1 or names[0] not in _NAMES:
        raise MetadataError(
            f"expected exactly one storage transformer, 'sharding'; found {names}",
            key=meta_key,
            field="storage_transformers",
        )
    chunks = list(doc["chunk_grid"]["configuration"]["chunk_shape"])
    config = transformers[0].get("configuration") or {}
    cps = _chunks_per_shard(config.get("chunks_per_shard"), len(chunks))
    new = dict(doc)
    new["chunk_grid"] = {
        "name": "regular",
        "configuration": {"chunk_shape": [c * k for c, k in zip(chunks, cps)]},
    }
    new["codecs"] = [_sharding_codec(chunks, doc["codecs"])]
    new["storage_transformers"] = []
    cke = ChunkKeyEncoding.from_json(doc.get("chunk_key_encoding", "default"))
    prefix = f"{path}/" if path else ""
    shards = []
    for key in source.list_prefix(prefix):
        try:
            cke.decode(key[len(prefix) :], len(chunks))
        except InvalidKeyError:
            continue
        shards.append((key, key[len(prefix) :]))
    return new, shards


def _from_draft(source: Store, path: str, meta_key: str) -> tuple[dict, list[tuple[str, str]]]:
    """The same for zarr-python 2's draft layout: new metadata, and shard keys re-keyed
    from ``data/root/<path>/c<i>/<j>`` to ``c/<i>/<j>``."""
    from zarr_core.codecs import v3_codecs_from_numcodecs
    from zarr_core.metadata.dtypes import v3_from_numpy

    draft = json.loads(source[meta_key])
    transformers = draft.get("storage_transformers") or []
    names = [t.get("extension") or t.get("name") for t in transformers]
    if (
        len(transformers) != 1
        or names[0] not in _NAMES
        or transformers[0].get("type", "indexed") != "indexed"
    ):
        raise MetadataError(
            f"expected exactly one storage transformer, 'sharding' of type 'indexed'; found {names}",
            key=meta_key,
            field="storage_transformers",
        )
    grid = draft["chunk_grid"]
    chunks = list(grid["chunk_shape"])
    cps = _chunks_per_shard(transformers[0]["configuration"]["chunks_per_shard"], len(chunks))
    dtype = np.dtype(draft["data_type"])
    compressor = draft.get("compressor")
    if compressor is not None:
        # "https://purl.org/zarr/spec/codec/<id>/1.0" and its numcodecs configuration
        codec_id = compressor["codec"].rstrip("/").split("/")[-2]
        compressor = {"id": codec_id, **compressor.get("configuration", {})}
    order = draft.get("chunk_memory_layout", "C")
    codecs = v3_codecs_from_numcodecs(compressor, None, dtype, order, ndim=len(chunks))
    data_type, _ = v3_from_numpy(dtype)
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": draft["shape"],
        "data_type": data_type,
        "chunk_grid": {
            "name": "regular",
            "configuration": {"chunk_shape": [c * k for c, k in zip(chunks, cps)]},
        },
        "chunk_key_encoding": {
            "name": "default",
            "configuration": {"separator": grid.get("separator", "/")},
        },
        "fill_value": draft["fill_value"],
        "codecs": [_sharding_codec(chunks, codecs)],
        "attributes": draft.get("attributes", {}),
        "storage_transformers": [],
    }
    prefix = f"data/root/{path}/c"
    separator = grid.get("separator", "/")
    shards = []
    for key in source.list_prefix(prefix):
        parts = key[len(prefix) :].split(separator)
        if all(p.isdigit() for p in parts) and len(parts) == len(chunks):
            shards.append((key, "c" + separator + separator.join(parts)))
    return doc, shards
