"""Stores: the Store contract, the in-memory and fsspec stores, and URL resolution.

Backends beyond these (directory, zip, sqlite, lmdb, ...) are plugins; their classes are
reachable here by attribute (``zarr_core.storage.DirectoryStore``) when installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from zarr_core.storage.base import InvalidKeyWarning, Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.consolidated import ConsolidatedMetadataStore
from zarr_core.storage.fsspec_store import FSStore
from zarr_core.storage.helpers import (
    contains_array,
    contains_group,
    getsize,
    listdir,
    migrate_1to2,
    rename,
    rmdir,
)
from zarr_core.storage.keys import normalize_path, validate_key
from zarr_core.storage.memory import KVStore, MemoryStore
from zarr_core.storage.plugin_stores import PLUGIN_STORES, plugin_store_class
from zarr_core.storage.prefix import PrefixStore
from zarr_core.storage.resolve import Resolved, normalize_store_arg, open_store, resolve
from zarr_core.storage.wrapper import WrapperStore

__all__ = [
    "ByteRange",
    "Store",
    "WrapperStore",
    "InvalidKeyWarning",
    "KVStore",
    "MemoryStore",
    "FSStore",
    "PrefixStore",
    "Resolved",
    "open_store",
    "normalize_store_arg",
    "resolve",
    "validate_key",
    "normalize_path",
    "init_array",
    "init_group",
    "contains_array",
    "contains_group",
    "listdir",
    "rmdir",
    "getsize",
    "rename",
    "migrate_1to2",
    "ConsolidatedMetadataStore",
]


# zarr-python 2's ``zarr.storage`` also held the functions that create nodes; they live
# in the API layer (they write through the node layer), so they are looked up by name.
_NODE_HELPERS = {
    "init_array": "zarr_core.api.storage_helpers",
    "init_group": "zarr_core.api.storage_helpers",
}


def __getattr__(name: str) -> Any:
    if name in _NODE_HELPERS:
        return getattr(importlib.import_module(_NODE_HELPERS[name]), name)
    if name in PLUGIN_STORES:
        return plugin_store_class(name)
    raise AttributeError(f"module 'zarr_core.storage' has no attribute {name!r}")
