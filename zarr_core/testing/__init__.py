"""Test helpers for zarr-core and its plugins: the store conformance kit and fixtures.

``zarr_core.testing.fixtures`` is registered as a pytest plugin (entry point ``pytest11``),
so the ``plugin_registry`` fixture is available in any test suite once zarr-core is
installed.
"""

from zarr_core.testing.store import HOSTILE_KEYS, StoreTests

__all__ = ["StoreTests", "HOSTILE_KEYS"]
