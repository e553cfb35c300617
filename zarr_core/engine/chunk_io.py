"""The one value the engine needs of an array: where its chunks are and how they look."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from zarr_core.codecs.pipeline import CodecPipeline
from zarr_core.storage.base import Store

__all__ = ["ChunkIO"]


@dataclass(frozen=True, eq=False)
class ChunkIO:
    """How to move an array's chunks: built by the array from its metadata, once per load.

    The engine (reads, writes, the decoded-chunk cache) sees an array only through this,
    so neither depends on ``Array``'s internals.

    Attributes
    ----------
    store
        The store chunks are read from and written to (the chunk store, through any
        storage transformers the metadata names).
    pipeline
        The codec pipeline of a chunk.
    shape, chunks, dtype, order
        The array's shape, the chunk shape, the dtype and the memory order of chunks.
    fill
        The fill value as it is held in memory.
    path
        The array's path in the store; chunk keys start with ``path + "/"``.
    chunk_keys
        The keys of the chunks at grid coordinates ``coords``, each after a prefix:
        ``chunk_keys(coords, prefix)``.
    metadata_key
        The key of the array's metadata document (named by errors about the metadata).
    zarr_format
        2 or 3.
    write_empty_chunks
        Store chunks equal to the fill value (else they are deleted).
    synchronizer
        Locks per chunk key for read-modify-write, or None.
    owner
        The metadata object this was built from: the decoded-chunk cache keeps entries
        of one metadata version only.
    partial_decompress
        Decode only the blosc blocks a read needs: ``True``, ``False``, ``"auto"``, or
        ``None`` to follow the ``array.partial_decompress`` setting at each read (see
        :func:`zarr_core.engine.transfer.partial_decompress_mode`).
    """

    store: Store
    pipeline: CodecPipeline
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype
    order: str
    fill: Any
    path: str
    chunk_keys: Callable[[list[tuple[int, ...]], str], list[str]]
    metadata_key: str
    zarr_format: int
    write_empty_chunks: bool
    synchronizer: Any
    owner: Hashable
    partial_decompress: bool | str | None = None

    def keys(self, coords: list[tuple[int, ...]]) -> list[str]:
        """The store keys of the chunks at grid coordinates ``coords``."""
        return self.chunk_keys(coords, self.path + "/" if self.path else "")
