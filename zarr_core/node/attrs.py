"""User attributes of arrays and groups, as a mutable mapping persisted as JSON.

Format 2 keeps them in the node's ``.zattrs`` document; format 3 in the ``attributes``
member of its ``zarr.json`` (the rest of that document is left byte-for-byte as parsed
and re-serialised). NaN and infinities are written as the bare JSON tokens ``NaN`` /
``Infinity``, as zarr-python does, and read back as floats.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from typing import Any

import numpy as np

from zarr_core.errors import MetadataError, ReadOnlyError
from zarr_core.metadata._json import dump_document, load_document
from zarr_core.storage.keys import join_path

__all__ = ["Attributes", "AttributeValueError"]


class Attributes(MutableMapping[str, Any]):
    """User attributes (``node.attrs``), or the attributes document at ``key`` of a store.

    Nodes make theirs with :meth:`_of`; the constructor takes zarr-python 2's arguments.

    Parameters
    ----------
    store
        The store (any mutable mapping) holding the document.
    key
        Its key: a ``.zattrs`` document (format 2) or a ``zarr.json`` document (format 3,
        whose ``attributes`` member is read and updated).
    read_only
        Refuse writes.
    cache
        Keep the attributes in memory after the first read. Without caching every access
        re-reads the document (seeing changes made by other processes).
    synchronizer
        Object with ``__getitem__(key) -> lock``, held around each update.
    """

    def __init__(
        self,
        store: Any,
        key: str = ".zattrs",
        read_only: bool = False,
        cache: bool = True,
        synchronizer: Any = None,
    ):
        self._store = store
        self._key = key
        self._read_only = read_only
        self._synchronizer = synchronizer
        self._cache = cache
        self._cached: dict | None = None
        self._node: Any = None

    @classmethod
    def _of(cls, node: Any, cache: bool = True) -> Attributes:
        """The attributes of an array or group; its ``store``, ``path``, ``zarr_format``,
        ``read_only`` and synchronizer are consulted on every access, so they track it."""
        attrs = cls(node.store, cache=cache)
        attrs._node = node
        return attrs

    @property
    def key(self) -> str:
        """The store key holding the attributes."""
        if self._node is None:
            return self._key
        name = ".zattrs" if self._node.zarr_format == 2 else "zarr.json"
        return join_path(self._node.path, name)

    @property
    def store(self) -> Any:
        return self._store if self._node is None else self._node.store

    @property
    def read_only(self) -> bool:
        return self._read_only if self._node is None else self._node.read_only

    @property
    def cache(self) -> bool:
        """Whether the attributes are kept in memory between accesses."""
        return self._cache

    @property
    def synchronizer(self) -> Any:
        if self._node is None:
            return self._synchronizer
        return getattr(self._node, "_synchronizer", None)

    @property
    def _zarr_format(self) -> int:
        return 3 if self.key.rsplit("/", 1)[-1] == "zarr.json" else 2

    def _read_document(self) -> dict:
        try:
            data = self.store[self.key]
        except KeyError:
            return {}
        return load_document(data, self.key)

    def asdict(self) -> dict:
        """The attributes as a plain dict (a copy)."""
        if self._cached is None or not self._cache:
            doc = self._read_document()
            attrs = doc if self._zarr_format == 2 else doc.get("attributes", {})
            self._cached = attrs
        return dict(self._cached)

    def refresh(self) -> None:
        """Drop the cache so the next access reads the store."""
        self._cached = None

    def _write(self, attrs: dict) -> None:
        if self.read_only:
            owner = self.key if self._node is None else self._node.name
            raise ReadOnlyError(f"attributes of {owner!r}", self.key)
        _check_serializable(attrs, self.key)
        # Written as zarr-python does (NumPy scalars and arrays become JSON numbers and
        # lists): .zattrs with sorted keys, zarr.json in its own member order.
        if self._zarr_format == 2:
            data = dump_document(attrs, indent=4, sort_keys=True, key=self.key)
        else:
            doc = self._read_document()
            doc["attributes"] = attrs
            data = dump_document(doc, indent=2, sort_keys=False, key=self.key)
        self.store[self.key] = data
        if self._cache:
            # cache what a reader gets back (lists for tuples and arrays, Python numbers
            # for NumPy scalars), not the objects that were passed in
            doc = load_document(data, self.key)
            self._cached = doc if self._zarr_format == 2 else doc["attributes"]
        else:
            self._cached = None

    def _update(self, mutate) -> None:
        synchronizer = self.synchronizer
        if synchronizer is None:
            attrs = self.asdict() if self._cache else self._fresh()
            mutate(attrs)
            self._write(attrs)
            return
        with synchronizer[self.key]:
            attrs = self._fresh()
            mutate(attrs)
            self._write(attrs)

    def _fresh(self) -> dict:
        self._cached = None
        return self.asdict()

    # -- mapping ------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self.asdict()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._update(lambda attrs: attrs.__setitem__(key, value))

    def __delitem__(self, key: str) -> None:
        if key not in self.asdict():
            raise KeyError(key)
        self._update(lambda attrs: attrs.pop(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self.asdict())

    def __len__(self) -> int:
        return len(self.asdict())

    def __contains__(self, key: object) -> bool:
        return key in self.asdict()

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Set several attributes with one write."""
        new = dict(*args, **kwargs)
        self._update(lambda attrs: attrs.update(new))

    def put(self, d: dict) -> None:
        """Replace all attributes with ``d`` (one write)."""
        self._update(lambda attrs: (attrs.clear(), attrs.update(d)))

    def __repr__(self) -> str:
        return repr(self.asdict())

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.pretty(self.asdict())


class AttributeValueError(MetadataError, TypeError):
    """An attribute JSON cannot hold: a ``MetadataError`` naming the key and attribute, and
    a ``TypeError`` as zarr-python raises for it."""


def _check_serializable(attrs: dict, key: str) -> None:
    """Raise :class:`AttributeValueError` naming the attribute that JSON cannot hold."""
    for name, value in attrs.items():
        if not isinstance(name, str):
            raise AttributeValueError(
                f"cannot encode metadata as JSON: attribute names must be str, got {name!r}",
                key=key,
            )
        try:
            json.dumps(value, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise AttributeValueError(
                f"cannot encode metadata as JSON: attribute {name!r}: {exc}; attribute values "
                "must be JSON serializable (str, numbers, bool, None, and lists and dicts of them)",
                key=key,
            ) from None


def _json_default(value: Any) -> Any:
    # the conversions dump_document makes (NumPy scalars and arrays)
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"object of type {type(value).__name__} is not JSON serializable")
