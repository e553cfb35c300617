"""pytest fixtures shipped with zarr-core (loaded through the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest

from zarr_core.plugins import PluginRegistry, set_registry


@pytest.fixture
def plugin_registry():
    """A fresh plugin registry with only core's built-ins, installed process-wide.

    Register plugin objects (modules, classes or instances with ``@hookimpl`` methods)
    with ``plugin_registry.register(obj, name=..., distribution=...)``; nothing installed
    through entry points is visible, so tests do not depend on the environment. The
    previous registry is restored afterwards.
    """
    registry = PluginRegistry(autoload=False)
    previous = set_registry(registry)
    try:
        yield registry
    finally:
        set_registry(previous)


# The Dask kit's cluster, for any test suite (zarr_core.testing.dask).
from zarr_core.testing.dask import dask_client  # noqa: E402, F401
