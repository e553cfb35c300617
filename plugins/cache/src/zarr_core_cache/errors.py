"""Errors of the cache stores."""

from __future__ import annotations

from zarr_core.errors import ZarrCoreError

__all__ = ["CacheConfigError"]


class CacheConfigError(ZarrCoreError, ValueError):
    """A cache store was given an option it cannot work with (the message names it)."""
