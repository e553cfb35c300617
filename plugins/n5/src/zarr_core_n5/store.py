"""N5Store and N5FSStore: the N5 translation over a local directory and over fsspec.

Both are :class:`~zarr_core_n5.wrapper.N5Container` around a store of files, exactly as
zarr-python 2's classes of the same names: :class:`N5Store` over zarr-core's directory
store (atomic writes, native batches), :class:`N5FSStore` over
:class:`~zarr_core.storage.fsspec_store.FSStore` (S3, GCS, HTTP, ... anything fsspec
opens).
"""

from __future__ import annotations

import os
from typing import Any

from zarr_core.errors import InvalidArgumentError
from zarr_core.storage.base import mode_is_read_only
from zarr_core.storage.fsspec_store import FSStore
from zarr_core.storage.url import local_path
from zarr_core_n5.wrapper import N5Container

__all__ = ["N5FSStore", "N5Store"]


def _check_separator(dimension_separator: str | None) -> None:
    # zarr-python 2's signature; N5 nests blocks in directories ("/") and nothing else.
    if dimension_separator not in (None, "/"):
        raise InvalidArgumentError(
            f"N5 containers always nest their blocks with '/'; got dimension_separator="
            f"{dimension_separator!r}"
        )


class N5Store(N5Container):
    """An N5 container in a local directory, presented as a Zarr v2 hierarchy.

    Parameters
    ----------
    path
        The container's root directory (created on the first write).
    normalize_keys
        Lower-case every key (for case-insensitive file systems).
    dimension_separator
        Accepted for zarr-python 2 compatibility; N5 always nests blocks with ``"/"``.
    mode
        ``"r"`` opens read-only.
    read_only
        ``True`` is another way to say ``mode="r"``.

    Examples
    --------
    >>> import zarr_core
    >>> store = N5Store("data/example.n5")  # doctest: +SKIP
    >>> z = zarr_core.zeros((100, 40), chunks=(10, 8), store=store, zarr_format=2)  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        normalize_keys: bool = False,
        dimension_separator: str | None = "/",
        *,
        mode: str = "a",
        read_only: bool = False,
    ):
        from zarr_core_directory.store import DirectoryStore

        _check_separator(dimension_separator)
        read_only = read_only or mode_is_read_only(mode)
        super().__init__(DirectoryStore(path, normalize_keys=normalize_keys, read_only=read_only))
        self.path = self.store.path
        self.normalize_keys = bool(normalize_keys)

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> N5Store:
        """Open ``n5:///relative.n5``, ``n5:////absolute.n5`` or a plain path ``x.n5``.

        The only storage option is ``normalize_keys``.
        """
        cls._reject_options(storage_options, ("normalize_keys",))
        path = local_path(url, "n5", suffix=".n5", names="container")
        return cls(path, mode=mode, **storage_options)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "normalize_keys": self.normalize_keys,
            "read_only": self.read_only,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def __repr__(self) -> str:
        return f"<N5Store {self.path!r}{' (read-only)' if self.read_only else ''}>"


class N5FSStore(N5Container):
    """An N5 container at an fsspec URL, presented as a Zarr v2 hierarchy.

    Parameters
    ----------
    url
        The container's root: ``"s3://bucket/volume.n5"``, ``"/local/x.n5"``,
        ``"simplecache::https://..."``.
    mode
        ``"r"`` opens read-only.
    storage_options
        For :class:`~zarr_core.storage.fsspec_store.FSStore` and the filesystem
        (credentials, ``endpoint_url``, ``normalize_keys``, ...); a
        ``dimension_separator`` other than ``"/"`` is refused.
    """

    def __init__(self, url: str, *, mode: str = "w", **storage_options: Any):
        _check_separator(storage_options.pop("dimension_separator", None))
        storage_options.pop("key_separator", None)
        super().__init__(FSStore(url, mode=mode, **storage_options))
        self.url = url
        self.mode = mode
        self.storage_options = storage_options

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> N5FSStore:
        return cls(url, mode=mode, **storage_options)

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "mode": self.mode, **self.storage_options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.__init__(state.pop("url"), mode=state.pop("mode"), **state)

    def __repr__(self) -> str:
        return f"<N5FSStore {self.url!r}{' (read-only)' if self.read_only else ''}>"
