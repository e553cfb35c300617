"""Caching stores for zarr-core.

:class:`LRUStoreCache` keeps recently read values (and listings) in memory;
:class:`CacheStore` keeps them in any other store, such as a local directory, with a
time-to-live and a size budget. Both wrap any store and are thread-safe.
"""

from zarr_core_cache.cache_store import CacheStore
from zarr_core_cache.errors import CacheConfigError
from zarr_core_cache.lru_cache import LRUStoreCache

__all__ = ["CacheStore", "LRUStoreCache", "CacheConfigError"]
