"""zarr-core-directory: stores that keep each key in a file under a local directory.

Installing this distribution makes plain paths and ``file://`` URLs open a
:class:`DirectoryStore`. The classes are imported on first access so that plugin
discovery (which imports :mod:`zarr_core_directory.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_directory.store import DirectoryStore, NestedDirectoryStore, TempStore

__all__ = ["DirectoryStore", "NestedDirectoryStore", "TempStore"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DirectoryStore": "zarr_core_directory.store",
        "NestedDirectoryStore": "zarr_core_directory.store",
        "TempStore": "zarr_core_directory.store",
    },
)
