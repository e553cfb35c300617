"""PrefixStore: a view of the keys under one path of another store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zarr_core.storage.base import Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.keys import normalize_path
from zarr_core.storage.wrapper import WrapperStore

__all__ = ["PrefixStore"]


class PrefixStore(WrapperStore):
    """Expose the keys of ``store`` under ``prefix`` as a store of their own.

    Every primitive adds the prefix and calls the wrapped store's public method of the
    same job, batch and range calls included, so its native implementations are kept.
    """

    def __init__(self, store: Store, prefix: str):
        super().__init__(store)
        self.prefix = normalize_path(prefix)
        self._p = self.prefix + "/" if self.prefix else ""

    def _get(self, key: str) -> bytes:
        return self.store[self._p + key]

    def _set(self, key: str, value: bytes) -> None:
        self.store[self._p + key] = value

    def _delete(self, key: str) -> None:
        del self.store[self._p + key]

    def _contains(self, key: str) -> bool:
        return (self._p + key) in self.store

    def _keys(self) -> Iterable[str]:
        return self._list_prefix("")

    def _len(self) -> int:
        return len(self.store.list_prefix(self._p))

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        n = len(self._p)
        return {k[n:]: v for k, v in self.store.getitems([self._p + k for k in keys]).items()}

    def _set_many(self, items: dict[str, bytes]) -> None:
        self.store.setitems({self._p + k: v for k, v in items.items()})

    def _delete_many(self, keys: list[str]) -> None:
        self.store.delitems([self._p + k for k in keys])

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        return self.store.get_partial_values([(self._p + k, r) for k, r in requests])

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        return self.store.set_if_not_exists(self._p + key, value)

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        n = len(self._p)
        return [k[n:] for k in self.store.list_prefix(self._p + prefix)]

    def _list_dir(self, prefix: str) -> Iterable[str]:
        return self.store.listdir(self._p + prefix)

    def _delete_prefix(self, prefix: str) -> None:
        self.store.rmdir(self._p + prefix)

    def _getsize(self, path: str) -> int:
        return self.store.getsize(self._p + path)

    def _rename(self, src: str, dst: str) -> None:
        self.store.rename(self._p + src, self._p + dst)

    def _identity(self) -> Any:
        return (self.store, self.prefix)

    def __repr__(self) -> str:
        return f"<PrefixStore {self.prefix!r} of {self.store!r}>"
