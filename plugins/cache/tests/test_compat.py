"""Compatibility both ways with zarr-python 2.18 through a cache (the ``.peers/zp2`` env).

zarr-python 2.18 writes a hierarchy into a directory (its ``DirectoryStore``) that
zarr-core reads through ``file://...|cache:`` with a persistent cache, and reads what
zarr-core wrote through the cache. A cache must change nothing of what is stored.
"""

from __future__ import annotations

import pytest

from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests


class TestZarrPython2ThroughCache(ZarrPython2CompatTests):
    peer_store = PeerStore("DirectoryStore")
    suffix = ".zarr"

    @pytest.fixture(autouse=True)
    def _cache_dir(self, tmp_path):
        self.cache_dir = tmp_path / "cache"

    def store_url(self, path):
        return f"file://{path}|cache:?max_size=64MB&dir={self.cache_dir}"
