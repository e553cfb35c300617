"""What both caches share: any store-like object as the wrapped store, and the write
primitives that keep cached entries in step with the wrapped store."""

from __future__ import annotations

from typing import Any

from zarr_core.storage.base import Store
from zarr_core.storage.wrapper import WrapperStore

__all__ = ["as_store", "WriteThrough"]


def as_store(store: Any) -> Store:
    """``store`` itself if it is a Store, else what ``zarr_core.open_store`` makes of it
    (a dict becomes a ``KVStore``; an unusable object an ``InvalidStoreError``)."""
    if isinstance(store, Store):
        return store
    from zarr_core.storage.resolve import open_store

    return open_store(store)


class WriteThrough(WrapperStore):
    """The write primitives both caches share: every change goes to the wrapped store
    through the subclass's ``_write(keys, call, values=None)``, which drops (or, with
    ``values``, refreshes) the cached entries of ``keys`` (``None``: of everything) around
    ``call``."""

    def _write(self, keys: list[str] | None, call: Any, values: dict[str, bytes] | None = None):
        raise NotImplementedError

    def _set(self, key: str, value: bytes) -> None:
        self._set_many({key: value})

    def _set_many(self, items: dict[str, bytes]) -> None:
        self._write(list(items), lambda: self.store.setitems(items), items)

    def _delete(self, key: str) -> None:
        def delete() -> None:
            del self.store[key]

        self._write([key], delete)

    def _delete_many(self, keys: list[str]) -> None:
        self._write(keys, lambda: self.store.delitems(keys))

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        # Not cached on success: the value may be one another process created meanwhile.
        return self._write([key], lambda: self.store.set_if_not_exists(key, value))

    def _delete_prefix(self, prefix: str) -> None:
        self._write(None, lambda: self.store.rmdir(prefix))

    def _rename(self, src: str, dst: str) -> None:
        self._write(None, lambda: self.store.rename(src, dst))
