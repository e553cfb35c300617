"""zarr-core-abs: a store that keeps every key as a blob in an Azure Blob Storage container.

Installing this distribution makes ``az://container/prefix`` and ``abfs://container/prefix``
URLs open an :class:`ABSStore`. The class (and with it ``azure.storage.blob``) is imported
on first access, so that plugin discovery (which imports :mod:`zarr_core_abs.plugin`)
stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_abs.store import ABSStore

__all__ = ["ABSStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_abs import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_abs' has no attribute {name!r}")
