"""The contract of URL-pipeline adapters: the stages after the first in ``root|adapter:body``.

An adapter class is named by a plugin's :class:`~zarr_core.plugins.StoreSpec` with
``kind="adapter"``. Resolution (:mod:`zarr_core.storage.resolve`) opens the root stage,
then calls each adapter's :meth:`StoreAdapter.from_store` on what the stage before it
produced, left to right. What an adapter receives depends on :attr:`StoreAdapter.consumes`:

``"node"``
    the previous stage's store and the path inside it (``...|cache:``, ``...|n5:``);
``"value"``
    the store holding one stored value and that value's key, e.g. an archive
    (``s3://bucket/x.zip|zip:``: the store of ``s3://bucket`` and ``"x.zip"``);
``"format"``
    nothing: the adapter only pins the Zarr format of the node (``|zarr2:``, ``|zarr3:``),
    its body being a path below the previous stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from zarr_core.storage.base import Store

__all__ = ["StoreAdapter", "FormatAdapter", "Consumes"]

Consumes = Literal["node", "value", "format"]


class StoreAdapter:
    """Base class of URL-pipeline adapters (see the module docstring)."""

    #: What the adapter wraps.
    consumes: ClassVar[Consumes] = "node"

    @classmethod
    def from_store(
        cls, store: Store, path: str, body: str, *, mode: str = "a"
    ) -> tuple[Store, str]:
        """Wrap the previous stage: return the new store and the path inside it.

        Parameters
        ----------
        store
            The previous stage's store.
        path
            For ``consumes="node"`` the path inside ``store`` the previous stage names;
            for ``consumes="value"`` the key of the value to read (never empty).
        body
            The text after ``name:`` in this stage (a path, or ``?key=value`` options).
        mode
            The access mode the user asked for (``"r"``, ``"r+"``, ``"a"``, ``"w"``, ``"w-"``).
        """
        raise NotImplementedError(f"{cls.__name__} must implement from_store")


class FormatAdapter(StoreAdapter):
    """An adapter that pins the Zarr format of the node at its place in the pipeline."""

    consumes: ClassVar[Consumes] = "format"
    zarr_format: ClassVar[int]
