"""PrefixStore: a view of the keys under one path of another store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from zarr_core.storage.base import ByteRange, Store
from zarr_core.storage.keys import normalize_path

__all__ = ["PrefixStore"]


class PrefixStore(Store):
    """Expose the keys of ``store`` under ``prefix`` as a store of their own.

    Every call is delegated to the wrapped store with the prefix added, batch and range
    calls included, so the wrapped store's native implementations are kept.
    """

    def __init__(self, store: Store, prefix: str):
        super().__init__(read_only=store.read_only, dimension_separator=store.dimension_separator)
        self.store = store
        self.prefix = normalize_path(prefix)
        self._p = self.prefix + "/" if self.prefix else ""

    @property
    def supports_partial_reads(self) -> bool:  # type: ignore[override]
        return self.store.supports_partial_reads

    def _get(self, key: str) -> bytes:
        return self.store[self._p + key]

    def _set(self, key: str, value: bytes) -> None:
        self.store[self._p + key] = value

    def _delete(self, key: str) -> None:
        del self.store[self._p + key]

    def _contains(self, key: str) -> bool:
        return (self._p + key) in self.store

    def _keys(self) -> Iterator[str]:
        n = len(self._p)
        return iter([k[n:] for k in self.store.list_prefix(self._p)])

    def list_prefix(self, prefix: str) -> list[str]:
        n = len(self._p)
        return [k[n:] for k in self.store.list_prefix(self._p + prefix)]

    def listdir(self, path: str = "") -> list[str]:
        return self.store.listdir(self._p + path.strip("/"))

    def rmdir(self, path: str = "") -> None:
        self.store.rmdir((self._p + path.strip("/")).rstrip("/"))

    def getsize(self, path: str = "") -> int:
        return self.store.getsize((self._p + path.strip("/")).rstrip("/"))

    def rename(self, src_path: str, dst_path: str) -> None:
        self.store.rename(self._p + src_path.strip("/"), self._p + dst_path.strip("/"))

    def getitems(self, keys: Sequence[str]) -> dict[str, bytes]:
        n = len(self._p)
        return {k[n:]: v for k, v in self.store.getitems([self._p + k for k in keys]).items()}

    def setitems(self, values: Mapping[str, Any]) -> None:
        self.store.setitems({self._p + k: v for k, v in values.items()})

    def delitems(self, keys: Iterable[str]) -> None:
        self.store.delitems([self._p + k for k in keys])

    def get_partial_values(
        self, key_ranges: Iterable[tuple[str, ByteRange | None]]
    ) -> list[bytes | None]:
        return self.store.get_partial_values((self._p + k, r) for k, r in key_ranges)

    def close(self) -> None:
        self.store.close()

    def flush(self) -> None:
        self.store.flush()

    def _identity(self) -> Any:
        return (self.store, self.prefix)

    def __repr__(self) -> str:
        return f"<PrefixStore {self.prefix!r} of {self.store!r}>"
