"""The store conformance kit on LRUStoreCache and CacheStore, over several backends."""

from __future__ import annotations

from zarr_core_cache import CacheStore, LRUStoreCache
from zarr_core_cache.testing import (
    DictBackend,
    FSSpecMemoryBackend,
    LocalDirectoryBackend,
    MemoryBackend,
)

from zarr_core.storage import FSStore, MemoryStore
from zarr_core.testing import StoreTests


class _LRU:
    def make_store(self, tmp_path, read_only=False):
        return LRUStoreCache(self.make_backend(tmp_path, read_only), max_size=1 << 20)


class _Cached:
    """CacheStore with an in-memory cache store."""

    def make_store(self, tmp_path, read_only=False):
        backend = self.make_backend(tmp_path, read_only)
        return CacheStore(backend, cache_store=MemoryStore(), max_size=1 << 20)


class _PersistentCache:
    """CacheStore with its cache in a local directory, which a reopened store adopts."""

    def make_store(self, tmp_path, read_only=False):
        backend = self.make_backend(tmp_path, read_only)
        cache = FSStore(str(tmp_path / "cache"), mode="a")
        return CacheStore(backend, cache_store=cache, max_size=1 << 20, read_only=read_only)


class TestLRUOverDict(_LRU, DictBackend, StoreTests):
    pass


class TestLRUOverDirectory(_LRU, LocalDirectoryBackend, StoreTests):
    pass


class TestLRUOverFSSpecMemory(_LRU, FSSpecMemoryBackend, StoreTests):
    pass


class TestCacheStoreOverMemory(_Cached, MemoryBackend, StoreTests):
    pass


class TestCacheStoreOverFSSpecMemory(_Cached, FSSpecMemoryBackend, StoreTests):
    pass


class TestPersistentCacheOverDirectory(_PersistentCache, LocalDirectoryBackend, StoreTests):
    pass


class TestPersistentCacheOverFSSpecMemory(_PersistentCache, FSSpecMemoryBackend, StoreTests):
    pass
