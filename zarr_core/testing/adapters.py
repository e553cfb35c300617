"""The adapter kit: conformance tests for a URL-pipeline adapter stage (``root|name:body``).

Usage (a plugin's ``tests/test_<name>_adapter.py``)::

    from zarr_core.testing.adapters import AdapterTests

    class TestZipAdapter(AdapterTests):
        scheme = "zip"
        distribution = "zarr-core-zip"
        writable = False

        def populate(self, root_url, tmp_path, build):
            ...  # make what build() writes readable through pipeline_url(root_url)

        def pipeline_url(self, root_url):
            return f"{root_url}/data.zip|zip:"

The kit builds a small hierarchy (a group with attributes, a format 2 and a format 3
array, or only format 2 for adapters whose format has only that: set ``formats``), asks
``populate`` to put it behind the adapter on several root stores (``memory://`` and a
local directory; add more with ``roots``), and checks that it reads back identically
through the pipeline URL, that ``which`` names the stage, that ``mode="r"`` gives a
read-only store, that writes go through when the adapter is ``writable``, and that the
adapter cannot start a pipeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import ReadOnlyError, URLPipelineError
from zarr_core.storage import Store, open_store

__all__ = ["AdapterTests", "build_hierarchy"]

_DATA = np.arange(48, dtype="<i4").reshape(6, 8)


def build_hierarchy(store: Store, formats: tuple[int, ...] = (2, 3)) -> None:
    """Write the kit's hierarchy into ``store``: a group per format with one array each."""
    for fmt in formats:
        group = zarr_core.open_group(store=store, path=f"v{fmt}", mode="w", zarr_format=fmt)
        group.attrs["format"] = fmt
        array = group.create_dataset("a", shape=_DATA.shape, chunks=(4, 4), dtype="<i4")
        array[...] = _DATA
        array.attrs["unit"] = "m"


class AdapterTests:
    """Conformance tests for an adapter (see the module docstring)."""

    #: The adapter's URL scheme (``zip`` for ``...|zip:``).
    scheme: ClassVar[str]
    #: The distribution providing it (what ``which`` reports).
    distribution: ClassVar[str]
    #: Whether the adapted store accepts writes (a cache does; an archive reader does not).
    writable: ClassVar[bool] = True
    #: The Zarr formats the hierarchy behind the adapter holds.
    formats: ClassVar[tuple[int, ...]] = (2, 3)

    def populate(self, root_url: str, tmp_path: Path, build: Callable[[Store], None]) -> None:
        """Make what ``build(store)`` writes readable through ``pipeline_url(root_url)``.

        The default suits adapters that wrap a node (``consumes = "node"``): it builds
        straight into the root store.
        """
        store = open_store(root_url, mode="w")
        build(store)
        store.close()

    def pipeline_url(self, root_url: str) -> str:
        """The URL that reads the populated data through the adapter."""
        return f"{root_url}|{self.scheme}:"

    @pytest.fixture(params=["memory", "directory"])
    def root_url(self, request: pytest.FixtureRequest, tmp_path: Path) -> str:
        """Root stages the adapter is stacked on; override to add more (S3, a server)."""
        if request.param == "memory":
            return f"memory://adapter-kit-{uuid.uuid4().hex}"
        return f"file://{tmp_path / 'root'}"

    @pytest.fixture
    def url(self, root_url: str, tmp_path: Path) -> str:
        self.populate(root_url, tmp_path, lambda store: build_hierarchy(store, self.formats))
        return self.pipeline_url(root_url)

    def test_reads_the_hierarchy_through_the_pipeline(self, url: str) -> None:
        for fmt in self.formats:
            group = zarr_core.open_group(url, path=f"v{fmt}", mode="r")
            assert dict(group.attrs) == {"format": fmt}
            array = group["a"]
            assert array.zarr_format == fmt and array.attrs["unit"] == "m"
            np.testing.assert_array_equal(array[...], _DATA)
            np.testing.assert_array_equal(array[1:5, 2:7], _DATA[1:5, 2:7])

    def test_which_names_the_stage(self, url: str) -> None:
        stage = zarr_core.which(url)["stages"][-1]
        assert stage["distribution"] == self.distribution
        assert stage["how"] == "scheme"

    def test_read_only_mode(self, url: str) -> None:
        store = open_store(url, mode="r")
        assert store.read_only
        with pytest.raises(ReadOnlyError):
            store["new"] = b"1"

    def test_writes_through_the_adapter(self, url: str) -> None:
        if not self.writable:
            with pytest.raises((ReadOnlyError, URLPipelineError, ValueError)):
                path = f"v{self.formats[0]}"
                zarr_core.open_group(url, path=path, mode="r+").attrs["x"] = 1
            return
        array = zarr_core.open_array(url, path=f"v{self.formats[0]}/a", mode="r+")
        array[0, :] = -1
        again = zarr_core.open_array(url, path=f"v{self.formats[0]}/a", mode="r")
        expected = _DATA.copy()
        expected[0, :] = -1
        np.testing.assert_array_equal(again[...], expected)

    def test_cannot_start_a_pipeline(self) -> None:
        from zarr_core.plugins import get_registry

        if get_registry().lookup("scheme", self.scheme, "root") is not None:
            # The scheme names a root store too (zip://x.zip): that one starts pipelines.
            assert zarr_core.which(f"{self.scheme}:///x")["stages"][0]["kind"] == "root"
            return
        with pytest.raises(URLPipelineError, match="adapter"):
            open_store(f"{self.scheme}://somewhere")
