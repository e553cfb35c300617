"""zarr-core: chunked, compressed N-dimensional arrays in the Zarr format, v2 and v3.

Storage backends are plugins found through entry points; see ``zarr-core plugins``.
"""

from __future__ import annotations

from zarr_core import config, errors
from zarr_core.array import Array
from zarr_core.attrs import Attributes
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
    "list_plugins",
    "which",
    "Store",
    "KVStore",
    "MemoryStore",
    "FSStore",
    "open_store",
    "normalize_store_arg",
]
