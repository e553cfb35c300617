"""Dask routes: a zarr-core array as a Dask array, and a Dask array into a zarr-core array.

``dask.array.from_array(z)`` works on a zarr-core :class:`~zarr_core.Array` as it does on a
zarr-python one; :func:`to_dask` adds the right chunking and opens URLs. :func:`from_dask`
creates the array and stores every block from the workers.

Arrays pickle small -- the store's location and the array's path, never data or open
handles (except an in-memory store, whose data is its location) -- and reopen on each
worker. Blocks aligned to the array's chunks write in parallel without locks (each chunk
is written by one task). Blocks that split chunks need a synchronizer
(``zarr_core.ProcessSynchronizer`` on a shared file system for several worker processes)
and are refused without one, since two tasks would read-modify-write the same chunk.
Stores that several processes cannot write at once (``Store.supports_multiprocess_writes``
is false: a zip archive, an in-memory store, a DBM file) are refused when the scheduler
runs tasks in several processes, with a message naming the alternative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zarr_core.errors import ZarrCoreError
from zarr_core.storage.keys import join_path, normalize_path

if TYPE_CHECKING:
    import dask.array

    from zarr_core.node.array import Array

__all__ = ["to_dask", "from_dask", "UnalignedWriteError"]


class UnalignedWriteError(ZarrCoreError, ValueError):
    """Dask blocks split the target's chunks and no synchronizer serialises the writes."""


def _open(array_or_url: Any, mode: str, **kwargs: Any) -> Array:
    from zarr_core.node.array import Array
    from zarr_core.node.creation import open_array

    if isinstance(array_or_url, Array):
        return array_or_url
    return open_array(array_or_url, mode=mode, **kwargs)


def to_dask(
    array_or_url: Any,
    chunks: Any = None,
    *,
    path: str | None = None,
    storage_options: dict[str, Any] | None = None,
    name: str | None = None,
) -> dask.array.Array:
    """A lazy Dask array over a zarr-core array (or the array at a URL or path).

    Parameters
    ----------
    array_or_url
        An :class:`~zarr_core.Array`, or anything ``zarr_core.open_array`` opens.
    chunks
        Dask chunks; by default the array's chunks (its shards for sharded arrays would be
        coarser, pass them explicitly). Use multiples of the array's chunks: other
        chunkings read some chunks twice.
    path, storage_options
        Passed to ``open_array`` for a URL or path.
    name
        The Dask graph name (default: derived from the store, path and chunks, so the same
        array gives the same graph).

    Examples
    --------
    >>> import zarr_core
    >>> z = zarr_core.ones((6, 4), chunks=(3, 2), dtype="i4")
    >>> x = zarr_core.to_dask(z)
    >>> x.chunks, int(x.sum().compute())
    (((3, 3), (2, 2)), 24)
    """
    import dask.array as da

    array = _open(array_or_url, "r", path=path, storage_options=storage_options)
    chunks = array.chunks if chunks is None else chunks
    if name is None:
        from dask.base import tokenize

        name = f"zarr-core-{tokenize(repr(array.store), array.path, array.shape, chunks)}"
    # lock=False: zarr-core arrays are safe to read from many threads and processes.
    return da.from_array(array, chunks=chunks, lock=False, name=name, asarray=False)


def _aligned(dask_chunks: tuple[tuple[int, ...], ...], chunks: tuple[int, ...]) -> bool:
    """Whether every block boundary falls on a chunk boundary (the last block may end short)."""
    for blocks, size in zip(dask_chunks, chunks):
        edge = 0
        for block in blocks[:-1]:
            edge += block
            if edge % size:
                return False
    return True


def _check_processes(dask_array: Any, store: Any) -> None:
    """Refuse stores that several processes cannot write when Dask uses several."""
    import dask.local
    import dask.threaded
    from dask.base import get_scheduler

    scheduler = get_scheduler(collections=[dask_array])
    if scheduler in (dask.threaded.get, dask.local.get_sync):
        return
    if not store.supports_multiprocess_writes:
        raise ZarrCoreError(
            f"{store!r} cannot be written by several processes at once (the scheduler "
            f"{getattr(scheduler, '__self__', scheduler)!r} runs tasks in several); write to "
            f"a directory, SQLite or LMDB store instead (a zip archive: write a directory, "
            f"then pack it with zarr_core.copy_store), or compute with the threaded scheduler"
        )


def from_dask(
    dask_array: dask.array.Array,
    url: Any,
    *,
    path: str | None = None,
    chunks: Any = None,
    mode: str = "w-",
    zarr_format: int | None = None,
    synchronizer: Any = None,
    storage_options: dict[str, Any] | None = None,
    compute: bool = True,
    **create_kwargs: Any,
) -> Any:
    """Store a Dask array into a new zarr-core array at ``url``.

    Parameters
    ----------
    dask_array
        The data.
    url
        Where to create the array: a path, URL or store (anything ``open_array`` takes).
    chunks
        The array's chunks; by default the Dask array's (its first block along each
        dimension), so that every block is a whole number of chunks.
    mode
        ``"w-"`` (default: fail if something is there), ``"w"`` (replace) or ``"a"``
        (write into an existing array of the same shape).
    synchronizer
        Needed when the blocks split chunks; passed to the array.
    compute
        Store now (and return the array), or return a ``dask.delayed`` that stores when
        computed.
    **create_kwargs
        Passed to ``open_array`` (``compressor``, ``fill_value``, ``shards``, ...).

    Raises
    ------
    UnalignedWriteError
        If blocks split the array's chunks and no synchronizer is given.

    Examples
    --------
    >>> import dask.array as da, zarr_core
    >>> z = zarr_core.from_dask(da.arange(12, chunks=4), zarr_core.MemoryStore())
    >>> z.chunks, z[:5].tolist()
    ((4,), [0, 1, 2, 3, 4])
    """
    import dask.array as da

    from zarr_core.node.creation import normalize_chunks
    from zarr_core.storage import resolve

    if chunks is None:
        chunks = tuple(c[0] if c else 1 for c in dask_array.chunks)
    chunks = normalize_chunks(chunks, dask_array.shape, dask_array.dtype.itemsize)
    # Everything is checked before anything is created: a refused write leaves nothing.
    # The chunks are the stored ones (whole shards for a sharded array): the unit that two
    # tasks must not both read-modify-write.
    shards = create_kwargs.get("shards")
    written = normalize_chunks(shards, dask_array.shape, 1) if shards else chunks
    if synchronizer is None and not _aligned(dask_array.chunks, written):
        raise UnalignedWriteError(
            f"the Dask blocks {dask_array.chunks} split the chunks {written} of the array "
            f"at {url!r}: parallel writes would lose data. Rechunk first "
            f"(x.rechunk({written})) or pass a synchronizer"
        )
    target = resolve(url, mode=mode, storage_options=storage_options)
    _check_processes(dask_array, target.store)
    array = _open(
        target.store,
        mode,
        path=join_path(target.path, normalize_path(path)),
        shape=dask_array.shape,
        dtype=dask_array.dtype,
        chunks=chunks,
        zarr_format=zarr_format or target.zarr_format,
        synchronizer=synchronizer,
        **create_kwargs,
    )
    stored = da.store(dask_array, array, lock=False, compute=compute, return_stored=False)
    return array if compute else stored
