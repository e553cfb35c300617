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
    """The attributes of a node (``node.attrs``).

    Parameters
    ----------
    node
        The array or group; its ``store``, ``path``, ``zarr_format`` and ``read_only``
        are consulted on every access, so they track the node.
    cache
        Keep the attributes in memory after the first read. Without caching every access
        re-reads the document (seeing changes made by other processes).
    """

    def __init__(self, node: Any, cache: bool = True):
        self._node = node
        self._cache = cache
        self._cached: dict | None = None

    @property
    def key(self) -> str:
        """The store key holding the attributes."""
        name = ".zattrs" if self._node.zarr_format == 2 else "zarr.json"
        return join_path(self._node.path, name)

    @property
    def read_only(self) -> bool:
        return self._node.read_only

    def _read_document(self) -> dict:
        try:
            data = self._node.store[self.key]
        except KeyError:
            return {}
        return load_document(data, self.key)

    def asdict(self) -> dict:
        """The attributes as a plain dict (a copy)."""
        if self._cached is None or not self._cache:
            doc = self._read_document()
            attrs = doc if self._node.zarr_format == 2 else doc.get("attributes", {})
            self._cached = attrs
        return dict(self._cached)

    def refresh(self) -> None:
        """Drop the cache so the next access reads the store."""
        self._cached = None

    def _write(self, attrs: dict) -> None:
        if self.read_only:
            raise ReadOnlyError(f"attributes of {self._node.name!r}", self.key)
        _check_serializable(attrs, self.key)
        # Written as zarr-python does (NumPy scalars and arrays become JSON numbers and
        # lists): .zattrs with sorted keys, zarr.json in its own member order.
        if self._node.zarr_format == 2:
            data = dump_document(attrs, indent=4, sort_keys=True, key=self.key)
        else:
            doc = self._read_document()
            doc["attributes"] = attrs
            data = dump_document(doc, indent=2, sort_keys=False, key=self.key)
        self._node.store[self.key] = data
        if self._cache:
            # cache what a reader gets back (lists for tuples and arrays, Python numbers
            # for NumPy scalars), not the objects that were passed in
            doc = load_document(data, self.key)
            self._cached = doc if self._node.zarr_format == 2 else doc["attributes"]
        else:
            self._cached = None

    def _update(self, mutate) -> None:
        synchronizer = getattr(self._node, "_synchronizer", None)
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
