"""A store wrapper that records what is asked of it, for tests that count store requests.

Used to prove, for example, that opening a consolidated hierarchy reads metadata once,
or that a sharded read fetches only an index and the byte ranges it needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zarr_core.storage.base import Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.memory import KVStore
from zarr_core.storage.wrapper import WrapperStore

__all__ = ["CountingStore"]


class CountingStore(WrapperStore):
    """Delegate to ``inner`` and record every read, listing and batch call.

    Parameters
    ----------
    inner
        The store holding the data (default: a new :class:`KVStore` over a dict, reachable
        as :attr:`data`).
    ranges
        Whether to serve byte ranges natively (``supports_partial_reads``); ``None``
        follows ``inner``. With ``False``, ranges go through whole-value ``getitems``.

    Attributes
    ----------
    calls : list of (str, list)
        ``(operation, keys)`` per call: ``get``, ``keys``, ``getitems``,
        ``get_partial_values`` (keys are ``(key, ByteRange | None)`` pairs), ``listdir``,
        ``list_prefix``, ``setitems``, ``delitems``.
    bytes_read : int
        Bytes returned by ``get``, ``getitems`` and ``get_partial_values``.
    """

    def __init__(self, inner: Store | None = None, ranges: bool | None = None):
        super().__init__(inner if inner is not None else KVStore({}))
        self.ranges = self.store.supports_partial_reads if ranges is None else ranges
        self.calls: list[tuple[str, list]] = []
        self.bytes_read = 0

    @property
    def inner(self) -> Store:
        return self.store

    @property
    def data(self) -> Any:
        """The mapping behind the default inner store."""
        return self.store._mutable_mapping  # type: ignore[attr-defined]

    @property
    def supports_partial_reads(self) -> bool:  # type: ignore[override]
        return self.ranges

    def reset(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()
        self.bytes_read = 0

    def reads(self) -> list[tuple[str, list]]:
        """The calls that fetched data (``get``, ``getitems``, ``get_partial_values``)."""
        return [c for c in self.calls if c[0] in ("get", "getitems", "get_partial_values")]

    def calls_touching(self, names: Iterable[str]) -> list[tuple[str, list]]:
        """Listings, and the calls naming a key whose last segment is one of ``names``."""
        names = set(names)
        return [
            (op, keys)
            for op, keys in self.calls
            if op in ("keys", "listdir", "list_prefix")
            or any((k[0] if isinstance(k, tuple) else k).rsplit("/", 1)[-1] in names for k in keys)
        ]

    def _read(self, op: str, what: list, values: Iterable[bytes | None]) -> None:
        self.calls.append((op, what))
        self.bytes_read += sum(len(v) for v in values if v is not None)

    def _get(self, key: str) -> bytes:
        value = super()._get(key)
        self._read("get", [key], [value])
        return value

    def _keys(self) -> Iterable[str]:
        self.calls.append(("keys", []))
        return list(super()._keys())

    def _list_dir(self, prefix: str) -> Iterable[str]:
        self.calls.append(("listdir", [prefix.rstrip("/")]))
        return super()._list_dir(prefix)

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        self.calls.append(("list_prefix", [prefix]))
        return super()._list_prefix(prefix)

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        out = super()._get_many(keys)
        self._read("getitems", keys, out.values())
        return out

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        if not self.ranges:
            # Whole values through getitems (recorded as such), then sliced.
            return Store._get_ranges(self, requests)
        out = super()._get_ranges(requests)
        self._read("get_partial_values", requests, out)
        return out

    def _set_many(self, items: dict[str, bytes]) -> None:
        self.calls.append(("setitems", sorted(items)))
        super()._set_many(items)

    def _delete_many(self, keys: list[str]) -> None:
        self.calls.append(("delitems", keys))
        super()._delete_many(keys)

    def _identity(self) -> Any:
        return id(self)
