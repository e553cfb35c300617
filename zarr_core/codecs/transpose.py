"""The ``transpose`` array->array codec: permute the chunk's axes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from zarr_core.codecs.base import ArrayArrayCodec, ChunkBatch, ChunkSpec, check_config
from zarr_core.errors import CodecError

__all__ = ["TransposeCodec"]


class TransposeCodec(ArrayArrayCodec):
    """Permute axes: ``encoded.shape[i] == decoded.shape[order[i]]``.

    Both directions return views; the array->bytes codec after it makes the copy.

    Parameters
    ----------
    order
        A permutation of ``range(ndim)``.
    """

    name: ClassVar[str] = "transpose"

    def __init__(self, order: Sequence[int]):
        self.order = tuple(order)
        self._inverse = tuple(int(i) for i in np.argsort(self.order))

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> TransposeCodec:
        check_config(cls.name, configuration, ("order",))
        order = configuration.get("order")
        ndim = len(spec.shape)
        if isinstance(order, str):
            hint = list(range(ndim)) if order == "C" else list(range(ndim))[::-1]
            raise CodecError(
                f"codec 'transpose': order {order!r} is no longer allowed; "
                f"write the permutation, e.g. {hint}"
            )
        if (
            not isinstance(order, list | tuple)
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in order)
            or sorted(order) != list(range(ndim))
        ):
            raise CodecError(
                f"codec 'transpose': order must be a permutation of 0..{ndim - 1} for a "
                f"{ndim}-dimensional chunk, got {order!r}"
            )
        return cls(order)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "configuration": {"order": list(self.order)}}

    def resolve(self, spec: ChunkSpec) -> ChunkSpec:
        return spec.evolve(shape=tuple(spec.shape[i] for i in self.order))

    def encode(self, chunk: np.ndarray) -> np.ndarray:
        return np.asarray(chunk).transpose(self.order)

    def decode(self, chunk: np.ndarray, spec: ChunkSpec) -> np.ndarray:
        return np.asarray(chunk).transpose(self._inverse)

    def encode_batch(self, chunks: ChunkBatch) -> ChunkBatch:
        if isinstance(chunks, np.ndarray):
            return chunks.transpose(0, *(i + 1 for i in self.order))
        return super().encode_batch(chunks)

    def decode_batch(self, chunks: ChunkBatch, spec: ChunkSpec) -> ChunkBatch:
        if isinstance(chunks, np.ndarray):
            return chunks.transpose(0, *(i + 1 for i in self._inverse))
        return super().decode_batch(chunks, spec)
