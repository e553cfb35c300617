"""Declarations of the zarr-core-zip plugin (cheap to import: no store code here)."""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="zip",
            target="zarr_core_zip.store:ZipStore",
            schemes=("zip",),
            suffixes=(".zip",),
            description="a local zip file, read and written in place",
        ),
        StoreSpec(
            name="zip-reader",
            target="zarr_core_zip.reader:ZipReader",
            schemes=("zip",),
            kind="adapter",
            description="reads a zip archive held in any store through byte ranges (…|zip:)",
        ),
    ]
