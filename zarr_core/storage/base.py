"""The Store contract.

A store is a ``MutableMapping[str, bytes]`` plus batch, byte-range, listing and atomic-create
methods. :class:`Store` is a template method: its **public** methods validate every key with
:func:`~zarr_core.storage.keys.validate_key` and check writability once, then call
**protected primitives**. A backend implements five primitives and is correct:

====================  ===================================================================
``_get(key)``         the value, or raise ``KeyError``
``_set(key, value)``  store ``bytes`` under the key
``_delete(key)``      delete, raising ``KeyError`` if absent
``_keys()``           iterate over every key
``_contains(key)``    optional; defaults to ``_get``
====================  ===================================================================

and overrides more primitives where it can do better (one SQL statement for a batch, a
file seek for a byte range). Their defaults loop over the five above:

``_get_many(keys)``, ``_set_many(items)``, ``_delete_many(keys)``,
``_get_ranges(requests)``, ``_set_if_not_exists(key, value)``, ``_list_prefix(prefix)``,
``_list_dir(prefix)``, ``_delete_prefix(prefix)``, ``_getsize(path)``, ``_rename(src, dst)``,
``_len()``.

Primitives receive keys that are already valid, distinct where it matters (batches) and
writes only on writable stores; they never validate or check again. Keys a backend lists
that fail validation (written by other software) are skipped with a :class:`InvalidKeyWarning`
by the public listing methods, never passed on.

Byte ranges are :class:`~zarr_core.storage.byte_range.ByteRange` values (``None`` = the
whole value); ``get_partial_values`` also takes the older ``(offset, length)`` tuples.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ClassVar

from zarr_core.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    InvalidKeyError,
    ReadOnlyError,
    StorageOptionsError,
)
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.keys import dir_prefix, validate_key

__all__ = [
    "Store",
    "PathStore",
    "ByteRange",
    "InvalidKeyWarning",
    "as_bytes",
    "mode_is_read_only",
]


class InvalidKeyWarning(UserWarning):
    """A backend holds a key that is not a valid store key (it is skipped in listings)."""


def as_bytes(value: Any) -> bytes:
    """Return ``value`` (any buffer-protocol object) as ``bytes`` without copying bytes."""
    if type(value) is bytes:
        return value
    try:
        return memoryview(value).cast("B").tobytes()
    except TypeError:
        if hasattr(value, "tobytes"):  # non-contiguous numpy arrays
            return value.tobytes()
        raise ArgumentTypeError(
            f"store values must be bytes-like, got {type(value).__name__}"
        ) from None


# A 2.x-style subclass implements the mapping methods instead of the primitives; each
# primitive then calls its dunder (see Store.__init_subclass__).
_LEGACY_PRIMITIVES = {
    "__getitem__": "_get",
    "__setitem__": "_set",
    "__delitem__": "_delete",
    "__iter__": "_keys",
    "__contains__": "_contains",
    "__len__": "_len",
}


class Store(MutableMapping[str, bytes]):
    """Base class of every zarr-core store.

    Parameters
    ----------
    read_only
        Refuse every write with :class:`~zarr_core.errors.ReadOnlyError`.
    dimension_separator
        Default chunk-key separator for Zarr v2 arrays created in this store
        (``"."`` or ``"/"``; ``None`` lets the array decide).

    Notes
    -----
    Capability flags (class attributes, or properties where they depend on the instance)
    tell callers what a backend supports natively: ``supports_writes``,
    ``supports_deletes``, ``supports_listing``, ``supports_partial_reads`` (ranges without
    reading the whole value), ``is_persistent`` (data outlives the object; pickling
    reopens rather than copies), ``supports_multiprocess_writes`` (several processes may
    write distinct keys at once and every write lands), ``supports_transactions``
    (:meth:`transaction` makes a read-modify-write atomic), ``translates_metadata`` (the
    metadata documents read back are a view of what was written, as N5 presents its
    ``attributes.json``: a new node is re-read after creation) and ``native_zarr_format``
    (the one Zarr format the store can hold, N5's 2, used for new nodes when no format is
    asked for). ``is_readable()``, ``is_writeable()``, ``is_listable()``
    and ``is_erasable()`` answer the same as zarr-python 2's methods of those names.

    ``batch_bytes`` is a hint rather than a capability: ``None`` (the default) for a store
    whose calls cost little beyond their payload (files, an embedded database), or, for
    one whose every call is a network round trip (Redis, MongoDB, a blob service, a
    remote fsspec file system), the bytes it likes to move per ``getitems`` or
    ``setitems``. The chunk engine then reads and writes large chunks in batches of
    about that many bytes, a few batches in flight while it decodes or encodes others,
    instead of one chunk per call (see ``batching`` in :mod:`zarr_core.config`).
    """

    supports_writes: ClassVar[bool] = True
    supports_deletes: ClassVar[bool] = True
    supports_listing: ClassVar[bool] = True
    supports_partial_reads: ClassVar[bool] = False
    is_persistent: ClassVar[bool] = False
    supports_multiprocess_writes: ClassVar[bool] = False
    supports_transactions: ClassVar[bool] = False
    translates_metadata: ClassVar[bool] = False
    native_zarr_format: ClassVar[int | None] = None
    batch_bytes: ClassVar[int | None] = None

    # Class-level defaults, so a 2.x-style subclass that never calls __init__ still works.
    _read_only: bool = False
    _dimension_separator: str | None = None
    _closed: bool = False

    def __init__(self, *, read_only: bool = False, dimension_separator: str | None = None):
        if dimension_separator not in (None, ".", "/"):
            raise InvalidArgumentError(
                f"dimension_separator must be '.', '/' or None, got {dimension_separator!r}"
            )
        self._read_only = bool(read_only) or not self.supports_writes
        self._dimension_separator = dimension_separator
        self._closed = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # zarr-python 2 users subclass a store and override __getitem__ & co. Route the
        # primitives of such a class to its dunders, so the base's batch, listing and
        # range methods keep working on it.
        for dunder, primitive in _LEGACY_PRIMITIVES.items():
            if dunder in cls.__dict__ and getattr(cls, primitive) is getattr(Store, primitive):
                setattr(cls, primitive, _legacy_primitive(dunder))

    # -- primitives: the five a backend must provide ------------------------------------
    def _get(self, key: str) -> bytes:
        """Return the value of a valid key, or raise ``KeyError``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _get")

    def _set(self, key: str, value: bytes) -> None:
        """Store ``value`` under a valid key (the caller checked writability)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _set")

    def _delete(self, key: str) -> None:
        """Delete a valid key, raising ``KeyError`` if absent."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _delete")

    def _keys(self) -> Iterable[str]:
        """Every key, in any order."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _keys")

    def _contains(self, key: str) -> bool:
        try:
            self._get(key)
        except KeyError:
            return False
        return True

    # -- primitives with defaults a backend may override --------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Values of distinct valid ``keys`` that exist (missing ones omitted)."""
        out = {}
        get = self._get
        for key in keys:
            try:
                out[key] = get(key)
            except KeyError:
                pass
        return out

    def _set_many(self, items: dict[str, bytes]) -> None:
        """Store several values (as one transaction where the backend has them)."""
        for key, value in items.items():
            self._set(key, value)

    def _delete_many(self, keys: list[str]) -> None:
        """Delete distinct valid ``keys``; absent ones are ignored."""
        for key in keys:
            try:
                self._delete(key)
            except KeyError:
                pass

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        """Byte ranges of values, in request order; ``None`` where the key is missing.

        This default reads each distinct key once and slices it.
        """
        values = self._get_many(list(dict.fromkeys(k for k, _ in requests)))
        out: list[bytes | None] = []
        for key, byte_range in requests:
            value = values.get(key)
            if value is None or byte_range is None:
                out.append(value)
            else:
                out.append(byte_range.slice(value))
        return out

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        """Store ``value`` unless ``key`` exists; whether it was stored.

        This default is atomic among the threads using this store object only; backends
        override it with their own atomic create (``O_EXCL``, ``INSERT`` without replace,
        ``SET NX``, ``If-None-Match: *``), which also holds across processes.
        """
        with _CREATE_LOCK:
            if self._contains(key):
                return False
            self._set(key, value)
            return True

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        """Keys starting with the raw string ``prefix``, in any order."""
        return [k for k in self._keys() if k.startswith(prefix)]

    def _list_dir(self, prefix: str) -> Iterable[str]:
        """Names of the immediate children under ``prefix`` (``""`` or ending in ``/``)."""
        n = len(prefix)
        return {key[n:].split("/", 1)[0] for key in self._list_prefix(prefix)}

    def _delete_prefix(self, prefix: str) -> None:
        """Delete every key under ``prefix`` (``""`` or ending in ``/``)."""
        self._delete_many(list(self._list_prefix(prefix)))

    def _getsize(self, path: str) -> int:
        """Bytes at key ``path`` if it is one, else under it recursively (``""``: all)."""
        if path:
            try:
                return len(self._get(path))
            except KeyError:
                pass
        keys = list(self._list_prefix(path + "/" if path else ""))
        return sum(len(v) for v in self._get_many(keys).values())

    def _rename(self, src: str, dst: str) -> None:
        """Move key ``src``, or every key under ``src + "/"``, to ``dst`` (checked)."""
        keys = [src] if self._contains(src) else []
        keys += self._list_prefix(src + "/")
        if not keys:
            raise KeyError(src)
        values = self._get_many(keys)
        self._set_many({dst + k[len(src) :]: v for k, v in values.items()})
        self._delete_many(list(values))

    def _len(self) -> int:
        return sum(1 for _ in self._keys())

    # -- mapping interface (checked once) -------------------------------------------------
    def __getitem__(self, key: str) -> bytes:
        return self._get(validate_key(key))

    def __setitem__(self, key: str, value: Any) -> None:
        key = validate_key(key)
        self._check_writable(key)
        self._set(key, as_bytes(value))

    def __delitem__(self, key: str) -> None:
        key = validate_key(key)
        self._check_writable(key)
        self._delete(key)

    def __contains__(self, key: object) -> bool:
        # A string that can never be a key (``"c/"``, ``"../x"``) is simply not in the
        # store, as in zarr-python 2; non-strings are still an error.
        try:
            key = validate_key(key)
        except InvalidKeyError:
            if isinstance(key, str):
                return False
            raise
        return self._contains(key)

    def __iter__(self) -> Iterator[str]:
        return self._valid_keys(self._keys())

    def __len__(self) -> int:
        return self._len()

    # -- batches --------------------------------------------------------------------------
    def getitems(self, keys: Sequence[str]) -> dict[str, bytes]:
        """Values of ``keys`` that exist; missing keys are omitted."""
        return self._get_many(list(dict.fromkeys(map(validate_key, keys))))

    def setitems(self, values: Mapping[str, Any]) -> None:
        """Store several values (as one transaction where the backend has them)."""
        checked = {validate_key(k): as_bytes(v) for k, v in values.items()}
        if checked:
            self._check_writable(next(iter(checked)))
            self._set_many(checked)

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete several keys; keys that do not exist are ignored."""
        checked = list(dict.fromkeys(map(validate_key, keys)))
        if checked:
            self._check_writable(checked[0])
            self._delete_many(checked)

    def get_partial_values(
        self, key_ranges: Iterable[tuple[str, ByteRange | tuple[int, int | None] | None]]
    ) -> list[bytes | None]:
        """Byte ranges of values, in input order; ``None`` where the key is missing.

        Each request is ``(key, ByteRange)``, ``(key, (offset, length))`` or ``(key, None)``
        for the whole value; see :class:`~zarr_core.storage.byte_range.ByteRange`.
        """
        coerce = ByteRange.coerce
        return self._get_ranges([(validate_key(k), coerce(r)) for k, r in key_ranges])

    def set_if_not_exists(self, key: str, value: Any) -> bool:
        """Store ``value`` under ``key`` only if nothing is there; whether it was stored.

        Exactly one of several racing callers gets ``True`` (across processes on backends
        with an atomic create; see each backend's documentation).
        """
        key = validate_key(key)
        self._check_writable(key)
        return self._set_if_not_exists(key, as_bytes(value))

    # -- listing --------------------------------------------------------------------------
    def list_prefix(self, prefix: str) -> list[str]:
        """Every key starting with the raw string ``prefix``, sorted."""
        if prefix:
            _validate_prefix(prefix)
        return sorted(self._valid_keys(self._list_prefix(prefix)))

    def listdir(self, path: str = "") -> list[str]:
        """Sorted names of the immediate children (keys and sub-directories) of ``path``."""
        prefix = dir_prefix(path)
        children = set(self._list_dir(prefix))
        return sorted(c for c in children if self._listed_ok(prefix + c))

    def rmdir(self, path: str = "") -> None:
        """Delete every key under ``path`` (everything when ``path`` is empty)."""
        prefix = dir_prefix(path)
        self._check_writable(prefix or None)
        self._delete_prefix(prefix)

    def clear(self) -> None:
        """Delete every key."""
        self._check_writable()
        self._delete_prefix("")

    def getsize(self, path: str = "") -> int:
        """Bytes stored at key ``path``, or under ``path`` recursively; 0 if nothing."""
        path = path.strip("/")
        return self._getsize(validate_key(path) if path else "")

    def rename(self, src_path: str, dst_path: str) -> None:
        """Move the key ``src_path``, or every key under it, to ``dst_path``."""
        src = validate_key(src_path.strip("/"))
        dst = validate_key(dst_path.strip("/"))
        self._check_writable(dst)
        if dst == src or dst.startswith(src + "/"):
            raise InvalidArgumentError(
                f"cannot rename {src_path!r} onto or into itself ({dst_path!r})"
            )
        try:
            self._rename(src, dst)
        except KeyError:
            raise KeyError(src_path) from None

    def _valid_keys(self, keys: Iterable[str]) -> Iterator[str]:
        for key in keys:
            if self._listed_ok(key):
                yield key

    def _listed_ok(self, key: Any) -> bool:
        try:
            validate_key(key)
        except InvalidKeyError as exc:
            warnings.warn(
                f"{self!r} holds {key!r}, which is not a valid zarr key ({exc.reason}); "
                f"it is skipped",
                InvalidKeyWarning,
                stacklevel=3,
            )
            return False
        return True

    # -- state ----------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """Whether this store refuses writes."""
        return self._read_only

    @property
    def dimension_separator(self) -> str | None:
        return self._dimension_separator

    def is_readable(self) -> bool:
        return True

    def is_writeable(self) -> bool:
        return not self.read_only

    def is_listable(self) -> bool:
        return bool(self.supports_listing)

    def is_erasable(self) -> bool:
        return bool(self.supports_deletes) and not self.read_only

    def _check_writable(self, key: str | None = None) -> None:
        if self._read_only:
            raise ReadOnlyError(f"store {self!r}", key)

    def transaction(self) -> AbstractContextManager[None]:
        """A context in which this thread's reads and writes of the store are one atomic
        transaction, on backends that have them (``supports_transactions``): a chunk read,
        changed and written back inside it cannot lose another writer's update, even from
        another process. Elsewhere it does nothing; use a synchronizer there.

        Backends override it with their own transaction (SQLite ``BEGIN IMMEDIATE``, an
        LMDB write transaction); operations of other threads inside it are not part of it.
        """
        return nullcontext()

    def close(self) -> None:
        """Release resources; persistent stores flush. Idempotent."""
        self._closed = True

    def flush(self) -> None:
        """Make every completed write durable (no-op for stores that write through)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _identity(self) -> Any:
        """Value that two stores over the same data share (used by ``__eq__``)."""
        return id(self)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._identity() == other._identity()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._identity()))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # -- construction from URLs -----------------------------------------------------------
    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> Store:
        """Open the store a URL or path names (root stores override this)."""
        raise NotImplementedError(f"{cls.__name__} cannot be opened from a URL")

    @classmethod
    def _reject_options(
        cls, storage_options: Mapping[str, Any], allowed: Iterable[str] = ()
    ) -> None:
        """Raise :class:`StorageOptionsError` for options this store does not take."""
        unknown = sorted(set(storage_options) - set(allowed))
        if unknown:
            raise StorageOptionsError(
                f"{cls.__name__} does not accept the storage_options {unknown}"
                + (f"; it accepts {sorted(allowed)}" if allowed else "")
            )


class PathStore(Store):
    """Base class of stores over one local file or directory, named by :attr:`path`.

    It takes zarr's access ``mode`` (``"r"`` is read-only, like ``read_only=True``). Its
    ``repr`` names the path (and read-only mode), and a pickle carries what reopens
    the data rather than the data: subclasses define ``__getstate__`` to return keyword
    arguments of their constructor (the path, the options), and unpickling calls
    ``__init__`` with them. Their ``from_url`` usually reads ``scheme:///relative`` and
    ``scheme:////absolute`` URLs with :func:`zarr_core.storage.url.local_path`.
    """

    is_persistent = True
    supports_multiprocess_writes = True

    #: The file or directory, absolute.
    path: str

    def __init__(
        self, *, mode: str = "a", read_only: bool = False, dimension_separator: str | None = None
    ):
        super().__init__(
            read_only=read_only or mode_is_read_only(mode),
            dimension_separator=dimension_separator,
        )

    def __getstate__(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __getstate__")

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def _identity(self) -> Any:
        return self.path

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r}{' (read-only)' if self.read_only else ''}>"


def _legacy_primitive(dunder: str):
    def primitive(self, *args):
        return getattr(type(self), dunder)(self, *args)

    primitive.__name__ = _LEGACY_PRIMITIVES[dunder]
    return primitive


# One lock for every store's default atomic create: creates are rare (metadata documents),
# and a lock per store would have to survive pickling and subclasses that skip __init__.
_CREATE_LOCK = threading.RLock()


def _validate_prefix(prefix: str) -> None:
    # A prefix is a key, a directory ("a/b/") or a partial last segment ("c/0."); each
    # of those without its trailing "/" must be a valid key.
    validate_key(prefix[:-1] if prefix.endswith("/") else prefix)


def mode_is_read_only(mode: str) -> bool:
    """Whether a zarr access mode (``r``, ``r+``, ``a``, ``w``, ``w-``) forbids writes."""
    if mode not in ("r", "r+", "a", "w", "w-", "x"):
        raise InvalidArgumentError(
            f"invalid mode {mode!r}; expected one of 'r', 'r+', 'a', 'w', 'w-', 'x'"
        )
    return mode == "r"
