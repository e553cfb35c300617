"""zarr-core: chunked, compressed N-dimensional arrays in the Zarr format, v2 and v3.

Storage backends are plugins found through entry points; see ``zarr-core plugins``.
"""

from __future__ import annotations

import warnings
from typing import Any

from zarr_core import config, errors
from zarr_core.api.consolidated import (
    ConsolidatedMetadataStore,
    consolidate_metadata,
    open_consolidated,
)
from zarr_core.api.convenience import (
    CopyError,
    copy,
    copy_all,
    copy_store,
    load,
    save,
    save_array,
    save_group,
    tree,
)
from zarr_core.api.convert import convert
from zarr_core.api.creation import (
    array,
    create,
    empty,
    empty_like,
    full,
    full_like,
    ones,
    ones_like,
    open_array,
    open_like,
    zeros,
    zeros_like,
)
from zarr_core.api.hierarchy import group, open, open_group
from zarr_core.integrations.dask import from_dask, to_dask
from zarr_core.node.array import Array
from zarr_core.node.attrs import Attributes
from zarr_core.node.group import Group
from zarr_core.plugins import list_plugins, which
from zarr_core.storage import (
    FSStore,
    KVStore,
    MemoryStore,
    Store,
    normalize_store_arg,
    open_store,
)
from zarr_core.storage.plugin_stores import PLUGIN_STORES, plugin_store_class
from zarr_core.sync import ProcessSynchronizer, ThreadSynchronizer

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "config",
    "errors",
    "Array",
    "Attributes",
    "Group",
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
    "group",
    "open",
    "open_group",
    "save",
    "save_array",
    "save_group",
    "load",
    "tree",
    "copy",
    "copy_all",
    "copy_store",
    "CopyError",
    "consolidate_metadata",
    "open_consolidated",
    "ConsolidatedMetadataStore",
    "convert",
    "ThreadSynchronizer",
    "ProcessSynchronizer",
    "list_plugins",
    "which",
    "Store",
    "KVStore",
    "MemoryStore",
    "FSStore",
    "open_store",
    "normalize_store_arg",
    "to_dask",
    "from_dask",
]

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


def __getattr__(name: str) -> Any:
    # zarr-python 2 names that need a plugin (or warn) resolve on first use, so that
    # importing zarr_core imports no plugin
    if name == "DictStore":
        warnings.warn(
            "DictStore is zarr-python 2's old name of MemoryStore; use zarr_core.MemoryStore",
            DeprecationWarning,
            stacklevel=2,
        )
        return MemoryStore
    if name in PLUGIN_STORES:
        return plugin_store_class(name)
    if name == "xarray":  # zarr_core.xarray.to_zarr & co.; imports xarray, so only on use
        from zarr_core.integrations import xarray

        return xarray
    if name in _NUMCODECS_NAMES:
        import numcodecs

        return getattr(numcodecs, name)
    raise AttributeError(f"module 'zarr_core' has no attribute {name!r}")
