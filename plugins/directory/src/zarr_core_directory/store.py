"""Stores that keep each key in a file under a root directory.

Key ``a/b/c`` is the file ``<root>/a/b/c``. Writes go to a temporary file in the target's
directory and are moved into place with :func:`os.replace`, so a reader (or a crash) sees
either the old value or the new one, never a torn file. Temporary files are named
``.<32 hex digits>.partial``; listings hide them and such names are reserved (a key
whose last segment has that form is refused).

Containment
-----------
Every file-system path is built in one place, :meth:`DirectoryStore._path`, which
re-validates the key even though the public methods already did: a key with an empty,
``.`` or ``..`` segment, a leading ``/``, a backslash or a NUL never reaches the file
system, and the path is formed by appending the key to the root rather than with
:func:`os.path.join` (which would restart at an absolute component). On Windows keys
containing ``:`` (drive letters, alternate data streams) are refused as well.

Symbolic links *inside* the root are followed when reading and writing, as zarr-python
does, because people use them to spread data over several disks. A link that points
outside the root therefore reads and writes outside it; only keys are untrusted here,
not the directory tree. Key listings do not descend into linked directories (which also
keeps a link cycle from looping forever), and ``rmdir`` removes a link, never the
directory it points to.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from zarr_core.errors import InvalidArgumentError, InvalidKeyError
from zarr_core.pools import io_map
from zarr_core.storage.base import PathStore, Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.keys import validate_key

__all__ = ["DirectoryStore", "NestedDirectoryStore", "TempStore"]

_WINDOWS = os.name == "nt"
_O_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0)
# O_EXCL: a uuid collision must fail rather than share a temporary file.
_O_WRITE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
# One os.read of this size returns most chunks whole; measured faster than open().read()
# (which adds a buffered reader and an fstat) by about 2x on 10,000 small files.
_FIRST_READ = 1 << 16
_TEMP_SUFFIX = ".partial"
_TEMP_LEN = 1 + 32 + len(_TEMP_SUFFIX)
# Errors that mean "no such key": missing file, a directory where the file would be,
# or a file where a directory would be.
_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)
# Parent directories may vanish between creating them and writing (a concurrent delete
# prunes empty directories); retry that many times before giving up.
_MKDIR_ATTEMPTS = 8


def _is_temp(name: str) -> bool:
    return len(name) == _TEMP_LEN and name[0] == "." and name.endswith(_TEMP_SUFFIX)


def _read_file(path: str) -> bytes:
    fd = os.open(path, _O_READ)
    try:
        data = os.read(fd, _FIRST_READ)
        if len(data) < _FIRST_READ:
            return data
        # A large value: read it again whole in one call, which allocates the result once
        # and copies each byte once (joining pieces would copy everything a second time).
        size = os.fstat(fd).st_size
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, size)
        if len(data) < size:  # a short read: finish it the slow way
            parts = [data]
            while chunk := os.read(fd, size - sum(map(len, parts))):
                parts.append(chunk)
            data = b"".join(parts)
        return data
    finally:
        os.close(fd)


def _read_range(fd: int, offset: int, length: int) -> bytes:
    # lseek + read rather than pread, which Windows lacks; the descriptor is ours alone.
    os.lseek(fd, offset, os.SEEK_SET)
    parts = []
    while length > 0 and (chunk := os.read(fd, length)):
        parts.append(chunk)
        length -= len(chunk)
    return b"".join(parts)


def _write_all(fd: int, value: bytes) -> None:
    view = memoryview(value)
    while view:
        view = view[os.write(fd, view) :]


class DirectoryStore(PathStore):
    """A store that keeps each key in a file under a root directory.

    Parameters
    ----------
    path
        Root directory; created on the first write. An existing file there is an error.
    normalize_keys
        Lower-case every key, so that ``"Foo"`` and ``"foo"`` name one file whether or
        not the file system is case-sensitive.
    dimension_separator
        Default chunk-key separator for new Zarr v2 arrays (``"."``, ``"/"`` or ``None``).
    mode
        ``"r"`` opens read-only; ``"r+"``, ``"a"``, ``"w"`` and ``"w-"`` are writable.
        The store itself never deletes anything on open: clearing for ``"w"`` is the
        node layer's job.
    read_only
        ``True`` is another way to say ``mode="r"``.

    Notes
    -----
    Writes are atomic (temporary file, then :func:`os.replace`) and files are open only
    while read or written, so several threads or processes may write distinct keys
    concurrently. Writes are not ``fsync``-ed (nor are they in zarr-python): a crashed
    process never leaves a torn value, but after a power loss the newest writes may be
    missing, or empty on file systems that do not flush data before a rename. Deleting a
    key removes directories it leaves empty. See the module documentation for how keys
    are kept inside the root.

    Examples
    --------
    >>> store = DirectoryStore("data/example.zarr")  # doctest: +SKIP
    >>> store["group/zarr.json"] = b"{}"  # doctest: +SKIP
    >>> store.listdir("group")  # doctest: +SKIP
    ['zarr.json']
    """

    supports_partial_reads = True
    is_persistent = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        normalize_keys: bool = False,
        dimension_separator: str | None = None,
        mode: str = "a",
        *,
        read_only: bool = False,
    ):
        super().__init__(mode=mode, read_only=read_only, dimension_separator=dimension_separator)
        path = os.path.abspath(os.fspath(path))
        if os.path.exists(path) and not os.path.isdir(path):
            raise NotADirectoryError(f"{path!r} exists and is not a directory")
        self.path = path
        self.normalize_keys = bool(normalize_keys)
        # The root is never a prefix of a sibling ("/data/x" vs "/data/xy") with the
        # separator appended; "/" itself already ends with one.
        self._prefix = path if path.endswith(os.sep) else path + os.sep

    # -- key <-> path -------------------------------------------------------------------
    def _path(self, key: str) -> str:
        """The file-system path of ``key``: the one place a key becomes a path."""
        # Keys reach primitives validated; this is the containment boundary, so it checks
        # again rather than trust every caller (a validator bug must not escape the root).
        validate_key(key)
        if _WINDOWS and ":" in key:
            raise InvalidKeyError(key, "':' is not allowed in keys on Windows")
        if key.endswith(_TEMP_SUFFIX) and _is_temp(key.rpartition("/")[2]):
            raise InvalidKeyError(key, "names of the form '.<32 hex>.partial' are reserved")
        return self._prefix + (key.lower() if self.normalize_keys else key)

    def _dir(self, path: str) -> str:
        """The directory of a store ``path`` (``""`` = the root)."""
        path = path.strip("/")
        return self._path(path) if path else self.path

    # -- primitives ---------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        try:
            return _read_file(self._path(key))
        except _MISSING:
            raise KeyError(key) from None

    def _set(self, key: str, value: bytes) -> None:
        # Rename over the key: a reader (or a crash) sees the old value or the new one.
        self._put(key, value, link=False)

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        # Hard-link to the key: link() fails if the key exists, atomically, across
        # processes, and never exposes a partial file.
        try:
            self._put(key, value, link=True)
        except FileExistsError:
            return False
        return True

    def _put(self, key: str, value: bytes, link: bool) -> None:
        """Write ``value`` to a temporary file beside the key, then rename or link it there."""
        path = self._path(key)
        dirpath = os.path.dirname(path)
        temp = f"{dirpath}{os.sep}.{uuid.uuid4().hex}{_TEMP_SUFFIX}"
        try:
            fd = self._create(temp, dirpath)
        except NotADirectoryError:
            raise KeyError(f"{key!r}: a parent of this key is a value, not a directory") from None
        try:
            try:
                _write_all(fd, value)
            finally:
                os.close(fd)
            if link:
                os.link(temp, path)
            else:
                os.replace(temp, path)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            if isinstance(exc, IsADirectoryError):
                raise KeyError(f"{key!r} is a directory") from None
            raise
        if link:
            os.unlink(temp)  # the key's name is now the file's only one

    def _create(self, temp: str, dirpath: str) -> int:
        for _ in range(_MKDIR_ATTEMPTS):
            try:
                return os.open(temp, _O_WRITE, 0o666)
            except FileNotFoundError:
                # FileExistsError: a concurrent delete pruned a directory between
                # makedirs' mkdir and its own isdir check. Retrying settles it.
                with contextlib.suppress(FileExistsError):
                    os.makedirs(dirpath, exist_ok=True)
        return os.open(temp, _O_WRITE, 0o666)

    def _delete(self, key: str) -> None:
        path = self._path(key)
        try:
            os.unlink(path)
        except _MISSING:
            raise KeyError(key) from None
        except PermissionError:
            # macOS reports unlink() of a directory as EPERM.
            if os.path.isdir(path):
                raise KeyError(key) from None
            raise
        self._prune(os.path.dirname(path))

    def _contains(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def _keys(self) -> Iterable[str]:
        return self._walk(self.path, "")

    # -- helpers ------------------------------------------------------------------------
    def _walk(self, dirpath: str, prefix: str) -> Iterator[str]:
        """Keys under ``dirpath`` (named ``prefix`` + relative path); links to directories are not followed."""
        stack = [(dirpath, prefix)]
        while stack:
            dirpath, prefix = stack.pop()
            try:
                entries = os.scandir(dirpath)
            except _MISSING:
                continue
            with entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{prefix}{entry.name}/"))
                    elif entry.is_file() and not _is_temp(entry.name):
                        yield prefix + entry.name

    def _prune(self, dirpath: str) -> None:
        """Remove ``dirpath`` and its ancestors while they are empty, stopping at the root."""
        while dirpath.startswith(self._prefix):
            try:
                os.rmdir(dirpath)
            except OSError:
                return
            dirpath = os.path.dirname(dirpath)

    def _remove(self, path: str) -> None:
        """Remove a file, a link, or a directory tree (never following links)."""
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)

    # -- listing ------------------------------------------------------------------------
    def _list_prefix(self, prefix: str) -> Iterable[str]:
        if self.normalize_keys:
            prefix = prefix.lower()
        # Walk only below the deepest directory the prefix names completely.
        head = prefix.rpartition("/")[0]
        try:
            dirpath = self._dir(head)
        except InvalidKeyError:
            return []  # no key lies under a directory with an invalid name
        start = f"{head}/" if head else ""
        return [k for k in self._walk(dirpath, start) if k.startswith(prefix)]

    def _list_dir(self, prefix: str) -> Iterable[str]:
        try:
            with os.scandir(self._dir(prefix)) as entries:
                return [e.name for e in entries if not _is_temp(e.name)]
        except _MISSING:
            return []

    def _delete_prefix(self, prefix: str) -> None:
        dirpath = self._dir(prefix)
        if dirpath == self.path:
            # Clear the contents but keep the root: it may be a mount point or carry
            # permissions the user set up.
            for name in self._list_dir(""):
                self._remove(self._prefix + name)
        elif os.path.isdir(dirpath):
            self._remove(dirpath)
            self._prune(os.path.dirname(dirpath))

    def _getsize(self, path: str) -> int:
        target = self._dir(path)
        if os.path.isfile(target):
            return os.path.getsize(target)
        total = 0
        for key in self._walk(target, ""):
            with contextlib.suppress(OSError):  # deleted since it was listed
                total += os.path.getsize(os.path.join(target, key))
        return total

    def _rename(self, src_key: str, dst_key: str) -> None:
        src, dst = self._path(src_key), self._path(dst_key)
        if not os.path.lexists(src):
            raise KeyError(src_key)
        if os.path.isdir(dst) and os.path.isdir(src) and not os.path.islink(src):
            # Merge into an existing directory one value at a time, as the contract's
            # default would, keeping the keys under dst that src does not have.
            for key in list(self._walk(src, "")):
                target = os.path.join(dst, key)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(os.path.join(src, key), target)
            shutil.rmtree(src)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.replace(src, dst)  # one atomic step for a value or a whole tree
        self._prune(os.path.dirname(src))

    def _len(self) -> int:
        return sum(1 for _ in self._keys())

    # -- batches and ranges -------------------------------------------------------------
    def _set_many(self, items: dict[str, bytes]) -> None:
        # Creating a file is mostly filesystem latency: overlap many on the I/O pool.
        io_map(lambda kv: self._set(*kv), list(items.items()))

    def _delete_many(self, keys: list[str]) -> None:
        io_map(self._delete_if_present, keys)

    def _delete_if_present(self, key: str) -> None:
        try:
            self._delete(key)
        except KeyError:
            pass

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        # A plain loop: the kernel is the cost here, and threads measured slower.
        # try/except rather than contextlib.suppress, which costs more per key.
        out = {}
        path = self._path
        for key in keys:
            try:  # noqa: SIM105
                out[key] = _read_file(path(key))
            except _MISSING:
                pass
        return out

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        return [self._read_partial(key, byte_range) for key, byte_range in requests]

    def _read_partial(self, key: str, byte_range: ByteRange | None) -> bytes | None:
        path = self._path(key)
        if byte_range is None:
            try:
                return _read_file(path)
            except _MISSING:
                return None
        try:
            fd = os.open(path, _O_READ)
        except _MISSING:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None  # a directory is not a key
            start, stop = byte_range.bounds(info.st_size)
            return _read_range(fd, start, stop - start)
        finally:
            os.close(fd)

    # -- identity, pickling, URLs -------------------------------------------------------
    def _identity(self) -> Any:
        return (self.path, self.normalize_keys)

    def __getstate__(self) -> dict[str, Any]:
        # Pickles carry the location, never the data; unpickling reopens it.
        return {
            "path": self.path,
            "normalize_keys": self.normalize_keys,
            "dimension_separator": self.dimension_separator,
            "read_only": self.read_only,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        # DirectoryStore.__init__, not type(self).__init__: an unpickled TempStore must
        # reopen the same directory, neither create a new one nor delete it at exit.
        DirectoryStore.__init__(self, **state)

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> Store:
        """Open a ``file://`` URL or a plain path.

        ``file:///abs/path`` is an absolute path and ``file://rel/path`` a path relative
        to the working directory, exactly as fsspec reads them (so a URL means the same
        directory whether or not this plugin is installed). ``~`` is expanded; there is
        no percent-decoding (again as fsspec). This store's storage options are
        ``normalize_keys`` and ``dimension_separator``.

        A ``file://`` URL given other storage options (fsspec's, such as ``auto_mkdir``)
        opens an :class:`~zarr_core.storage.FSStore` over fsspec's local file system
        instead, as zarr-python 2 does.
        """
        own = {"normalize_keys", "dimension_separator"}
        if url[:7].lower() == "file://" and set(storage_options) - own:
            from zarr_core.storage import FSStore

            return FSStore(url, mode=mode, **storage_options)
        cls._reject_options(storage_options, own)
        path = url[len("file://") :] if url[:7].lower() == "file://" else url
        if _WINDOWS and path[:1] == "/" and path[2:3] == ":":
            path = path[1:]  # file:///C:/data -> C:/data
        if not path:
            raise InvalidArgumentError(f"{url!r} names no directory")
        return cls(os.path.expanduser(path), mode=mode, **storage_options)


class NestedDirectoryStore(DirectoryStore):
    """A :class:`DirectoryStore` whose Zarr v2 arrays default to ``"/"`` chunk keys.

    Chunk ``(1, 2)`` of a new v2 array is stored as ``1/2`` rather than ``1.2``, which
    keeps the number of files per directory small for large arrays. Zarr v3 arrays
    already use ``/`` by default. Parameters as for :class:`DirectoryStore`, except that
    ``dimension_separator`` may only be ``"/"``.

    Unlike zarr-python 2.x, :meth:`listdir` lists what is on disk (``"1"``, not
    ``"1.2"``): the separator is recorded in the array metadata, so nothing needs the
    old translation.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        normalize_keys: bool = False,
        dimension_separator: str | None = "/",
        mode: str = "a",
        *,
        read_only: bool = False,
    ):
        if dimension_separator not in (None, "/"):
            raise InvalidArgumentError(
                "NestedDirectoryStore only supports '/' as dimension_separator"
            )
        super().__init__(
            path,
            normalize_keys=normalize_keys,
            dimension_separator="/",
            mode=mode,
            read_only=read_only,
        )


class TempStore(DirectoryStore):
    """A :class:`DirectoryStore` in a new temporary directory, removed at interpreter exit.

    Parameters
    ----------
    suffix, prefix, dir
        As for :func:`tempfile.mkdtemp`.
    normalize_keys, dimension_separator
        As for :class:`DirectoryStore`.

    A pickled copy opens the same directory but does not own it: only the process that
    created the store removes it.
    """

    def __init__(
        self,
        suffix: str = "",
        prefix: str = "zarr",
        dir: str | os.PathLike[str] | None = None,  # noqa: A002 - tempfile's name
        normalize_keys: bool = False,
        dimension_separator: str | None = None,
    ):
        path = tempfile.mkdtemp(suffix=suffix, prefix=prefix, dir=dir)
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        super().__init__(
            path, normalize_keys=normalize_keys, dimension_separator=dimension_separator
        )
