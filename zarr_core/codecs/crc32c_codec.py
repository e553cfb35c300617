"""The ``crc32c`` bytes->bytes codec: a CRC-32C (Castagnoli) trailer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from google_crc32c import value as _crc32c

from zarr_core.codecs.base import BytesBytesCodec, BytesLike, ChunkSpec, byte_view, check_config

__all__ = ["Crc32cCodec"]


def crc32c(data: BytesLike) -> int:
    """CRC-32C of ``data``; google-crc32c takes only ``bytes``, so views are copied first."""
    return _crc32c(data if type(data) is bytes else bytes(data))


class Crc32cCodec(BytesBytesCodec):
    """Append the CRC-32C of the data as 4 little-endian bytes; decoding checks and strips it."""

    name: ClassVar[str] = "crc32c"
    is_fixed_size: ClassVar[bool] = True

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> Crc32cCodec:
        check_config(cls.name, configuration, ())
        return cls()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name}

    def compute_encoded_size(self, n: int) -> int:
        return n + 4

    def encode(self, data: BytesLike) -> BytesLike:
        view = byte_view(data)
        return b"".join((view, crc32c(view).to_bytes(4, "little")))

    def decode(self, data: BytesLike) -> BytesLike:
        view = byte_view(data)
        if len(view) < 4:
            raise ValueError(f"crc32c: {len(view)} bytes is too short to hold the checksum")
        payload = view[:-4]
        stored = int.from_bytes(view[-4:], "little")
        computed = crc32c(payload)
        if stored != computed:
            raise ValueError(
                f"crc32c checksum mismatch: stored 0x{stored:08x}, computed 0x{computed:08x}"
            )
        return payload
