"""A store wrapper that records what is asked of it, for tests that count store requests.

Used to prove, for example, that opening a consolidated hierarchy reads metadata once,
or that a sharded read fetches only an index and the byte ranges it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from zarr_core.storage.base import ByteRange, Store
from zarr_core.storage.memory import KVStore

__all__ = ["CountingStore"]


class CountingStore(Store):
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
        ``get_partial_values`` (keys are ``(key, range)`` pairs), ``listdir``,
        ``list_prefix``, ``setitems``, ``delitems``.
    bytes_read : int
        Bytes returned by ``get``, ``getitems`` and ``get_partial_values``.
    """

    def __init__(self, inner: Store | None = None, ranges: bool | None = None):
        self.inner = inner if inner is not None else KVStore({})
        super().__init__(read_only=self.inner.read_only)
        self.ranges = self.inner.supports_partial_reads if ranges is None else ranges
        self.calls: list[tuple[str, list]] = []
        self.bytes_read = 0

    @property
    def data(self) -> Any:
        """The mapping behind the default inner store."""
        return self.inner._mutable_mapping  # type: ignore[attr-defined]

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

    def _get(self, key: str) -> bytes:
        self.calls.append(("get", [key]))
        value = self.inner[key]
        self.bytes_read += len(value)
        return value

    def _set(self, key: str, value: bytes) -> None:
        self.inner[key] = value

    def _delete(self, key: str) -> None:
        del self.inner[key]

    def _keys(self) -> Iterator[str]:
        self.calls.append(("keys", []))
        return iter(list(self.inner))

    def listdir(self, path: str = "") -> list[str]:
        self.calls.append(("listdir", [path]))
        return self.inner.listdir(path)

    def list_prefix(self, prefix: str) -> list[str]:
        self.calls.append(("list_prefix", [prefix]))
        return self.inner.list_prefix(prefix)

    def getitems(self, keys: Sequence[str]) -> dict[str, bytes]:
        keys = list(keys)
        self.calls.append(("getitems", keys))
        out = self.inner.getitems(keys)
        self.bytes_read += sum(len(v) for v in out.values())
        return out

    def get_partial_values(
        self, key_ranges: Iterable[tuple[str, ByteRange | None]]
    ) -> list[bytes | None]:
        requests = list(key_ranges)
        if not self.ranges:
            # Whole values through getitems (recorded as such), then sliced.
            return super().get_partial_values(requests)
        self.calls.append(("get_partial_values", requests))
        out = self.inner.get_partial_values(requests)
        self.bytes_read += sum(len(v) for v in out if v is not None)
        return out

    def setitems(self, values: Mapping[str, Any]) -> None:
        self.calls.append(("setitems", sorted(values)))
        self.inner.setitems(values)

    def delitems(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        self.calls.append(("delitems", keys))
        self.inner.delitems(keys)

    def _identity(self) -> Any:
        return id(self)
