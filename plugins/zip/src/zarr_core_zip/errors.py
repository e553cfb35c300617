"""Errors and warnings of zarr-core-zip."""

from __future__ import annotations

import zipfile

from zarr_core.errors import ReadOnlyError, ZarrCoreError
from zarr_core.storage.base import InvalidKeyWarning

__all__ = [
    "BadZipArchiveError",
    "UnfinishedZipArchiveError",
    "ZipArchiveReadOnlyError",
    "ZipMemberNameWarning",
]


class BadZipArchiveError(ZarrCoreError, zipfile.BadZipFile):
    """A file or stored value is not a readable zip archive, or one of its members is damaged.

    A subclass of :class:`zipfile.BadZipFile`, so code that catches the standard library's
    error keeps working.
    """


class UnfinishedZipArchiveError(BadZipArchiveError):
    """A zip archive lacks a valid central directory: its writer never finished it.

    Zip archives are finished by writing the central directory at the end of the file,
    which :class:`~zarr_core_zip.ZipStore` does on ``flush()`` and ``close()``. A writer
    that was killed, or never closed its store, leaves member data without a directory.
    """


class ZipArchiveReadOnlyError(ReadOnlyError):
    """A write was attempted through the ``zip:`` adapter, which only reads archives."""

    def __init__(self, what: str, key: str | None = None):
        self.key = key
        where = f" (key {key!r})" if key is not None else ""
        # Not ReadOnlyError's advice to reopen with another mode: no mode makes it writable.
        ZarrCoreError.__init__(
            self,
            f"{what} is read-only{where}: the zip: adapter only reads archives; "
            "write a local archive with ZipStore (or a '.zip' path) instead",
        )


class ZipMemberNameWarning(InvalidKeyWarning):
    """An archive holds members whose names are not valid store keys; they are not exposed."""
