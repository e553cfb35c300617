"""zarr-core-n5: N5 containers read and written as Zarr v2 hierarchies.

Installing this distribution makes ``n5://`` URLs, paths ending in ``.n5`` and local
directories whose ``attributes.json`` holds an ``"n5"`` version open an :class:`N5Store`,
and adds the ``n5:`` URL-pipeline adapter (``s3://bucket/vol.n5|n5:``) and the Zarr v3
codec ``n5_default``. Classes are imported on first access, so that plugin discovery
(which imports :mod:`zarr_core_n5.plugin`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_n5.errors import (
        N5AttributeWarning,
        N5MetadataError,
        N5TensorstoreWarning,
        N5UnsupportedError,
    )
    from zarr_core_n5.store import N5FSStore, N5Store
    from zarr_core_n5.wrapper import N5Container

__all__ = [
    "N5AttributeWarning",
    "N5Container",
    "N5FSStore",
    "N5MetadataError",
    "N5Store",
    "N5TensorstoreWarning",
    "N5UnsupportedError",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "N5AttributeWarning": "zarr_core_n5.errors",
        "N5Container": "zarr_core_n5.wrapper",
        "N5FSStore": "zarr_core_n5.store",
        "N5MetadataError": "zarr_core_n5.errors",
        "N5Store": "zarr_core_n5.store",
        "N5TensorstoreWarning": "zarr_core_n5.errors",
        "N5UnsupportedError": "zarr_core_n5.errors",
    },
)
