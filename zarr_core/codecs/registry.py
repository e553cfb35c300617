"""Codec names to codec classes, through the plugin registry (core's codecs are declared in
:mod:`zarr_core.plugins.builtin` like any plugin's), then numcodecs' ``numcodecs.<id>`` names."""

from __future__ import annotations

from zarr_core.codecs.base import ArrayArrayCodec, ArrayBytesCodec, BytesBytesCodec, Codec
from zarr_core.codecs.numcodecs_wrap import numcodecs_codec_class
from zarr_core.errors import PluginNotFoundError, UnknownExtensionError
from zarr_core.plugins import get_registry
from zarr_core.plugins.known import KNOWN_CODECS

__all__ = ["get_codec_class"]


def get_codec_class(name: str, key: str | None = None) -> type[Codec]:
    """The class implementing the v3 codec ``name``.

    Asks the plugin registry (core's codecs are registered there too; a plugin that
    declares the same name wins over them), then numcodecs' ``numcodecs.<id>`` names.

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
    PluginLoadError
        If the plugin that provides ``name`` failed to import, or its class does not
        derive from one of the codec base classes.
    """
    registry = get_registry()
    entry = registry.lookup("codec", name)
    if entry is not None:
        cls = registry.load_class(entry, (ArrayArrayCodec, ArrayBytesCodec, BytesBytesCodec))
    else:
        cls = numcodecs_codec_class(name)
        if cls is None:
            try:
                registry.require("codec", name)  # raises PluginLoadError if its plugin broke
            except PluginNotFoundError:
                raise UnknownExtensionError(
                    "codec", name, key=key, distribution=KNOWN_CODECS.get(name)
                ) from None
    return cls
