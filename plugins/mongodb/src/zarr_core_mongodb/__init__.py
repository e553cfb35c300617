"""zarr-core-mongodb: a store that keeps every key in one document of a MongoDB collection.

Installing this distribution makes ``mongodb://`` and ``mongodb+srv://`` URLs open a
:class:`MongoDBStore`. The class is imported on first access so that plugin discovery
(which imports :mod:`zarr_core_mongodb.plugin`) imports neither the store nor pymongo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_mongodb.store import MongoDBStore

__all__ = ["MongoDBStore"]

__getattr__, __dir__ = lazy_exports(__name__, {"MongoDBStore": "zarr_core_mongodb.store"})
