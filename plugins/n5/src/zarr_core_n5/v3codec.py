"""The zarr-extensions ``n5_default`` codec: N5 default-mode blocks as Zarr v3 chunks.

An array->bytes codec whose ``configuration.codecs`` is an inner chain: a full-reversal
``transpose``, ``bytes`` (big-endian), then at most one bytes->bytes codec (the N5
compression). Unlike the v2 view of :class:`~zarr_core_n5.wrapper.N5Container`, this
codec keeps **N5's axis order** (as tensorstore does): the Zarr shape is N5's
``dimensions`` and chunk ``(i, j)`` is the block at ``i/j`` (v2 chunk key encoding with
``"/"``); the transpose makes the payload N5's Fortran order.

Decoding reads the block header, decodes the payload with the block's own extent, and
pads (truncated edge blocks) or cuts it to the grid's chunk shape; encoding writes full
chunks. The same header code serves the v2 ``n5_block`` codec (:mod:`zarr_core_n5.block`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from zarr_core.codecs.base import ArrayBytesCodec, BytesLike, ChunkSpec, byte_view
from zarr_core.codecs.pipeline import CodecPipeline
from zarr_core.errors import CodecError
from zarr_core_n5 import block

__all__ = ["N5DefaultCodec"]


def _check_chain(codecs: Any, spec: ChunkSpec) -> list[dict[str, Any]]:
    """The inner chain as JSON objects, checked against the codec's rules."""
    where = "codec 'n5_default': configuration.codecs"
    if not isinstance(codecs, list) or not 2 <= len(codecs) <= 3:
        raise CodecError(f"{where} must list 2 or 3 codecs (transpose, bytes[, compressor])")
    chain = [{"name": c} if isinstance(c, str) else dict(c) for c in codecs]
    reversal = list(range(len(spec.shape) - 1, -1, -1))
    first = chain[0]
    if (
        first.get("name") != "transpose"
        or list(first.get("configuration", {}).get("order", ())) != reversal
    ):
        raise CodecError(f"{where}[0] must be transpose with order {reversal}, got {first!r}")
    second = chain[1]
    endian = second.get("configuration", {}).get("endian")
    if second.get("name") != "bytes" or not (
        endian == "big" or (endian is None and spec.dtype.itemsize == 1)
    ):
        raise CodecError(f"{where}[1] must be bytes with endian 'big', got {second!r}")
    return chain


class N5DefaultCodec(ArrayBytesCodec):
    """``n5_default``: see the module documentation."""

    name = "n5_default"

    def __init__(self, codecs: Any, spec: ChunkSpec):
        if spec.dtype.hasobject or not spec.shape:
            raise CodecError("codec 'n5_default' needs a numeric array of at least 1 dimension")
        self._chain = _check_chain(codecs, spec)
        self._spec = spec
        self._inner = self._pipeline(spec.shape)
        # Edge blocks of other writers are truncated: one inner chain per block extent.
        self._by_shape: dict[tuple[int, ...], CodecPipeline] = {spec.shape: self._inner}
        self._lock = threading.Lock()

    def _pipeline(self, shape: tuple[int, ...]) -> CodecPipeline:
        try:
            return CodecPipeline.from_v3(self._chain, self._spec.evolve(shape=shape))
        except CodecError:
            raise
        except Exception as exc:  # MetadataError and friends: say where
            raise CodecError(f"codec 'n5_default': configuration.codecs: {exc}") from exc

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> N5DefaultCodec:
        if set(configuration) != {"codecs"}:
            raise CodecError(
                "codec 'n5_default': the configuration must hold exactly 'codecs', got "
                f"{sorted(configuration)}"
            )
        return cls(configuration["codecs"], spec)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "configuration": {"codecs": self._inner.to_json()}}

    def encode(self, chunk: np.ndarray) -> BytesLike:
        return block.header(chunk.shape) + self._inner.encode(chunk)

    def decode(self, data: BytesLike, spec: ChunkSpec) -> np.ndarray:
        view = byte_view(data)
        shape, start = block.read_header(view, len(spec.shape))
        inner = self._by_shape.get(shape)
        if inner is None:
            with self._lock:
                inner = self._by_shape.setdefault(shape, self._pipeline(shape))
        return block.fit(inner.decode(view[start:]), spec.shape, spec.dtype)
