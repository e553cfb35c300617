"""zarr-core: chunked, compressed N-dimensional arrays in the Zarr format, v2 and v3.

Storage backends are plugins found through entry points; see ``zarr-core plugins``.
"""

from __future__ import annotations

from zarr_core import config, errors
from zarr_core.array import Array
from zarr_core.attrs import Attributes
from zarr_core.consolidated import (
    ConsolidatedMetadataStore,
    consolidate_metadata,
    open_consolidated,
)
from zarr_core.convenience import (
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
from zarr_core.convert import convert
from zarr_core.creation import (
    array,
    create,
    empty,
    empty_like,
    full,
    full_like,
    ones,
    ones_like,
    open_array,
    zeros,
    zeros_like,
)
from zarr_core.group import Group
from zarr_core.hierarchy import group, open, open_group
from zarr_core.plugins import list_plugins, which
from zarr_core.storage import (
    FSStore,
    KVStore,
    MemoryStore,
    Store,
    normalize_store_arg,
    open_store,
)
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
]
