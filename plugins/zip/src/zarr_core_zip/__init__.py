"""zarr-core-zip: Zarr hierarchies in zip archives.

:class:`ZipStore` reads and writes a local zip file (``data.zip``, ``zip:///abs/data.zip``);
:class:`ZipReader` reads an archive held in any store through byte ranges (the ``zip:``
stage of URL pipelines, ``s3://bucket/data.zip|zip:``). The classes are imported on first
access so that plugin discovery (which imports :mod:`zarr_core_zip.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_zip.errors import (
        BadZipArchiveError,
        UnfinishedZipArchiveError,
        ZipArchiveReadOnlyError,
        ZipMemberNameWarning,
    )
    from zarr_core_zip.reader import ZipReader
    from zarr_core_zip.store import ZipStore

__all__ = [
    "ZipStore",
    "ZipReader",
    "BadZipArchiveError",
    "UnfinishedZipArchiveError",
    "ZipArchiveReadOnlyError",
    "ZipMemberNameWarning",
]

_WHERE = {
    "ZipStore": "store",
    "ZipReader": "reader",
    "BadZipArchiveError": "errors",
    "UnfinishedZipArchiveError": "errors",
    "ZipArchiveReadOnlyError": "errors",
    "ZipMemberNameWarning": "errors",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"zarr_core_zip.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'zarr_core_zip' has no attribute {name!r}")
