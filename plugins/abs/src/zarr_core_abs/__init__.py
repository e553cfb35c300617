"""zarr-core-abs: a store that keeps every key as a blob in an Azure Blob Storage container.

Installing this distribution makes ``az://container/prefix`` and ``abfs://container/prefix``
URLs open an :class:`ABSStore`. The class (and with it ``azure.storage.blob``) is imported
on first access, so that plugin discovery (which imports :mod:`zarr_core_abs.plugin`)
stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_abs.store import ABSStore

__all__ = ["ABSStore"]

__getattr__, __dir__ = lazy_exports(__name__, {"ABSStore": "zarr_core_abs.store"})
