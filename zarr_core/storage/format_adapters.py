"""The ``zarr2:`` and ``zarr3:`` URL-pipeline adapters: they pin the Zarr format of a node.

``file:///data/x.zarr|zarr2:`` opens the directory and tells the node layer to read or
write format 2 there; a body (``|zarr3:sub/group``) is a path below the previous stage.
"""

from __future__ import annotations

from zarr_core.storage.adapters import FormatAdapter

__all__ = ["Zarr2Adapter", "Zarr3Adapter"]


class Zarr2Adapter(FormatAdapter):
    """Pins Zarr format 2."""

    zarr_format = 2


class Zarr3Adapter(FormatAdapter):
    """Pins Zarr format 3."""

    zarr_format = 3
