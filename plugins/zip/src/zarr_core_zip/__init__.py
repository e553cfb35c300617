"""zarr-core-zip: Zarr hierarchies in zip archives.

:class:`ZipStore` reads and writes a local zip file (``data.zip``, ``zip:///abs/data.zip``);
:class:`ZipReader` reads an archive held in any store through byte ranges (the ``zip:``
stage of URL pipelines, ``s3://bucket/data.zip|zip:``). The classes are imported on first
access so that plugin discovery (which imports :mod:`zarr_core_zip.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ZipStore": "zarr_core_zip.store",
        "ZipReader": "zarr_core_zip.reader",
        "BadZipArchiveError": "zarr_core_zip.errors",
        "UnfinishedZipArchiveError": "zarr_core_zip.errors",
        "ZipArchiveReadOnlyError": "zarr_core_zip.errors",
        "ZipMemberNameWarning": "zarr_core_zip.errors",
    },
)
