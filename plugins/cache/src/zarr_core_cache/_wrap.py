"""Accepting any store-like object as the store a cache wraps."""

from __future__ import annotations

from typing import Any

from zarr_core.storage.base import Store

__all__ = ["as_store"]


def as_store(store: Any) -> Store:
    """``store`` itself if it is a Store, else what ``zarr_core.open_store`` makes of it
    (a dict becomes a ``KVStore``; an unusable object an ``InvalidStoreError``)."""
    if isinstance(store, Store):
        return store
    from zarr_core.storage.resolve import open_store

    return open_store(store)
