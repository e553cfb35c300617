"""What arrays and groups have in common: where they live and how they are named."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from zarr_core.errors import ReadOnlyError

if TYPE_CHECKING:
    from zarr_core.node.attrs import Attributes
    from zarr_core.node.documents import NodeMetadata
    from zarr_core.storage.base import Store

__all__ = ["Node"]


class Node:
    """Base class of :class:`~zarr_core.Array` and :class:`~zarr_core.Group`."""

    _kind: ClassVar[str]
    _store: Store
    _chunk_store: Store | None
    _path: str
    _read_only: bool
    _node: NodeMetadata
    _attrs: Attributes

    @property
    def store(self) -> Store:
        """The store holding the metadata."""
        return self._store

    @property
    def chunk_store(self) -> Store:
        """The store holding the chunks (``store`` unless a separate one was given)."""
        return self._chunk_store if self._chunk_store is not None else self._store

    @property
    def path(self) -> str:
        """Path of the node inside the store (``""`` for the root)."""
        return self._path

    @property
    def name(self) -> str:
        """Absolute path of the node in the hierarchy (``"/"`` + path)."""
        return "/" + self._path

    @property
    def basename(self) -> str:
        """The last segment of the path."""
        return self._path.rsplit("/", 1)[-1]

    @property
    def read_only(self) -> bool:
        """Whether writes through this node are refused."""
        return self._read_only

    @property
    def zarr_format(self) -> int:
        """2 or 3."""
        return self._node.zarr_format

    @property
    def attrs(self) -> Attributes:
        """User attributes (a mutable mapping persisted as JSON)."""
        return self._attrs

    def _check_writable(self) -> None:
        if self._read_only:
            raise ReadOnlyError(f"{self._kind} {self.name!r}")
