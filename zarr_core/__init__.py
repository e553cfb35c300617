"""zarr-core: chunked, compressed N-dimensional arrays in the Zarr format, v2 and v3.

Storage backends are plugins found through entry points; see ``zarr-core plugins``.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import Any

from zarr_core import config, errors
from zarr_core.lazy import lazy_exports, module_aliases

__version__ = "0.1.0"

# Where each public name lives; imported on first use, so that ``import zarr_core`` costs
# little (the command line and worker processes start fast) and imports no plugin.
_EXPORTS = {
    **dict.fromkeys(["Array"], "zarr_core.node.array"),
    **dict.fromkeys(["Attributes"], "zarr_core.node.attrs"),
    **dict.fromkeys(["Group"], "zarr_core.node.group"),
    **dict.fromkeys(
        ["ConsolidatedMetadataStore", "consolidate_metadata", "open_consolidated"],
        "zarr_core.api.consolidated",
    ),
    **dict.fromkeys(
        [
            "CopyError",
            "copy",
            "copy_all",
            "copy_store",
            "load",
            "save",
            "save_array",
            "save_group",
            "tree",
        ],
        "zarr_core.api.convenience",
    ),
    **dict.fromkeys(["convert"], "zarr_core.api.convert"),
    **dict.fromkeys(
        [
            "array",
            "create",
            "empty",
            "empty_like",
            "full",
            "full_like",
            "ones",
            "ones_like",
            "open_array",
            "open_like",
            "zeros",
            "zeros_like",
        ],
        "zarr_core.node.creation",
    ),
    **dict.fromkeys(["group", "open", "open_group"], "zarr_core.api.hierarchy"),
    **dict.fromkeys(["from_dask", "to_dask"], "zarr_core.integrations.dask"),
    **dict.fromkeys(["list_plugins"], "zarr_core.plugins"),
    **dict.fromkeys(["which", "normalize_store_arg", "open_store"], "zarr_core.storage.resolve"),
    **dict.fromkeys(["Store"], "zarr_core.storage.base"),
    **dict.fromkeys(["KVStore", "MemoryStore"], "zarr_core.storage.memory"),
    **dict.fromkeys(["FSStore"], "zarr_core.storage.fsspec_store"),
    **dict.fromkeys(["ThreadSynchronizer", "ProcessSynchronizer"], "zarr_core.sync"),
}
_lazy_getattr, __dir__ = lazy_exports(__name__, _EXPORTS)

# Modules that moved into the layer packages keep their old import paths (and pickles
# that name them keep loading).
_MOVED = {
    f"zarr_core.{old}": f"zarr_core.{new}"
    for old, new in {
        "array": "node.array",
        "group": "node.group",
        "attrs": "node.attrs",
        "base_node": "node.base",
        "keywords": "node.keywords",
        "chunk_cache": "engine.chunk_cache",
        "lru": "engine.lru",
        "creation": "node.creation",
        "convenience": "api.convenience",
        "hierarchy": "api.hierarchy",
        "convert": "api.convert",
        "consolidated": "api.consolidated",
        "hookspecs": "plugins.hookspecs",
        "_builtin": "plugins.builtin",
        "_known_plugins": "plugins.known",
        "transformers": "storage.transformers",
    }.items()
}
module_aliases(_MOVED)


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # Importing a submodule binds it to its parent; the old module paths
        # zarr_core.array, .group and .convert must not hide the functions of those names.
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = ["__version__", "config", "errors", *_EXPORTS]

# numcodecs codecs zarr-python 2 re-exported (``zarr.Blosc``); numcodecs loads on first use.
_NUMCODECS_NAMES = frozenset(
    [
        "Adler32",
        "AsType",
        "BZ2",
        "Base64",
        "BitRound",
        "Blosc",
        "CRC32",
        "Categorize",
        "Delta",
        "FixedScaleOffset",
        "Fletcher32",
        "GZip",
        "JSON",
        "JenkinsLookup3",
        "LZ4",
        "LZMA",
        "MsgPack",
        "PackBits",
        "Pickle",
        "Quantize",
        "Shuffle",
        "VLenArray",
        "VLenBytes",
        "VLenUTF8",
        "Zlib",
        "Zstd",
    ]
)


# Subpackages and moved modules are attributes once imported; these are imported on first
# attribute access too (``import zarr_core; zarr_core.plugins.list_plugins()``).
_SUBMODULES = frozenset(
    ["api", "codecs", "engine", "indexing", "integrations", "metadata", "node", "plugins"]
    + ["pools", "progress", "storage", "sync", "testing", "cli"]
    + [old.removeprefix("zarr_core.") for old in _MOVED]
)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return _lazy_getattr(name)
    if name in _SUBMODULES:
        return importlib.import_module(f"zarr_core.{name}")
    # zarr-python 2 names that need a plugin (or warn) resolve on first use, so that
    # importing zarr_core imports no plugin
    if name == "DictStore":
        warnings.warn(
            "DictStore is zarr-python 2's old name of MemoryStore; use zarr_core.MemoryStore",
            DeprecationWarning,
            stacklevel=2,
        )
        return _lazy_getattr("MemoryStore")
    from zarr_core.storage.plugin_stores import PLUGIN_STORES, plugin_store_class

    if name in PLUGIN_STORES:
        return plugin_store_class(name)
    if name == "xarray":  # zarr_core.xarray.to_zarr & co.; imports xarray, so only on use
        return importlib.import_module("zarr_core.integrations.xarray")
    if name in _NUMCODECS_NAMES:
        import numcodecs

        return getattr(numcodecs, name)
    raise AttributeError(f"module 'zarr_core' has no attribute {name!r}")
