"""The Zarr v3 ``sharding_indexed`` codec.

A shard is one stored value holding a grid of *inner chunks*, each encoded with the
inner codec chain, plus an index: a ``uint64`` array of shape ``(*chunks_per_shard, 2)``
with the ``(offset, nbytes)`` of every inner chunk, encoded with the index codecs and
stored at the start or the end of the value. Offsets are absolute within the value;
``2^64 - 1`` in both fields marks an inner chunk that is not stored, which reads as the
fill value. Inner chunks equal to the fill value are never stored, and a shard with no
stored inner chunk is not stored at all.

Partial I/O capability
----------------------
Beyond the codec contract of :mod:`zarr_core.codecs.base`, an array->bytes codec may
offer two methods that let the chunk engine hand it a whole operation's chunks instead of
fetching and decoding every stored value in full. The engine uses them only when the
codec is the array's entire chain (no array->array codec before it, no bytes->bytes codec
after it), because only then is the stored value laid out by this codec alone:

``read_partial(store, keys, projections, out, drop_axes=(), fields=None) -> list[bool]``
    For each projection ``p`` (a :class:`~zarr_core.indexing.ChunkProjection`) of the
    chunk stored at ``keys[i]``: write ``chunk[p.chunk_selection]`` (its ``fields``,
    squeezed on ``drop_axes``) into ``out[p.out_selection]``, fetching only the bytes that
    needs. Returns, per chunk, whether it exists; the engine fills the regions of the
    missing ones.
``encode_partial(store, keys, projections, value, drop_axes=(), fields=None) -> list[bytes]``
    For chunks a write covers only in part: their new stored values after writing
    ``value[p.out_selection]`` (``value`` has the indexer's ``out_shape``) into
    ``chunk[p.chunk_selection]``. Reads only what it must.

Both, and ``encode``, return ``b""`` for a chunk left holding nothing but the fill value:
the engine deletes that key instead of storing it (a missing chunk reads as the fill
value, so nothing is lost).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from zarr_core.codecs import ChunkSpec, CodecPipeline
from zarr_core.codecs.base import (
    PARALLEL_MIN_BYTES,
    ArrayBytesCodec,
    BytesLike,
    ChunkBatch,
    byte_view,
    check_config,
    nbytes_of,
)
from zarr_core.config import concurrency
from zarr_core.errors import CodecError, CorruptChunkError, MetadataError, UnknownExtensionError
from zarr_core.indexing import (
    BasicIndexer,
    ChunkProjection,
    CoordinateIndexer,
    OrthogonalIndexer,
    expand_for_write,
    is_total_slice,
)
from zarr_core.pools import parallel_map
from zarr_core.storage import ByteRange, Store
from zarr_core_sharding._layout import EMPTY, RangePlan, block_view, grid_coords, grid_ids

__all__ = ["ShardingCodec", "DEFAULT_INDEX_CODECS", "COALESCE_MAX_GAP"]

#: The index chain written when none is given: little-endian integers and a CRC-32C.
DEFAULT_INDEX_CODECS: tuple[dict, ...] = (
    {"name": "bytes", "configuration": {"endian": "little"}},
    {"name": "crc32c"},
)

#: Inner chunks of one shard this close together (in bytes) are fetched with one range
#: request. Reading a gap is cheaper than a request on local disks and object stores
#: alike; the value bounds how much unwanted data one request may carry per gap.
COALESCE_MAX_GAP = 64 * 1024

_EMPTY = int(EMPTY)
# Selections whose inner projections a codec keeps (see ShardingCodec._shard).
_PLANS_KEPT = 64

#: Inner chunks at least this big (decoded) are read by decoding each into a reused
#: buffer rather than a whole batch into fresh memory (see ``_place_each``); below it
#: one batch call per shard costs less than a call per inner chunk.
DECODE_INTO_MIN_BYTES = 16 * 1024


class _Shard:
    """What one operation knows about one stored shard."""

    __slots__ = ("key", "inner", "ids", "shape", "index", "blobs")

    def __init__(
        self, key: str, inner: list[ChunkProjection], ids: np.ndarray, shape: tuple[int, ...]
    ):
        self.key = key
        #: Projections of the selection onto the inner chunk grid, their positions in
        #: it, and the shape of what the selection reads (``shard[selection]``).
        self.inner = inner
        self.ids = ids
        self.shape = shape
        #: ``(n, 2)`` offsets and sizes; ``None`` while unknown or when not stored.
        self.index: np.ndarray | None = None
        #: Fetched inner chunks by position.
        self.blobs: dict[int, memoryview] = {}


class ShardingCodec(ArrayBytesCodec):
    """The ``sharding_indexed`` array->bytes codec.

    Parameters
    ----------
    spec
        The shard: the array's outer chunk shape, dtype and fill value.
    chunk_shape
        Shape of the inner chunks; must divide the shard shape.
    codecs
        The inner codec chain (v3 codec objects); may itself contain sharding.
    index_codecs
        The chain encoding the index; only fixed-size codecs (``bytes``, ``crc32c``).
    index_location
        ``"start"`` or ``"end"``.

    Raises
    ------
    CodecError
        For an invalid configuration.
    """

    name: ClassVar[str] = "sharding_indexed"

    def __init__(
        self,
        spec: ChunkSpec,
        chunk_shape: Sequence[int],
        codecs: Sequence[Mapping[str, Any] | str] = ({"name": "bytes"},),
        index_codecs: Sequence[Mapping[str, Any] | str] = DEFAULT_INDEX_CODECS,
        index_location: str = "end",
    ):
        shard_shape = spec.shape
        if (
            not isinstance(chunk_shape, Sequence)
            or isinstance(chunk_shape, str)
            or not all(
                isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in chunk_shape
            )
        ):
            raise CodecError(
                f"codec 'sharding_indexed': chunk_shape must be a list of positive integers, got {chunk_shape!r}"
            )
        chunk_shape = tuple(chunk_shape)
        if len(chunk_shape) != len(shard_shape):
            raise CodecError(
                f"codec 'sharding_indexed': chunk_shape {list(chunk_shape)} has {len(chunk_shape)} "
                f"dimensions but the shard shape {list(shard_shape)} has {len(shard_shape)}"
            )
        if any(s % c for s, c in zip(shard_shape, chunk_shape)):
            raise CodecError(
                f"codec 'sharding_indexed': the shard shape {list(shard_shape)} is not a multiple "
                f"of the inner chunk shape {list(chunk_shape)}"
            )
        if index_location not in ("start", "end"):
            raise CodecError(
                f"codec 'sharding_indexed': index_location must be 'start' or 'end', got {index_location!r}"
            )
        self.spec = spec
        self.chunk_shape = chunk_shape
        self.chunks_per_shard = tuple(s // c for s, c in zip(shard_shape, chunk_shape))
        self.index_location = index_location
        self._n = math.prod(self.chunks_per_shard)
        inner_spec = ChunkSpec(chunk_shape, spec.dtype, spec.fill_value, spec.object_kind)
        self._inner = _chain(codecs, inner_spec, "codecs")
        self._index = _chain(
            index_codecs, ChunkSpec((*self.chunks_per_shard, 2), np.uint64), "index_codecs"
        )
        try:
            self._index_size = self._index.compute_encoded_size()
        except CodecError as exc:
            raise CodecError(
                "codec 'sharding_indexed': index_codecs must have a fixed-size output "
                f"(such as bytes + crc32c; no compression): {exc}"
            ) from None
        start = index_location == "start"
        self._index_range = (
            ByteRange(0, self._index_size) if start else ByteRange.last(self._index_size)
        )
        self._payload_start = self._index_size if start else 0
        # One fill-value element, for building chunks and for bitwise emptiness tests.
        self._fill = _fill_element(spec)
        # The inner projections of recent selections made of slices and integers. A read
        # of whole shards asks for the same selection of each: projecting it once instead
        # of once per shard took the 16-shard read from 0.0685 s to 0.0636 s (medians).
        self._plans: dict[tuple, tuple[list[ChunkProjection], np.ndarray, tuple]] = {}

    # ------------------------------------------------------------------ the codec contract

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> ShardingCodec:
        check_config(
            cls.name, configuration, ("chunk_shape", "codecs", "index_codecs", "index_location")
        )
        if "chunk_shape" not in configuration:
            raise CodecError("codec 'sharding_indexed': the configuration needs 'chunk_shape'")
        return cls(
            spec,
            configuration["chunk_shape"],
            configuration.get("codecs", ({"name": "bytes"},)),
            configuration.get("index_codecs", DEFAULT_INDEX_CODECS),
            configuration.get("index_location", "end"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "configuration": {
                "chunk_shape": list(self.chunk_shape),
                "codecs": self._inner.to_json(),
                "index_codecs": self._index.to_json(),
                "index_location": self.index_location,
            },
        }

    @property
    def index_size(self) -> int:
        """Size in bytes of the encoded index."""
        return self._index_size

    def encode(self, chunk: np.ndarray) -> bytes:
        return self.encode_batch([chunk])[0]

    def decode(self, data: BytesLike, spec: ChunkSpec) -> np.ndarray:
        return self.decode_batch([data], spec)[0]

    def encode_batch(self, chunks: ChunkBatch) -> list[bytes]:
        """Encode whole shards; every inner chunk of every shard goes through one batch."""
        n = self._n
        count = len(chunks)
        blocks = np.empty((count * n, *self.chunk_shape), dtype=self.spec.dtype)
        for i in range(count):
            target = blocks[i * n : (i + 1) * n].reshape(
                (*self.chunks_per_shard, *self.chunk_shape)
            )
            target[...] = block_view(np.asarray(chunks[i]), self.chunk_shape)
        stored = np.flatnonzero(~self._fill_mask(blocks))
        batch = blocks if len(stored) == len(blocks) else blocks[stored]
        encoded = self._inner.encode_batch(self._batch(batch)) if len(stored) else []
        shards: list[list[tuple[int, BytesLike]]] = [[] for _ in range(count)]
        for position, blob in zip(stored.tolist(), encoded):
            shards[position // n].append((position % n, blob))
        return [self._build(parts) for parts in shards]

    def decode_batch(self, datas: Sequence[BytesLike], spec: ChunkSpec) -> list[np.ndarray]:
        """Decode whole shards; every stored inner chunk goes through one batch."""
        shards = []
        for i, data in enumerate(datas):
            shard = _Shard(f"<shard {i}>", [], np.arange(self._n), self.spec.shape)
            self._take_whole(shard, byte_view(data))
            shards.append(shard)
        out = []
        for chunks in self._decode_inner(shards):
            arr = np.empty(self.spec.shape, dtype=self.spec.dtype)
            blocks = block_view(arr, self.chunk_shape)
            missing = np.array([i for i in range(self._n) if i not in chunks], dtype=np.intp)
            if len(missing):
                blocks[grid_coords(missing, self.chunks_per_shard)] = self._fill[0]
            for i, chunk in chunks.items():
                blocks[grid_coords(np.intp(i), self.chunks_per_shard)] = chunk
            out.append(arr)
        return out

    # ------------------------------------------------------------------ partial I/O

    def read_partial(
        self,
        store: Store,
        keys: Sequence[str],
        projections: Sequence[ChunkProjection],
        out: np.ndarray,
        drop_axes: tuple[int, ...] = (),
        fields: Any = None,
    ) -> list[bool]:
        """Read selections of shards straight into ``out``; see the module docstring.

        One store call fetches every shard's index (or the whole shard when the
        selection needs all its inner chunks or the store has no native byte ranges),
        a second one the byte ranges of the inner chunks needed, coalesced. The inner
        chunks are decoded in one batch, or one batch per shard on the thread pool when
        shards decode to large amounts of data (each worker then also copies its
        shard into place, so the copies run in parallel too).
        """
        shards = [self._shard(key, p.chunk_selection) for key, p in zip(keys, projections)]
        self._fetch(store, shards, [shard.ids for shard in shards])
        fill = self._fill[0] if fields is None else self._fill[fields][0]

        def scatter(shard: _Shard, chunks: dict[int, np.ndarray], proj: ChunkProjection) -> None:
            region = _region(out, proj.out_selection, drop_axes, shard.shape)
            target = region if region is not None else np.empty(shard.shape, dtype=out.dtype)
            for inner, i in zip(shard.inner, shard.ids.tolist()):
                chunk = chunks.get(i)
                if chunk is None:
                    target[inner.out_selection] = fill
                else:
                    if fields is not None:
                        chunk = chunk[fields]
                    target[inner.out_selection] = chunk[inner.chunk_selection]
            if region is None:
                out[proj.out_selection] = target.squeeze(axis=drop_axes) if drop_axes else target

        present = [
            (shard, proj) for shard, proj in zip(shards, projections) if shard.index is not None
        ]
        inner_spec = self._inner.spec
        if self._inner.decodes_into and inner_spec.nbytes >= DECODE_INTO_MIN_BYTES:
            self._place_each(present, out, drop_axes, fields, fill)
            return [shard.index is not None for shard in shards]
        decoded_bytes = max((len(shard.blobs) for shard, _ in present), default=0) * (
            inner_spec.nbytes
        )
        if (
            len(present) > 1
            and decoded_bytes >= PARALLEL_MIN_BYTES
            and not self.spec.dtype.hasobject
        ):
            parallel_map(
                lambda item: scatter(item[0], self._decode_inner([item[0]])[0], item[1]),
                present,
                True,
            )
        else:
            decoded = self._decode_inner([shard for shard, _ in present])
            for (shard, proj), chunks in zip(present, decoded):
                scatter(shard, chunks, proj)
        return [shard.index is not None for shard in shards]

    def _place_each(
        self,
        present: list[tuple[_Shard, ChunkProjection]],
        out: np.ndarray,
        drop_axes: tuple[int, ...],
        fields: Any,
        fill: Any,
    ) -> None:
        """Decode the inner chunks one by one, each into a small buffer a worker reuses,
        and copy it into place at once.

        For inner chunks of some size this beats decoding a shard's chunks in one batch:
        the batch lands in a fresh block of memory the size of the shard, to be read
        back for the copy, while the reused buffer stays in the CPU's cache. The work
        is split into runs of inner chunks (several per shard when there are few
        shards), which the codec pool decodes and places side by side.
        """
        inner_spec = self._inner.spec
        items = []  # (shard, target, its inner projections and ids)
        finish = []  # shards whose region is not a view of out: copied at the end
        for shard, proj in present:
            region = _region(out, proj.out_selection, drop_axes, shard.shape)
            target = region if region is not None else np.empty(shard.shape, dtype=out.dtype)
            if region is None:
                finish.append((target, proj))
            items.append((shard, target, list(zip(shard.inner, shard.ids.tolist()))))
        runs = []
        per_shard = max(1, -(-2 * concurrency() // max(1, len(items))))
        for shard, target, work in items:
            step = max(1, -(-len(work) // per_shard))
            runs += [(shard, target, work[i : i + step]) for i in range(0, len(work), step)]

        def place(run: tuple[_Shard, np.ndarray, list]) -> None:
            shard, target, work = run
            buffer = np.empty(inner_spec.shape, dtype=inner_spec.dtype)
            chunk = buffer if fields is None else buffer[fields]
            for inner, i in work:
                blob = shard.blobs.get(i)
                if blob is None:
                    target[inner.out_selection] = fill
                else:
                    self._inner.decode_into(blob, buffer, f"{shard.key} (inner chunk {i})")
                    target[inner.out_selection] = chunk[inner.chunk_selection]

        total = sum(len(work) for _, _, work in items) * inner_spec.nbytes
        parallel_map(place, runs, len(runs) > 1 and total >= PARALLEL_MIN_BYTES)
        for target, proj in finish:
            out[proj.out_selection] = target.squeeze(axis=drop_axes) if drop_axes else target

    def encode_partial(
        self,
        store: Store,
        keys: Sequence[str],
        projections: Sequence[ChunkProjection],
        value: np.ndarray,
        drop_axes: tuple[int, ...] = (),
        fields: Any = None,
    ) -> list[bytes]:
        """New values of shards a write covers in part; see the module docstring.

        Inner chunks the write covers completely are neither fetched nor decoded, those
        it covers in part are fetched and decoded, and the others are fetched and kept
        as stored bytes, never decoded.
        """
        shards = [self._shard(key, p.chunk_selection) for key, p in zip(keys, projections)]
        wanted = []
        for shard in shards:
            overwritten = set()
            if fields is None:
                overwritten = {
                    i
                    for inner, i in zip(shard.inner, shard.ids.tolist())
                    if is_total_slice(inner.chunk_selection, self.chunk_shape)
                }
            wanted.append(
                np.array([i for i in range(self._n) if i not in overwritten], dtype=np.intp)
            )
        self._fetch(store, shards, wanted)
        touched = [set(shard.ids.tolist()) for shard in shards]
        decoded = self._decode_inner(shards, only=touched)
        # Apply the write to every touched inner chunk, starting from what is stored.
        new_chunks: list[np.ndarray] = []
        owners: list[tuple[int, int]] = []
        for s, (shard, proj) in enumerate(zip(shards, projections)):
            piece = expand_for_write(value[proj.out_selection], drop_axes)
            if not isinstance(piece, np.ndarray):  # one element: keep the dtype (str stays str)
                element, piece = piece, np.empty((), dtype=value.dtype)
                piece[()] = element
            piece = np.broadcast_to(piece, shard.shape)
            chunks: dict[int, np.ndarray] = {}
            for inner, i in zip(shard.inner, shard.ids.tolist()):
                chunk = chunks.get(i)
                if chunk is None:
                    chunk = decoded[s].get(i)
                    chunks[i] = chunk = self._fill_chunk() if chunk is None else chunk
                target = chunk if fields is None else chunk[fields]
                target[inner.chunk_selection] = piece[inner.out_selection]
            for i, chunk in chunks.items():
                new_chunks.append(chunk)
                owners.append((s, i))
        # Untouched inner chunks keep their stored bytes; touched ones are re-encoded in
        # one batch, or dropped when they now hold only the fill value.
        parts = [
            {i: b for i, b in shard.blobs.items() if i not in changed}
            for shard, changed in zip(shards, touched)
        ]
        if new_chunks:
            batch: ChunkBatch = new_chunks if self.spec.dtype.hasobject else np.stack(new_chunks)
            keep = ~self._fill_mask(batch)
            kept = [j for j, k in enumerate(keep.tolist()) if k]
            if kept:
                to_encode = batch if len(kept) == len(batch) else [batch[j] for j in kept]
                for j, blob in zip(kept, self._inner.encode_batch(self._batch(to_encode))):
                    s, i = owners[j]
                    parts[s][i] = blob
        return [self._build(sorted(p.items())) for p in parts]

    # ------------------------------------------------------------------ internals

    def _shard(self, key: str, selection: Any) -> _Shard:
        chunk_shape = self.chunk_shape
        if (
            type(selection) is tuple
            and len(selection) == len(chunk_shape)
            and all(type(i) is int for i in selection)
        ):
            # One element (point reads): its inner chunk by arithmetic, no indexer.
            coords = tuple(i // c for i, c in zip(selection, chunk_shape))
            local = tuple(i % c for i, c in zip(selection, chunk_shape))
            inner = [ChunkProjection(coords, local, ())]
            return _Shard(key, inner, grid_ids([coords], self.chunks_per_shard), ())
        plan_key = _plan_key(selection)
        plan = self._plans.get(plan_key) if plan_key is not None else None
        if plan is None:
            indexer = _sub_indexer(selection, self.spec.shape, chunk_shape)
            inner = list(indexer)
            ids = grid_ids([p.chunk_coords for p in inner], self.chunks_per_shard)
            ids.flags.writeable = False  # shared by every shard read with this selection
            plan = (inner, ids, indexer.out_shape)
            if plan_key is not None:
                if len(self._plans) >= _PLANS_KEPT:
                    self._plans.clear()
                self._plans[plan_key] = plan
        return _Shard(key, *plan)

    def _fetch(self, store: Store, shards: list[_Shard], wanted: list[np.ndarray]) -> None:
        """Fetch indexes, then the ``wanted`` inner chunks of each shard: two store calls.

        A shard is fetched whole in the first call when every inner chunk is wanted
        (the index would not save a byte) or when the store has no native byte ranges.
        """
        ranged = store.supports_partial_reads
        wanted = [np.unique(ids) if len(ids) > 1 else ids for ids in wanted]
        requests = [
            (shard.key, self._index_range if ranged and len(ids) < self._n else None)
            for shard, ids in zip(shards, wanted)
        ]
        plans: list[tuple[_Shard, np.ndarray, RangePlan]] = []
        for shard, ids, (_, byte_range), value in zip(
            shards, wanted, requests, store.get_partial_values(requests)
        ):
            if value is None:
                continue
            if not len(value):
                # We never store a shard without inner chunks (it is deleted), so an
                # empty value is what a failed upload or a power loss left, not fill.
                raise CorruptChunkError(
                    shard.key,
                    f"sharding_indexed: the shard is empty (0 bytes, expected at least the "
                    f"{self._index_size}-byte index); delete the key to read it as fill values",
                )
            if byte_range is None:
                self._take_whole(shard, byte_view(value), ids)
                continue
            shard.index = self._decode_index(value, shard.key)
            ids, offsets, sizes = _stored(shard.index, ids, shard.key)
            plans.append((shard, ids, RangePlan(offsets, sizes, COALESCE_MAX_GAP)))
        requests = [(shard.key, r) for shard, _, plan in plans for r in plan.requests]
        if not requests:
            return
        values = store.get_partial_values(requests)
        start = 0
        for shard, ids, plan in plans:
            got = values[start : start + len(plan.requests)]
            start += len(plan.requests)
            if any(v is None for v in got):
                raise CorruptChunkError(
                    shard.key, "sharding_indexed: the shard vanished while being read"
                )
            try:
                pieces = plan.pieces(got)
            except ValueError as exc:
                raise CorruptChunkError(shard.key, f"sharding_indexed: {exc}") from None
            shard.blobs = dict(zip(ids.tolist(), pieces))

    def _take_whole(self, shard: _Shard, data: memoryview, ids: np.ndarray | None = None) -> None:
        """Read the index and the inner chunks ``ids`` (all by default) out of a whole shard."""
        if len(data) == 0:
            return  # a shard without inner chunks, inside a chain that stores bytes for it
        size = self._index_size
        if len(data) < size:
            raise CorruptChunkError(
                shard.key, f"sharding_indexed: {len(data)} bytes cannot hold the {size}-byte index"
            )
        raw = data[:size] if self.index_location == "start" else data[len(data) - size :]
        index = self._decode_index(raw, shard.key)
        ids, offsets, sizes = _stored(index, np.arange(self._n) if ids is None else ids, shard.key)
        ends = offsets + sizes
        if len(ends) and ends.max() > len(data):
            raise CorruptChunkError(
                shard.key,
                f"sharding_indexed: the index points past the end of the {len(data)}-byte shard",
            )
        shard.index = index
        shard.blobs = {
            i: data[o:e] for i, o, e in zip(ids.tolist(), offsets.tolist(), ends.tolist())
        }

    def _decode_index(self, raw: BytesLike, key: str) -> np.ndarray:
        if nbytes_of(raw) != self._index_size:
            raise CorruptChunkError(
                key,
                f"sharding_indexed: the shard is truncated: {nbytes_of(raw)} bytes where its "
                f"{self._index_size}-byte index should be",
            )
        return self._index.decode(raw, key).reshape(self._n, 2)

    def _decode_inner(
        self, shards: list[_Shard], only: list[set[int]] | None = None
    ) -> list[dict[int, np.ndarray]]:
        """Decode the fetched inner chunks of every shard (those in ``only``) in one batch."""
        blobs: list[BytesLike] = []
        names: list[str] = []
        owners: list[tuple[int, int]] = []
        for s, shard in enumerate(shards):
            for i, blob in shard.blobs.items():
                if only is None or i in only[s]:
                    blobs.append(blob)
                    owners.append((s, i))
                    names.append(f"{shard.key} (inner chunk {i})")
        out: list[dict[int, np.ndarray]] = [{} for _ in shards]
        if len(blobs) == 1:  # point reads: the single-chunk path costs less
            s, i = owners[0]
            out[s][i] = self._inner.decode(blobs[0], names[0])
        elif blobs:
            for (s, i), chunk in zip(owners, self._inner.decode_batch(blobs, names)):
                out[s][i] = chunk
        return out

    def _build(self, parts: Sequence[tuple[int, BytesLike]]) -> bytes:
        """One shard value from its stored inner chunks (position, bytes), in C order."""
        if not parts:
            return b""
        index = np.full((self._n, 2), EMPTY, dtype=np.uint64)
        ids = np.fromiter((i for i, _ in parts), dtype=np.intp, count=len(parts))
        sizes = np.fromiter((nbytes_of(b) for _, b in parts), dtype=np.uint64, count=len(parts))
        offsets = np.cumsum(sizes) - sizes + np.uint64(self._payload_start)
        index[ids, 0] = offsets
        index[ids, 1] = sizes
        encoded_index = self._index.encode(index.reshape((*self.chunks_per_shard, 2)))
        blobs = [b for _, b in parts]
        if self.index_location == "start":
            return b"".join([encoded_index, *blobs])
        return b"".join([*blobs, encoded_index])

    def _fill_chunk(self) -> np.ndarray:
        chunk = np.empty(self.chunk_shape, dtype=self.spec.dtype)
        # fill() rather than [...] =, which would spread a sequence over object elements
        chunk.fill(self._fill[0])
        return chunk

    def _batch(self, chunks: ChunkBatch) -> ChunkBatch:
        # Rows of a stacked batch of 0-d chunks would be scalars, not chunks.
        if self.chunk_shape or not isinstance(chunks, np.ndarray):
            return chunks
        return [chunks[i, ...] for i in range(len(chunks))]

    def _fill_mask(self, blocks: ChunkBatch) -> np.ndarray:
        """Which chunks of a batch hold nothing but the fill value, compared bit for bit.

        Bits rather than values, so that ``-0.0`` next to a ``0.0`` fill, or a NaN with
        another payload, is kept rather than turned into the fill value.
        """
        n = len(blocks)
        if self.spec.dtype.hasobject:
            fill = self._fill[0]
            rows = [np.asarray(b, dtype=object).reshape(-1) for b in blocks]
            return np.array(
                [all(type(v) is type(fill) and v == fill for v in row) for row in rows], dtype=bool
            ).reshape(n)
        blocks = np.ascontiguousarray(blocks)
        itemsize = blocks.dtype.itemsize
        rows = blocks.reshape(n, -1)
        if itemsize in (1, 2, 4, 8):
            word = np.dtype(f"u{itemsize}")
            words = rows.view(word)
            target = self._fill.view(word)
        else:
            words = rows.view(np.uint8)
            target = np.tile(self._fill.view(np.uint8), rows.shape[1])
        mask = np.zeros(n, dtype=bool)
        if words.shape[1] == 0:
            return ~mask
        # The first element rules out most chunks of real data without a full pass.
        candidates = np.flatnonzero(words[:, 0] == target[0])
        if len(candidates):
            mask[candidates] = (words[candidates] == target).all(axis=1)
        return mask


def _chain(codecs: Any, spec: ChunkSpec, field: str) -> CodecPipeline:
    try:
        return CodecPipeline.from_v3(codecs, spec)
    except UnknownExtensionError:
        raise  # names the plugin to install; leave it as it is
    except MetadataError as exc:
        raise CodecError(f"codec 'sharding_indexed': {field}: {exc}") from None


def _fill_element(spec: ChunkSpec) -> np.ndarray:
    fill = spec.fill_value
    out = np.empty(1, dtype=spec.dtype)
    if fill is None:
        out[...] = np.zeros(1, dtype=spec.dtype)
    elif spec.dtype.hasobject:
        out[0] = fill
    else:
        out[...] = np.full(1, fill, dtype=spec.dtype)
    return out


def _stored(
    index: np.ndarray, ids: np.ndarray, key: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The positions among ``ids`` whose inner chunk is stored, with offsets and sizes
    (as int64, checked to lie within what a file can hold)."""
    if len(ids) == 1:  # point reads: plain integers beat a handful of tiny NumPy calls
        offset, size = index[ids[0]].tolist()
        if offset == size == _EMPTY:
            return ids[:0], np.zeros(0, np.int64), np.zeros(0, np.int64)
        if offset >= 2**62 or size >= 2**62:
            raise CorruptChunkError(
                key, "sharding_indexed: the index holds an impossible offset or size"
            )
        return ids, np.array([offset], np.int64), np.array([size], np.int64)
    entries = index[ids]
    empty = (entries[:, 0] == EMPTY) & (entries[:, 1] == EMPTY)
    if empty.any():
        ids, entries = ids[~empty], entries[~empty]
    # 2^62 is far beyond any real shard; larger values (a half-empty entry) are corrupt.
    if (entries >= np.uint64(2**62)).any():
        raise CorruptChunkError(
            key, "sharding_indexed: the index holds an impossible offset or size"
        )
    entries = entries.astype(np.int64)
    return ids, entries[:, 0], entries[:, 1]


def _plan_key(selection: Any) -> tuple | None:
    """A hashable stand-in for a selection of slices and integers (slices are not
    hashable before Python 3.12), or ``None`` for selections holding arrays."""
    items = selection if type(selection) is tuple else (selection,)
    key = []
    for item in items:
        if type(item) is slice:
            key.append((item.start, item.stop, item.step))
        elif type(item) is int:
            key.append(item)
        else:
            return None
    return tuple(key)


def _sub_indexer(selection: Any, shape: tuple[int, ...], chunks: tuple[int, ...]) -> Any:
    """The indexer of ``selection`` (a chunk selection of the outer engine) over the
    inner chunk grid of a shard; indexing with it gives what ``shard[selection]`` would."""
    items = selection if isinstance(selection, tuple) else (selection,)
    arrays = [s for s in items if isinstance(s, np.ndarray)]
    if not arrays:
        return BasicIndexer(items, shape, chunks)
    if len(items) > 1 and len(arrays) == len(items) and all(a.ndim == 1 for a in arrays):
        return CoordinateIndexer(items, shape, chunks)  # points, one per position
    # Orthogonal selections arrive with np.ix_-shaped arrays; the indexer wants them 1-d.
    return OrthogonalIndexer(
        tuple(s.reshape(-1) if isinstance(s, np.ndarray) else s for s in items), shape, chunks
    )


def _region(
    out: np.ndarray, selection: Any, drop_axes: tuple[int, ...], shape: tuple[int, ...]
) -> np.ndarray | None:
    """A view of ``out[selection]`` with the dropped axes restored and of ``shape``, or
    ``None`` when the selection holds arrays (NumPy would copy)."""
    if isinstance(selection, slice):
        view = out[selection]
    elif isinstance(selection, tuple) and not any(
        isinstance(s, np.ndarray) or s is Ellipsis for s in selection
    ):
        view = out[(*selection, Ellipsis)]  # the Ellipsis keeps all-integer selections views
    else:
        return None
    if drop_axes:
        view = np.expand_dims(view, drop_axes)
    return view if view.shape == shape else None
