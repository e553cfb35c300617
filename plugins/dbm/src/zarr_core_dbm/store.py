"""A store over any DBM-style database: ``dbm``, ``dbm.gnu``, ``dbm.ndbm``, ``dbm.dumb``, ...

Keys are stored UTF-8 encoded (zarr-python 2 uses ASCII, the same bytes for its keys)
and values as they are, so a database written by either library opens in the other when
both use the same implementation. The file formats of the implementations differ:
:func:`dbm.open` picks one for a new file (``dbm.gnu`` if the interpreter has it, else
``dbm.ndbm``, else ``dbm.dumb``; ``dbm.sqlite3`` first on Python 3.13+) and recognises
the format of an existing one.

One handle per process
----------------------
Several handles on one file do not mix: ``dbm.gnu`` refuses a second writer, and
``dbm.dumb`` keeps its index in memory, so one handle never sees keys another one added.
Stores over the same path and implementation in a process therefore share one handle,
reference-counted; the last store to close it closes the database. A handle opened
read-only is reopened for writing when a writable store over the same file arrives.
A store belongs to the process that opened it: a forked child that opens (or
unpickles) a store gets a handle of its own, never the parent's.

Threads
-------
A DBM object is not safe to use from several threads at once (``dbm.dumb`` is plain
Python updating a dict and a file), so with ``write_lock=True`` every call holds the
handle's lock, reads included. ``dbm.sqlite3`` objects may only be used by the thread
that opened them; the store opens and drives such a database from one thread of its own.

There are no transactions and no native listing: batches are loops, listings scan the
keys. A process killed mid-write leaves a database in whatever state the implementation
leaves it, except ``dbm.dumb``, which the store writes crash-safely
(:mod:`zarr_core_dbm.dumb`): killed at any moment, its files hold exactly what they held
at the last :meth:`DBMStore.flush` or ``close()``.
"""

from __future__ import annotations

import dbm
import importlib
import os
import queue
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from zarr_core.errors import InvalidArgumentError, StoreClosedError
from zarr_core.storage.base import PathStore, mode_is_read_only
from zarr_core.storage.handles import HandleRegistry
from zarr_core.storage.url import local_path
from zarr_core_dbm import dumb

__all__ = ["DBMStore", "IMPLEMENTATIONS", "available_implementations"]

T = TypeVar("T")
Opener = Callable[..., Any]

#: The standard library's DBM implementations (which exist depends on the interpreter).
IMPLEMENTATIONS = ("dbm.dumb", "dbm.gnu", "dbm.ndbm", "dbm.sqlite3")

# Modules whose database objects must stay in the thread that opened them.
_THREAD_BOUND = frozenset({"dbm.sqlite3"})
# The C modules behind dbm.gnu and dbm.ndbm, by the names users know them by.
_PUBLIC_NAMES = {"_gdbm": "dbm.gnu", "_dbm": "dbm.ndbm"}


def available_implementations() -> dict[str, str | None]:
    """Each of :data:`IMPLEMENTATIONS`, mapped to ``None`` if this interpreter has it, else why not."""
    found: dict[str, str | None] = {}
    for name in IMPLEMENTATIONS:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            found[name] = str(exc)
        else:
            found[name] = None
    return found


def _resolve_opener(open: Opener | str | None) -> Opener:  # noqa: A002 - the seeds' name
    if open is None:
        return dbm.open
    if isinstance(open, str):
        return importlib.import_module(open).open
    return open


def _writer_flag(flag: str) -> str:
    """``flag`` for reopening: never ``n``, which would empty the database again."""
    return "c" + flag[1:] if flag[:1] == "n" else flag


class _Worker:
    """One thread of its own that runs calls, for objects bound to the thread that made them.

    A daemon thread, unlike a ``ThreadPoolExecutor``'s: those stop taking work before
    ``atexit`` handlers run, and closing a store left open is such a handler.
    """

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="zarr-core-dbm", daemon=True).start()

    def _serve(self) -> None:
        while True:
            work, reply = self._calls.get()
            if work is None:
                return
            try:
                reply.put((True, work()))
            except BaseException as exc:
                reply.put((False, exc))

    def run(self, work: Callable[[], T]) -> T:
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self._calls.put((work, reply))
        ok, result = reply.get()
        if not ok:
            raise result
        return result

    def stop(self) -> None:
        self._calls.put((None, None))


class _Handle:
    """One open database shared by every store over its file in this process."""

    def __init__(self, key: tuple[str, Opener], path: str, flag: str, mode: int, kwargs: dict):
        self.key = key
        self.path = path
        self.mode = mode
        self.kwargs = kwargs
        self.lock = threading.RLock()
        self.users = 0
        self.pid = os.getpid()
        self.worker: _Worker | None = None
        self.flag = flag
        self.db = self._open(flag)
        module = "dbm.dumb" if dumb.is_dumb(self.db) else type(self.db).__module__
        self.implementation = _PUBLIC_NAMES.get(module, module)
        # Berkeley DB's ndbm returns no data pointer for an empty value, which Python's
        # dbm.ndbm reports as a missing key: such values must not be written at all.
        self.accepts_empty_values = not (
            module == "_dbm" and getattr(sys.modules[module], "library", "") == "Berkeley DB"
        )
        if module in _THREAD_BOUND:
            self.db.close()
            self.worker = _Worker()
            self.flag = _writer_flag(flag)
            self.db = self.call(lambda _: self._open(self.flag))

    @property
    def writable(self) -> bool:
        return self.flag[:1] != "r"

    def _open(self, flag: str) -> Any:
        try:
            db = self.key[1](self.path, flag, self.mode, **self.kwargs)
        except dbm.error[0] as exc:  # dbm.open: a file that no dbm module recognises
            raise InvalidArgumentError(
                f"{self.path!r} is not a dbm database (dbm: {exc}); give the path of a dbm "
                "store, or a new path to create one"
            ) from exc
        if flag[:1] != "r" and dumb.is_dumb(db) and not isinstance(db, dumb.DurableDumb):
            # dbm.dumb loses data when killed mid-write: write it the crash-safe way.
            db.close()
            db = dumb.open_durable(self.path, _writer_flag(flag), self.mode)
        return db

    def call(self, work: Callable[[Any], T]) -> T:
        """Run ``work(db)`` in the thread the database belongs to."""
        if self.worker is None:
            return work(self.db)
        return self.worker.run(lambda: work(self.db))

    def reopen(self, flag: str) -> None:
        self.call(lambda db: db.close())
        self.flag = flag
        self.db = self.call(lambda _: self._open(flag))

    def close(self) -> None:
        self.call(lambda db: db.close())
        if self.worker is not None:
            self.worker.stop()


_OPEN: dict[tuple[str, Opener], _Handle] = {}
_OPEN_LOCK = HandleRegistry()
# Handles a forked child inherited. They are never closed there: dbm.gnu's close would
# release the writer lock the parent holds on the file they share.
_INHERITED: list[_Handle] = []


def _after_fork_in_child() -> None:
    # Another thread of the parent may have held the lock at the moment of the fork.
    global _OPEN_LOCK
    _OPEN_LOCK = HandleRegistry()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _acquire(path: str, flag: str, mode: int, opener: Opener, kwargs: dict) -> _Handle:
    key = (os.path.realpath(path), opener)
    with _OPEN_LOCK:
        handle = _OPEN.get(key)
        if handle is not None and handle.pid != os.getpid():
            _INHERITED.append(_OPEN.pop(key))
            handle = None
        if handle is None:
            handle = _OPEN[key] = _Handle(key, path, flag, mode, kwargs)
        elif flag[:1] != "r" and not handle.writable:
            with handle.lock:
                handle.reopen(_writer_flag(flag))
        handle.users += 1
        return handle


def _release(handle: _Handle) -> None:
    if handle.pid != os.getpid() or _OPEN_LOCK.defer_if_held(_release, handle):
        return
    with _OPEN_LOCK:
        handle.users -= 1
        if handle.users:
            return
        del _OPEN[handle.key]
    with handle.lock:
        handle.close()


class DBMStore(PathStore):
    """A store over a DBM-style database file.

    Parameters
    ----------
    path
        The database file (some implementations add suffixes: ``.db``, ``.dir``/``.dat``).
    flag
        How to open it: ``"c"`` (create if missing, the default), ``"w"`` (must exist),
        ``"n"`` (always start empty), ``"r"`` (read-only); implementations accept more
        letters after the first (``"cf"`` for ``dbm.gnu``'s fast mode).
    mode
        Permissions of a new file (before the umask).
    open
        The ``open(path, flag, mode, **open_kwargs)`` function of an implementation --
        :func:`dbm.gnu.open`, :func:`dbm.dumb.open`, ``bsddb3.btopen``... -- or the name
        of a module that has one (``"dbm.gnu"``). Default: :func:`dbm.open`.
    write_lock
        Serialise calls from several threads (reads too, see the module notes). Turn it
        off only if the caller serialises access itself.
    dimension_separator
        Default chunk-key separator for new Zarr v2 arrays (``"."``, ``"/"`` or ``None``).
    read_only
        Refuse every write and open with ``flag="r"``; ``mode="r"`` in ``zarr_core.open``.
    **open_kwargs
        Passed on to ``open``.

    Notes
    -----
    Call :meth:`close` (or use the store as a context manager) when done: several
    implementations keep part of the database in memory until then. :meth:`flush`
    writes it out without closing. For ``dbm.dumb``, :meth:`flush` and :meth:`close`
    are the durability points: a process killed (or a machine losing power) between two
    of them leaves the database exactly as at the earlier one, never a torn value; every
    rewrite appends the value, so the file grows until copied into a new database. Pickling carries the path and options; the copy
    reopens the file with ``flag="c"`` where the original had ``"n"``, so it never
    empties what the original wrote (in the same process it shares the original's
    handle). Writing from several processes at once works only with implementations
    that lock (``dbm.gnu`` admits one writer; ``dbm.dumb`` does not lock at all).

    Examples
    --------
    >>> import dbm.dumb
    >>> store = DBMStore("data/example.db", open=dbm.dumb.open)  # doctest: +SKIP
    >>> store.setitems({"a/b": b"1", "a/c": b"22"})  # doctest: +SKIP
    >>> sorted(store), store.getsize("a")  # doctest: +SKIP
    (['a/b', 'a/c'], 3)
    """

    is_persistent = True
    # One writer at a time: the archive/file has no locking between processes.
    supports_multiprocess_writes = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        flag: str = "c",
        mode: int = 0o666,
        open: Opener | str | None = None,  # noqa: A002 - the seeds' name
        write_lock: bool = True,
        dimension_separator: str | None = None,
        *,
        read_only: bool = False,
        **open_kwargs: Any,
    ):
        read_only = bool(read_only) or flag[:1] == "r"
        super().__init__(read_only=read_only, dimension_separator=dimension_separator)
        self.path = os.path.abspath(os.fspath(path))
        self.flag = "r" + flag[1:] if read_only and flag[:1] != "r" else flag
        self.mode = mode
        self.open = _resolve_opener(open)
        self.write_lock = bool(write_lock)
        self.open_kwargs = dict(open_kwargs)
        self._handle = _acquire(self.path, self.flag, mode, self.open, self.open_kwargs)
        # A store dropped without close() still gives its share of the handle back.
        self._finalizer = weakref.finalize(self, _release, self._handle)

    # -- access -------------------------------------------------------------------------
    def _locked(self) -> AbstractContextManager[Any]:
        if self._closed:
            raise StoreClosedError(self)
        return self._handle.lock if self.write_lock else nullcontext()

    def _call(self, work: Callable[[Any], T]) -> T:
        with self._locked():
            return self._handle.call(work)

    @property
    def implementation(self) -> str:
        """The module of the open database object (``"dbm.gnu"``, ``"dbm.dumb"``, ...)."""
        return self._handle.implementation

    @property
    def accepts_empty_values(self) -> bool:
        """``False`` for Berkeley DB's ``dbm.ndbm``, where an empty value reads as missing."""
        return self._handle.accepts_empty_values

    def _check_values(self, values: Iterable[bytes]) -> None:
        if not self._handle.accepts_empty_values and not all(values):
            raise InvalidArgumentError(
                f"{self.implementation} ({sys.modules['_dbm'].library}) cannot store an empty "
                "value: it would read back as a missing key"
            )

    # -- primitives ---------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        encoded = key.encode("utf-8")
        try:
            return self._call(lambda db: db[encoded])
        except KeyError:
            raise KeyError(key) from None  # the key as given, not its bytes

    def _set(self, key: str, value: bytes) -> None:
        self._check_values([value])
        encoded = key.encode("utf-8")
        self._call(lambda db: db.__setitem__(encoded, value))

    def _delete(self, key: str) -> None:
        encoded = key.encode("utf-8")
        try:
            self._call(lambda db: db.__delitem__(encoded))
        except KeyError:
            raise KeyError(key) from None

    def _contains(self, key: str) -> bool:
        encoded = key.encode("utf-8")
        return self._call(lambda db: encoded in db)

    def _keys(self) -> Iterable[str]:
        keys = self._call(lambda db: list(db.keys()))
        # Keys that are not UTF-8 (other software's) become lone surrogates, which the
        # store's listings skip with a warning.
        return [k.decode("utf-8", "surrogateescape") for k in keys]

    def _len(self) -> int:
        return self._call(len)

    # -- batches: one lock (and one thread hop) per batch -------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        wanted = [(k, k.encode("utf-8")) for k in keys]

        def read(db: Any) -> dict[str, bytes]:
            out = {}
            for key, encoded in wanted:
                try:
                    out[key] = db[encoded]
                except KeyError:
                    pass
            return out

        return self._call(read)

    def _set_many(self, items: dict[str, bytes]) -> None:
        self._check_values(items.values())
        encoded = [(k.encode("utf-8"), v) for k, v in items.items()]

        def write(db: Any) -> None:
            for key, value in encoded:
                db[key] = value

        self._call(write)

    def _delete_many(self, keys: list[str]) -> None:
        def delete(db: Any) -> None:
            for key in keys:
                try:
                    del db[key.encode("utf-8")]
                except KeyError:
                    pass

        self._call(delete)

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        # Atomic within this process: every store over the file shares one handle and
        # its lock. dbm files have no cross-process locking at all (see the README).
        self._check_values([value])
        encoded = key.encode("utf-8")

        def create(db: Any) -> bool:
            if encoded in db:
                return False
            db[encoded] = value
            return True

        with self._handle.lock:
            return self._handle.call(create)

    # -- lifecycle, identity, pickling, URLs ----------------------------------------------
    def flush(self) -> None:
        """Write everything the implementation holds in memory to the file."""
        if self.read_only or self._closed:
            return
        with self._locked():
            handle = self._handle
            if hasattr(handle.db, "sync"):
                handle.call(lambda db: db.sync())
            else:
                # dbm.ndbm has no sync(): closing writes it out. Reopen without "n".
                handle.reopen(_writer_flag(handle.flag))

    def close(self) -> None:
        """Flush, and close the database when no other store in this process uses it."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._finalizer()

    def _identity(self) -> Any:
        return self._handle.key

    def __getstate__(self) -> dict[str, Any]:
        self.flush()  # the copy may be opened by another process
        return {
            "path": self.path,
            "flag": _writer_flag(self.flag),
            "mode": self.mode,
            "open": self.open,
            "write_lock": self.write_lock,
            "dimension_separator": self.dimension_separator,
            "read_only": self.read_only,
            **self.open_kwargs,
        }

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> DBMStore:
        """Open a ``dbm://`` URL.

        The URL form is the one SQLAlchemy uses for SQLite: ``dbm:///data.db`` is the
        relative path ``data.db``, ``dbm:////abs/data.db`` the absolute one. ``~`` is
        expanded. The storage options are ``flag``, ``open`` (a module name such as
        ``"dbm.gnu"`` or an ``open`` function), ``write_lock`` and ``dimension_separator``.
        """
        cls._reject_options(storage_options, ("flag", "open", "write_lock", "dimension_separator"))
        path = local_path(url, "dbm")
        return cls(path, read_only=mode_is_read_only(mode), **storage_options)
