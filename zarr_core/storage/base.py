"""The Store contract.

A store is a ``MutableMapping[str, bytes]`` plus listing, batch and byte-range methods.
Subclasses implement five primitives -- :meth:`Store._get`, :meth:`Store._set`,
:meth:`Store._delete`, :meth:`Store._keys` and (optionally) :meth:`Store._contains` -- and
inherit correct, if slow, defaults for everything else; a backend overrides a default
when it can do better (one SQL statement for a batch, a file seek for a byte range).

The public mapping methods validate every key with
:func:`~zarr_core.storage.keys.validate_key` and enforce read-only mode before calling
the primitives, so those checks live in one place. Primitives receive keys that are
already valid.

Byte ranges are ``(offset, length)`` pairs: ``length=None`` reads to the end; a negative
``offset`` with ``length=None`` is a suffix (``(-10, None)`` = the last 10 bytes); a range
past the end is truncated (possibly to ``b""``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, ClassVar

from zarr_core.errors import ReadOnlyError, StorageOptionsError
from zarr_core.storage.keys import validate_key

__all__ = ["Store", "PathStore", "ByteRange", "slice_range", "as_bytes"]

ByteRange = tuple[int, int | None]


def as_bytes(value: Any) -> bytes:
    """Return ``value`` (any buffer-protocol object) as ``bytes`` without copying bytes."""
    if type(value) is bytes:
        return value
    try:
        return memoryview(value).cast("B").tobytes()
    except TypeError:
        if hasattr(value, "tobytes"):  # non-contiguous numpy arrays
            return value.tobytes()
        raise TypeError(f"store values must be bytes-like, got {type(value).__name__}") from None


def slice_range(value: bytes | memoryview, byte_range: ByteRange | None) -> bytes:
    """Apply a byte range to a whole value (the default for stores without native ranges)."""
    if byte_range is None:
        return bytes(value)
    offset, length = byte_range
    if offset < 0:
        if length is not None:
            raise ValueError(f"a suffix range ({offset}, {length}) must have length None")
        return bytes(value[max(len(value) + offset, 0) :])
    if length is None:
        return bytes(value[offset:])
    if length < 0:
        raise ValueError(f"negative length in byte range ({offset}, {length})")
    return bytes(value[offset : offset + length])


class Store(MutableMapping[str, bytes]):
    """Base class of every zarr-core store.

    Parameters
    ----------
    read_only
        Refuse every write with :class:`~zarr_core.errors.ReadOnlyError`.
    dimension_separator
        Default chunk-key separator for Zarr v2 arrays created in this store
        (``"."`` or ``"/"``; ``None`` lets the array decide).

    Capability flags (class attributes) tell callers what a backend supports natively:
    ``supports_writes``, ``supports_deletes``, ``supports_listing``,
    ``supports_partial_reads`` (ranges without reading the whole value) and
    ``is_persistent`` (data outlives the object; pickling reopens rather than copies).
    """

    supports_writes: ClassVar[bool] = True
    supports_deletes: ClassVar[bool] = True
    supports_listing: ClassVar[bool] = True
    supports_partial_reads: ClassVar[bool] = False
    is_persistent: ClassVar[bool] = False

    def __init__(self, *, read_only: bool = False, dimension_separator: str | None = None):
        if dimension_separator not in (None, ".", "/"):
            raise ValueError(
                f"dimension_separator must be '.', '/' or None, got {dimension_separator!r}"
            )
        self._read_only = bool(read_only) or not self.supports_writes
        self._dimension_separator = dimension_separator
        self._closed = False

    # -- primitives for subclasses ------------------------------------------------------
    def _get(self, key: str) -> bytes:
        """Return the value of a valid key, or raise ``KeyError``."""
        raise NotImplementedError

    def _set(self, key: str, value: bytes) -> None:
        """Store ``value`` under a valid key (the caller checked writability)."""
        raise NotImplementedError

    def _delete(self, key: str) -> None:
        """Delete a valid key, raising ``KeyError`` if absent."""
        raise NotImplementedError

    def _keys(self) -> Iterator[str]:
        """Iterate over every key."""
        raise NotImplementedError

    def _contains(self, key: str) -> bool:
        try:
            self._get(key)
        except KeyError:
            return False
        return True

    # -- mapping interface --------------------------------------------------------------
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
        return self._contains(validate_key(key))

    def __iter__(self) -> Iterator[str]:
        return self._keys()

    def __len__(self) -> int:
        return sum(1 for _ in self._keys())

    # -- state --------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """Whether this store refuses writes."""
        return self._read_only

    @property
    def dimension_separator(self) -> str | None:
        return self._dimension_separator

    def _check_writable(self, key: str | None = None) -> None:
        if self._read_only:
            raise ReadOnlyError(f"store {self!r}", key)

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

    # -- listing ------------------------------------------------------------------------
    def list_prefix(self, prefix: str) -> list[str]:
        """Every key starting with the raw string ``prefix``, sorted."""
        return sorted(k for k in self._keys() if k.startswith(prefix))

    def listdir(self, path: str = "") -> list[str]:
        """Sorted names of the immediate children (keys and sub-directories) of ``path``."""
        prefix = _dir_prefix(path)
        children = set()
        for key in self.list_prefix(prefix):
            children.add(key[len(prefix) :].split("/", 1)[0])
        return sorted(children)

    def rmdir(self, path: str = "") -> None:
        """Delete every key under ``path`` (everything when ``path`` is empty)."""
        self._check_writable(path or None)
        self.delitems(self.list_prefix(_dir_prefix(path)))

    def getsize(self, path: str = "") -> int:
        """Bytes stored at key ``path``, or under ``path`` recursively; 0 if nothing."""
        if path:
            path = validate_key(path.strip("/"))
            values = self.getitems([path])
            if path in values:
                return len(values[path])
        return sum(len(v) for v in self.getitems(self.list_prefix(_dir_prefix(path))).values())

    def _check_rename(self, src_path: str, dst_path: str) -> tuple[str, str]:
        """``(src, dst)`` of a rename, checked: valid keys, a writable store, ``dst`` not
        ``src`` or under it (``ValueError``). Backends overriding :meth:`rename` start here."""
        src = validate_key(src_path.strip("/"))
        dst = validate_key(dst_path.strip("/"))
        self._check_writable(dst)
        if dst == src or dst.startswith(src + "/"):
            raise ValueError(f"cannot rename {src_path!r} onto or into itself ({dst_path!r})")
        return src, dst

    def rename(self, src_path: str, dst_path: str) -> None:
        """Move the key ``src_path``, or every key under it, to ``dst_path``."""
        src, dst = self._check_rename(src_path, dst_path)
        moved = self.getitems([src])
        for key in self.list_prefix(src + "/"):
            moved.setdefault(key, None)  # type: ignore[arg-type]
        if not moved:
            raise KeyError(src_path)
        values = self.getitems(list(moved))
        self.setitems({dst + k[len(src) :]: v for k, v in values.items()})
        self.delitems(list(values))

    # -- batches ------------------------------------------------------------------------
    def getitems(self, keys: Sequence[str]) -> dict[str, bytes]:
        """Values of ``keys`` that exist; missing keys are omitted."""
        out = {}
        for key in keys:
            try:
                out[key] = self._get(validate_key(key))
            except KeyError:
                pass
        return out

    def setitems(self, values: Mapping[str, Any]) -> None:
        """Store several values (as one transaction where the backend has them)."""
        checked = {validate_key(k): as_bytes(v) for k, v in values.items()}
        if checked:
            self._check_writable(next(iter(checked)))
        for key, value in checked.items():
            self._set(key, value)

    def delitems(self, keys: Iterable[str]) -> None:
        """Delete several keys; keys that do not exist are ignored."""
        checked = [validate_key(k) for k in keys]
        if checked:
            self._check_writable(checked[0])
        for key in checked:
            try:
                self._delete(key)
            except KeyError:
                pass

    def get_partial_values(
        self, key_ranges: Iterable[tuple[str, ByteRange | None]]
    ) -> list[bytes | None]:
        """Byte ranges of values, in input order; ``None`` where the key is missing.

        Each request is ``(key, (offset, length))`` or ``(key, None)`` for the whole value.
        This default reads each distinct key once and slices it.
        """
        requests = list(key_ranges)
        values = self.getitems(list(dict.fromkeys(k for k, _ in requests)))
        return [slice_range(values[k], r) if k in values else None for k, r in requests]

    # -- construction from URLs ---------------------------------------------------------
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

    Its ``repr`` names the path (and read-only mode), and a pickle carries what reopens
    the data rather than the data: subclasses define ``__getstate__`` to return keyword
    arguments of their constructor (the path, the options), and unpickling calls
    ``__init__`` with them. Their ``from_url`` usually reads ``scheme:///relative`` and
    ``scheme:////absolute`` URLs with :func:`zarr_core.storage.url.local_path`.
    """

    #: The file or directory, absolute.
    path: str

    def __getstate__(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __getstate__")

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r}{' (read-only)' if self.read_only else ''}>"


def _dir_prefix(path: str) -> str:
    path = path.strip("/")
    return path + "/" if path else ""


def mode_is_read_only(mode: str) -> bool:
    """Whether a zarr access mode (``r``, ``r+``, ``a``, ``w``, ``w-``) forbids writes."""
    if mode not in ("r", "r+", "a", "w", "w-", "x"):
        raise ValueError(f"invalid mode {mode!r}; expected one of 'r', 'r+', 'a', 'w', 'w-', 'x'")
    return mode == "r"
