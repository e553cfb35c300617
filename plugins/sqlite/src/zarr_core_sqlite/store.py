"""A store that keeps every key as a row of one SQLite table.

The table is zarr-python 2's, ``zarr(k TEXT PRIMARY KEY, v BLOB)``, so databases written
by either library open in the other. The database is switched to write-ahead logging
(WAL): readers never wait for a writer, and a writer that dies mid-transaction leaves
nothing behind but a rolled-back journal.

Connections
-----------
Each thread gets its own connection (WAL lets them read in parallel while one of them
writes). Writers in this process take one lock before ``BEGIN IMMEDIATE``, so they queue
on a Python lock rather than in SQLite's busy handler, which polls with sleeps; writers
in other processes wait in that handler for up to ``timeout`` seconds (30 by default).
An in-memory database (``":memory:"``) exists only inside its one connection, so it is
shared by every thread and every call on it holds the lock.

Batches
-------
``getitems``/``delitems`` are one ``... WHERE k IN (?, ...)`` statement per
:data:`_BATCH` keys, ``setitems`` one ``executemany`` upsert, each batch inside one
transaction. Byte ranges and large values are read with incremental blob I/O
(``Connection.blobopen``), which reads only the pages a range covers. Prefix queries (``list_prefix``, ``listdir``, ``rmdir``, ``getsize``,
``rename``) use the key index through a range ``k >= prefix AND k < successor(prefix)``
rather than ``LIKE``, which would need escaping for ``_`` and ``%`` and, being
case-insensitive for ASCII by default, cannot use the index.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
import urllib.request
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from zarr_core.errors import ArgumentTypeError, InvalidArgumentError, StoreClosedError
from zarr_core.storage.base import PathStore
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.url import local_path

__all__ = ["SQLiteStore"]

_CREATE = "CREATE TABLE IF NOT EXISTS zarr(k TEXT PRIMARY KEY, v BLOB)"
_UPSERT = "INSERT INTO zarr(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v"
_INSERT_NEW = "INSERT INTO zarr(k, v) VALUES (?, ?) ON CONFLICT(k) DO NOTHING"
# Keys per IN (...) list: well under every SQLite build's variable limit (999 before
# 3.32), and long enough that a 10,000-chunk read is a handful of statements.
_BATCH = 900
# sqlite3.connect arguments the store decides itself.
_MANAGED = ("isolation_level", "autocommit", "check_same_thread", "uri", "factory")
_MEMORY = ":memory:"
# For new databases: chunks are large blobs, which SQLite stores as chains of overflow
# pages. 64 KiB pages (the maximum) measured 2-8x faster than the default 4 KiB for
# reading and writing 3 MiB values, and faster for 10,000 values of 1.5 KiB too.
_PAGE_SIZE = 65536
# Values up to this size come back with their row; larger ones are read through
# incremental blob I/O, which copies them straight from the pages into the result
# instead of assembling them in a buffer of SQLite's first and copying that.
_INLINE = 65536
# Connections inherited through fork() are kept here, never closed: closing one in the
# child may release or reset state the parent's connection relies on (SQLite's "How To
# Corrupt" guide, section 2.6).
_INHERITED: list[sqlite3.Connection] = []


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced (the base class cannot)."""


def _successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``.

    SQLite compares TEXT as UTF-8 bytes, which orders like code points, so incrementing
    the last code point works; ``None`` means there is no upper bound.
    """
    while prefix:
        last = ord(prefix[-1]) + 1
        if last == 0xD800:  # surrogates cannot be encoded; skip past them
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def _range(prefix: str) -> tuple[str, tuple[str, ...]]:
    """A ``WHERE`` clause (and its parameters) for keys starting with ``prefix``."""
    upper = _successor(prefix)
    if not prefix:
        return "1", ()
    if upper is None:
        return "k >= ?", (prefix,)
    return "k >= ? AND k < ?", (prefix, upper)


def _read_only_uri(path: str) -> str:
    """The URI that opens ``path`` read-only without creating ``-wal``/``-shm`` files.

    SQLite opens a WAL database's ``-wal`` and ``-shm`` files even read-only, creating
    them if missing. When there is no ``-wal`` file no connection has the database open
    (the last one to close removes it), so it is read as immutable, which opens nothing
    else. A rollback-journal database creates nothing read-only and keeps its locking.
    """
    uri = f"file:{urllib.request.pathname2url(path)}?mode=ro"
    try:
        with open(path, "rb") as file:
            header = file.read(20)
    except OSError:
        return uri  # let sqlite3 report the missing or unreadable file
    is_wal = header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"
    if is_wal and not os.path.exists(path + "-wal"):
        return uri + "&immutable=1"
    return uri


def _text(key: str | bytes) -> str:
    # Other software may store keys that are not UTF-8 (as TEXT or BLOB); they come back
    # as strings with lone surrogates, which the store's listings skip with a warning.
    return key if isinstance(key, str) else bytes(key).decode("utf-8", "surrogateescape")


class SQLiteStore(PathStore):
    """A store over a SQLite database file, one row per key.

    Parameters
    ----------
    path
        The database file (created if missing unless read-only), or ``":memory:"`` for a
        database that lives only as long as this object.
    dimension_separator
        Default chunk-key separator for new Zarr v2 arrays (``"."``, ``"/"`` or ``None``).
    mode
        ``"r"`` opens the file read-only (SQLite's ``mode=ro``; it must exist);
        ``"r+"``, ``"a"``, ``"w"``, ``"w-"`` are writable. Clearing for ``"w"`` is the
        node layer's job, never the store's.
    read_only
        ``True`` is another way to say ``mode="r"``.
    durable
        Commit with ``PRAGMA synchronous=FULL``: a transaction is on disk when the call
        returns, so a power loss keeps it. The default, ``NORMAL``, survives a killed
        process (every committed write is kept), but a power loss can drop the latest
        commits (never corrupting the database).
    **connect_kwargs
        Passed to :func:`sqlite3.connect` for every connection, e.g. ``timeout`` (seconds
        a writer waits for another process's transaction; default 30). The store manages
        ``isolation_level``, ``check_same_thread``, ``uri`` and ``factory`` itself.

    Notes
    -----
    Every write is committed when the call returns (a batch as one transaction), so
    ``flush()`` has nothing to do and a killed process leaves each key old or new.
    A read-only store creates no files: on a WAL database that no connection has open
    (no ``-wal`` file beside it) it opens with ``immutable=1``, so nobody may write the
    database while it is open (writes made meanwhile may be missed or misread); otherwise
    it opens with ``mode=ro``, and SQLite may then create the ``-shm`` file it needs.
    Several threads and several processes may write concurrently; SQLite serialises the
    transactions. Pickling carries the path and reopens the file; an in-memory database
    cannot be pickled.

    Examples
    --------
    >>> store = SQLiteStore("data/example.sqlite")  # doctest: +SKIP
    >>> store.setitems({"a/b": b"1", "a/c": b"2"})  # doctest: +SKIP
    >>> store.listdir("a")  # doctest: +SKIP
    ['b', 'c']
    """

    supports_partial_reads = True

    @property
    def is_persistent(self) -> bool:  # type: ignore[override]
        """``False`` for an in-memory database, which neither outlives nor pickles."""
        return not self.in_memory

    def __init__(
        self,
        path: str | os.PathLike[str],
        dimension_separator: str | None = None,
        *,
        mode: str = "a",
        read_only: bool = False,
        durable: bool = False,
        **connect_kwargs: Any,
    ):
        super().__init__(mode=mode, read_only=read_only, dimension_separator=dimension_separator)
        self.durable = bool(durable)
        managed = sorted(set(connect_kwargs) & set(_MANAGED))
        if managed:
            raise ArgumentTypeError(f"SQLiteStore sets {managed} itself; do not pass them")
        path = os.fspath(path)
        self.path = path if path == _MEMORY else os.path.abspath(path)
        self.connect_kwargs = dict(connect_kwargs)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._shared: _Connection | None = None
        self._pid = os.getpid()
        # Open (and for writers create the table) now, so a bad path fails here.
        self._connection()

    # -- connections --------------------------------------------------------------------
    @property
    def in_memory(self) -> bool:
        """Whether the database lives in memory (and so cannot be pickled or shared)."""
        return self.path == _MEMORY

    def _open(self) -> _Connection:
        kwargs = {"timeout": 30.0, **self.connect_kwargs}
        if self.in_memory:
            target, uri = _MEMORY, False
        elif self.read_only:
            target, uri = _read_only_uri(self.path), True
        else:
            target, uri = self.path, False
        try:
            conn = sqlite3.connect(
                target,
                isolation_level=None,  # autocommit; batches open their own transactions
                check_same_thread=False,  # close() may run in any thread
                uri=uri,
                factory=_Connection,
                **kwargs,
            )
        except sqlite3.OperationalError as exc:
            if self.read_only and not os.path.exists(self.path):
                raise FileNotFoundError(f"no SQLite database at {self.path!r}") from exc
            raise
        conn.text_factory = _text  # a key that is not UTF-8 must not break a listing
        try:
            if self.in_memory:
                conn.execute(_CREATE)  # even read-only: a new database has nothing else
            elif self.read_only:
                found = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zarr'"
                ).fetchone()
                if found is None:
                    raise InvalidArgumentError(
                        f"{self.path!r} is a SQLite database without a zarr table: not a "
                        "SQLite store; give the path of one, or a new path to create one"
                    )
            else:
                # WAL is recorded in the file. NORMAL sync is crash-safe in WAL mode (only
                # a power loss can drop the newest commits) and much faster than FULL.
                conn.execute(f"PRAGMA page_size={_PAGE_SIZE}")
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
                conn.execute(_CREATE)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_NOTADB":
                raise
            raise InvalidArgumentError(
                f"{self.path!r} is not a SQLite database (sqlite3: {exc}); give the path of "
                "a SQLite store, or a new path to create one"
            ) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> _Connection:
        """This thread's connection (the one shared connection for ``:memory:``)."""
        if self._closed:
            raise StoreClosedError(self)
        if self.in_memory:
            if self._shared is None:
                self._shared = self._open()
            return self._shared
        if self._pid != os.getpid():
            self._forget_inherited()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
            self._connections.add(conn)
        return conn

    def _forget_inherited(self) -> None:
        """In a forked child: set the parent's connections aside and start afresh."""
        # The child runs only the thread that forked, so nothing races this; the lock is
        # replaced too, since another thread of the parent may have held it.
        _INHERITED.extend(self._connections)
        self._connections = weakref.WeakSet()
        self._local = threading.local()
        self._lock = threading.RLock()
        self._pid = os.getpid()

    @contextmanager
    def _reading(self) -> Iterator[_Connection]:
        if self.in_memory:
            with self._lock:
                yield self._connection()
        else:
            yield self._connection()

    @contextmanager
    def _writing(self) -> Iterator[_Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` takes SQLite's write lock at once),
        or part of the one :meth:`transaction` holds open in this thread."""
        conn = self._connection()  # before the lock: after a fork it replaces the lock
        with self._lock:
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _snapshot(self) -> Iterator[_Connection]:
        """Reads that see one state of the database (inside a transaction: its own)."""
        with self._reading() as conn:
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    supports_transactions = True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction for this thread's reads and writes in it:
        a read-modify-write inside cannot lose another writer's update, in any process."""
        with self._writing():
            yield

    # -- primitives ---------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        with self._reading() as conn:
            row = conn.execute("SELECT v FROM zarr WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def _set(self, key: str, value: bytes) -> None:
        conn = self._connection()
        with self._lock:
            conn.execute(_UPSERT, (key, value))

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        conn = self._connection()
        with self._lock:  # an INSERT that may not replace: atomic across processes
            return conn.execute(_INSERT_NEW, (key, value)).rowcount == 1

    def _delete(self, key: str) -> None:
        conn = self._connection()
        with self._lock:
            deleted = conn.execute("DELETE FROM zarr WHERE k = ?", (key,)).rowcount
        if not deleted:
            raise KeyError(key)

    def _contains(self, key: str) -> bool:
        with self._reading() as conn:
            return conn.execute("SELECT 1 FROM zarr WHERE k = ?", (key,)).fetchone() is not None

    def _keys(self) -> Iterable[str]:
        with self._reading() as conn:
            rows = conn.execute("SELECT k FROM zarr ORDER BY k").fetchall()
        return [_text(k) for (k,) in rows]

    def _len(self) -> int:
        with self._reading() as conn:
            return conn.execute("SELECT COUNT(*) FROM zarr").fetchone()[0]

    # -- batches ------------------------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        with self._snapshot() as conn:  # one state for the statements and the blob reads
            for i in range(0, len(keys), _BATCH):
                part = keys[i : i + _BATCH]
                marks = ",".join("?" * len(part))
                query = (
                    f"SELECT k, CASE WHEN length(v) <= {_INLINE} THEN v END, rowid "
                    f"FROM zarr WHERE k IN ({marks})"
                )
                for key, value, rowid in conn.execute(query, part).fetchall():
                    if value is None:
                        with conn.blobopen("zarr", "v", rowid, readonly=True) as blob:
                            value = blob.read()
                    out[key] = value
        return out

    def _set_many(self, items: dict[str, bytes]) -> None:
        with self._writing() as conn:
            conn.executemany(_UPSERT, items.items())

    def _delete_many(self, keys: list[str]) -> None:
        with self._writing() as conn:
            for i in range(0, len(keys), _BATCH):
                part = keys[i : i + _BATCH]
                conn.execute(f"DELETE FROM zarr WHERE k IN ({','.join('?' * len(part))})", part)

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        keys = list(dict.fromkeys(k for k, _ in requests))
        out: list[bytes | None] = []
        with self._snapshot() as conn:
            found: dict[str, tuple[int, int | None]] = {}
            for i in range(0, len(keys), _BATCH):
                part = keys[i : i + _BATCH]
                marks = ",".join("?" * len(part))
                query = f"SELECT k, rowid, length(v) FROM zarr WHERE k IN ({marks})"
                found.update((k, (rowid, n)) for k, rowid, n in conn.execute(query, part))
            for key, byte_range in requests:
                if key not in found:
                    out.append(None)
                    continue
                rowid, size = found[key]
                size = size or 0
                start, stop = byte_range.bounds(size) if byte_range else (0, size)
                if start >= stop:
                    out.append(b"")
                    continue
                # Incremental blob I/O reads only the pages the range covers, where
                # substr() would first load the whole value.
                with conn.blobopen("zarr", "v", rowid, readonly=True) as blob:
                    blob.seek(start)
                    out.append(blob.read(stop - start))
        return out

    # -- listing ------------------------------------------------------------------------
    def _list_prefix(self, prefix: str) -> Iterable[str]:
        where, params = _range(prefix)
        with self._reading() as conn:
            rows = conn.execute(f"SELECT k FROM zarr WHERE {where}", params)
            return [_text(k) for (k,) in rows]

    def _list_dir(self, prefix: str) -> Iterable[str]:
        where, params = _range(prefix)
        # The first segment after the prefix: up to the next '/', or the rest of the key.
        start = len(prefix) + 1
        query = (
            f"SELECT DISTINCT CASE WHEN instr(substr(k, {start}), '/') = 0 THEN substr(k, {start}) "
            f"ELSE substr(k, {start}, instr(substr(k, {start}), '/') - 1) END AS child "
            f"FROM zarr WHERE {where}"
        )
        with self._reading() as conn:
            return [_text(child) for (child,) in conn.execute(query, params)]

    def _delete_prefix(self, prefix: str) -> None:
        where, params = _range(prefix)
        with self._writing() as conn:
            conn.execute(f"DELETE FROM zarr WHERE {where}", params)

    def _getsize(self, path: str) -> int:
        with self._reading() as conn:
            if path:
                row = conn.execute("SELECT length(v) FROM zarr WHERE k = ?", (path,)).fetchone()
                if row is not None:
                    return row[0] or 0
            where, params = _range(path + "/" if path else "")
            # length() of a BLOB reads its size from the record header, not the value.
            query = f"SELECT COALESCE(SUM(length(v)), 0) FROM zarr WHERE {where}"
            return conn.execute(query, params).fetchone()[0]

    def _rename(self, src: str, dst: str) -> None:
        where, params = _range(src + "/")
        with self._writing() as conn:
            # OR REPLACE: a key already at the destination is overwritten, as in a move.
            moved = conn.execute(
                "UPDATE OR REPLACE zarr SET k = ? WHERE k = ?", (dst, src)
            ).rowcount
            moved += conn.execute(
                f"UPDATE OR REPLACE zarr SET k = ? || substr(k, ?) WHERE {where}",
                (dst, len(src) + 1, *params),
            ).rowcount
            if not moved:
                raise KeyError(src)

    # -- lifecycle, identity, pickling, URLs ----------------------------------------------
    def close(self) -> None:
        """Close every connection this store opened (in any thread). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conns = list(self._connections)
            if self._shared is not None:
                conns.append(self._shared)
                self._shared = None
            for conn in conns:
                conn.close()
            self._connections = weakref.WeakSet()

    def _identity(self) -> Any:
        return id(self) if self.in_memory else self.path

    def __getstate__(self) -> dict[str, Any]:
        if self.in_memory:
            raise pickle.PicklingError(
                "an in-memory SQLite database cannot be pickled: it exists only inside "
                "this process's connection; use a database file to share a store"
            )
        return {
            "path": self.path,
            "dimension_separator": self.dimension_separator,
            "read_only": self.read_only,
            "durable": self.durable,
            **self.connect_kwargs,
        }

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> SQLiteStore:
        """Open a ``sqlite://`` URL or a plain path.

        As in SQLAlchemy, ``sqlite:///data.db`` is the relative path ``data.db`` and
        ``sqlite:////abs/data.db`` the absolute ``/abs/data.db``; ``sqlite://`` and
        ``sqlite:///:memory:`` are an in-memory database. ``~`` is expanded. The storage
        options are ``dimension_separator``, ``durable``, ``timeout`` and
        ``cached_statements``.
        """
        cls._reject_options(
            storage_options, ("dimension_separator", "durable", "timeout", "cached_statements")
        )
        return cls(local_path(url, "sqlite", bare=_MEMORY), mode=mode, **storage_options)
