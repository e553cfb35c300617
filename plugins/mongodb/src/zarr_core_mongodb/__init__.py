"""zarr-core-mongodb: a store that keeps every key in one document of a MongoDB collection.

Installing this distribution makes ``mongodb://`` and ``mongodb+srv://`` URLs open a
:class:`MongoDBStore`. The class is imported on first access so that plugin discovery
(which imports :mod:`zarr_core_mongodb.plugin`) imports neither the store nor pymongo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_mongodb.store import MongoDBStore

__all__ = ["MongoDBStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_mongodb import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_mongodb' has no attribute {name!r}")
