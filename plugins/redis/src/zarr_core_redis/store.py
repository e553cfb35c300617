"""A store that keeps every key as one Redis string, named ``prefix:key``.

The layout is zarr-python 2's ``RedisStore``: the value of zarr key ``a/0.0`` under the
prefix ``zarr`` is the Redis string ``zarr:a/0.0`` (UTF-8), so databases written by either
library open in the other.

Round trips
-----------
Every batch is one round trip: ``getitems`` is a pipeline of ``MGET`` commands (up to
:data:`_BATCH` keys each), ``setitems`` one ``MSET`` and ``delitems`` one ``DEL``, or for
more keys than one command takes, a ``MULTI``/``MSET``.../``EXEC`` (``DEL``) transaction
(so a batch lands whole or not at all), byte ranges one transaction of ``GETRANGE``
commands plus an ``EXISTS`` per key (``GETRANGE`` answers ``""`` for a missing key too).
Listing walks ``SCAN MATCH prefix:...*`` (never ``KEYS``, which blocks the server), with
the glob characters of the prefix escaped. The store declares ``batch_bytes``, so the
chunk engine reads and writes large chunks in batches rather than one per call.

Connections
-----------
Each store has one ``redis.Redis`` client and so one connection pool, shared by its threads
(redis-py resets it in a forked child). Pickling carries the prefix and the keyword
arguments of the client, never a socket. Every failure of the server or the connection is
raised as a :class:`~zarr_core.errors.StoreBackendError` subclass naming the server and the
key; the client reconnects by itself on the next call, so the same store works again once
the server is back.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from zarr_core.errors import (
    ArgumentTypeError,
    StorageOptionsError,
    StoreAuthenticationError,
    StoreBackendError,
    StoreConnectionError,
    StoreTimeoutError,
    URLPipelineError,
)
from zarr_core.storage.base import ByteRange, Store, mode_is_read_only

__all__ = ["RedisStore"]

# Keys per MGET/MSET/DEL/SCAN COUNT: long commands block the (single-threaded) server for
# everyone else, short ones cost more commands; 1,000 keys of a 10,000-chunk read is ten
# commands in the one round trip.
_BATCH = 1000
# Arguments longer than this go to the socket as they are, not copied into the packed
# command (redis-py's own threshold).
_BUFFER_CUTOFF = 6000
# Redis's glob syntax (stringmatchlen): these match something unless escaped with "\".
_GLOB = re.compile(r"([\\*?\[\]])")
# redis.Redis arguments the store decides itself: values must come back as bytes.
_MANAGED = ("decode_responses", "encoding", "encoding_errors", "connection_pool")
# Replies of a server that refuses the credentials (or wants some).
_AUTH_REPLIES = ("NOAUTH", "WRONGPASS", "NOPERM", "invalid password", "invalid username")


def _escape_glob(text: str) -> str:
    return _GLOB.sub(r"\\\1", text)


class RedisStore(Store):
    """A store over a Redis (or Valkey) database, one string per key.

    Parameters
    ----------
    prefix
        Every key is stored as ``f"{prefix}:{key}"``, as zarr-python 2's ``RedisStore``
        does; several hierarchies share a database under different prefixes.
    dimension_separator
        Default chunk-key separator for new Zarr v2 arrays (``"."``, ``"/"`` or ``None``).
    read_only
        Refuse every write with :class:`~zarr_core.errors.ReadOnlyError`.
    **redis_kwargs
        Passed to ``redis.Redis``: ``host`` (default ``"localhost"``), ``port`` (6379),
        ``db`` (0), ``username``, ``password``, ``unix_socket_path``, ``ssl`` and the
        ``ssl_*`` options, ``socket_timeout``, ``socket_connect_timeout``, ``retry``, ...
        The store needs raw bytes, so ``decode_responses`` and ``connection_pool`` are
        refused.

    Notes
    -----
    A write is acknowledged once the server has it in memory; whether it survives a crash
    of the server is the server's persistence setting (``appendonly yes`` with
    ``appendfsync always`` keeps every acknowledged write; see the plugin's README).

    Examples
    --------
    >>> store = RedisStore(prefix="demo", host="localhost", port=6379)  # doctest: +SKIP
    >>> store.setitems({"a/b": b"1", "a/c": b"2"})  # doctest: +SKIP
    >>> store.listdir("a")  # doctest: +SKIP
    ['b', 'c']
    """

    supports_partial_reads = True
    is_persistent = True
    # Every call is a round trip: the engine sends large chunks in batches this big.
    batch_bytes = 40 * 2**20

    def __init__(
        self,
        prefix: str = "zarr",
        dimension_separator: str | None = None,
        *,
        read_only: bool = False,
        **redis_kwargs: Any,
    ):
        import redis

        super().__init__(read_only=read_only, dimension_separator=dimension_separator)
        if not isinstance(prefix, str):
            raise ArgumentTypeError(f"RedisStore prefix must be a str, got {type(prefix).__name__}")
        managed = sorted(set(redis_kwargs) & set(_MANAGED))
        if managed:
            raise StorageOptionsError(
                f"RedisStore sets {managed} itself (values must come back as bytes); "
                f"do not pass them"
            )
        self.prefix = prefix
        self.redis_kwargs = dict(redis_kwargs)
        self._raw_prefix = f"{prefix}:".encode()
        self._client = redis.Redis(**redis_kwargs)
        pool = self._client.connection_pool
        pool.connection_kwargs["command_packer"] = _Packer(pool.get_encoder().encode)
        socket = redis_kwargs.get("unix_socket_path")
        if socket:
            self.server = f"unix:{socket}"
        else:
            self.server = (
                f"{redis_kwargs.get('host', 'localhost')}:{redis_kwargs.get('port', 6379)}"
            )
        self.db = int(redis_kwargs.get("db", 0))

    # -- errors ---------------------------------------------------------------------------
    @contextmanager
    def _talking(self, operation: str, keys: list[str] | str | None = None) -> Iterator[None]:
        """Translate the client's exceptions into zarr-core's, naming the server and key."""
        import redis.exceptions as rx

        try:
            yield
        except rx.RedisError as exc:
            if isinstance(keys, list):
                if len(keys) > 1:
                    operation = f"{operation} ({len(keys)} keys)"
                keys = keys[0] if keys else None
            raise _translate(exc, self.server, operation, keys) from exc

    # -- primitives -----------------------------------------------------------------------
    def _name(self, key: str) -> bytes:
        return self._raw_prefix + key.encode()

    def _get(self, key: str) -> bytes:
        with self._talking("get", key):
            value = self._client.get(self._name(key))
        if value is None:
            raise KeyError(key)
        return value

    def _set(self, key: str, value: bytes) -> None:
        with self._talking("set", key):
            self._client.set(self._name(key), value)

    def _delete(self, key: str) -> None:
        with self._talking("delete", key):
            deleted = self._client.delete(self._name(key))
        if not deleted:
            raise KeyError(key)

    def _contains(self, key: str) -> bool:
        with self._talking("exists", key):
            return bool(self._client.exists(self._name(key)))

    def _keys(self) -> Iterator[str]:
        return iter(self._list_prefix(""))

    def _len(self) -> int:
        return len(self._list_prefix(""))

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        with self._talking("set_if_not_exists", key):
            return bool(self._client.set(self._name(key), value, nx=True))

    # -- batches: one round trip each -------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        raw = self._raw_prefix
        names = [raw + k.encode() for k in keys]
        with self._talking("getitems", keys):
            if len(names) == 1:  # the command of one key, as zarr-python 2 sends it
                values = [self._client.get(names[0])]
            else:
                pipe = self._client.pipeline(transaction=False)
                for i in range(0, len(names), _BATCH):
                    pipe.mget(names[i : i + _BATCH])
                values = [v for reply in pipe.execute() for v in reply]
        return {k: v for k, v in zip(keys, values) if v is not None}

    def _set_many(self, items: dict[str, bytes]) -> None:
        raw = self._raw_prefix
        pairs = [(raw + k.encode(), v) for k, v in items.items()]
        with self._talking("setitems", list(items)):
            # One SET or MSET is atomic by itself: no MULTI/EXEC around it.
            if len(pairs) == 1:
                self._client.set(*pairs[0])
                return
            if len(pairs) <= _BATCH:
                self._client.mset(dict(pairs))
                return
            pipe = self._client.pipeline(transaction=True)
            for i in range(0, len(pairs), _BATCH):
                pipe.mset(dict(pairs[i : i + _BATCH]))
            pipe.execute()

    def _delete_many(self, keys: list[str]) -> None:
        self._delete_names([self._name(k) for k in keys], "delitems", keys)

    def _delete_names(self, names: list[bytes], operation: str, keys: list[str]) -> None:
        if not names:
            return
        with self._talking(operation, keys):
            if len(names) <= _BATCH:  # one DEL is atomic by itself
                self._client.delete(*names)
                return
            pipe = self._client.pipeline(transaction=True)
            for i in range(0, len(names), _BATCH):
                pipe.delete(*names[i : i + _BATCH])
            pipe.execute()

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        if not requests:
            return []
        distinct = list(dict.fromkeys(k for k, _ in requests))
        with self._talking("get_partial_values", distinct):
            # One transaction: the EXISTS answers and the ranges come from one moment.
            pipe = self._client.pipeline(transaction=True)
            for key in distinct:
                pipe.exists(self._name(key))
            asked = []  # whether each request sent a command (empty ranges need none)
            for key, byte_range in requests:
                if byte_range is None:
                    pipe.get(self._name(key))
                    asked.append(True)
                    continue
                bounds = _getrange_bounds(byte_range)
                if bounds is not None:
                    pipe.getrange(self._name(key), *bounds)
                asked.append(bounds is not None)
            replies = pipe.execute()
        exists = dict(zip(distinct, replies))
        ranges = iter(replies[len(distinct) :])
        out: list[bytes | None] = []
        for (key, _), has_reply in zip(requests, asked):
            value = next(ranges) if has_reply else b""
            out.append(value if exists[key] else None)
        return out

    # -- listing: SCAN MATCH over the prefix ------------------------------------------------
    def _scan(self, prefix: str) -> list[bytes]:
        """Names (with the store's prefix) of every key starting with ``prefix``."""
        pattern = _escape_glob(f"{self.prefix}:{prefix}") + "*"
        with self._talking("list", prefix or None):
            return list(set(self._client.scan_iter(match=pattern, count=_BATCH)))

    def _list_prefix(self, prefix: str) -> list[str]:
        n = len(self._raw_prefix)
        # Keys written by other software need not be UTF-8; the base class warns about and
        # skips what this makes of them (lone surrogates fail key validation).
        return [name[n:].decode("utf-8", "surrogateescape") for name in self._scan(prefix)]

    def _delete_prefix(self, prefix: str) -> None:
        names = self._scan(prefix)
        self._delete_names(names, "rmdir", [prefix] if prefix else [])

    def _getsize(self, path: str) -> int:
        if path:
            with self._talking("getsize", path):
                pipe = self._client.pipeline(transaction=False)
                pipe.exists(self._name(path))
                pipe.strlen(self._name(path))
                exists, size = pipe.execute()
            if exists:
                return size
        names = self._scan(path + "/" if path else "")
        with self._talking("getsize", path or None):
            pipe = self._client.pipeline(transaction=False)
            for name in names:
                pipe.strlen(name)
            return sum(pipe.execute())

    def _rename(self, src: str, dst: str) -> None:
        names = self._scan(src + "/")
        if self._contains(src):
            names.append(self._name(src))
        if not names:
            raise KeyError(src)
        old, new = self._raw_prefix + src.encode(), self._raw_prefix + dst.encode()
        with self._talking("rename", src):
            # RENAME moves the value inside the server; the transaction moves them together.
            pipe = self._client.pipeline(transaction=True)
            for name in names:
                pipe.rename(name, new + name[len(old) :])
            pipe.execute()

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        """Disconnect the pool's connections (a later call reconnects). Idempotent."""
        self._client.connection_pool.disconnect()
        super().close()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "dimension_separator": self.dimension_separator,
            "read_only": self.read_only,
            **self.redis_kwargs,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def _identity(self) -> Any:
        return (self.server, self.db, self.prefix)

    def __repr__(self) -> str:
        mode = " (read-only)" if self.read_only else ""
        return f"<RedisStore {self.server} db {self.db} prefix {self.prefix!r}{mode}>"

    # -- construction from URLs -------------------------------------------------------------
    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> RedisStore:
        """Open ``redis://[user:password@]host[:port][/db][?prefix=name]``.

        ``rediss://`` is the same over TLS; ``unix:///path/redis.sock?db=0&prefix=name``
        connects through a Unix socket. The prefix defaults to ``"zarr"``. ``storage_options``
        are further ``redis.Redis`` arguments (``password``, ``socket_timeout``,
        ``ssl_ca_certs``, ...) and ``prefix``/``dimension_separator``.
        """
        kwargs = _parse_url(url)
        allowed = _redis_arguments() | {"prefix", "dimension_separator"}
        cls._reject_options(storage_options, sorted(allowed - set(_MANAGED)))
        clash = sorted(set(kwargs) & set(storage_options))
        if clash:
            raise StorageOptionsError(
                f"{clash} are given both in the URL {url!r} and in storage_options; give each once"
            )
        return cls(read_only=mode_is_read_only(mode), **kwargs, **storage_options)


class _Packer:
    """redis-py's command packer, except for commands carrying large values.

    With hiredis installed redis-py packs every command with it, which copies all the
    arguments into one new buffer: packing an MSET of eight 3.4 MB chunks took 50 ms here
    (page faults on fresh memory, mostly). redis-py's Python packer hands arguments over
    :data:`_BUFFER_CUTOFF` to the socket as they are (6 ms for the same MSET), but is the
    slower of the two for commands of many small arguments (the MGETs and MSETs of small
    chunks), which stay with hiredis. Replies are parsed by hiredis either way.
    """

    def __init__(self, encode: Callable[[Any], bytes]):
        from redis.connection import HiredisRespSerializer, PythonRespSerializer
        from redis.utils import HIREDIS_AVAILABLE

        self._large = PythonRespSerializer(_BUFFER_CUTOFF, encode)
        self._small = HiredisRespSerializer() if HIREDIS_AVAILABLE else self._large

    def pack(self, *args: Any) -> list[bytes]:
        large = any(type(arg) is bytes and len(arg) > _BUFFER_CUTOFF for arg in args)
        return (self._large if large else self._small).pack(*args)


def _getrange_bounds(byte_range: ByteRange) -> tuple[int, int] | None:
    """``GETRANGE`` start and (inclusive) end for a range; ``None`` when it is empty.

    Redis clips both ends to the value and counts negative offsets from its end.
    """
    if byte_range.suffix is not None:
        return (-byte_range.suffix, -1) if byte_range.suffix else None
    if byte_range.length is None:
        return byte_range.start, -1
    if byte_range.length == 0:
        return None
    return byte_range.start, byte_range.start + byte_range.length - 1


def _translate(
    exc: BaseException, server: str, operation: str, key: str | None
) -> StoreBackendError:
    """The zarr-core error for a redis-py exception."""
    import redis.exceptions as rx

    text = str(exc)
    refused = (rx.AuthenticationError, rx.NoPermissionError)
    if isinstance(exc, refused) or any(r in text for r in _AUTH_REPLIES):
        return StoreAuthenticationError(
            server,
            operation,
            key,
            exc,
            hint="pass username=/password= (or user:password@ in the URL) that the server accepts",
        )
    if isinstance(exc, rx.TimeoutError):
        return StoreTimeoutError(
            server, operation, key, exc, hint="the server is busy or stopped; raise socket_timeout="
        )
    if isinstance(exc, rx.ConnectionError):
        return StoreConnectionError(
            server,
            operation,
            key,
            exc,
            hint="is the Redis server running there? The store reconnects on its next call",
        )
    return StoreBackendError(server, operation, key, exc)


def _redis_arguments() -> set[str]:
    import redis

    return set(inspect.signature(redis.Redis.__init__).parameters) - {"self"}


def _parse_url(url: str) -> dict[str, Any]:
    """``redis.Redis`` keyword arguments (and ``prefix``) from a store URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    kwargs: dict[str, Any] = {}
    if "prefix" in query:
        kwargs["prefix"] = query.pop("prefix")
    db = query.pop("db", None)
    unknown = sorted(query)
    if unknown:
        raise URLPipelineError(
            url,
            url,
            f"unknown query parameters {unknown}; a Redis URL takes ?prefix= (and ?db= for "
            f"unix://); pass client options as storage_options",
        )
    if parts.username:
        kwargs["username"] = unquote(parts.username)
    if parts.password:
        kwargs["password"] = unquote(parts.password)
    if scheme == "unix":
        if not parts.path:
            raise URLPipelineError(url, url, "a unix:// URL needs the socket's path: unix:///path")
        kwargs["unix_socket_path"] = unquote(parts.path)
    elif scheme in ("redis", "rediss"):
        path = parts.path.strip("/")
        if path:
            if db is not None:
                raise URLPipelineError(url, url, "the database is given twice (path and ?db=)")
            db = path
        try:
            port = parts.port
        except ValueError:
            raise URLPipelineError(url, url, "the port is not a number") from None
        if parts.hostname:
            kwargs["host"] = parts.hostname
        if port is not None:
            kwargs["port"] = port
        if scheme == "rediss":
            kwargs["ssl"] = True
    else:
        raise URLPipelineError(url, url, "a Redis URL starts with redis://, rediss:// or unix://")
    if db is not None:
        if not db.isdigit():
            raise URLPipelineError(url, url, f"the database must be a number, got {db!r}")
        kwargs["db"] = int(db)
    return kwargs
