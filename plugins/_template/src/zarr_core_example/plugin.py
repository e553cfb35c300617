"""Hook implementations: what this plugin provides, declared without importing it.

zarr-core imports this module when it discovers plugins, so keep it cheap: name the store
class with a lazy ``"module:Class"`` string and import nothing heavy here.
"""

from __future__ import annotations

from zarr_core.plugins import StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="example",
            target="zarr_core_example.store:ExampleStore",
            schemes=("example",),  # serves example://...
            suffixes=(),  # e.g. (".example",) to claim plain paths ending so
            kind="root",  # "adapter" for stores that wrap the previous URL-pipeline stage
            description="example in-memory store (template for new plugins)",
        )
    ]
