"""zarr-core-redis: a store that keeps every key as a string in a Redis (or Valkey) database.

Installing this distribution makes ``redis://``, ``rediss://`` and ``unix://`` URLs open a
:class:`RedisStore`. The class (and with it the ``redis`` client) is imported on first
access, so that plugin discovery, which imports :mod:`zarr_core_redis.plugin`, stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_redis.store import RedisStore

__all__ = ["RedisStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_redis import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_redis' has no attribute {name!r}")
