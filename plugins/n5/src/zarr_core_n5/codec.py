"""The numcodecs codec ``n5_block``: a Zarr v2 chunk <-> one N5 default-mode block.

The ``.zarray`` views of :mod:`zarr_core_n5.metadata` name it as their compressor, so
zarr-core's ordinary v2 pipeline reads and writes N5 blocks: the chunk's bytes (C order,
native byte order) come in, a header and the compressed big-endian payload go out.
numcodecs finds it through the ``numcodecs.codecs`` entry point of this distribution.
The id differs from zarr-python 2's ``n5_wrapper`` so that the two never replace each
other in numcodecs' registry when both are installed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numcodecs.abc import Codec

from zarr_core_n5 import block
from zarr_core_n5 import compression as _compression

__all__ = ["N5BlockCodec"]


class N5BlockCodec(Codec):
    """Encode a chunk as an N5 block and back.

    Parameters
    ----------
    compression
        The dataset's N5 ``compression`` object (``{"type": "gzip", ...}``).
    dtype
        The chunk's dtype as Zarr sees it (native byte order).
    chunk_shape
        The chunk shape in Zarr (C) axis order: N5's ``blockSize`` reversed.
    dataset
        The dataset's path, for error messages.
    """

    codec_id = "n5_block"

    def __init__(
        self,
        compression: Mapping[str, Any],
        dtype: str,
        chunk_shape: Sequence[int],
        dataset: str = "",
    ):
        self.compression = _compression.normalize({"compression": compression}, "n5_block")
        self.dtype = np.dtype(dtype)
        self.chunk_shape = tuple(chunk_shape)
        self.dataset = dataset

    def encode(self, buf: Any) -> bytes:
        chunk = np.frombuffer(memoryview(buf).cast("B"), dtype=self.dtype)
        return block.encode(chunk.reshape(self.chunk_shape), self.compression)

    def decode(self, buf: Any, out: Any = None) -> Any:
        chunk = block.decode(buf, self.compression, self.dtype, self.chunk_shape, self.dataset)
        if out is None:
            return chunk
        target = np.frombuffer(memoryview(out).cast("B"), dtype=self.dtype)
        target[:] = chunk.reshape(-1)
        return out

    def get_config(self) -> dict[str, Any]:
        return {
            "id": self.codec_id,
            "compression": dict(self.compression),
            "dtype": self.dtype.str,
            "chunk_shape": list(self.chunk_shape),
            "dataset": self.dataset,
        }

    def __repr__(self) -> str:
        return f"N5BlockCodec({self.compression!r}, dataset={self.dataset!r})"
