"""Core's own plugin: the stores that ship with ``zarr-core`` itself.

Registered before any entry-point plugin and marked built-in, so a plugin that declares the
same scheme wins without a conflict warning (the directory plugin serves ``file:`` when
installed; without it, local paths open through fsspec's local filesystem).
"""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="memory",
            target="zarr_core.storage.memory:MemoryStore",
            schemes=("memory",),
            description="in-memory store; memory://name is shared within the process",
        ),
        StoreSpec(
            name="file",
            target="zarr_core.storage.fsspec_store:FSStore",
            schemes=("file",),
            description="local files through fsspec (fallback when zarr-core-directory is absent)",
        ),
        StoreSpec(
            name="zarr2",
            target="zarr_core.storage.format_adapters:Zarr2Adapter",
            schemes=("zarr2",),
            kind="adapter",
            description="pin Zarr format 2 for the node at this point of a URL pipeline",
        ),
        StoreSpec(
            name="zarr3",
            target="zarr_core.storage.format_adapters:Zarr3Adapter",
            schemes=("zarr3",),
            kind="adapter",
            description="pin Zarr format 3 for the node at this point of a URL pipeline",
        ),
    ]
