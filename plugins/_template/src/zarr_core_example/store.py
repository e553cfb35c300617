"""ExampleStore: the smallest complete zarr-core store, over a plain ``dict``.

Replace the dict with your backend. What each part is for:

* five primitives (``_get``, ``_set``, ``_delete``, ``_keys``, ``_contains``) -- the base
  class's public methods validate keys and enforce read-only mode once, then call them;
* optional native primitives that replace the base's loops over those five (here
  ``_get_many``; also ``_set_many``, ``_delete_many``, ``_get_ranges``,
  ``_set_if_not_exists``, ``_list_prefix``, ``_list_dir``, ``_delete_prefix``,
  ``_getsize``, ``_rename``, ``_len``: see :mod:`zarr_core.storage.base`). Keys arrive
  valid, so a primitive never checks them again; public methods are never overridden;
* ``from_url`` -- how ``zarr_core.open_store("example://...")`` builds the store;
* equality and pickling.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zarr_core.storage.base import Store, mode_is_read_only

__all__ = ["ExampleStore"]

# Stores opened as example://<name> share data within the process, like memory://<name>.
_NAMED: dict[str, dict[str, bytes]] = {}


class ExampleStore(Store):
    """A store over a ``dict`` (the template's stand-in for a real backend).

    Parameters
    ----------
    data
        The dict holding the values (used directly, not copied); a new one if omitted.
    read_only
        Refuse every write.
    dimension_separator
        Default chunk-key separator for new Zarr v2 arrays.
    """

    # Capability flags. A backend that reads byte ranges natively sets
    # supports_partial_reads and overrides _get_ranges; one whose data outlives
    # the object (a file, a server) sets is_persistent and pickles by location.
    supports_partial_reads = False
    is_persistent = False

    def __init__(
        self,
        data: dict[str, bytes] | None = None,
        *,
        read_only: bool = False,
        dimension_separator: str | None = None,
    ):
        super().__init__(read_only=read_only, dimension_separator=dimension_separator)
        self._data = {} if data is None else data

    # -- the five primitives (keys arrive validated) -------------------------------------
    def _get(self, key: str) -> bytes:
        return self._data[key]  # KeyError when missing, as the contract asks

    def _set(self, key: str, value: bytes) -> None:
        self._data[key] = value

    def _delete(self, key: str) -> None:
        del self._data[key]

    def _keys(self) -> Iterable[str]:
        return list(self._data)  # a snapshot: callers may write while iterating

    def _contains(self, key: str) -> bool:
        return key in self._data

    # -- a native batch read (one query / pipeline / transaction in a real backend) ------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        data = self._data
        return {key: data[key] for key in keys if key in data}

    # -- identity and pickling ------------------------------------------------------------
    # Pickling copies the dict (the default), so copies compare by content. A persistent
    # store instead returns its location from _identity() and defines __getstate__ /
    # __setstate__ that reopen it; a store over a local path subclasses
    # zarr_core.storage.base.PathStore, which reopens from what __getstate__ returns.
    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._data == other._data  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<ExampleStore with {len(self._data)} keys{' (read-only)' if self.read_only else ''}>"
        )

    # -- construction from URLs ------------------------------------------------------------
    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> ExampleStore:
        """``example://`` opens a new store; ``example://<name>`` one shared in this process."""
        # List the storage options you accept; anything else is an error naming them.
        cls._reject_options(storage_options)
        name = url.split("://", 1)[1].strip("/") if "://" in url else ""
        data = _NAMED.setdefault(name, {}) if name else {}
        return cls(data, read_only=mode_is_read_only(mode))
