"""zarr-core-n5: N5 containers read and written as Zarr v2 hierarchies.

Installing this distribution makes ``n5://`` URLs, paths ending in ``.n5`` and local
directories whose ``attributes.json`` holds an ``"n5"`` version open an :class:`N5Store`,
and adds the ``n5:`` URL-pipeline adapter (``s3://bucket/vol.n5|n5:``) and the Zarr v3
codec ``n5_default``. Classes are imported on first access, so that plugin discovery
(which imports :mod:`zarr_core_n5.plugin`) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_n5.errors import (
        N5AttributeWarning,
        N5MetadataError,
        N5TensorstoreWarning,
        N5UnsupportedError,
    )
    from zarr_core_n5.store import N5FSStore, N5Store
    from zarr_core_n5.wrapper import N5Container

_WHERE = {
    "N5Store": "store",
    "N5FSStore": "store",
    "N5Container": "wrapper",
    "N5AttributeWarning": "errors",
    "N5MetadataError": "errors",
    "N5TensorstoreWarning": "errors",
    "N5UnsupportedError": "errors",
}
__all__ = [
    "N5AttributeWarning",
    "N5Container",
    "N5FSStore",
    "N5MetadataError",
    "N5Store",
    "N5TensorstoreWarning",
    "N5UnsupportedError",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"zarr_core_n5.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'zarr_core_n5' has no attribute {name!r}")
