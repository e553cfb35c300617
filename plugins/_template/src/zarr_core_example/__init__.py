"""zarr-core-example: a template store plugin for zarr-core.

The store class is imported on first access, so that plugin discovery (which imports
:mod:`zarr_core_example.plugin`, and therefore this package) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr_core_example.store import ExampleStore

__all__ = ["ExampleStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zarr_core_example import store

        return getattr(store, name)
    raise AttributeError(f"module 'zarr_core_example' has no attribute {name!r}")
