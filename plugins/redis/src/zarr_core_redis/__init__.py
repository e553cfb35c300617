"""zarr-core-redis: a store that keeps every key as a string in a Redis (or Valkey) database.

Installing this distribution makes ``redis://``, ``rediss://`` and ``unix://`` URLs open a
:class:`RedisStore`. The class (and with it the ``redis`` client) is imported on first
access, so that plugin discovery, which imports :mod:`zarr_core_redis.plugin`, stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_redis.store import RedisStore

__all__ = ["RedisStore"]

__getattr__, __dir__ = lazy_exports(__name__, {"RedisStore": "zarr_core_redis.store"})
