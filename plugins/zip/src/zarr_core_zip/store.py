"""ZipStore: a store in one local zip file, read and written in place.

How the file changes
--------------------
New values are appended as zip records where the central directory used to be; the
directory is written back at the end of the file by :meth:`ZipStore.flush` and
:meth:`ZipStore.close`. Before the first write after a flush, the directory about to be
overwritten is saved in a journal beside the archive (:mod:`zarr_core_zip.journal`), so
at every moment the archive of the last flush can be read (through the journal) and is
restored exactly by the next writable open if the writer is killed. An archive left
without directory by other software raises
:class:`~zarr_core_zip.errors.UnfinishedZipArchiveError` rather than returning stale or
partial values.

Zip has no way to replace or remove a record in place, so:

* **rewriting a key** appends a new record; the store's index (and every central
  directory it writes) points at the newest one only, so reads see the last write, here
  and in any other zip reader. The older record stays in the file as dead bytes;
* **deleting a key** drops it from the index and from the next directory written;
* on :meth:`ZipStore.close` of a store that wrote or deleted something, if the file
  holds dead records (superseded, deleted, or duplicate names it had when opened), the
  archive is **compacted**: the live members are copied, as stored, to a new file next
  to it, which then replaces the original with :func:`os.replace`. The original is
  finished first, so a crash during compaction leaves one complete archive or the
  other. Opening an archive only to read it never rewrites it.

Member names are store keys, validated on write; members of an existing archive whose
names are not valid keys (absolute, ``..``, backslashes, invalid UTF-8) are never
exposed, only carried along (a :class:`~zarr_core_zip.errors.ZipMemberNameWarning`
names them).
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import uuid
import weakref
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from zarr_core.errors import InvalidArgumentError, StoreClosedError
from zarr_core.storage.base import PathStore
from zarr_core.storage.byte_range import ByteRange
from zarr_core_zip import _format as fmt
from zarr_core_zip import journal
from zarr_core_zip.errors import BadZipArchiveError

__all__ = ["ZipStore"]

_WINDOWS = os.name == "nt"
_O_BINARY = getattr(os, "O_BINARY", 0)
# Zarr access modes -> (zipfile-style mode, file must already exist).
_MODES = {
    "r": ("r", True),
    "r+": ("a", True),
    "a": ("a", False),
    "w": ("w", False),
    "w-": ("x", False),
    "x": ("x", False),
}
# Most systems accept 1024 buffers per writev; stay at that.
_IOV_MAX = 1024
# Compaction copies member data in pieces of at most this size.
_COPY_BLOCK = 16 << 20
# Members up to this size are read together with their local header.
_ONE_READ = 1 << 16


def _pread(fd: int, length: int, offset: int) -> bytes:
    """Read up to ``length`` bytes at ``offset``, looping over short reads."""
    parts = []
    while length > 0:
        if _WINDOWS:  # no pread; callers hold the archive lock, so the position is ours
            os.lseek(fd, offset, os.SEEK_SET)
            chunk = os.read(fd, length)
        else:
            chunk = os.pread(fd, length, offset)
        if not chunk:
            break
        parts.append(chunk)
        length -= len(chunk)
        offset += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _pwrite(fd: int, buffers: Sequence[bytes | memoryview], offset: int) -> int:
    """Write ``buffers`` one after the other at ``offset``; return the offset after them."""
    if hasattr(os, "pwritev"):
        for start in range(0, len(buffers), _IOV_MAX):
            group = [memoryview(b) for b in buffers[start : start + _IOV_MAX] if len(b)]
            while group:
                written = os.pwritev(fd, group, offset)
                offset += written
                # A short write (large groups, signals): drop what went out and go on.
                while group and written >= len(group[0]):
                    written -= len(group.pop(0))
                if group:
                    group[0] = group[0][written:]
        return offset
    for buffer in buffers:
        view = memoryview(buffer)
        while view:
            if _WINDOWS:
                os.lseek(fd, offset, os.SEEK_SET)
                written = os.write(fd, view)
            else:
                written = os.pwrite(fd, view, offset)
            view = view[written:]
            offset += written
    return offset


class _Archive:
    """The open file and its index. Kept apart from :class:`ZipStore` so a finalizer can
    finish the archive when the store is garbage-collected or the interpreter exits
    without keeping the store alive."""

    def __init__(self, path: str, mode: str, compression: int, allow_zip64: bool):
        self.path = path
        self.writable = mode != "r"
        self.compression = compression
        self.allow_zip64 = allow_zip64
        self.lock = threading.RLock()
        self.pid = os.getpid()
        self.closed = False
        self.index: dict[str, fmt.Member] = {}
        self.others: list[fmt.Member] = []
        self.comment = b""
        self.end = 0  # where the next record goes: the end of the last record
        self.dirty = False  # the file lacks a directory matching the index
        self.dead = False  # the file holds superseded or deleted records
        self.modified = False  # this store wrote or deleted something
        self.journal: int | None = None  # the locked journal while the directory is overwritten
        flags = os.O_RDONLY if mode == "r" else os.O_RDWR | os.O_CREAT
        if mode == "w":
            flags |= os.O_TRUNC
        elif mode == "x":
            flags |= os.O_EXCL
        if self.writable:
            parent = os.path.dirname(path)
            if parent:
                os.makedirs(parent, exist_ok=True)
        self.fd = os.open(path, flags | _O_BINARY, 0o666)
        try:
            self._load()
        except BaseException:
            os.close(self.fd)
            raise

    # -- reading the directory --------------------------------------------------------
    def _load(self) -> None:
        info = os.fstat(self.fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(f"{self.path!r} is a directory, not a zip archive")
        if self.writable and journal.recover(self.path, self.fd, _pwrite):
            info = os.fstat(self.fd)  # a killed writer's records are gone
        size = info.st_size
        if size == 0 and self.writable:
            # A new archive: it needs its (empty) directory written even if nothing is.
            self.index, self.others, self.end, self.dirty = {}, [], 0, True
            self.signature = self._stat_signature()
            return
        saved = None if self.writable else journal.read(self.path)
        try:
            start, end, directory = self._find_directory(size, saved)
        except BadZipArchiveError:
            # A writer may have begun overwriting the directory since we looked (having
            # saved it in its journal first).
            saved = None if saved is not None or self.writable else journal.read(self.path)
            if saved is None:
                raise
            start, end, directory = self._find_directory(size, saved)
        where = repr(self.path)
        members = fmt.parse_directory(directory, end, start - end.directory_offset, where)
        found = fmt.classify(members)
        if found.invalid:
            fmt.warn_invalid(found.invalid, where, stacklevel=4)  # the store's opener
        self.index, self.others, self.comment = found.index, found.others, end.comment
        self.dead = self.dead or found.duplicates
        self.end, self.dirty = start, False
        self.signature = self._stat_signature()

    def _find_directory(
        self, size: int, saved: journal.Saved | None
    ) -> tuple[int, fmt.EndRecord, bytes]:
        """Where the central directory starts, the end record, and the directory's bytes.

        With ``saved`` (a writer's journal) they come from the journal: the archive as of
        its writer's last flush, whose records precede ``saved.offset`` untouched.
        """
        where = repr(self.path)
        if saved is not None:
            tail, size = saved.tail, saved.offset + len(saved.tail)
            head = _pread(self.fd, 4, 0) if saved.offset else tail[:4]
        else:
            tail_length = min(size, fmt.TAIL_SIZE)
            tail = _pread(self.fd, tail_length, size - tail_length)
            head = tail[:4] if tail_length == size else _pread(self.fd, 4, 0)
        end = fmt.find_end_record(tail[-fmt.TAIL_SIZE :], head, where)
        start = size - end.after_directory - end.directory_size
        if start < 0 or start < end.directory_offset:
            raise fmt.unfinished(where, "its end record points outside the file")
        if saved is None:
            return start, end, _pread(self.fd, end.directory_size, start)
        at = start - saved.offset
        if at < 0:
            raise fmt.unfinished(where, "its journal's end record points outside the journal")
        return start, end, tail[at : at + end.directory_size]

    def _stat_signature(self) -> tuple[int, ...]:
        info = os.fstat(self.fd)
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)

    def refresh(self) -> None:
        """Reload the directory if another store (another process, a pickled copy) changed the file."""
        if self.closed:
            raise StoreClosedError(self)
        try:
            info = os.stat(self.path)
        except OSError:
            return  # removed or renamed under us: keep serving the file we have open
        if (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) == self.signature:
            return
        if self.dirty:
            raise BadZipArchiveError(
                f"{self.path!r} was changed by another writer while this store had unsaved "
                "writes; two writers cannot share one zip archive"
            )
        if (info.st_dev, info.st_ino) != self.signature[:2]:
            # Replaced (compacted) by another store: open the new file.
            fd = os.open(self.path, (os.O_RDWR if self.writable else os.O_RDONLY) | _O_BINARY)
            os.close(self.fd)
            self.fd = fd
        self._load()

    # -- members ----------------------------------------------------------------------
    def data_offset(self, member: fmt.Member) -> int:
        if member.data_offset is None:
            header = _pread(self.fd, member.header_guess, member.offset)
            length = fmt.local_header_length(header, member, repr(self.path))
            member.data_offset = member.offset + length
        return member.data_offset

    def read(self, member: fmt.Member) -> bytes:
        """The stored (possibly compressed) bytes of ``member``."""
        if member.data_offset is None and member.csize <= _ONE_READ:
            # Small members: header and data in one read (copying the data out of it
            # costs less than a second system call).
            guess = member.header_guess
            record = _pread(self.fd, guess + member.csize, member.offset)
            length = fmt.local_header_length(record, member, repr(self.path))
            member.data_offset = member.offset + length
            if length == guess:
                return record[length:]
        return _pread(self.fd, member.csize, self.data_offset(member))

    # -- writing ----------------------------------------------------------------------
    def check_process(self) -> None:
        if os.getpid() != self.pid:
            raise RuntimeError(
                f"this ZipStore ({self.path!r}) was inherited from another process by fork; "
                "pickle it instead (the copy reopens the archive by path)"
            )

    def append(self, values: Mapping[str, bytes]) -> None:
        """Write one record per value after the last record and point the index at them."""
        method = self.compression
        timestamp = fmt.dos_timestamp()
        # Compression and CRCs happen outside the lock, so other threads may read meanwhile.
        coded = [fmt.code(key, value, method) for key, value in values.items()]
        with self.lock:
            self.refresh()
            self.check_process()
            self._save_directory()
            offset = self.end
            buffers: list[bytes] = []
            members = []
            for value in coded:
                member = fmt.new_member(value, method, offset, timestamp, self.allow_zip64)
                header = fmt.local_header(member)
                member.data_offset = offset + len(header)
                offset = member.data_offset + member.csize
                buffers += (header, value.data)
                members.append(member)
            # Set first: from here on the directory is being overwritten.
            self.dirty = self.modified = True
            self.end = _pwrite(self.fd, buffers, self.end)
            for member in members:
                if self.index.get(member.name) is not None:
                    self.dead = True
                self.index[member.name] = member
            self.signature = self._stat_signature()

    def remove(self, keys: Iterable[str]) -> list[str]:
        """Drop ``keys`` from the index; return those that were there."""
        with self.lock:
            self.refresh()
            self.check_process()
            removed = [k for k in keys if k in self.index]
            if removed:
                # The records stay until compaction: the journal's archive needs them.
                self._save_directory()
                for key in removed:
                    del self.index[key]
                self.dirty = self.modified = self.dead = True
            return removed

    def _save_directory(self) -> None:
        """Before the first change after a flush: journal the directory about to be overwritten."""
        if self.journal is not None:
            return
        size = os.fstat(self.fd).st_size
        if size > self.end:
            tail = _pread(self.fd, size - self.end, self.end)
        else:  # a new archive: what its last flush "wrote" is the empty archive
            tail = fmt.encode_directory([], 0, self.allow_zip64, b"")
        self.journal = journal.begin(self.path, journal.Saved(self.end, tail))

    def members(self) -> list[fmt.Member]:
        """Every entry the directory must list, in file order."""
        return sorted([*self.index.values(), *self.others], key=lambda m: m.offset)

    def write_directory(self) -> None:
        """Finish the file: the central directory after the last record, nothing after it."""
        directory = fmt.encode_directory(self.members(), self.end, self.allow_zip64, self.comment)
        # Truncate first, so no stale bytes of an older, longer directory can follow
        # the new end record should the write be cut short.
        os.ftruncate(self.fd, self.end)
        _pwrite(self.fd, [directory], self.end)
        if self.journal is not None:
            journal.end(self.path, self.journal)  # from here on the new archive counts
            self.journal = None
        self.dirty = False
        self.signature = self._stat_signature()

    def flush(self) -> None:
        with self.lock:
            if self.closed or not self.writable or os.getpid() != self.pid:
                return
            self.refresh()
            if self.dirty:
                self.write_directory()

    def close(self) -> None:
        """Finish the archive, compact it if it holds dead records, and close the file."""
        with self.lock:
            if self.closed:
                return
            try:
                # A forked child shares the file but not the right to finish it.
                if self.writable and os.getpid() == self.pid:
                    if self.dirty:
                        self.write_directory()
                    # Only a store that changed the archive rewrites it: opening one
                    # (mode "a" is the default) just to read it leaves the file alone.
                    if self.modified and self.dead:
                        self._compact()
            finally:
                self.closed = True
                os.close(self.fd)

    def _compact(self) -> None:
        """Copy the live members to a new file and move it over the archive."""
        members = self.members()
        directory_name, base = os.path.split(self.path)
        temp = os.path.join(directory_name, f".{base}.{uuid.uuid4().hex}.compacting")
        fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
        try:
            written = 0  # bytes of the new file on disk; `pending` follows them
            pending: list[bytes] = []
            pending_size = 0
            moved = []
            for member in members:
                header = fmt.local_header(member)
                moved.append(_copy_of(member, header, written + pending_size))
                pending.append(header)
                pending_size += len(header)
                # The data is copied as stored: no decompression, no recompression.
                position, remaining = self.data_offset(member), member.csize
                while remaining:
                    piece = _pread(self.fd, min(remaining, _COPY_BLOCK), position)
                    if not piece:
                        raise BadZipArchiveError(
                            f"member {member.name!r} of {self.path!r} is truncated"
                        )
                    pending.append(piece)
                    pending_size += len(piece)
                    position += len(piece)
                    remaining -= len(piece)
                    if pending_size >= _COPY_BLOCK:
                        written = _pwrite(fd, pending, written)
                        pending, pending_size = [], 0
            written = _pwrite(fd, pending, written)
            _pwrite(
                fd, [fmt.encode_directory(moved, written, self.allow_zip64, self.comment)], written
            )
            with contextlib.suppress(OSError):
                os.chmod(temp, stat.S_IMODE(os.fstat(self.fd).st_mode))
            # On disk before it replaces the original, so a power cut cannot leave neither.
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        os.close(fd)
        os.replace(temp, self.path)
        self.dead = False


def _copy_of(member: fmt.Member, header: bytes, offset: int) -> fmt.Member:
    """``member`` as it will be in the compacted file, its record starting at ``offset``."""
    copy = fmt.Member(
        member.name,
        member.raw_name,
        version_made=member.version_made,
        version_needed=member.version_needed,
        # The copy's local header carries sizes and CRC: no data descriptor follows.
        flags=member.flags & ~fmt.FLAG_DATA_DESCRIPTOR,
        method=member.method,
        dos_time=member.dos_time,
        dos_date=member.dos_date,
        crc=member.crc,
        csize=member.csize,
        usize=member.usize,
        offset=offset,
        internal_attr=member.internal_attr,
        external_attr=member.external_attr,
        extra=member.extra,
        comment=member.comment,
    )
    copy.data_offset = offset + len(header)
    return copy


class ZipStore(PathStore):
    """A store in a single zip file.

    Parameters
    ----------
    path
        The archive's location. Parent directories are created for writable modes.
    compression
        How new members are compressed: :data:`zipfile.ZIP_STORED` (the default, and the
        only method whose byte ranges are read without reading the whole member),
        :data:`zipfile.ZIP_DEFLATED`, :data:`zipfile.ZIP_BZIP2` or :data:`zipfile.ZIP_LZMA`.
        Existing members keep theirs; all four are read.
    allowZip64
        Use the ZIP64 extensions when the archive passes 2 GiB or 65,535 members; with
        ``False`` such an archive raises :class:`zipfile.LargeZipFile` instead.
    mode
        ``"r"`` read an existing archive; ``"a"`` (default) read and append, creating the
        file if missing; ``"w"`` truncate or create; ``"x"`` create, failing if the file
        exists. The Zarr spellings ``"r+"`` (append to an existing file) and ``"w-"``
        (= ``"x"``) work too.
    dimension_separator
        Default chunk-key separator for new Zarr v2 arrays (``"."``, ``"/"`` or ``None``).
    read_only
        ``True`` is another way to say ``mode="r"``.

    Notes
    -----
    After writing, call :meth:`close` (or use the store as a context manager): the zip
    central directory is written then, and without it the file is not an archive. As a
    safety net the archive is also finished when the store is garbage-collected or the
    interpreter exits normally. :meth:`flush` writes the directory and keeps the store
    open. ``flush()`` and ``close()`` are the durability points: a killed process
    leaves the archive of the last of them, readable through the journal beside it
    (``<archive>.zarr-journal``) and restored exactly by the next writable open. A file
    left unfinished without a journal raises
    :class:`~zarr_core_zip.errors.UnfinishedZipArchiveError`.

    Rewriting a key is allowed: the last write wins for every reader, and the dead
    records are removed by compaction on :meth:`close`. So is deleting a key. See the
    module documentation for how the file changes.

    Threads may share a store (one lock serialises access to the file). Processes may
    not write one archive at the same time; a store notices when another one has
    rewritten the file since its last flush and reloads the directory (or raises if it
    has unsaved writes of its own). A pickled store reopens the archive by path, in
    mode ``"a"`` if it was ``"w"`` or ``"x"``.

    :meth:`getsize` reports the sizes of the values (before the archive's own
    compression); :meth:`listdir` and :meth:`getsize` come from the central directory.

    Examples
    --------
    >>> import zarr_core
    >>> with ZipStore("data/example.zip", mode="w") as store:  # doctest: +SKIP
    ...     z = zarr_core.zeros((10, 10), chunks=(5, 5), store=store)
    ...     z[...] = 42
    """

    supports_partial_reads = True
    is_persistent = True
    # One writer at a time: the archive/file has no locking between processes.
    supports_multiprocess_writes = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        compression: int = zipfile.ZIP_STORED,
        allowZip64: bool = True,  # noqa: N803 - zarr-python's name
        mode: str = "a",
        dimension_separator: str | None = None,
        *,
        read_only: bool = False,
    ):
        if mode not in _MODES:
            raise InvalidArgumentError(f"invalid mode {mode!r}; expected one of {sorted(_MODES)}")
        file_mode, must_exist = _MODES["r" if read_only else mode]
        super().__init__(read_only=file_mode == "r", dimension_separator=dimension_separator)
        self.path = os.path.abspath(os.fspath(path))
        self.compression = fmt.check_method(compression)
        self.allowZip64 = bool(allowZip64)
        self.mode = "r" if read_only else mode
        if must_exist and not os.path.exists(self.path):
            raise FileNotFoundError(f"no zip archive at {self.path!r} (mode {self.mode!r})")
        self._archive = _Archive(self.path, file_mode, self.compression, self.allowZip64)
        self._finalizer = weakref.finalize(self, self._archive.close)

    # -- primitives ---------------------------------------------------------------------
    def _member(self, key: str) -> fmt.Member:
        archive = self._archive
        archive.refresh()
        try:
            return archive.index[key]
        except KeyError:
            raise KeyError(key) from None

    def _get(self, key: str) -> bytes:
        archive = self._archive
        with archive.lock:
            member = self._member(key)
            raw = archive.read(member)
        return fmt.decompress(member, raw, repr(self.path))

    def _set(self, key: str, value: bytes) -> None:
        self._archive.append({key: value})

    def _delete(self, key: str) -> None:
        if not self._archive.remove([key]):
            raise KeyError(key)

    def _contains(self, key: str) -> bool:
        with self._archive.lock:
            self._archive.refresh()
            return key in self._archive.index

    def _keys(self) -> Iterable[str]:
        with self._archive.lock:
            self._archive.refresh()
            return list(self._archive.index)

    def _len(self) -> int:
        with self._archive.lock:
            self._archive.refresh()
            return len(self._archive.index)

    # -- listing ------------------------------------------------------------------------
    def _list_prefix(self, prefix: str) -> Iterable[str]:
        with self._archive.lock:
            self._archive.refresh()
            return [k for k in self._archive.index if k.startswith(prefix)]

    def _getsize(self, path: str) -> int:
        with self._archive.lock:
            self._archive.refresh()
            index = self._archive.index
            if path in index:
                return index[path].usize
            prefix = path + "/" if path else ""
            return sum(m.usize for k, m in index.items() if k.startswith(prefix))

    # -- batches and ranges -------------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        archive = self._archive
        with archive.lock:
            archive.refresh()
            index = archive.index
            found = {key: index[key] for key in keys if key in index}
            # One thread reads: parallel reads measured slower, competing with decoding.
            raws = [archive.read(m) for m in found.values()]
        # Decompressed and checked outside the lock, so other threads can read meanwhile.
        where = repr(self.path)
        return {key: fmt.decompress(m, raw, where) for (key, m), raw in zip(found.items(), raws)}

    def _set_many(self, items: dict[str, bytes]) -> None:
        self._archive.append(items)

    def _delete_many(self, keys: list[str]) -> None:
        self._archive.remove(keys)

    def _delete_prefix(self, prefix: str) -> None:
        self._archive.remove(list(self._list_prefix(prefix)))

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        # Atomic among the threads sharing this store (its archive's lock); a zip file has
        # no locking between writers in several processes (see the README).
        archive = self._archive
        with archive.lock:
            archive.refresh()
            if key in archive.index:
                return False
            archive.append({key: value})
            return True

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        archive = self._archive
        out: list[bytes | None] = []
        whole: dict[str, bytes] = {}
        with archive.lock:
            archive.refresh()
            for key, byte_range in requests:
                member = archive.index.get(key)
                if member is None:
                    out.append(None)
                elif member.method == zipfile.ZIP_STORED and byte_range is not None:
                    start, stop = byte_range.bounds(member.usize)
                    out.append(
                        _pread(archive.fd, stop - start, archive.data_offset(member) + start)
                    )
                else:
                    # Compressed members are read whole, once per request batch.
                    if key not in whole:
                        whole[key] = fmt.decompress(member, archive.read(member), repr(self.path))
                    value = whole[key]
                    out.append(value if byte_range is None else byte_range.slice(value))
        return out

    # -- lifecycle ----------------------------------------------------------------------
    def flush(self) -> None:
        """Write the central directory, so the file on disk is a complete archive; keep writing after."""
        self._archive.flush()

    def close(self) -> None:
        """Finish the archive (directory, then compaction if needed) and close the file. Idempotent."""
        self._finalizer()
        super().close()

    def __getstate__(self) -> dict[str, Any]:
        # The copy reopens the file, so what this store wrote must be in it.
        self.flush()
        return {
            "path": self.path,
            "compression": self.compression,
            "allowZip64": self.allowZip64,
            # "w" and "x" would clobber or refuse the archive this store created.
            "mode": "a" if self.mode in ("w", "w-", "x") else self.mode,
            "dimension_separator": self.dimension_separator,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        ZipStore.__init__(self, **state)

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> ZipStore:
        """Open ``zip:///abs/x.zip``, ``zip://relative/x.zip`` or a plain ``.zip`` path.

        Storage options: ``compression``, ``allowZip64`` and ``dimension_separator``.
        """
        cls._reject_options(storage_options, ("compression", "allowZip64", "dimension_separator"))
        path = url[len("zip://") :] if url[:6].lower() == "zip://" else url
        if _WINDOWS and path[:1] == "/" and path[2:3] == ":":
            path = path[1:]  # zip:///C:/data.zip -> C:/data.zip
        if not path:
            raise InvalidArgumentError(f"{url!r} names no zip file")
        return cls(os.path.expanduser(path), mode=mode, **storage_options)
