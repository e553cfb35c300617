"""Test helpers of zarr-core-cache: the backends its kit tests wrap, and a slow store.

``LatencyStore`` adds a fixed delay to every request, as a remote store would; the speed
tests and ``bench/backend_cache.py`` use it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from zarr_core.storage import FSStore, KVStore, MemoryStore, Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.wrapper import WrapperStore

__all__ = [
    "LatencyStore",
    "DictBackend",
    "MemoryBackend",
    "LocalDirectoryBackend",
    "FSSpecMemoryBackend",
]


class LatencyStore(WrapperStore):
    """Delegate to ``store``, adding ``latency`` seconds per request, as a remote store would.

    Every key read or written is one request, as with an object store (one GET or PUT
    per key); a batch call overlaps up to ``concurrency`` of them, so a batch of ``n``
    keys waits ``latency * ceil(n / concurrency)``. A listing is one request.

    Parameters
    ----------
    store
        The store holding the data.
    latency
        Seconds each request takes.
    concurrency
        Requests a batch call has in flight at once.

    Attributes
    ----------
    requests : int
        Requests served so far (keys read or written, listings).
    """

    def __init__(self, store: Store, latency: float = 0.005, concurrency: int = 8):
        super().__init__(store)
        self.latency = latency
        self.concurrency = concurrency
        self.requests = 0
        self._lock = threading.Lock()

    def _wait(self, n: int = 1) -> None:
        with self._lock:
            self.requests += n
        time.sleep(self.latency * -(-n // self.concurrency))

    def _get(self, key: str) -> bytes:
        self._wait()
        return super()._get(key)

    def _contains(self, key: str) -> bool:
        self._wait()
        return super()._contains(key)

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        self._wait(len(keys))
        return super()._get_many(keys)

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        self._wait(len(requests))
        return super()._get_ranges(requests)

    def _set(self, key: str, value: bytes) -> None:
        self._wait()
        super()._set(key, value)

    def _set_many(self, items: dict[str, bytes]) -> None:
        self._wait(len(items))
        super()._set_many(items)

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        self._wait()
        return super()._list_prefix(prefix)

    def _list_dir(self, prefix: str) -> Iterable[str]:
        self._wait()
        return super()._list_dir(prefix)


class DictBackend:
    """A :class:`KVStore` over a dict: not persistent."""

    persistent = False

    def make_backend(self, tmp_path, read_only=False):
        return KVStore({}, read_only=read_only)

    def raw(self, store):
        return store.store._mutable_mapping

    def backend_get(self, store, key):
        return self.raw(store).get(key)

    def backend_set(self, store, key, value):
        self.raw(store)[key] = value


class MemoryBackend(DictBackend):
    """A :class:`MemoryStore` (a tree of dicts): not persistent."""

    def make_backend(self, tmp_path, read_only=False):
        return MemoryStore(read_only=read_only)

    def backend_get(self, store, key):
        node = store.store.root
        for part in key.split("/"):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return None if isinstance(node, dict) else node

    def backend_set(self, store, key, value):
        *parents, name = key.split("/")
        node = store.store.root
        for part in parents:
            node = node.setdefault(part, {})
        node[name] = value


class _FSBackend:
    persistent = True
    url: str

    def backend_get(self, store, key):
        fs, path = store.store.fs, f"{store.store.path}/{key}"
        return fs.cat_file(path) if fs.isfile(path) else None

    def backend_set(self, store, key, value):
        fs, path = store.store.fs, f"{store.store.path}/{key}"
        fs.makedirs(path.rpartition("/")[0], exist_ok=True)
        fs.pipe_file(path, value)


class LocalDirectoryBackend(_FSBackend):
    """A local directory through :class:`FSStore` (files on disk)."""

    def make_backend(self, tmp_path, read_only=False):
        return FSStore(str(tmp_path / "data.zarr"), mode="r" if read_only else "a")


class FSSpecMemoryBackend(_FSBackend):
    """fsspec's memory file system through :class:`FSStore`."""

    def make_backend(self, tmp_path, read_only=False):
        # fsspec's memory file system is global: a root per test keeps tests apart.
        return FSStore(f"memory://{tmp_path.name}/data.zarr", mode="r" if read_only else "a")
