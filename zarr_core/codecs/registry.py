"""Codec names to codec classes: built-ins first, then numcodecs, then plugins."""

from __future__ import annotations

from zarr_core.codecs.base import ArrayArrayCodec, ArrayBytesCodec, BytesBytesCodec, Codec
from zarr_core.codecs.bytes_codec import BytesCodec
from zarr_core.codecs.compressors import BloscCodec, GzipCodec, ZstdCodec
from zarr_core.codecs.crc32c_codec import Crc32cCodec
from zarr_core.codecs.numcodecs_wrap import numcodecs_codec_class
from zarr_core.codecs.transpose import TransposeCodec
from zarr_core.codecs.vlen import VlenBytesCodec, VlenUtf8Codec
from zarr_core.errors import CodecError, PluginNotFoundError, UnknownExtensionError

__all__ = ["get_codec_class", "BUILTIN_CODECS"]

#: The v3 codecs the core implements itself.
BUILTIN_CODECS: dict[str, type[Codec]] = {
    cls.name: cls
    for cls in (
        BytesCodec,
        TransposeCodec,
        BloscCodec,
        GzipCodec,
        ZstdCodec,
        Crc32cCodec,
        VlenUtf8Codec,
        VlenBytesCodec,
    )
}
# An early v3 draft called the bytes codec "endian"; zarr-python still reads that name.
BUILTIN_CODECS["endian"] = BytesCodec

_KINDS = (ArrayArrayCodec, ArrayBytesCodec, BytesBytesCodec)


def get_codec_class(name: str, key: str | None = None) -> type[Codec]:
    """The class implementing the v3 codec ``name``.

    Looks at the built-in codecs, then ``numcodecs.<id>`` names, then asks the plugin
    registry.

    Parameters
    ----------
    name
        The codec's v3 name, e.g. ``"zstd"``, ``"numcodecs.delta"``, ``"sharding_indexed"``.
    key
        The metadata key being read, for the error message.

    Raises
    ------
    UnknownExtensionError
        If nothing provides ``name``; names the distribution to install when known.
    CodecError
        If a plugin's class does not derive from one of the codec base classes.
    PluginLoadError
        If the plugin that provides ``name`` failed to import.
    """
    cls = BUILTIN_CODECS.get(name) or numcodecs_codec_class(name)
    if cls is not None:
        return cls
    from zarr_core.plugins import get_codec_class as plugin_codec

    try:
        cls = plugin_codec(name)
    except PluginNotFoundError:
        from zarr_core._known_plugins import KNOWN_CODECS

        raise UnknownExtensionError(
            "codec", name, key=key, distribution=KNOWN_CODECS.get(name)
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, _KINDS)):
        raise CodecError(
            f"the plugin class {cls!r} for codec {name!r} must derive from ArrayArrayCodec, "
            "ArrayBytesCodec or BytesBytesCodec in zarr_core.codecs.base"
        )
    return cls
