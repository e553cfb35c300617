"""The interface that v2 and v3 array metadata share, so array code need not know the format."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, Protocol, Self, runtime_checkable

import numpy as np

from zarr_core.metadata.chunk_keys import ChunkKeyEncoding

__all__ = ["ArrayMetadata", "ArrayDocument"]


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


class ArrayDocument:
    """Behaviour both array metadata dataclasses share (they are declared ``eq=False``)."""

    chunk_key_encoding: ChunkKeyEncoding

    def to_json(self) -> bytes:
        raise NotImplementedError

    def chunk_key(self, coords: tuple[int, ...]) -> str:
        """The store key (relative to the array) of the chunk at grid position ``coords``."""
        return self.chunk_key_encoding.encode(coords)

    def update(self, **changes: Any) -> Self:
        """A copy with some fields replaced (validated again), e.g. ``update(shape=...)``."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def __eq__(self, other: object) -> bool:
        # Documents are equal when they serialise equally; field-wise comparison would
        # make any NaN fill value unequal to itself.
        if type(other) is not type(self):
            return NotImplemented
        return self.to_json() == other.to_json()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.to_json())
