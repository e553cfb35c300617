"""Declarations of the zarr-core-directory plugin (cheap to import: no store code here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="directory",
            target="zarr_core_directory.store:DirectoryStore",
            schemes=("file",),
            description="one file per key under a local directory, with atomic writes",
        )
    ]
