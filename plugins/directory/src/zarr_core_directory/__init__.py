"""zarr-core-directory: stores that keep each key in a file under a local directory.

Installing this distribution makes plain paths and ``file://`` URLs open a
:class:`DirectoryStore`. The classes are imported on first access so that plugin
discovery (which imports :mod:`zarr_core_directory.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_directory.store import DirectoryStore, NestedDirectoryStore, TempStore

__all__ = ["DirectoryStore", "NestedDirectoryStore", "TempStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_directory import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_directory' has no attribute {name!r}")
