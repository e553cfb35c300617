"""zarr-python 2's store classes that plugins provide, found through the plugin registry.

``zarr_core.DirectoryStore``, ``zarr_core.storage.SQLiteStore``, ... resolve on first use
(so importing zarr-core imports no plugin) to the class of the plugin serving the name's
URL scheme, or raise :class:`~zarr_core.errors.PluginNotFoundError` saying what to install.
"""

from __future__ import annotations

import sys

from zarr_core.plugins import get_registry
from zarr_core.storage.base import Store

__all__ = ["PLUGIN_STORES", "plugin_store_class"]

#: Class name -> (URL scheme, stage kind) of the plugin store serving it.
PLUGIN_STORES: dict[str, tuple[str, str]] = {
    "DirectoryStore": ("file", "root"),
    "NestedDirectoryStore": ("file", "root"),
    "TempStore": ("file", "root"),
    "ZipStore": ("zip", "root"),
    "SQLiteStore": ("sqlite", "root"),
    "LMDBStore": ("lmdb", "root"),
    "DBMStore": ("dbm", "root"),
    "RedisStore": ("redis", "root"),
    "MongoDBStore": ("mongodb", "root"),
    "ABSStore": ("az", "root"),
    "N5Store": ("n5", "root"),
    "N5FSStore": ("n5", "root"),
    "LRUStoreCache": ("cache", "adapter"),
    "CacheStore": ("cache", "adapter"),
}


def plugin_store_class(name: str) -> type:
    """The class ``name`` from the plugin serving its scheme.

    Raises
    ------
    PluginNotFoundError
        When no installed plugin serves the scheme (the message says what to install).
    AttributeError
        When the plugin serving it has no class of that name.
    """
    scheme, kind = PLUGIN_STORES[name]
    registry = get_registry()
    cls = registry.load_class(registry.require("scheme", scheme, store_kind=kind), (Store,))
    if cls.__name__ == name:
        return cls
    # Variants (NestedDirectoryStore, TempStore) live beside the scheme's own class.
    try:
        return getattr(sys.modules[cls.__module__], name)
    except AttributeError:
        raise AttributeError(
            f"{name}: the plugin serving {scheme!r} ({cls.__module__}) has no {name}"
        ) from None
