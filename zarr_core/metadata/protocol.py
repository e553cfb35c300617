"""The interface that v2 and v3 array metadata share, so array code need not know the format."""

from __future__ import annotations

from typing import Any, Literal, Protocol, Self, runtime_checkable

import numpy as np

from zarr_core.metadata.chunk_keys import ChunkKeyEncoding

__all__ = ["ArrayMetadata"]


@runtime_checkable
class ArrayMetadata(Protocol):
    """What :class:`ArrayMetadataV2` and :class:`ArrayMetadataV3` both provide.

    Attributes are not part of it: v2 keeps them in ``.zattrs``, v3 inside ``zarr.json``.
    """

    zarr_format: Literal[2, 3]
    shape: tuple[int, ...]
    dtype: np.dtype
    fill_value: Any

    @property
    def chunks(self) -> tuple[int, ...]:
        """Chunk shape."""

    @property
    def order(self) -> Literal["C", "F"]:
        """Element layout inside a chunk (always ``"C"`` for v3)."""

    @property
    def chunk_key_encoding(self) -> ChunkKeyEncoding:
        """How grid coordinates become store keys."""

    def chunk_key(self, coords: tuple[int, ...]) -> str:
        """Store key (relative to the array) of the chunk at ``coords``."""

    def update(self, **changes: Any) -> Self:
        """A validated copy with some fields replaced."""

    def to_json(self) -> bytes:
        """The serialised metadata document."""
