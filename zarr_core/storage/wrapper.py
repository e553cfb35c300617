"""WrapperStore: a store that delegates everything to another store.

Stores that add behaviour around another one -- a key prefix, consolidated metadata, a
storage transformer, a cache, request counting -- subclass :class:`WrapperStore` and
override only the primitives they change. Each primitive calls the wrapped store's public
method of the same job, so the wrapped store's native batches and ranges are kept (and its
own checks run: a wrapper cannot write past a read-only store it wraps).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from zarr_core.storage.base import Store
from zarr_core.storage.byte_range import ByteRange

__all__ = ["WrapperStore"]


class WrapperStore(Store):
    """Delegate every operation to ``store``.

    Parameters
    ----------
    store
        The wrapped store.
    read_only
        Make the wrapper read-only even when ``store`` is writable (a read-only ``store``
        always makes the wrapper read-only).
    """

    def __init__(self, store: Store, *, read_only: bool = False):
        super().__init__(
            read_only=read_only or store.read_only,
            dimension_separator=store.dimension_separator,
        )
        self.store = store

    @property
    def supports_partial_reads(self) -> bool:  # type: ignore[override]
        return self.store.supports_partial_reads

    @property
    def supports_listing(self) -> bool:  # type: ignore[override]
        return self.store.supports_listing

    @property
    def is_persistent(self) -> bool:  # type: ignore[override]
        return self.store.is_persistent

    @property
    def supports_multiprocess_writes(self) -> bool:  # type: ignore[override]
        return self.store.supports_multiprocess_writes

    @property
    def supports_transactions(self) -> bool:  # type: ignore[override]
        return self.store.supports_transactions

    @property
    def translates_metadata(self) -> bool:  # type: ignore[override]
        return self.store.translates_metadata

    @property
    def native_zarr_format(self) -> int | None:  # type: ignore[override]
        return self.store.native_zarr_format

    @property
    def batch_bytes(self) -> int | None:  # type: ignore[override]
        return self.store.batch_bytes

    def transaction(self) -> AbstractContextManager[None]:
        return self.store.transaction()

    # -- primitives ---------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        return self.store[key]

    def _set(self, key: str, value: bytes) -> None:
        self.store[key] = value

    def _delete(self, key: str) -> None:
        del self.store[key]

    def _contains(self, key: str) -> bool:
        return key in self.store

    def _keys(self) -> Iterable[str]:
        return iter(self.store)

    def _len(self) -> int:
        return len(self.store)

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        return self.store.getitems(keys)

    def _set_many(self, items: dict[str, bytes]) -> None:
        self.store.setitems(items)

    def _delete_many(self, keys: list[str]) -> None:
        self.store.delitems(keys)

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        return self.store.get_partial_values(requests)

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        return self.store.set_if_not_exists(key, value)

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        return self.store.list_prefix(prefix)

    def _list_dir(self, prefix: str) -> Iterable[str]:
        return self.store.listdir(prefix)

    def _delete_prefix(self, prefix: str) -> None:
        self.store.rmdir(prefix)

    def _getsize(self, path: str) -> int:
        return self.store.getsize(path)

    def _rename(self, src: str, dst: str) -> None:
        self.store.rename(src, dst)

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        self.store.close()
        super().close()

    def flush(self) -> None:
        self.store.flush()

    def _identity(self) -> Any:
        return self.store

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.store!r}>"
