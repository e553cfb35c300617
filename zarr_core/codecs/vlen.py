"""The ``vlen-utf8`` and ``vlen-bytes`` array->bytes codecs for variable-length elements.

Layout: a u32le element count, then for each element in C order a u32le byte length and
the bytes (UTF-8 for strings). ``None`` elements encode as empty. NumPy holds the
elements in object arrays. numcodecs' compiled ``VLenUTF8``/``VLenBytes`` write exactly
this layout (it is Zarr v2's ``vlen-*`` filter format too), so we use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numcodecs import VLenBytes, VLenUTF8
from numcodecs.abc import Codec as NumcodecsCodec

from zarr_core.codecs.base import ArrayBytesCodec, BytesLike, ChunkSpec, byte_view, check_config
from zarr_core.errors import CodecError

__all__ = ["VlenUtf8Codec", "VlenBytesCodec"]


class _VlenCodec(ArrayBytesCodec):
    _impl: ClassVar[NumcodecsCodec]
    _kinds: ClassVar[str]

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> _VlenCodec:
        check_config(cls.name, configuration, ())
        if spec.dtype.kind not in cls._kinds:
            raise CodecError(f"codec {cls.name!r} cannot serialise arrays of dtype {spec.dtype}")
        return cls()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "configuration": {}}

    def encode(self, chunk: np.ndarray) -> BytesLike:
        # C order whatever the memory layout: numcodecs flattens in memory order.
        return self._impl.encode(np.asarray(chunk, dtype=object, order="C"))

    def decode(self, data: BytesLike, spec: ChunkSpec) -> np.ndarray:
        items = self._impl.decode(byte_view(data))
        if items.size != spec.size:
            raise ValueError(
                f"{self.name}: the chunk holds {items.size} elements, expected {spec.size} "
                f"for shape {spec.shape}"
            )
        items = items.reshape(spec.shape)
        return items if spec.dtype.hasobject else items.astype(spec.dtype)


class VlenUtf8Codec(_VlenCodec):
    """Variable-length UTF-8 strings (v3 data type ``string``)."""

    name: ClassVar[str] = "vlen-utf8"
    _impl: ClassVar[NumcodecsCodec] = VLenUTF8()
    _kinds: ClassVar[str] = "OUT"


class VlenBytesCodec(_VlenCodec):
    """Variable-length byte strings (v3 data type ``bytes``)."""

    name: ClassVar[str] = "vlen-bytes"
    _impl: ClassVar[NumcodecsCodec] = VLenBytes()
    _kinds: ClassVar[str] = "OS"
