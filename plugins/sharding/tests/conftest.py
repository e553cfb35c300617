"""Shared fixtures: a store that counts what is asked of it.

Test modules get the class through the ``counting`` fixture (with
``--import-mode=importlib`` they cannot import this module).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pytest

from zarr_core.storage import Store
from zarr_core.storage.base import ByteRange, slice_range


class CountingStore(Store):
    """An in-memory store recording every batch call and the bytes it returned.

    Parameters
    ----------
    ranges
        Whether it serves byte ranges natively (``supports_partial_reads``).
    """

    def __init__(self, ranges: bool = True):
        super().__init__()
        self.data: dict[str, bytes] = {}
        self.ranges = ranges
        self.calls: list[tuple[str, list]] = []
        self.bytes_read = 0

    @property
    def supports_partial_reads(self) -> bool:  # type: ignore[override]
        return self.ranges

    def reset(self) -> None:
        self.calls.clear()
        self.bytes_read = 0

    def reads(self) -> list[tuple[str, list]]:
        """The calls that fetched data (``getitems`` / ``get_partial_values``)."""
        return [c for c in self.calls if c[0] in ("getitems", "get_partial_values")]

    def _get(self, key: str) -> bytes:
        return self.data[key]

    def _set(self, key: str, value: bytes) -> None:
        self.data[key] = value

    def _delete(self, key: str) -> None:
        del self.data[key]

    def _keys(self) -> Iterator[str]:
        return iter(list(self.data))

    def getitems(self, keys: Sequence[str]) -> dict[str, bytes]:
        keys = list(keys)
        self.calls.append(("getitems", keys))
        out = {k: self.data[k] for k in keys if k in self.data}
        self.bytes_read += sum(len(v) for v in out.values())
        return out

    def get_partial_values(
        self, key_ranges: Iterable[tuple[str, ByteRange | None]]
    ) -> list[bytes | None]:
        requests = list(key_ranges)
        if not self.ranges:
            # the default: whole values through getitems (recorded as such), then slices
            return super().get_partial_values(requests)
        self.calls.append(("get_partial_values", requests))
        out = [slice_range(self.data[k], r) if k in self.data else None for k, r in requests]
        self.bytes_read += sum(len(v) for v in out if v is not None)
        return out

    def setitems(self, values: Any) -> None:
        self.calls.append(("setitems", sorted(values)))
        super().setitems(values)

    def delitems(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        self.calls.append(("delitems", keys))
        super().delitems(keys)


@pytest.fixture
def counting():
    """Factory: ``counting(ranges=True)`` makes a new :class:`CountingStore`."""
    return CountingStore
