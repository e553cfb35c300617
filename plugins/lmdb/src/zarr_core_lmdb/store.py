"""A store over an LMDB environment: a memory-mapped B+tree, one key per record.

Keys are stored UTF-8 encoded (zarr-python 2 uses ASCII, the same bytes for its keys),
values as they are, so environments written by either library open in the other.

Transactions
------------
Every batch is one LMDB transaction: ``getitems`` one read transaction (a C loop,
``Cursor.getmulti``), ``setitems`` one write transaction (``Cursor.putmulti``),
``delitems``/``rmdir``/``rename`` one write transaction each. Listings walk a cursor:
``list_prefix`` seeks to the prefix and reads until the first key past it, and
``listdir`` seeks once per child (past each child's whole subtree), so listing a group
does not visit the chunks of its arrays.

Buffers
-------
With ``buffers=True`` reads that need only part of a value -- byte ranges, sizes,
membership -- look at it in place in the memory map and copy only what they return.
Whole values are always returned as ``bytes``: a buffer into the map is valid only
until its transaction ends (later writes reuse the pages), so it never leaves the store.

One environment per process
---------------------------
LMDB forbids opening one environment twice in a process (the second ``close`` would
drop the first one's file locks), so stores over the same path share one
``lmdb.Environment``, reference-counted, and the last to close syncs and closes it.
The map grows on demand: a write that fills it is rolled back, the map doubled and the
write repeated. Resizing needs every transaction of the process finished, so
transactions hold a shared gate and resizing an exclusive one.

A forked child must not use its parent's environment: it closes its copy and opens its
own. That is safe only if the child's copy refers to no reader slot of the parent, so a
fork waits for running transactions to end, and no spare transactions are kept.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import lmdb

from zarr_core.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    InvalidKeyError,
    ReadOnlyError,
    StoreClosedError,
)
from zarr_core.storage.base import PathStore, mode_is_read_only
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.handles import HandleRegistry
from zarr_core.storage.url import local_path

__all__ = ["LMDBStore"]

T = TypeVar("T")

# The seeds' (and zict's) defaults. A 1 TiB map costs nothing until used: with writemap
# the data file is sparse on Linux. Syncing is deferred to flush()/close(); a killed
# process loses nothing that was committed (the pages are in the OS cache), only a
# crash of the machine can drop the newest transactions. One exception: no spare
# transactions (the seeds keep one per CPU), because a cached transaction keeps a reader
# slot that a forked child, closing its copy of the environment, would release while
# the parent still counts on it. Each batch is one transaction, so little is lost.
_DEFAULTS: dict[str, Any] = {
    "map_size": 2**40 if sys.maxsize >= 2**32 else 2**28,
    "meminit": False,
    "writemap": sys.platform.startswith("linux"),
    "metasync": False,
    "sync": False,
    "map_async": False,
    "max_spare_txns": 0,
}
# durable=True: every commit reaches the disk before it returns.
_DURABLE: dict[str, Any] = {"sync": True, "metasync": True}
_OPTIONS = (
    "map_size", "subdir", "readonly", "metasync", "sync", "map_async", "mode", "create",
    "readahead", "writemap", "meminit", "max_readers", "max_dbs", "max_spare_txns", "lock",
)  # fmt: skip
# A write that still fills a map doubled this many times is not going to fit.
_MAX_GROWTH = 32


def _decode(key: bytes) -> str:
    # Keys that are not UTF-8 (written by other software) decode to lone surrogates, which
    # the store's listings then skip with a warning instead of failing.
    return bytes(key).decode("utf-8", "surrogateescape")


class _Gate:
    """Any number of transactions at once, or one exclusive holder (a resize, a fork)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._resizing = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._resizing:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    self._cond.notify_all()

    def acquire(self) -> None:
        """Wait until no transaction is running, and keep new ones waiting."""
        with self._cond:
            while self._resizing:
                self._cond.wait()
            self._resizing = True  # new transactions wait from here on
            while self._active:
                self._cond.wait()

    def release(self) -> None:
        with self._cond:
            self._resizing = False
            self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


class _Environment:
    """One open ``lmdb.Environment`` shared by every store over its path in this process."""

    def __init__(self, key: str, env: lmdb.Environment, readonly: bool):
        self.key = key
        self.env = env
        self.readonly = readonly
        self.max_key = env.max_key_size()
        self.gate = _Gate()
        self.users = 0
        self.resizes = 0  # lets a thread tell whether the map changed since it looked
        self.pid = os.getpid()


_OPEN: dict[str, _Environment] = {}
_OPEN_LOCK = HandleRegistry()


# No transaction may be running at the moment of a fork: the child closes its copy of
# the environment (see _acquire), and py-lmdb would then end the copies of those
# transactions, releasing reader slots that the parent's threads are still using.
def _before_fork() -> None:
    _OPEN_LOCK.acquire()
    for shared in _OPEN.values():
        shared.gate.acquire()


def _after_fork() -> None:
    for shared in _OPEN.values():
        shared.gate.release()
    _OPEN_LOCK.release()


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork, after_in_child=_after_fork)


def _acquire(path: str, read_only: bool, kwargs: dict[str, Any]) -> _Environment:
    key = os.path.realpath(path)
    with _OPEN_LOCK:
        shared = _OPEN.get(key)
        if shared is not None and shared.pid != os.getpid():
            # Inherited through fork(): LMDB forbids using it in the child, and py-lmdb
            # will not open the files again while it is open.
            del _OPEN[key]
            shared.env.close()
            shared = None
        if shared is None:
            shared = _OPEN[key] = _Environment(key, *_open(path, read_only, kwargs))
        elif shared.readonly and not read_only:
            raise ReadOnlyError(
                f"LMDB environment {path!r}, already open read-only in this process", None
            )
        shared.users += 1
        return shared


def _open(path: str, read_only: bool, kwargs: dict[str, Any]) -> tuple[lmdb.Environment, bool]:
    """Open an environment; returns it and whether LMDB itself opened it read-only."""
    # Over a plain file LMDB creates "<file>-lock" before it finds the file is not its own.
    lock = None if os.path.isdir(path) or os.path.exists(path + "-lock") else path + "-lock"
    try:
        return _open_environment(path, read_only, kwargs)
    except lmdb.InvalidError as exc:
        if lock is not None:
            with suppress(FileNotFoundError):
                os.remove(lock)
        raise InvalidArgumentError(
            f"{path!r} is not an LMDB environment (lmdb: {exc}); give the path of an LMDB "
            "store, or a new path to create one"
        ) from exc


def _open_environment(
    path: str, read_only: bool, kwargs: dict[str, Any]
) -> tuple[lmdb.Environment, bool]:
    if not read_only or kwargs.get("readonly"):
        return lmdb.open(path, **kwargs), bool(kwargs.get("readonly"))
    if not os.path.exists(path):
        raise FileNotFoundError(f"no LMDB environment at {path!r}")
    # A read-only store still opens the environment writable when the files allow it
    # (creating nothing), so a writer opened later in this process can share it.
    try:
        return lmdb.open(path, **{**kwargs, "create": False}), False
    except lmdb.Error:
        return lmdb.open(path, **{**kwargs, "readonly": True}), True


def _release(shared: _Environment) -> None:
    if shared.pid != os.getpid() or _OPEN_LOCK.defer_if_held(_release, shared):
        return
    # The environment is closed with the registry locked: a store opened meanwhile by
    # another thread must wait, since LMDB refuses to open a path that is still open.
    with _OPEN_LOCK:
        shared.users -= 1
        if shared.users:
            return
        if _OPEN.get(shared.key) is shared:
            del _OPEN[shared.key]
        with shared.gate.exclusive():
            if not shared.readonly:
                shared.env.sync(True)
            shared.env.close()


class LMDBStore(PathStore):
    """A store over an LMDB environment.

    Parameters
    ----------
    path
        The environment: a directory holding ``data.mdb`` and ``lock.mdb`` (created if
        missing), as zarr-python 2 makes it whatever the suffix; an existing regular
        file is opened as a single-file environment (``subdir=False``) instead.
    buffers
        Let reads that need only part of a value (byte ranges, sizes) look at it in
        the memory map without copying it first. Values returned are always ``bytes``.
    dimension_separator
        Default chunk-key separator for new Zarr v2 arrays (``"."``, ``"/"`` or ``None``).
    read_only
        Refuse every write; never creates anything (``mode="r"`` in ``zarr_core.open``).
    durable
        Make every write transaction durable when it commits (``sync=True`` and
        ``metasync=True``), so even a power loss keeps it. By default a killed process
        loses nothing committed, but a power loss can drop what was committed since the
        last ``flush()``/``close()``. If the environment is already open in this process
        without ``sync``, this store syncs after each of its write transactions instead.
    **lmdb_kwargs
        Passed to :func:`lmdb.open`. The defaults differ from LMDB's as in zarr-python 2:
        ``map_size`` 1 TiB (256 MiB on 32-bit systems), ``writemap`` on Linux,
        ``sync``/``metasync`` off (``flush()`` and ``close()`` sync), ``meminit`` off.
        ``max_spare_txns`` stays 0; keep it so in a process that forks (see the module
        notes). ``mode`` here is LMDB's file permission mode.

    Notes
    -----
    Each batch is one transaction; a writer killed mid-batch leaves every key as it
    was before the batch. Threads and processes may write concurrently (LMDB admits one
    write transaction at a time). When a write does not fit in the map, the map is
    doubled and the write repeated. Pickling carries the path and options; the copy
    reopens the environment (sharing it when in the same process).

    Examples
    --------
    >>> store = LMDBStore("data/example.lmdb")  # doctest: +SKIP
    >>> with store.transaction():  # one LMDB write transaction  # doctest: +SKIP
    ...     store["a/b"] = store["a/c"] = b"1"
    >>> store.getsize("a")  # doctest: +SKIP
    2
    """

    supports_partial_reads = True
    is_persistent = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        buffers: bool = True,
        dimension_separator: str | None = None,
        *,
        read_only: bool = False,
        durable: bool = False,
        **lmdb_kwargs: Any,
    ):
        unknown = sorted(set(lmdb_kwargs) - set(_OPTIONS))
        if unknown:
            raise ArgumentTypeError(f"LMDBStore got unexpected lmdb.open arguments {unknown}")
        read_only = bool(read_only or lmdb_kwargs.get("readonly", False))
        super().__init__(read_only=read_only, dimension_separator=dimension_separator)
        self.path = os.path.abspath(os.fspath(path))
        self.buffers = bool(buffers)
        self.durable = bool(durable)
        self.lmdb_kwargs = dict(lmdb_kwargs)
        self._open_kwargs = {**_DEFAULTS, **(_DURABLE if durable else {}), **lmdb_kwargs}
        self._open_kwargs.setdefault("subdir", not os.path.isfile(self.path))
        self._shared = _acquire(self.path, read_only, self._open_kwargs)
        self._finalizer = weakref.finalize(self, _release, self._shared)
        self._held = threading.local()  # the write transaction transaction() holds open
        # Sharing an environment opened without sync: sync after each write instead.
        self._sync_writes = self.durable and not self._shared.env.flags()["sync"]

    @property
    def map_size(self) -> int:
        """The size of the memory map in bytes; it doubles whenever a write needs more."""
        return self._run(lambda txn: self._shared.env.info()["map_size"])

    # -- transactions -------------------------------------------------------------------
    def _run(
        self, work: Callable[[lmdb.Transaction], T], write: bool = False, buffers: bool = False
    ) -> T:
        """Run ``work`` in one transaction, growing or adopting a resized map as needed."""
        if not self._finalizer.alive:
            raise StoreClosedError(self)
        held = getattr(self._held, "txn", None)
        if held is not None:
            return work(held)  # part of the transaction this thread holds open
        shared = self._shared
        if shared.pid != os.getpid():
            shared = self._reopen_after_fork()
        for _ in range(_MAX_GROWTH):
            resizes = shared.resizes
            try:
                with shared.gate.shared(), shared.env.begin(write=write, buffers=buffers) as txn:
                    return work(txn)
            except lmdb.MapFullError:
                self._resize(resizes, grow=True)
            except lmdb.MapResizedError:
                self._resize(resizes, grow=False)
        raise lmdb.MapFullError(f"{self.path!r}: the write does not fit even after growing the map")

    def _reopen_after_fork(self) -> _Environment:
        """In a forked child: LMDB forbids using the parent's environment, open our own."""
        self._finalizer.detach()
        self._shared = _acquire(self.path, self.read_only, self._open_kwargs)
        self._finalizer = weakref.finalize(self, _release, self._shared)
        return self._shared

    def _resize(self, resizes: int, grow: bool) -> None:
        shared = self._shared
        with shared.gate.exclusive():
            if shared.resizes != resizes:
                return  # another thread resized the map meanwhile: just try again
            # Doubling grows ours; 0 adopts the larger size another process chose.
            shared.env.set_mapsize(shared.env.info()["map_size"] * 2 if grow else 0)
            shared.resizes += 1

    supports_transactions = True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One LMDB write transaction for this thread's reads and writes in it: LMDB has a
        single writer, so a read-modify-write inside cannot lose another writer's update,
        in any process. (A write that fills the map inside it fails rather than grows it.)"""
        if getattr(self._held, "txn", None) is not None:
            yield  # nested: part of the outer transaction
            return
        if not self._finalizer.alive:
            raise StoreClosedError(self)
        shared = self._shared
        if shared.pid != os.getpid():
            shared = self._reopen_after_fork()
        with shared.gate.shared(), shared.env.begin(write=True) as txn:
            self._held.txn = txn
            try:
                yield
            finally:
                self._held.txn = None
        if self._sync_writes:
            shared.env.sync(True)

    def _write(self, work: Callable[[lmdb.Transaction], T]) -> T:
        result = self._run(work, write=True)
        if self._sync_writes:
            self._shared.env.sync(True)
        return result

    def _encode(self, key: str) -> bytes:
        encoded = key.encode("utf-8")
        if len(encoded) > self._shared.max_key:
            raise InvalidKeyError(key, f"LMDB keys are at most {self._shared.max_key} bytes")
        return encoded

    def _lookup(self, key: str) -> bytes | None:
        """``key`` encoded for a read, or ``None`` if too long to be in the store."""
        encoded = key.encode("utf-8")
        return encoded if len(encoded) <= self._shared.max_key else None

    # -- primitives ---------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        encoded = self._lookup(key)
        value = None if encoded is None else self._run(lambda txn: txn.get(encoded))
        if value is None:
            raise KeyError(key)
        return value

    def _set(self, key: str, value: bytes) -> None:
        encoded = self._encode(key)
        self._write(lambda txn: txn.put(encoded, value))

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        encoded = self._encode(key)
        # One write transaction: LMDB has a single writer, so this is atomic across
        # threads and processes.
        return self._write(lambda txn: txn.put(encoded, value, overwrite=False))

    def _delete(self, key: str) -> None:
        encoded = self._lookup(key)
        if encoded is None or not self._write(lambda txn: txn.delete(encoded)):
            raise KeyError(key)

    def _contains(self, key: str) -> bool:
        encoded = self._lookup(key)
        if encoded is None:
            return False
        return self._run(lambda txn: txn.get(encoded) is not None, buffers=True)

    def _keys(self) -> Iterable[str]:
        keys = self._run(lambda txn: list(txn.cursor().iternext(keys=True, values=False)))
        return [_decode(k) for k in keys]

    def _len(self) -> int:
        return self._run(lambda txn: txn.stat()["entries"])

    # -- batches ------------------------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        wanted = {}
        for key in keys:
            encoded = self._lookup(key)
            if encoded is not None:
                wanted[encoded] = key
        if not wanted:
            return {}
        found = self._run(lambda txn: txn.cursor().getmulti(list(wanted)))
        return {wanted[k]: v for k, v in found}

    def _set_many(self, items: dict[str, bytes]) -> None:
        encoded = [(self._encode(k), v) for k, v in items.items()]
        self._write(lambda txn: txn.cursor().putmulti(encoded))

    def _delete_many(self, keys: list[str]) -> None:
        doomed = [e for e in map(self._lookup, keys) if e is not None]

        def delete(txn: lmdb.Transaction) -> None:
            for encoded in doomed:
                txn.delete(encoded)

        self._write(delete)

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        def read(txn: lmdb.Transaction) -> list[bytes | None]:
            out: list[bytes | None] = []
            for key, byte_range in requests:
                encoded = self._lookup(key)
                value = None if encoded is None else txn.get(encoded)
                if value is None:
                    out.append(None)
                elif byte_range is None:
                    out.append(bytes(value))
                else:
                    out.append(byte_range.slice(value))  # copies only the range out
            return out

        return self._run(read, buffers=self.buffers)

    # -- listing ------------------------------------------------------------------------
    def _list_prefix(self, prefix: str) -> Iterable[str]:
        start = prefix.encode("utf-8")

        def scan(txn: lmdb.Transaction) -> list[bytes]:
            cursor = txn.cursor()
            if not cursor.set_range(start):
                return []
            keys = []
            for key in cursor.iternext(keys=True, values=False):
                if not key.startswith(start):
                    break
                keys.append(key)
            return keys

        return [_decode(k) for k in self._run(scan)]

    def _list_dir(self, prefix: str) -> Iterable[str]:
        start = prefix.encode("utf-8")

        def scan(txn: lmdb.Transaction) -> list[bytes]:
            cursor = txn.cursor()
            children = []
            found = cursor.set_range(start)
            while found:
                key = cursor.key()
                if not key.startswith(start):
                    break
                child, slash, _ = key[len(start) :].partition(b"/")
                if not children or children[-1] != child:
                    children.append(child)
                if slash:
                    # Jump past the whole subtree of this child ('0' follows '/').
                    found = cursor.set_range(start + child + b"0")
                else:
                    found = cursor.next()
            return children

        # A child "a" (a key) can be seen again after "a-b" once its subtree "a/..." is
        # reached: the base deduplicates and sorts.
        return [_decode(c) for c in self._run(scan)]

    def _delete_prefix(self, prefix: str) -> None:
        start = prefix.encode("utf-8")

        def delete(txn: lmdb.Transaction) -> None:
            if not start:
                txn.drop(self._shared.env.open_db(txn=txn), delete=False)  # empty, keep it
                return
            cursor = txn.cursor()
            found = cursor.set_range(start)
            while found and cursor.key().startswith(start):
                found = cursor.delete()  # moves to the next record

        self._write(delete)

    def _getsize(self, path: str) -> int:
        start = (path + "/" if path else "").encode("utf-8")
        exact = self._lookup(path) if path else None

        def size(txn: lmdb.Transaction) -> int:
            if exact is not None:
                value = txn.get(exact)
                if value is not None:
                    return len(value)
            cursor = txn.cursor()
            total = 0
            if cursor.set_range(start):
                n = len(start)
                for key, value in cursor.iternext(keys=True, values=True):
                    if key[:n] != start:  # keys are buffers too when buffers=True
                        break
                    total += len(value)
            return total

        return self._run(size, buffers=self.buffers)

    def _rename(self, src: str, dst: str) -> None:
        src_b, dst_b, under = self._encode(src), dst.encode("utf-8"), (src + "/").encode("utf-8")

        def move(txn: lmdb.Transaction) -> int:
            cursor = txn.cursor()
            moving = []
            value = txn.get(src_b)
            if value is not None:
                moving.append((src_b, value))
            found = cursor.set_range(under)
            while found and cursor.key().startswith(under):
                moving.append((cursor.key(), cursor.value()))
                found = cursor.next()
            for key, value in moving:
                txn.put(self._encode((dst_b + key[len(src_b) :]).decode("utf-8")), value)
                txn.delete(key)
            return len(moving)

        # buffers=False: the values are copied out before the puts reuse their pages.
        if not self._write(move):
            raise KeyError(src)

    # -- lifecycle, identity, pickling, URLs ----------------------------------------------
    def flush(self) -> None:
        """Force every committed transaction to disk."""
        if not self._shared.readonly and self._finalizer.alive:
            self._shared.env.sync(True)

    def close(self) -> None:
        """Sync and release the environment (closed when no other store uses it)."""
        self._closed = True
        self._finalizer()

    def _identity(self) -> Any:
        return self._shared.key

    def __getstate__(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "buffers": self.buffers,
            "dimension_separator": self.dimension_separator,
            "read_only": self.read_only,
            "durable": self.durable,
            **self.lmdb_kwargs,
        }

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> LMDBStore:
        """Open an ``lmdb://`` URL or a plain path.

        The URL form is the one SQLAlchemy uses for SQLite: ``lmdb:///data.lmdb`` is the
        relative path ``data.lmdb``, ``lmdb:////abs/data.lmdb`` the absolute one. ``~``
        is expanded. The storage options are ``buffers``, ``dimension_separator``, ``durable`` and
        the arguments of :func:`lmdb.open`.
        """
        cls._reject_options(
            storage_options, ("buffers", "dimension_separator", "durable", *_OPTIONS)
        )
        path = local_path(url, "lmdb", suffix=".lmdb", names="environment")
        return cls(path, read_only=mode_is_read_only(mode), **storage_options)
