"""The chunk engine: selections in, batched store calls and codec batches out.

One read or write operation computes every chunk key it needs, fetches them with one
``getitems`` call, decodes them with one ``decode_batch`` call (the codec pipeline picks
threads or a C batch API), and writes back with one ``setitems`` (and one ``delitems``
for chunks equal to the fill value when empty chunks are not written). Only chunks a
write covers partially are read first; a full-chunk write never reads.

Large chunks (a quarter MiB and more) are the exception: on a local store each one is
fetched, decoded and placed (or encoded and stored) on its own codec-pool thread, one
store call per chunk. A store whose calls are network round trips says so with a
``batch_bytes`` hint, and gets them in batches of about that many bytes instead, a few
batches in flight on the I/O pool while the codec pool decodes or encodes the others.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, wait
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np

from zarr_core.codecs.base import PARALLEL_MIN_BYTES
from zarr_core.config import get as config_get
from zarr_core.engine import chunk_cache
from zarr_core.engine.lru import parse_size
from zarr_core.errors import (
    InvalidArgumentError,
    MetadataError,
    ShapeMismatchError,
    ValueConversionError,
)
from zarr_core.indexing import check_fields, chunk_extent, expand_for_write, is_total_slice
from zarr_core.pools import io_pool, parallel_map

if TYPE_CHECKING:
    from zarr_core.engine.chunk_io import ChunkIO
    from zarr_core.indexing import Indexer

__all__ = [
    "read",
    "write",
    "empty_chunk",
    "chunk_is_fill",
    "check_chunk_fits",
    "partial_decompress_mode",
]


def _fill(buffer: np.ndarray, io: ChunkIO, fields: Any = None) -> np.ndarray:
    fill = io.fill
    if fields is not None:
        fill = np.asarray(fill, dtype=io.dtype)[fields]
    if buffer.dtype.kind == "O":
        buffer.fill(fill)  # assigning a str/sequence with [...] would broadcast its items
    else:
        buffer[...] = fill
    return buffer


def _fill_region(buffer: np.ndarray, selection: Any, io: ChunkIO, fields: Any) -> None:
    region = buffer[selection]
    if not isinstance(region, np.ndarray):
        # the element of a 0-d buffer; assigning an array there would nest it in an
        # object buffer
        _fill(buffer, io, fields)
    elif np.may_share_memory(region, buffer):
        _fill(region, io, fields)
    else:  # an integer-array selection copies: fill a temporary and scatter it back
        buffer[selection] = _fill(np.empty(np.shape(region), dtype=buffer.dtype), io, fields)


def empty_chunk(io: ChunkIO) -> np.ndarray:
    """A new chunk of the full chunk shape holding the fill value, in the array's order."""
    return _fill(np.empty(io.chunks, dtype=io.dtype, order=io.order), io)


def chunk_is_fill(io: ChunkIO, chunk: np.ndarray) -> bool:
    """Whether every element of ``chunk`` equals the fill value (NaN equal to NaN, NaT
    to NaT)."""
    fill = io.fill
    if chunk.dtype.kind == "O":
        # elements may be arrays (VLenArray), whose == does not give one bool
        return all(v is fill or (type(v) is type(fill) and v == fill) for v in chunk.flat)
    if chunk.dtype.fields is not None:
        return chunk.tobytes() == np.full(chunk.shape, fill, dtype=chunk.dtype).tobytes()
    return bool(np.all(_equal(chunk, np.asarray(fill, dtype=chunk.dtype))))


def _equal(values: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Elementwise ``values == fill``, where NaN equals NaN and NaT equals NaT."""
    kind = values.dtype.kind
    if kind == "c":  # part by part, so that NaN+1j is not taken for a NaN+0j fill
        return _equal(values.real, fill.real) & _equal(values.imag, fill.imag)
    equal = values == fill
    if kind == "f" and np.isnan(fill):
        equal |= np.isnan(values)
    elif kind in "mM" and np.isnat(fill):
        equal |= np.isnat(values)
    return equal


# Chunks up to this size are never checked against the memory available (the check
# costs system calls, and any machine that runs this holds a chunk of 1 GiB).
_ALWAYS_FITS = 2**30


def _memory_limit() -> int | None:
    """Bytes this process can ever allocate: physical memory, or less under RLIMIT_AS;
    None where the system does not say (not POSIX)."""
    try:
        import resource

        limit = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, AttributeError, ValueError, OSError):
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return limit if soft == resource.RLIM_INFINITY else min(limit, soft)


def check_chunk_fits(io: ChunkIO) -> None:
    """Refuse, before allocating, a whole chunk this process can never hold.

    Reads of chunks that are not stored never need one (the fill value goes straight
    into the output); reading a stored chunk and writing one do, as every codec but
    sharding decodes and encodes whole chunks. A legal but oversized chunk shape (say
    ``chunks=[2**40]`` on ``shape=[100]``) then gives an error saying so, where NumPy
    would raise a bare ``MemoryError``.

    Raises
    ------
    MetadataError
        Naming the chunk-shape field of the array's metadata.
    """
    nbytes = io.pipeline.spec.nbytes
    if nbytes <= _ALWAYS_FITS:
        return
    limit = _memory_limit()
    if limit is not None and nbytes > limit:
        field = "chunks" if io.zarr_format == 2 else "chunk_grid"
        raise MetadataError(
            f"a chunk of shape {io.chunks} takes {nbytes / 2**30:.1f} GiB in memory, more "
            f"than this process can allocate ({limit / 2**30:.1f} GiB); reading a stored "
            f"chunk or writing "
            f"one needs it whole. Store the data with smaller chunks (at most the array's "
            f"shape {io.shape})",
            key=io.metadata_key,
            field=field,
        )


def _keys(io: ChunkIO, projections: list) -> list[str]:
    return io.keys([p.chunk_coords for p in projections])


def _partial_codec(io: ChunkIO) -> Any:
    """The array->bytes codec if it reads and rewrites parts of stored chunks itself
    (``read_partial`` and ``encode_partial``; the contract is in the docstring of
    ``zarr_core_sharding.codec``), else None.

    Only when it is the whole chain: then a stored value is laid out by it alone.
    """
    pipeline = io.pipeline
    codec = pipeline.array_bytes_codec
    if hasattr(codec, "read_partial") and len(pipeline.codecs) == 1:
        return codec
    return None


def read(
    io: ChunkIO,
    indexer: Indexer,
    out: np.ndarray | None = None,
    fields: Any = None,
) -> np.ndarray:
    """Read the selection ``indexer`` describes into ``out`` (allocated if None)."""
    projections = list(indexer)
    dtype = check_fields(fields, io.dtype)
    # Every output element belongs to exactly one projection, so only the regions of
    # missing chunks need the fill value: no pass over the whole buffer.
    # In the array's order, as zarr-python 2 returns it (order "F" gives F-ordered output).
    buffer = np.empty(indexer.out_shape, dtype=dtype, order=io.order)
    if projections and (codec := _partial_codec(io)) is not None:
        # The codec fetches and decodes only what the selection needs (sharding: an
        # index and byte ranges) and writes it straight into the buffer.
        keys = _keys(io, projections)
        found = codec.read_partial(io.store, keys, projections, buffer, indexer.drop_axes, fields)
        for proj, exists in zip(projections, found):
            if not exists:
                _fill_region(buffer, proj.out_selection, io, fields)
    elif projections:
        grid = indexer.aligned_grid if fields is None else None
        keys = _keys(io, projections)
        _read_chunks(io, buffer, projections, keys, indexer.drop_axes, fields, grid)
    # Dropping axes keeps the layout; a subarray field (``("bar", "f4", (3, 2))``) adds
    # its own axes after the selection's, as NumPy does.
    result = buffer.reshape(indexer.shape + dtype.shape, order="A")
    if out is None:
        return result
    if out.shape != result.shape:
        raise ShapeMismatchError(result.shape, out.shape)
    out[...] = result
    return out


def _read_chunks(
    io: ChunkIO,
    buffer: np.ndarray,
    projections: list,
    keys: list[str],
    drop: tuple[int, ...],
    fields: Any,
    grid: tuple[int, ...] | None = None,
) -> None:
    """Fetch and decode the chunks and copy each one's selection into ``buffer``
    (``grid``: the indexer's ``aligned_grid``, for copying whole chunks in one go)."""

    def place(i: int, chunk: np.ndarray | None, selection: Any = None) -> None:
        proj = projections[i]
        if chunk is None:
            _fill_region(buffer, proj.out_selection, io, fields)
            return
        if fields is not None:
            chunk = chunk[fields]
        value = chunk[proj.chunk_selection if selection is None else selection]
        if drop:
            value = value.squeeze(axis=drop)
        buffer[proj.out_selection] = value

    store = io.store
    pipeline = io.pipeline
    with chunk_cache.cache.reading(io, keys) as cached:
        for i, chunk in cached.hits:
            place(i, chunk)
        todo = cached.misses  # every chunk while the cache is off
        rows, share = _rows_to_read(io, projections, todo, cached.caching)
        if rows:
            # Parts of chunks are never offered to the cache, which holds whole chunks.
            _read_rows(io, projections, keys, rows, share, place)
            todo = [i for i in todo if i not in rows]
        if len(todo) > 1 and io.dtype.kind != "O" and pipeline.spec.nbytes >= PARALLEL_MIN_BYTES:

            def settle(i: int, data: bytes | None) -> None:
                chunk = None if data is None else pipeline.decode(data, keys[i])
                cached.keep((i,), (chunk,))
                place(i, chunk)

            budget = _batch_budget(io)
            if budget is not None:
                _read_batched(io, keys, list(todo), budget, settle)
                return

            # Large chunks: each worker fetches, decodes and places one chunk, so reading
            # one chunk overlaps decoding another, and the copies (and the page faults of a
            # fresh output buffer) run in parallel too. On a local store per-chunk requests
            # cost nothing next to megabytes of payload; small chunks below take the
            # batched path instead.
            def one(i: int) -> None:
                data = store.getitems([keys[i]]).get(keys[i])
                if data is not None:
                    check_chunk_fits(io)
                settle(i, data)

            parallel_map(one, todo, True)
            return
        if not todo:
            return
        # Small chunks: one batched store call, one batch decode (a C batch API where the
        # codecs have one), then the copies.
        stored = store.getitems(
            cached.miss_keys if len(todo) == len(cached.misses) else [keys[i] for i in todo]
        )
        present = [i for i in todo if keys[i] in stored]
        for i in todo:
            if keys[i] not in stored:
                place(i, None)
        if present:
            check_chunk_fits(io)
            rows = None if cached.caching or drop else _chunk_rows(buffer, io.chunks, grid)
            if rows is not None and len(present) == len(rows) == len(projections):
                # The output is the chunks end to end: decoded straight into it.
                pipeline.decode_batch_into(
                    [stored[keys[i]] for i in present], rows, [keys[i] for i in present]
                )
                return
            decoded = pipeline.decode_batch(
                [stored[keys[i]] for i in present], [keys[i] for i in present]
            )
            cached.keep(present, decoded)
            rest: Any = range(len(present))
            if grid is not None and isinstance(decoded, np.ndarray) and buffer.ndim:
                rest = _scatter_whole_chunks(buffer, io.chunks, grid, present, decoded)
            for j in rest:
                place(present[j], decoded[j])


def _chunk_rows(
    buffer: np.ndarray, chunk_shape: tuple[int, ...], grid: tuple[int, ...] | None
) -> np.ndarray | None:
    """``buffer`` as ``(n, *chunk_shape)``, chunk ``i`` of a chunk-aligned selection
    (``grid``, the indexer's ``aligned_grid``) in row ``i``, when its memory is the
    chunks laid end to end: C order, whole chunks, one chunk across every axis but the
    first. Else None."""
    if (
        grid is None
        or not buffer.ndim
        or not buffer.flags.c_contiguous
        or buffer.dtype.hasobject
        or any(g != 1 for g in grid[1:])
        or buffer.shape[1:] != tuple(chunk_shape[1:])
        or buffer.shape[0] != grid[0] * chunk_shape[0]
    ):
        return None
    return buffer.reshape(grid[0], *chunk_shape)


def _scatter_whole_chunks(
    buffer: np.ndarray,
    chunk_shape: tuple[int, ...],
    grid: tuple[int, ...],
    present: list[int],
    decoded: np.ndarray,
) -> list[int]:
    """Copy, in one NumPy assignment, the decoded chunks that fill whole blocks of an
    output tiled by chunks (a chunk-aligned selection: projection ``i`` is block
    ``unravel_index(i, grid)``); return the positions in ``present`` of the others, the
    chunks the array's end cuts short.

    With 10,000 small chunks this replaces 10,000 Python-level copies by one.
    """
    full = tuple(n // c for n, c in zip(buffer.shape, chunk_shape))
    # A writable view of the output as (blocks..., chunk...): the blocks do not overlap.
    blocks = np.lib.stride_tricks.as_strided(
        buffer,
        full + tuple(chunk_shape),
        tuple(s * c for s, c in zip(buffer.strides, chunk_shape)) + buffer.strides,
        writeable=True,
    )
    if grid == full and len(present) == decoded.shape[0] == np.prod(grid):
        # every chunk stored and whole: a plain block copy, no index arrays
        blocks[...] = decoded.reshape(full + decoded.shape[1:])
        return []
    where = np.unravel_index(np.asarray(present), grid)
    inside = np.logical_and.reduce([w < m for w, m in zip(where, full)])
    if inside.all():
        blocks[where] = decoded
        return []
    blocks[tuple(w[inside] for w in where)] = decoded[inside]
    return np.flatnonzero(~inside).tolist()


# -- partial decompression ---------------------------------------------------------------
#
# A chunk whose chain is transpose* + bytes + blosc stores each run of rows (indices along
# its first stored axis) as one span of the decoded frame, which the blosc blocks covering
# it reproduce (zarr_core.codecs.partial). A read then fetches the frame's header and
# offsets, then those blocks, and decodes them alone.

#: ``"auto"`` decodes part of a chunk when the rows it needs take at most this share of
#: the chunk, and (the frame's header tells) lie in at most this share of its blosc
#: blocks. Measured with ``bench/partial_decompress.py`` (bands of rows at random places,
#: lz4 with byte shuffle, directory and memory stores; time of a partial read over that
#: of a whole decode): 1 MiB chunks, two blocks: 0.66-0.82x up to a quarter of the rows,
#: 0.78-0.90x for 3/8, 0.98-1.07x from a half on; 4 MiB chunks, eight blocks:
#: 0.23-0.59x up to a quarter, 0.47-0.72x for 3/8, 0.83-0.87x for a half (five blocks
#: of eight, as a band of half the rows mostly lies in), 1.0x and more from 5/8 on.
AUTO_MAX_SHARE = 0.5
#: ... and when the chunk holds at least this many bytes: blosc makes smaller chunks
#: one block (lz4, byte shuffle, 4-byte elements: blocks of 512 KiB), where a partial
#: read only adds a request for the header (1.1-1.3x on chunks of 64 and 256 KiB).
AUTO_MIN_BYTES = 512 * 1024

_MODES = {"auto": "auto", "true": True, "false": False, "1": True, "0": False}


def partial_decompress_mode(value: Any) -> bool | str:
    """``True``, ``False`` or ``"auto"`` from a ``partial_decompress`` keyword or setting.

    ``True`` decodes only the blosc blocks holding the rows (indices along the first axis
    of the chunk's memory order; the last axis for order ``F``) a read needs from a chunk,
    whenever that is less than the whole chunk; ``False`` always decodes whole chunks;
    ``"auto"`` (the default setting) decodes part of a chunk when those rows take at most
    :data:`AUTO_MAX_SHARE` of a chunk of at least :data:`AUTO_MIN_BYTES` and of its
    blosc blocks, and only while the decoded-chunk cache is off (a cached whole chunk
    serves the next reads). The strings ``"true"``, ``"false"``, ``"1"`` and ``"0"``
    (from the environment) are accepted too.

    Raises
    ------
    ValueError
        For anything else.
    """
    if isinstance(value, bool):
        return value
    mode = _MODES.get(value.strip().lower()) if isinstance(value, str) else None
    if mode is None:
        raise InvalidArgumentError(
            f"partial_decompress must be True, False or 'auto' (the array.partial_decompress "
            f"setting likewise), got {value!r}"
        )
    return mode


def _rows_to_read(
    io: ChunkIO, projections: list, todo: Sequence[int], caching: bool
) -> tuple[dict[int, tuple[int, int]], float]:
    """The chunks of ``todo`` to decode in part, with the rows ``(start, stop)`` each
    needs, and the largest share of a frame's blocks worth decoding in part."""
    reader = io.pipeline.row_reader
    if reader is None or not todo:
        return {}, 1.0
    mode = io.partial_decompress
    mode = partial_decompress_mode(
        config_get("array.partial_decompress", "auto") if mode is None else mode
    )
    if mode is False or (mode == "auto" and caching):
        return {}, 1.0
    nrows = reader.nrows
    if mode is True:
        most, share = nrows - 1, 1.0
    elif nrows * reader.row_nbytes < AUTO_MIN_BYTES:
        return {}, 1.0
    else:
        most, share = int(nrows * AUTO_MAX_SHARE), AUTO_MAX_SHARE
    rows = {}
    for i in todo:
        extent = _extent(projections[i].chunk_selection, reader.axis, nrows)
        if extent is not None and extent[1] - extent[0] <= most:
            rows[i] = extent
    return rows, share


def _extent(selection: Any, axis: int, n: int) -> tuple[int, int] | None:
    """The smallest ``(start, stop)`` holding every index ``selection`` takes along
    ``axis`` (of length ``n``), or None when that is the whole axis or nothing."""
    if not isinstance(selection, tuple) or axis >= len(selection):
        return None
    item = selection[axis]
    if isinstance(item, slice):
        r = range(*item.indices(n))
        if not r:
            return None
        lo, hi = (r[0], r[-1]) if r.step > 0 else (r[-1], r[0])
    elif isinstance(item, np.ndarray):
        if not item.size:
            return None
        lo, hi = int(item.min()), int(item.max())
    else:
        lo = hi = int(item)
    return (lo, hi + 1) if lo >= 0 and hi < n else None


def _shifted(selection: tuple, axis: int, n: int, start: int) -> tuple:
    """``selection`` for an array holding only rows ``start:`` of ``axis``."""
    item = selection[axis]
    if isinstance(item, slice):
        r = range(*item.indices(n))
        stop = r.stop - start
        # A negative step running to the first row stops "before -1": no stop at all.
        item = slice(r.start - start, stop if stop >= 0 else None, r.step)
    else:
        item = item - start
    return (*selection[:axis], item, *selection[axis + 1 :])


def _read_rows(
    io: ChunkIO,
    projections: list,
    keys: list[str],
    rows: dict[int, tuple[int, int]],
    share: float,
    place: Any,
) -> None:
    """Fetch and decode the rows ``rows`` names of some chunks, and place them (chunks
    whose rows lie in more than ``share`` of their blosc blocks are decoded whole).

    Every chunk's reader asks for byte ranges in turns (header, then blocks); each turn
    is one store call for all chunks. A store without native byte ranges is read whole
    once, and the ranges are cut from the values in memory.
    """
    reader = io.pipeline.row_reader
    store = io.store

    def fits() -> None:  # before a reader decodes a whole chunk
        check_chunk_fits(io)

    reads = {i: reader.read_rows(keys[i], *rows[i], share, fits) for i in rows}
    asks = {i: next(read) for i, read in reads.items()}
    whole = None if store.supports_partial_reads else store.getitems([keys[i] for i in rows])
    nrows, axis = reader.nrows, reader.axis
    while asks:
        wanted = [(keys[i], r) for i, ranges in asks.items() for r in ranges]
        if whole is None:
            got = store.get_partial_values(wanted)
        else:
            got = [_cut(whole.get(key), r) for key, r in wanted]
        turn, asks, at = asks, {}, 0
        for i, ranges in turn.items():
            answers = got[at : at + len(ranges)]
            at += len(ranges)
            if any(a is None for a in answers):  # not stored (or deleted meanwhile)
                reads[i].close()
                place(i, None)
                continue
            try:
                asks[i] = reads[i].send(answers)
            except StopIteration as done:
                start = rows[i][0]
                place(i, done.value, _shifted(projections[i].chunk_selection, axis, nrows, start))


def _cut(value: bytes | None, byte_range: tuple[int, int] | None) -> Any:
    """The bytes of ``value`` a reader's request names, without copying."""
    if value is None or byte_range is None:
        return value
    offset, length = byte_range
    return memoryview(value)[offset : offset + length]


def _batch_budget(io: ChunkIO) -> int | None:
    """Bytes of large chunks per store call, or None for one chunk per call: the
    ``batching.bytes`` setting (0 turns batching off), else the store's ``batch_bytes``
    hint (stores without the hint never batch large chunks)."""
    hint = io.store.batch_bytes
    if hint is None:
        return None
    configured = parse_size(config_get("batching.bytes"), "batching.bytes")
    if configured is None:
        return hint
    return configured or None


def _in_flight() -> int:
    return max(1, int(config_get("batching.in_flight", 2)))


def _finish(calls: Iterable[Future]) -> None:
    """Cancel the store calls not started and wait for those running: an operation that
    fails must not leave calls behind it that change the store after it has raised."""
    calls = list(calls)
    for call in calls:
        call.cancel()
    wait(calls)


def _read_batched(
    io: ChunkIO,
    keys: list[str],
    todo: list[int],
    budget: int,
    settle: Callable[[int, bytes | None], None],
) -> None:
    """Fetch large chunks in groups of about ``budget`` bytes, one ``getitems`` each,
    and ``settle`` (decode and place) every chunk of a group on the codec pool while the
    I/O pool fetches up to ``batching.in_flight`` following groups.

    Groups are sized by the decoded chunk size: the stored sizes are unknown before the
    values arrive, and compressed values are rarely larger. At most ``in_flight + 1``
    groups of stored values are held at once.
    """
    per = max(1, budget // io.pipeline.spec.nbytes)
    groups = iter([todo[start : start + per] for start in range(0, len(todo), per)])
    store = io.store

    def fetch(group: list[int]) -> tuple[list[int], dict[str, bytes]]:
        return group, store.getitems([keys[i] for i in group])

    def unpack(group: list[int], stored: dict[str, bytes]) -> None:
        # Each value is dropped as soon as it is decoded, in the thread that decoded it.
        parallel_map(lambda i: settle(i, stored.pop(keys[i], None)), group, True)

    ahead = deque(io_pool.submit(fetch, group) for group in islice(groups, _in_flight()))
    try:
        while ahead:
            group, stored = ahead.popleft().result()
            # The next fetch starts before this group is decoded, so the store always
            # has in_flight calls to answer.
            ahead.extend(io_pool.submit(fetch, g) for g in islice(groups, 1))
            if stored:
                check_chunk_fits(io)
            unpack(group, stored)
    finally:
        _finish(ahead)


def write(io: ChunkIO, indexer: Indexer, value: Any, fields: Any = None) -> None:
    """Write ``value`` (broadcast to the selection) into the chunks ``indexer`` touches
    (the caller has checked that the array is writable)."""
    dtype = check_fields(fields, io.dtype)
    # A subarray field takes values with its axes after the selection's.
    extra = dtype.shape
    if dtype.kind != "O":
        # converting first makes a tuple one structured element, not a row of values
        try:
            value = np.asarray(value, dtype=dtype.base)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueConversionError(value, dtype.base, io.path, exc) from exc
    try:
        if dtype.kind == "O":
            value = _object_array(value, indexer.shape)
        value = np.broadcast_to(value, indexer.shape + extra).reshape(indexer.out_shape + extra)
    except ValueError:
        raise ShapeMismatchError(_shape_of(value), tuple(indexer.shape) + extra) from None
    projections = list(indexer)
    if not projections:
        return
    keys = _keys(io, projections)
    synchronizer = io.synchronizer
    with chunk_cache.cache.writing(io, keys):
        if synchronizer is None:
            _update_chunks(io, projections, keys, value, indexer.drop_axes, fields)
            return
        # Under a synchronizer each chunk's read-modify-write holds that chunk's lock, so
        # concurrent writers to overlapping regions (threads or processes) lose no update.
        for proj, key in zip(projections, keys):
            with synchronizer[key]:
                _update_chunks(io, [proj], [key], value, indexer.drop_axes, fields)


def _update_chunks(
    io: ChunkIO, projections: list, keys: list[str], value: np.ndarray, drop: tuple, fields: Any
) -> None:
    """Write ``value`` into the given chunks: one batched read of the partly covered ones,
    one encode batch, one batched store call.

    On a store with transactions the read-modify-write of partly covered chunks is one
    transaction, so writers in other processes changing other parts of the same chunks
    lose nothing (without a synchronizer).
    """
    chunk_shape = io.chunks
    shape = io.shape
    # A chunk is rewritten from scratch when the selection covers all of its in-bounds part.
    partial = [
        i
        for i, p in enumerate(projections)
        if fields is not None
        or not is_total_slice(p.chunk_selection, chunk_extent(p.chunk_coords, shape, chunk_shape))
    ]
    store = io.store
    if partial and store.supports_transactions:
        with store.transaction():
            # Every store call of the transaction runs in this thread: no thread pool.
            _rewrite_chunks(io, projections, keys, value, drop, fields, partial, False)
    else:
        _rewrite_chunks(io, projections, keys, value, drop, fields, partial, True)


def _rewrite_chunks(
    io: ChunkIO,
    projections: list,
    keys: list[str],
    value: np.ndarray,
    drop: tuple,
    fields: Any,
    partial: list[int],
    parallel: bool,
) -> None:
    chunk_shape = io.chunks
    codec = _partial_codec(io)
    if partial and codec is not None:
        # The codec rewrites the partly covered chunks itself, reading only what it
        # must (sharding keeps untouched inner chunks as stored bytes); the fully
        # covered ones go on below.
        partial_keys = [keys[i] for i in partial]
        encoded = codec.encode_partial(
            io.store, partial_keys, [projections[i] for i in partial], value, drop, fields
        )
        _store_encoded(io, dict(zip(partial_keys, encoded)))
        rest = sorted(set(range(len(projections))) - set(partial))
        projections, keys, partial = [projections[i] for i in rest], [keys[i] for i in rest], []
    if projections:
        check_chunk_fits(io)  # every chunk below is built and encoded whole
    existing: dict[int, np.ndarray] = {}
    if partial:
        partial_keys = [keys[i] for i in partial]
        stored = io.store.getitems(partial_keys)
        found = [i for i in partial if keys[i] in stored]
        if found:
            decoded = io.pipeline.decode_batch(
                [stored[keys[i]] for i in found], [keys[i] for i in found]
            )
            for i, chunk in zip(found, decoded):
                existing[i] = np.array(chunk, order=io.order, copy=True)
    chunks = []
    direct = fields is None and not drop
    for i, proj in enumerate(projections):
        chunk = existing.get(i)
        if chunk is None:
            if direct and _covers_in_order(proj.chunk_selection, chunk_shape):
                # The value already holds the whole chunk in order: encode that view, no copy.
                chunks.append(value[proj.out_selection])
                continue
            chunk = empty_chunk(io)
        piece = expand_for_write(value[proj.out_selection], drop)
        if fields is not None:
            chunk[fields][proj.chunk_selection] = piece
        else:
            chunk[proj.chunk_selection] = piece
        chunks.append(chunk)
    _store_chunks(io, keys, chunks, parallel)


def _covers_in_order(selection: Any, chunk_shape: tuple[int, ...]) -> bool:
    """Whether a chunk selection is exactly ``[0:n:1]`` on every axis of a full chunk.

    Never for a 0-d chunk: ``value[()]`` is then an element, not an array to encode.
    """
    if not isinstance(selection, tuple) or not selection or len(selection) != len(chunk_shape):
        return False
    for item, n in zip(selection, chunk_shape):
        if not isinstance(item, slice) or item.indices(n) != (0, n, 1):
            return False
    return True


def _object_array(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as an object array of the selection's ``shape``.

    Assigning into an object array lets NumPy keep lists, arrays and strings whole where
    they are elements (a list written to one element of a JSON io, a ragged row of a
    VLenArray io), which ``np.asarray(value)`` would split or refuse as ragged.
    """
    arr = np.empty(shape, dtype=object)
    if shape:
        arr[...] = value
    elif isinstance(value, np.ndarray) and value.ndim == 0:
        arr[()] = value[()]
    else:
        # one element: [()] stores a sequence as it is, where [...] would broadcast it
        arr[()] = value
    return arr


def _shape_of(value: Any) -> tuple[int, ...]:
    try:
        return tuple(np.shape(value))
    except ValueError:  # ragged nested sequences
        return (len(value),)


def _store_chunks(
    io: ChunkIO, keys: list[str], chunks: list[np.ndarray], parallel: bool = True
) -> None:
    """Encode and store chunks, deleting those equal to the fill value if configured
    (``parallel``: large chunks are encoded on the codec pool, and stored each on its
    pool thread, or in batches on a store with a ``batch_bytes`` hint)."""
    if not io.write_empty_chunks:
        empty = [chunk_is_fill(io, c) for c in chunks]
        delete = [k for k, e in zip(keys, empty) if e]
        keys = [k for k, e in zip(keys, empty) if not e]
        chunks = [c for c, e in zip(chunks, empty) if not e]
        if delete:
            io.store.delitems(delete)
    if chunks:
        pipeline = io.pipeline
        if (
            parallel
            and len(chunks) > 1
            and io.dtype.kind != "O"
            and pipeline.spec.nbytes >= PARALLEL_MIN_BYTES
        ):
            budget = _batch_budget(io)
            if budget is not None:
                _store_batched(io, keys, chunks, budget)
                return
            # Large chunks: each worker lays out, compresses and stores one whole chunk,
            # so writing one overlaps compressing the next (as reads do in _read_chunks).
            parallel_map(
                lambda kc: _store_encoded(io, {kc[0]: pipeline.encode(kc[1])}),
                list(zip(keys, chunks)),
                True,
            )
        else:
            _store_encoded(io, dict(zip(keys, pipeline.encode_batch(chunks))))


def _store_batched(io: ChunkIO, keys: list[str], chunks: list[np.ndarray], budget: int) -> None:
    """Encode large chunks on the codec pool and store them in ``setitems`` batches of
    about ``budget`` stored bytes, up to ``batching.in_flight`` of them running on the
    I/O pool while the next chunks are encoded.

    Chunks are encoded a group of about ``budget`` decoded bytes at a time and the
    results packed into batches by their encoded size, so compressible data still sends
    full batches. At most ``in_flight + 2`` batches of encoded values are held at once.
    """
    pipeline = io.pipeline
    per = max(1, budget // pipeline.spec.nbytes)
    limit = _in_flight()
    running: deque[Future] = deque()

    def send(batch: dict[str, Any]) -> None:
        while len(running) >= limit:
            running.popleft().result()
        running.append(io_pool.submit(_store_encoded, io, batch))

    try:
        batch: dict[str, Any] = {}
        size = 0
        for start in range(0, len(chunks), per):
            encoded = parallel_map(pipeline.encode, chunks[start : start + per], True)
            for key, value in zip(keys[start : start + per], encoded):
                if batch and size + len(value) > budget:
                    send(batch)
                    batch, size = {}, 0
                batch[key] = value
                size += len(value)
        if batch:
            send(batch)
        while running:
            running.popleft().result()
    finally:
        _finish(running)


def _store_encoded(io: ChunkIO, values: dict[str, Any]) -> None:
    """Store encoded chunks; a chunk encoded to no bytes at all is deleted instead.

    An empty encoding carries nothing a reader needs (a missing chunk reads as the fill
    value): the sharding codec returns one for a shard whose inner chunks are all empty.
    """
    empty = [key for key, encoded in values.items() if not len(encoded)]
    if empty:
        io.store.delitems(empty)
        values = {key: encoded for key, encoded in values.items() if len(encoded)}
    if values:
        io.store.setitems(values)
