"""The chunk engine: selections in, batched store calls and codec batches out.

One read or write operation computes every chunk key it needs, fetches them with one
``getitems`` call, decodes them with one ``decode_batch`` call (the codec pipeline picks
threads or a C batch API), and writes back with one ``setitems`` (and one ``delitems``
for chunks equal to the fill value when empty chunks are not written). Only chunks a
write covers partially are read first; a full-chunk write never reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from zarr_core.errors import ShapeMismatchError
from zarr_core.indexing import chunk_extent, expand_for_write, is_total_slice

if TYPE_CHECKING:
    from zarr_core.array import Array
    from zarr_core.indexing import Indexer

__all__ = ["read", "write", "empty_chunk", "chunk_is_fill"]


def _fill(buffer: np.ndarray, array: Array, fields: Any = None) -> np.ndarray:
    fill = array._fill_for_memory
    if fields is not None:
        fill = np.asarray(fill, dtype=array.dtype)[fields]
    if buffer.dtype.kind == "O":
        buffer.fill(fill)  # assigning a str/sequence with [...] would broadcast its items
    else:
        buffer[...] = fill
    return buffer


def _fill_region(buffer: np.ndarray, selection: Any, array: Array, fields: Any) -> None:
    region = buffer[selection]
    if isinstance(region, np.ndarray) and np.may_share_memory(region, buffer):
        _fill(region, array, fields)
    else:  # an integer-array selection copies: fill a temporary and scatter it back
        buffer[selection] = _fill(np.empty(np.shape(region), dtype=buffer.dtype), array, fields)


def empty_chunk(array: Array) -> np.ndarray:
    """A new chunk of the full chunk shape holding the fill value, in the array's order."""
    return _fill(np.empty(array.chunks, dtype=array.dtype, order=array.order), array)


def chunk_is_fill(array: Array, chunk: np.ndarray) -> bool:
    """Whether every element of ``chunk`` equals the fill value (NaN equal to NaN)."""
    fill = array._fill_for_memory
    if chunk.dtype.kind == "O":
        return all(v == fill for v in chunk.flat)
    if chunk.dtype.kind in "fc":
        fill_arr = np.asarray(fill, dtype=chunk.dtype)
        if np.isnan(fill_arr).any():
            return bool(np.all(np.isnan(chunk) & np.isnan(fill_arr) | (chunk == fill_arr)))
    if chunk.dtype.fields is not None:
        return chunk.tobytes() == np.full(chunk.shape, fill, dtype=chunk.dtype).tobytes()
    return bool(np.all(chunk == fill))


def _keys(array: Array, projections: list) -> list[str]:
    return array._chunk_keys([p.chunk_coords for p in projections])


def read(
    array: Array,
    indexer: Indexer,
    out: np.ndarray | None = None,
    fields: Any = None,
) -> np.ndarray:
    """Read the selection ``indexer`` describes into ``out`` (allocated if None)."""
    projections = list(indexer)
    dtype = array.dtype if fields is None else _field_dtype(array.dtype, fields)
    # Every output element belongs to exactly one projection, so only the regions of
    # missing chunks need the fill value: no pass over the whole buffer.
    buffer = np.empty(indexer.out_shape, dtype=dtype)
    if projections:
        keys = _keys(array, projections)
        stored = array.chunk_store.getitems(keys)
        present = []
        for i, key in enumerate(keys):
            if key in stored:
                present.append(i)
            else:
                _fill_region(buffer, projections[i].out_selection, array, fields)
        if present:
            decoded = array._pipeline.decode_batch(
                [stored[keys[i]] for i in present], [keys[i] for i in present]
            )
            drop = indexer.drop_axes
            for i, chunk in zip(present, decoded):
                proj = projections[i]
                if fields is not None:
                    chunk = chunk[fields]
                value = chunk[proj.chunk_selection]
                if drop:
                    value = value.squeeze(axis=drop)
                buffer[proj.out_selection] = value
    result = buffer.reshape(indexer.shape)
    if out is None:
        return result
    if out.shape != result.shape:
        raise ShapeMismatchError(result.shape, out.shape)
    out[...] = result
    return out


def _field_dtype(dtype: np.dtype, fields: Any) -> np.dtype:
    return np.empty(0, dtype=dtype)[fields].dtype


def write(array: Array, indexer: Indexer, value: Any, fields: Any = None) -> None:
    """Write ``value`` (broadcast to the selection) into the chunks ``indexer`` touches."""
    array._check_writable()
    dtype = array.dtype if fields is None else _field_dtype(array.dtype, fields)
    if dtype.kind == "O" and not isinstance(value, np.ndarray):
        value = _object_array(value)
    else:
        value = np.asarray(value)
    try:
        value = np.broadcast_to(value, indexer.shape).reshape(indexer.out_shape)
    except ValueError:
        raise ShapeMismatchError(tuple(np.shape(value)), tuple(indexer.shape)) from None
    projections = list(indexer)
    if not projections:
        return
    keys = _keys(array, projections)
    chunk_shape = array.chunks
    shape = array.shape
    drop = indexer.drop_axes
    # A chunk is rewritten from scratch when the selection covers all of its in-bounds part.
    partial = [
        i
        for i, p in enumerate(projections)
        if fields is not None
        or not is_total_slice(p.chunk_selection, chunk_extent(p.chunk_coords, shape, chunk_shape))
    ]
    existing: dict[int, np.ndarray] = {}
    if partial:
        partial_keys = [keys[i] for i in partial]
        stored = array.chunk_store.getitems(partial_keys)
        found = [i for i in partial if keys[i] in stored]
        if found:
            decoded = array._pipeline.decode_batch([stored[keys[i]] for i in found], [keys[i] for i in found])
            for i, chunk in zip(found, decoded):
                existing[i] = np.array(chunk, order=array.order, copy=True)
    chunks = []
    for i, proj in enumerate(projections):
        chunk = existing.get(i)
        if chunk is None:
            chunk = empty_chunk(array)
        piece = expand_for_write(value[proj.out_selection], drop)
        if fields is not None:
            chunk[fields][proj.chunk_selection] = piece
        else:
            chunk[proj.chunk_selection] = piece
        chunks.append(chunk)
    _store_chunks(array, keys, chunks)


def _object_array(value: Any) -> np.ndarray:
    """Python objects to an object array without NumPy splitting strings or nesting lists."""
    if isinstance(value, list | tuple):
        arr = np.empty(len(value), dtype=object)
        arr[:] = value
        return arr
    arr = np.empty((), dtype=object)
    arr[()] = value
    return arr


def _store_chunks(array: Array, keys: list[str], chunks: list[np.ndarray]) -> None:
    """Encode and store chunks, deleting those equal to the fill value if configured."""
    if not array.write_empty_chunks:
        empty = [chunk_is_fill(array, c) for c in chunks]
        delete = [k for k, e in zip(keys, empty) if e]
        keys = [k for k, e in zip(keys, empty) if not e]
        chunks = [c for c, e in zip(chunks, empty) if not e]
        if delete:
            array.chunk_store.delitems(delete)
    if chunks:
        encoded = array._pipeline.encode_batch(chunks)
        array.chunk_store.setitems(dict(zip(keys, encoded)))
