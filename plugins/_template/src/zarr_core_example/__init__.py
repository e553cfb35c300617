"""zarr-core-example: a template store plugin for zarr-core.

The store class is imported on first access, so that plugin discovery (which imports
:mod:`zarr_core_example.plugin`, and therefore this package) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zarr_core.lazy import lazy_exports

if TYPE_CHECKING:
    from zarr_core_example.store import ExampleStore

__all__ = ["ExampleStore"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ExampleStore": "zarr_core_example.store",
    },
)
