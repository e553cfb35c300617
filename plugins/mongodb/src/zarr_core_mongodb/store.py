"""MongoDBStore: every key one document ``{key, value}`` of a MongoDB collection.

The documents are the ones zarr-python 2.18's ``MongoDBStore`` writes (``_id`` an
``ObjectId``, ``key`` the store key, ``value`` the bytes), so collections written by either
open in the other. What this store adds:

* a unique index on ``key`` (created on the first write), which makes lookups indexed and
  ``set_if_not_exists`` an atomic insert;
* batches as single round trips: reads are one ``$in`` query, writes one unordered
  ``bulk_write`` of upserts, deletes one ``delete_many``; listings are one query with an
  anchored, escaped regular expression on the indexed key;
* values too large for a document (MongoDB's limit is 16 MiB) go to GridFS, with a
  *marker* document ``{key, value, gridfs, size}`` under the key that names the GridFS
  file; every method reads, replaces, deletes, lists and sizes markers transparently.
  A marker's ``value`` is a short text that no codec decodes, so zarr-python 2.18 (which
  cannot hold such values at all) fails loudly on it rather than reading a fill value;
* pymongo's exceptions become zarr-core's typed :class:`~zarr_core.errors.StoreBackendError`
  family naming the server, the operation and the key.

pymongo is imported here only, never by plugin discovery.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from zarr_core.errors import (
    InvalidArgumentError,
    StorageOptionsError,
    StoreAuthenticationError,
    StoreBackendError,
    StoreConnectionError,
    StoreTimeoutError,
)
from zarr_core.storage.base import Store, mode_is_read_only

__all__ = ["MongoDBStore", "parse_mongodb_url"]

_KEY = "key"
_VALUE = "value"
_GRIDFS = "gridfs"  # marker documents only: the GridFS file's _id
_SIZE = "size"  # marker documents only: the value's length

# MongoDB refuses documents over 16 MiB (maxBsonObjectSize). A value goes to GridFS when
# it would not leave room for its key and the document's framing.
_MAX_DOCUMENT = 16 * 1024 * 1024
_FRAMING = 1024
# Keys per ``$in`` query / ``delete_many``. Far below the 16 MiB command limit, and a
# compromise measured on the two test servers: SecantusDB spends time quadratic in the
# length of an ``$in`` list (3,000 keys: 13 s in one query, 0.3 s in parts of 100), while
# nx-27017 scans the collection once per query and wants few queries. A read of more
# keys than this is first one query over the keys' span (see _get_many): 10,000 chunks in
# 3 round trips, 0.68 s on SecantusDB where parts of 250 took 40 round trips and 2.8 s.
_KEYS_PER_QUERY = 250
# Documents per reply of a listing or batch read: the server then fills each reply up to
# its 16 MiB limit instead of stopping at the default of 101 documents.
_BATCH_SIZE = 1_000_000
# Seconds for which a store trusts its last answer to "may the GridFS bucket hold
# files?" (see MongoDBStore._may_hold_files).
_FILES_KNOWN_SECONDS = 5.0
# A marker may be replaced (and its file deleted) between reading the marker and reading
# the file; reading again then finds the new value.
_GRIDFS_READ_ATTEMPTS = 3
# Server error codes meaning the credentials were refused or lack a right.
_AUTH_CODES = frozenset({13, 18})


class MongoDBStore(Store):
    """A store keeping each key as one document of a MongoDB collection.

    Parameters
    ----------
    database
        Name of the database.
    collection
        Name of the collection in it.
    dimension_separator
        Default chunk-key separator for Zarr v2 arrays created in this store.
    read_only
        Refuse every write with :class:`~zarr_core.errors.ReadOnlyError` (and create no
        index).
    **client_kwargs
        Passed to :class:`pymongo.MongoClient`: ``host`` (a host name or a full
        ``mongodb://`` connection string), ``port``, ``username``, ``password``,
        ``serverSelectionTimeoutMS``, ``socketTimeoutMS``, ``w``, ``journal``, ...

    Notes
    -----
    The client connects lazily: constructing the store contacts no server. Pickling
    carries the parameters above, never a connection; the copy opens its own client.
    """

    is_persistent = True
    supports_multiprocess_writes = True  # the server serialises each document's writes
    # Large chunks travel in batches this big (see Store.batch_bytes): under pymongo's
    # 48 MB message, a batch of writes is one bulk write (plus, while the bucket holds
    # GridFS files, the query for replaced ones); a batch read comes back in two or
    # three 16 MiB replies.
    batch_bytes = 40 * 2**20

    def __init__(
        self,
        database: str = "mongodb_zarr",
        collection: str = "zarr_collection",
        dimension_separator: str | None = None,
        *,
        read_only: bool = False,
        **client_kwargs: Any,
    ):
        super().__init__(read_only=read_only, dimension_separator=dimension_separator)
        import pymongo
        import pymongo.errors

        self._database = database
        self._collection_name = collection
        self._client_kwargs = client_kwargs
        try:
            self.client = pymongo.MongoClient(**client_kwargs)
        except pymongo.errors.ConfigurationError as exc:
            # Unknown or invalid client options, or a mongodb+srv name that DNS cannot
            # resolve: both are about the arguments, not about a running server.
            raise StorageOptionsError(
                f"MongoDBStore could not create a MongoDB client from {_shown(client_kwargs)}: "
                f"{exc}"
            ) from exc
        except TypeError as exc:
            raise StorageOptionsError(f"MongoDBStore: {exc}") from exc
        self.db = self.client.get_database(database)
        self.collection = self.db.get_collection(collection)
        # "_": nx-27017 allows only identifiers as collection names (GridFS adds ".files").
        self._bucket_name = f"{collection}_gridfs"
        self._bucket = None
        self._indexed = False
        # Whether the GridFS bucket may hold files, and until when that answer is used
        # (see _may_hold_files).
        self._files_known: tuple[bool, float] = (True, 0.0)
        self._server = f"MongoDB {_seeds(self.client)} ({database}.{collection})"

    # -- errors ---------------------------------------------------------------------------
    @contextmanager
    def _errors(self, operation: str, key: str | None = None) -> Iterator[None]:
        """Raise pymongo's failures as zarr-core's typed errors naming server and key."""
        import pymongo.errors as pe

        try:
            yield
        except (pe.NetworkTimeout, pe.ExecutionTimeout, pe.WTimeoutError) as exc:
            raise StoreTimeoutError(
                self._server,
                operation,
                key,
                exc,
                "raise socketTimeoutMS/timeoutMS if the server is just slow",
            ) from exc
        except pe.ConnectionFailure as exc:  # AutoReconnect, ServerSelectionTimeoutError
            raise StoreConnectionError(
                self._server,
                operation,
                key,
                exc,
                "check that the server runs and is "
                "reachable; the store reconnects by itself once it is back",
            ) from exc
        except pe.OperationFailure as exc:
            if exc.code in _AUTH_CODES:
                raise StoreAuthenticationError(
                    self._server, operation, key, exc, "check username, password and authSource"
                ) from exc
            raise StoreBackendError(self._server, operation, key, exc) from exc
        except pe.PyMongoError as exc:
            raise StoreBackendError(self._server, operation, key, exc) from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # The driver choking on a reply (nx-27017 answers authentication with
            # something pymongo's SCRAM code cannot parse), or a document written by other
            # software without a value: never let it pass for a missing key.
            raise StoreBackendError(
                self._server, operation, key, f"unexpected {type(exc).__name__}: {exc}"
            ) from exc

    # -- GridFS ---------------------------------------------------------------------------
    @property
    def bucket(self):
        """The GridFS bucket holding values too large for a document."""
        if self._bucket is None:
            import gridfs

            self._bucket = gridfs.GridFSBucket(self.db, bucket_name=self._bucket_name)
        return self._bucket

    def _value_of(self, doc: dict[str, Any], key: str) -> bytes | None:
        """The value a document holds, or ``None`` if its GridFS file is gone."""
        file_id = doc.get(_GRIDFS)
        if file_id is None:
            return doc[_VALUE]
        import gridfs.errors

        try:
            return self.bucket.open_download_stream(file_id).read()
        except gridfs.errors.NoFile:
            return None

    def _read_marked(self, key: str, doc: dict[str, Any]) -> bytes | None:
        """The value of ``key`` whose document ``doc`` may be a marker (re-read on races)."""
        for _ in range(_GRIDFS_READ_ATTEMPTS):
            value = self._value_of(doc, key)
            if value is not None:
                return value
            doc = self.collection.find_one({_KEY: key}, _VALUE_FIELDS)
            if doc is None:
                return None
        raise StoreBackendError(
            self._server, "get", key, "its GridFS file kept disappearing while being read"
        )

    def _fields(self, key: str, value: bytes) -> dict[str, Any]:
        """The fields besides ``key`` that store ``value`` (uploading it to GridFS if large)."""
        if len(value) + len(key) * 4 + _FRAMING <= _MAX_DOCUMENT:
            return {_VALUE: value}
        # A string id, not an ObjectId: nx-27017 fails updates that set an ObjectId and
        # bytes together.
        file_id = uuid.uuid4().hex
        self._files_known = (True, time.monotonic() + _FILES_KNOWN_SECONDS)
        self.bucket.upload_from_stream_with_id(file_id, key, value, metadata={_KEY: key})
        return {_VALUE: _marker_text(file_id), _GRIDFS: file_id, _SIZE: len(value)}

    def _update(self, key: str, value: bytes) -> dict[str, Any]:
        """The update that makes ``key``'s document hold ``value``.

        An update rather than a replacement: the document keeps its ``_id``, and nx-27017
        fails replacements of documents holding binary values.
        """
        fields = self._fields(key, value)
        if _GRIDFS in fields:
            return {"$set": fields}
        return {"$set": fields, "$unset": _MARKER_FIELDS}

    def _may_hold_files(self) -> bool:
        """Whether the GridFS bucket may hold files: asked once per
        ``_FILES_KNOWN_SECONDS`` (a one-document query), not before every batch.

        Most stores never hold a value over 16 MiB, and then the writes and deletes of a
        whole array look up no replaced files: one round trip per batch fewer. The cost
        is bounded: a file another process uploads while this store still believes the
        bucket empty, for a key this store then overwrites or deletes, stays behind
        unreferenced (storage, never a value: the same as a writer racing on one key).
        """
        known, until = self._files_known
        now = time.monotonic()
        if now < until:
            return known
        files = self.db[f"{self._bucket_name}.files"]
        known = files.find_one({}, {"_id": 1}) is not None
        self._files_known = (known, now + _FILES_KNOWN_SECONDS)
        return known

    def _files_of(self, query: dict[str, Any]) -> list[Any]:
        """GridFS file ids referenced by the documents ``query`` matches."""
        if not self._may_hold_files():
            return []
        found = self.collection.find({**query, _GRIDFS: {"$exists": True}}, {_GRIDFS: 1})
        return [doc[_GRIDFS] for doc in found]

    def _files_in(self, keys: list[str]) -> list[Any]:
        """GridFS file ids the documents of ``keys`` reference (to delete once replaced).

        The bucket's files collection is asked first: it is small (only values over
        16 MiB), and a key with no file there has no marker (a marker is written after
        its file and replaced before its file is deleted). Only keys that have files are
        looked up in the main collection, so a batch of small values costs one cheap
        query here. A writer racing on the same key can at worst leave its file
        unreferenced, never a marker without its file.
        """
        if not self._may_hold_files():
            return []
        files = self.db[f"{self._bucket_name}.files"]
        candidates: set[str] = set()
        for part in _parts(keys):
            found = files.find({"metadata.key": {"$in": part}}, {"metadata.key": 1, "_id": 0})
            candidates.update(doc["metadata"]["key"] for doc in found)
        if not candidates:
            return []
        return self._files_of({_KEY: {"$in": sorted(candidates)}})

    def _delete_files(self, file_ids: Iterable[Any]) -> None:
        import gridfs.errors

        for file_id in file_ids:
            try:
                self.bucket.delete(file_id)
            except gridfs.errors.NoFile:  # deleted by a concurrent writer
                pass

    def _ensure_index(self) -> None:
        """Create the unique index on ``key`` once per store object (before any write)."""
        if self._indexed:
            return
        import pymongo.errors

        try:
            self.collection.create_index(_KEY, unique=True, name="zarr_core_key")
        except pymongo.errors.OperationFailure as exc:
            if exc.code != 85:  # IndexOptionsConflict: an index on key exists already
                raise StoreBackendError(
                    self._server,
                    "creating the unique index on 'key'",
                    reason=exc,
                    hint="if the collection holds several documents with one key (software "
                    "without a unique index can write them), remove the duplicates first",
                ) from exc
        self._indexed = True

    # -- the five primitives --------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        with self._errors("get", key):
            doc = self.collection.find_one({_KEY: key}, _VALUE_FIELDS)
            value = None if doc is None else self._read_marked(key, doc)
        if value is None:
            raise KeyError(key)
        return value

    def _set(self, key: str, value: bytes) -> None:
        from pymongo import ReturnDocument

        with self._errors("set", key):
            self._ensure_index()
            # One round trip that also returns what it replaced (a write of one chunk or
            # document is common), and a replaced GridFS file is known exactly.
            old = self.collection.find_one_and_update(
                {_KEY: key},
                self._update(key, value),
                projection={_GRIDFS: 1, "_id": 0},
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
            if old is not None and _GRIDFS in old:
                self._delete_files([old[_GRIDFS]])

    def _delete(self, key: str) -> None:
        with self._errors("delete", key):
            doc = self.collection.find_one_and_delete({_KEY: key}, {_GRIDFS: 1})
            if doc is not None and _GRIDFS in doc:
                self._delete_files([doc[_GRIDFS]])
        if doc is None:
            raise KeyError(key)

    def _keys(self) -> list[str]:
        with self._errors("list"):
            found = self.collection.find({}, _KEY_FIELD, batch_size=_BATCH_SIZE)
            return [doc[_KEY] for doc in found]

    def _contains(self, key: str) -> bool:
        with self._errors("contains", key):
            return self.collection.find_one({_KEY: key}, {"_id": 1}) is not None

    # -- native batches -------------------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        if not keys:
            return out
        with self._errors(_batch("getitems", keys), keys[0]):
            marked: list[dict] = []
            wanted = set(keys)

            def take(found: Iterable[dict]) -> None:
                for doc in found:
                    if doc[_KEY] not in wanted:
                        continue  # a range read's neighbour
                    if _GRIDFS in doc:
                        marked.append(doc)
                    else:
                        out[doc[_KEY]] = doc[_VALUE]

            rest = keys
            if len(keys) > _KEYS_PER_QUERY:
                # Many keys (a whole array of small chunks): one query over the span of
                # the keys, in the key index's order, instead of many $in queries. Its
                # limit (a quarter more documents than keys) bounds what a sparse
                # selection reads in vain. Keys it did not return -- missing, outside the
                # span in the collection's collation, or past the limit -- follow by $in.
                span = {_KEY: {"$gte": min(keys), "$lte": max(keys)}}
                limit = len(keys) + len(keys) // 4 + 16
                take(self.collection.find(span, _VALUE_FIELDS, batch_size=_BATCH_SIZE, limit=limit))
                seen = out.keys() | {doc[_KEY] for doc in marked}
                rest = [k for k in keys if k not in seen]
            for part in _parts(rest):
                take(self.collection.find(_among(part), _VALUE_FIELDS, batch_size=_BATCH_SIZE))
            for doc in marked:
                value = self._read_marked(doc[_KEY], doc)
                if value is not None:
                    out[doc[_KEY]] = value
        return out

    def _set_many(self, items: dict[str, bytes]) -> None:
        from pymongo import UpdateOne

        if len(items) == 1:
            self._set(*next(iter(items.items())))
            return
        keys = list(items)
        update = self._update
        with self._errors(_batch("setitems", keys), keys[0]):
            self._ensure_index()
            # One bulk write per part, not one for all: a server that runs a request to
            # the end before answering anything else (nx-27017) would otherwise miss
            # pymongo's heartbeats during a long batch, and pymongo would cancel it.
            for part in _parts(keys):
                # Large values are uploaded first: a marker never names a file still
                # being written. Files of replaced markers are deleted after the
                # replacement, so a crash leaves at worst an unreferenced file, never a
                # key without its value.
                old_files = self._files_in(part)
                requests = [UpdateOne({_KEY: k}, update(k, items[k]), upsert=True) for k in part]
                self.collection.bulk_write(requests, ordered=False)
                self._delete_files(old_files)

    def _delete_many(self, keys: list[str]) -> None:
        with self._errors(_batch("delitems", keys), keys[0]):
            files = self._files_in(keys)
            for part in _parts(keys):
                self.collection.delete_many(_among(part))
            self._delete_files(files)

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        import pymongo.errors

        with self._errors("set_if_not_exists", key):
            self._ensure_index()
            doc = {_KEY: key, **self._fields(key, value)}
            try:
                self.collection.insert_one(doc)
            except pymongo.errors.DuplicateKeyError:
                if _GRIDFS in doc:
                    self._delete_files([doc[_GRIDFS]])
                return False
        return True

    # -- listing and prefixes -------------------------------------------------------------
    def _list_prefix(self, prefix: str) -> list[str]:
        with self._errors("list_prefix", prefix or None):
            found = self.collection.find(_under(prefix), _KEY_FIELD, batch_size=_BATCH_SIZE)
            return [doc[_KEY] for doc in found]

    def _delete_prefix(self, prefix: str) -> None:
        with self._errors("rmdir", prefix or None):
            query = _under(prefix)
            files = self._files_of(query)
            self.collection.delete_many(query)
            self._delete_files(files)

    def _getsize(self, path: str) -> int:
        with self._errors("getsize", path or None):
            if path:
                total = self._sum_sizes({_KEY: path})
                if total is not None:
                    return total
            return self._sum_sizes(_under(path + "/" if path else "")) or 0

    def _sum_sizes(self, query: dict[str, Any]) -> int | None:
        """Total length of the values ``query`` matches (``None`` if it matches none).

        Inline values travel (one query), GridFS values do not: their markers record the
        size. The server's ``$binarySize`` would spare the transfer, but nx-27017 computes
        it wrongly, and getsize is no hot path.
        """
        found = self.collection.find(query, _SIZE_FIELDS, batch_size=_BATCH_SIZE)
        total = None
        for doc in found:
            total = (total or 0) + (doc[_SIZE] if _SIZE in doc else len(doc[_VALUE]))
        return total

    def _len(self) -> int:
        with self._errors("len"):
            return self.collection.count_documents({})

    # -- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the client's connections (idempotent; a later call reconnects)."""
        self.client.close()
        super().close()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "database": self._database,
            "collection": self._collection_name,
            "dimension_separator": self._dimension_separator,
            "read_only": self._read_only,
            **self._client_kwargs,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def _identity(self) -> Any:
        return (_seeds(self.client), self._database, self._collection_name)

    def __repr__(self) -> str:
        return f"<MongoDBStore {self._server}{' (read-only)' if self.read_only else ''}>"

    # -- construction from URLs -----------------------------------------------------------
    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> MongoDBStore:
        """Open ``mongodb://[user:pw@]host[:port][,host2...]/database/collection[?options]``.

        ``mongodb+srv://`` works the same. The database and collection default to
        ``mongodb_zarr`` and ``zarr_collection``; the query string holds MongoDB
        connection-string options (``authSource``, ``tls``, ``replicaSet``, ...). Storage
        options are ``dimension_separator`` and keyword arguments of
        :class:`pymongo.MongoClient`. ``mode="r"`` opens read-only.
        """
        uri, database, collection = parse_mongodb_url(url)
        return cls(
            database,
            collection,
            read_only=mode_is_read_only(mode),
            **{"host": uri, **storage_options},
        )


def parse_mongodb_url(url: str) -> tuple[str, str, str]:
    """Split a store URL into a pymongo connection string, the database and the collection.

    The connection string keeps the hosts, credentials, options and the database (which,
    as in every MongoDB connection string, is also where credentials are checked unless
    ``authSource`` says otherwise); only the collection is removed.

    >>> parse_mongodb_url("mongodb://u:p@h1:27017,h2/data/arrays/v1?tls=true")
    ('mongodb://u:p@h1:27017,h2/data?tls=true', 'data', 'arrays/v1')
    >>> parse_mongodb_url("mongodb+srv://cluster.example.net")
    ('mongodb+srv://cluster.example.net', 'mongodb_zarr', 'zarr_collection')
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("mongodb", "mongodb+srv"):
        raise InvalidArgumentError(f"{url!r} is not a mongodb:// or mongodb+srv:// URL")
    if not parts.netloc:
        raise InvalidArgumentError(
            f"{url!r} names no host; write mongodb://host:port/database/collection"
        )
    segment, _, rest = parts.path.lstrip("/").partition("/")
    database = unquote(segment) or "mongodb_zarr"
    collection = unquote(rest.strip("/")) or "zarr_collection"
    # pymongo needs a "/" between the hosts and the options, even with no database.
    path = f"/{segment}" if segment else ("/" if parts.query else "")
    uri = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return uri, database, collection


# -- helpers ----------------------------------------------------------------------------
_KEY_FIELD = {_KEY: 1, "_id": 0}
_VALUE_FIELDS = {_KEY: 1, _VALUE: 1, _GRIDFS: 1, "_id": 0}
_SIZE_FIELDS = {_VALUE: 1, _SIZE: 1, "_id": 0}
_MARKER_FIELDS = {_GRIDFS: "", _SIZE: ""}


def _under(prefix: str) -> dict[str, Any]:
    """The query matching keys that start with ``prefix``: an anchored, escaped regex,
    which MongoDB answers from the key index."""
    if not prefix:
        return {}
    return {_KEY: {"$regex": "^" + re.escape(prefix)}}


def _among(keys: list[str]) -> dict[str, Any]:
    """The query matching the documents of ``keys``: equality for one key (reads of one
    chunk or document are common, and nx-27017 answers ``$in`` with a full scan)."""
    return {_KEY: keys[0]} if len(keys) == 1 else {_KEY: {"$in": keys}}


def _parts(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        yield keys[start : start + _KEYS_PER_QUERY]


def _batch(operation: str, keys: list[str]) -> str:
    return operation if len(keys) == 1 else f"{operation} ({len(keys)} keys, the first shown)"


def _marker_text(file_id: Any) -> bytes:
    return f"zarr-core-mongodb: this value is in GridFS, file {file_id}".encode()


def _seeds(client: Any) -> str:
    """The servers a client was given, ``host:port[,host:port...]`` (no connection made)."""
    descriptions = client.topology_description.server_descriptions()
    return ",".join(f"{host}:{port}" for host, port in sorted(descriptions)) or "(no hosts)"


def _shown(client_kwargs: dict[str, Any]) -> str:
    """Client arguments for a message, without passwords (also inside connection strings)."""
    hidden = {
        k: "***"
        if "password" in k.lower()
        else _USERINFO.sub("//***@", v)
        if isinstance(v, str)
        else v
        for k, v in client_kwargs.items()
    }
    return repr(hidden)


_USERINFO = re.compile(r"//[^/@]*@")
