"""A store plugin as users meet it: installed, found by URL, holding groups and arrays.

Usage (a store plugin's ``tests/test_<name>.py``)::

    from zarr_core.testing.end_to_end import LocalStorePluginTests

    class TestThroughZarrCore(LocalStorePluginTests):
        store_class = SQLiteStore
        plugin = zarr_core_sqlite.plugin
        scheme = "sqlite"
        distribution = "zarr-core-sqlite"
        suffix_path = "x.sqlite3"
        group_url = "sqlite:///x.db"
        array_url = "sqlite:///y.db"

:class:`StorePluginTests` needs the plugin installed (its entry point is read) and
registers :attr:`~StorePluginTests.plugin` into the ``plugin_registry`` fixture for the
URL tests. :class:`LocalStorePluginTests` adds the URL form of stores over one local
file or directory, ``scheme:///relative`` and ``scheme:////absolute``
(:func:`zarr_core.storage.url.local_path`). Override :meth:`StorePluginTests.storage_options`
(it is a fixture, and may be parametrized) to open the URLs with storage options.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Any, ClassVar

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import ReadOnlyError, ZarrCoreError
from zarr_core.storage import Store, open_store

__all__ = ["LocalStorePluginTests", "StorePluginTests"]


class StorePluginTests:
    """The plugin's entry point, and groups and arrays written and read through its URLs.

    Subclasses set the class attributes below; the URLs are relative to the test's
    working directory, which is its ``tmp_path``.
    """

    #: The store class the plugin provides.
    store_class: ClassVar[type[Store]]
    #: The module (or object) holding the plugin's hook implementations.
    plugin: ClassVar[Any]
    #: The URL scheme the plugin claims, also the name it is registered under.
    scheme: ClassVar[str]
    #: The plugin's distribution name (``"zarr-core-sqlite"``).
    distribution: ClassVar[str]
    #: A plain path zarr-core opens with this plugin by its suffix, if it claims one.
    suffix_path: ClassVar[str | None] = None
    #: Whether ``zarr_core.storage`` offers the class by name (zarr-python 2's stores).
    in_zarr_core_storage: ClassVar[bool] = False
    #: Where the end-to-end test writes (and reads again) a hierarchy of groups.
    group_url: ClassVar[str]
    #: Where it writes a lone array, and where it reads it again (default: the same).
    array_url: ClassVar[str]
    array_read_url: ClassVar[str | None] = None

    @pytest.fixture
    def registered(self, plugin_registry):
        """A registry holding core's built-ins and this plugin (installed or not)."""
        plugin_registry.register(self.plugin, name=self.scheme, distribution=self.distribution)
        return plugin_registry

    @pytest.fixture
    def storage_options(self) -> dict[str, Any]:
        """Storage options for opening the end-to-end test's URLs (none by default)."""
        return {}

    def test_entry_point_is_installed(self):
        zarr_core.plugins.refresh()
        stage = zarr_core.which(f"{self.scheme}:///x")["stages"][0]
        assert (stage["distribution"], stage["target"]) == (
            self.distribution,
            f"{self.store_class.__module__}:{self.store_class.__qualname__}",
        )
        if self.suffix_path is not None:
            assert zarr_core.which(self.suffix_path)["stages"][0]["distribution"] == (
                self.distribution
            )
        listed = {p.distribution: p for p in zarr_core.plugins.list_plugins()}
        assert listed[self.distribution].schemes == [self.scheme]
        if self.in_zarr_core_storage:
            assert getattr(zarr_core.storage, self.store_class.__name__) is self.store_class

    @pytest.mark.parametrize("zarr_format", [2, 3])
    def test_groups_and_arrays_end_to_end(
        self, tmp_path, monkeypatch, zarr_format, storage_options
    ):
        monkeypatch.chdir(tmp_path)
        options = dict(storage_options)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            root = zarr_core.open(
                self.group_url, mode="w", zarr_format=zarr_format, storage_options=options
            )
        assert isinstance(root.store, self.store_class)
        root.attrs["title"] = "end to end"
        z = root.zeros("a/b", shape=(100, 60), chunks=(10, 7), dtype="f8")
        z[:55, 3:] = np.arange(55 * 57).reshape(55, 57)
        z.attrs["units"] = "K"
        arr = zarr_core.open(
            self.array_url,
            mode="w",
            shape=(1000,),
            chunks=(64,),
            dtype="i2",
            zarr_format=zarr_format,
            storage_options=options,
        )
        arr[:] = np.arange(1000) - 500
        root.store.close()
        arr.store.close()

        again = zarr_core.open(self.group_url, mode="r", storage_options=options)
        assert again.zarr_format == zarr_format and again.attrs["title"] == "end to end"
        expected = np.zeros((100, 60))
        expected[:55, 3:] = np.arange(55 * 57).reshape(55, 57)
        np.testing.assert_array_equal(again["a/b"][...], expected)
        assert again["a/b"].attrs["units"] == "K"
        assert list(again.group_keys()) == ["a"]
        arr = zarr_core.open(self.array_read_url or self.array_url, storage_options=options)
        np.testing.assert_array_equal(arr[:], np.arange(1000) - 500)
        arr.store.close()
        with pytest.raises(ReadOnlyError):
            again["a/b"][0, 0] = 1
        again.store.close()


class LocalStorePluginTests(StorePluginTests):
    """:class:`StorePluginTests` for stores over a local path named ``scheme:///path``."""

    #: Suffix of the file names the URL test uses (``rel<suffix>``, ``abs<suffix>``).
    url_suffix: ClassVar[str] = ".db"

    def test_local_urls(self, registered, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        scheme, rel, abs_ = self.scheme, f"rel{self.url_suffix}", f"abs{self.url_suffix}"
        relative = open_store(f"{scheme}:///{rel}")
        assert isinstance(relative, self.store_class)
        assert relative.path == str(tmp_path / rel)
        # tmp_path is absolute, so this is scheme:////tmp/...: four slashes.
        assert open_store(f"{scheme}:///{tmp_path}/{abs_}").path == str(tmp_path / abs_)
        assert open_store(f"{scheme}:///{rel}", mode="r").read_only
        with pytest.raises(ValueError, match="names a host"):
            open_store(f"{scheme}://{rel}")

    #: What opening a file of another kind (text) raises: a zarr-core error by default.
    foreign_file_error: ClassVar[type[BaseException]] = ZarrCoreError

    @pytest.mark.parametrize("mode", ["r", "a", "w"])
    def test_a_file_of_another_kind_is_refused_and_left_alone(
        self, registered, tmp_path, monkeypatch, mode
    ):
        monkeypatch.chdir(tmp_path)
        notes = tmp_path / f"notes{self.url_suffix}"
        text = "not a store\n" * 1000
        notes.write_text(text)
        with pytest.raises(self.foreign_file_error, match=re.escape(repr(str(notes)))):
            zarr_core.open(f"{self.scheme}:///{notes.name}", mode=mode, shape=3)
        # even mode="w" replaces a store's contents, never a file that is not a store
        assert notes.read_text() == text
        assert os.listdir(tmp_path) == [notes.name]
