"""The plugin as users meet it: installed, found by its ``cache:`` stage, holding groups
and arrays written and read again through a persistent cache (zarr-core's end-to-end kit)."""

from __future__ import annotations

import zarr_core_cache.plugin
from zarr_core_cache import CacheStore

import zarr_core
from zarr_core.testing.end_to_end import StorePluginTests


class TestThroughZarrCore(StorePluginTests):
    store_class = CacheStore
    plugin = zarr_core_cache.plugin
    scheme = "cache"
    distribution = "zarr-core-cache"
    group_url = "file:///group.zarr|cache:?dir=cache-dir&max_size=64MB"
    array_url = "file:///array.zarr|cache:?dir=cache-dir&max_age=3600"

    def test_entry_point_is_installed(self):
        # An adapter is a later stage of a pipeline: the kit's `cache:///x` would be a root.
        zarr_core.plugins.refresh()
        stage = zarr_core.which("memory://x|cache:")["stages"][1]
        assert (stage["distribution"], stage["target"], stage["kind"]) == (
            self.distribution,
            "zarr_core_cache.cache_store:CacheStore",
            "adapter",
        )
        listed = {p.distribution: p for p in zarr_core.plugins.list_plugins()}
        assert listed[self.distribution].schemes == [self.scheme]
