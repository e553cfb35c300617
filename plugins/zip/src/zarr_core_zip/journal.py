"""The rollback journal that keeps a ZipStore's archive recoverable while it is written.

New records overwrite the archive's central directory, so between the first write after
a flush and the next flush the file itself is no archive. Before that first write the
store saves the directory it is about to overwrite -- the bytes from the start of the
central directory to the end of the file -- in ``<archive>.zarr-journal`` beside it:

====================  =========================================================
8 bytes               ``ZARRZIPJ``
8 bytes               where the directory starts in the archive (little-endian)
8 bytes               how many directory bytes follow
4 bytes               their CRC-32
the directory bytes   as they were in the archive
====================  =========================================================

The records before that offset are never touched until the next flush, so the journal
plus those records *are* the archive of the last flush. A flush writes the new
directory and then deletes the journal; that deletion is the moment the flush takes
effect. A writable open that finds a journal (its writer was killed) puts the saved
directory back and truncates what followed: the archive is again byte for byte what it
was at the last flush. A read-only open reads through the journal without changing
anything. A journal cut short (its writer was killed while writing it, before touching
the archive) fails its CRC and is ignored.

While a store writes, it holds an exclusive ``flock`` on the journal, so another
process opening the archive to write is told it is busy instead of "recovering" it
from under a live writer (not on Windows, which has no ``flock``).
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from dataclasses import dataclass

from zarr_core_zip.errors import BadZipArchiveError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["Saved", "begin", "end", "journal_path", "read", "recover"]

SUFFIX = ".zarr-journal"
_MAGIC = b"ZARRZIPJ"
_HEADER = struct.Struct("<8sQQI")


@dataclass(frozen=True)
class Saved:
    """The directory of the last flushed archive: ``tail`` belongs at ``offset``."""

    offset: int
    tail: bytes


def journal_path(path: str) -> str:
    return path + SUFFIX


def _parse(data: bytes) -> Saved | None:
    if len(data) < _HEADER.size:
        return None
    magic, offset, length, crc = _HEADER.unpack_from(data)
    tail = data[_HEADER.size : _HEADER.size + length]
    if magic != _MAGIC or len(tail) != length or zlib.crc32(tail) != crc:
        return None
    return Saved(offset, tail)


def _read_fd(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)  # not pread: Windows has none
    parts = []
    while chunk := os.read(fd, 1 << 20):
        parts.append(chunk)
    return b"".join(parts)


def read(path: str) -> Saved | None:
    """The saved directory of the archive at ``path``, if a complete journal exists."""
    try:
        fd = os.open(journal_path(path), os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    try:
        return _parse(_read_fd(fd))
    finally:
        os.close(fd)


def _open_locked(path: str, create: bool) -> int | None:
    """The journal, opened and exclusively locked; ``None`` if there is none."""
    name = journal_path(path)
    flags = os.O_RDWR | getattr(os, "O_BINARY", 0) | (os.O_CREAT if create else 0)
    while True:
        try:
            fd = os.open(name, flags, 0o666)
        except FileNotFoundError:
            return None
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BadZipArchiveError(
                f"{path!r} is being written by another store (it holds the lock on "
                f"{name!r}); two writers cannot share one zip archive"
            ) from None
        # The holder we waited for may have deleted the file we opened: use the one that
        # is at the path now.
        try:
            if os.path.samestat(os.fstat(fd), os.stat(name)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
        if not create:
            return None


def begin(path: str, saved: Saved) -> int:
    """Save the directory about to be overwritten; returns the locked journal to :func:`end`."""
    fd = _open_locked(path, create=True)
    assert fd is not None
    try:
        os.ftruncate(fd, 0)
        header = _HEADER.pack(_MAGIC, saved.offset, len(saved.tail), zlib.crc32(saved.tail))
        view = memoryview(header + saved.tail)
        os.lseek(fd, 0, os.SEEK_SET)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        raise
    return fd


def end(path: str, fd: int) -> None:
    """The new directory is written: drop the journal, so the flush takes effect."""
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(journal_path(path))
    finally:
        os.close(fd)


def recover(path: str, archive_fd: int, pwrite) -> bool:
    """Put the archive at ``path`` back as it was at its last flush if a writer left a journal.

    ``pwrite(fd, buffers, offset)`` writes the saved directory. Returns whether the
    archive was changed.
    """
    fd = _open_locked(path, create=False)
    if fd is None:
        return False
    try:
        saved = _parse(_read_fd(fd))
        restored = False
        if saved is not None:
            size = os.fstat(archive_fd).st_size
            if saved.offset > size:
                raise BadZipArchiveError(
                    f"the journal {journal_path(path)!r} does not belong to {path!r} (it "
                    f"points past the end of the file); remove it if the archive is complete"
                )
            os.ftruncate(archive_fd, saved.offset)
            pwrite(archive_fd, [saved.tail], saved.offset)
            restored = True
        end(path, fd)
        fd = -1
        return restored
    finally:
        if fd >= 0:
            os.close(fd)
