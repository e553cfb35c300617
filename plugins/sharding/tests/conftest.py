"""Shared fixtures: a store that counts what is asked of it (``zarr_core.testing``)."""

from __future__ import annotations

import pytest

from zarr_core.testing.counting import CountingStore


@pytest.fixture
def counting():
    """Factory: ``counting(ranges=True)`` makes a new :class:`CountingStore`."""
    return lambda ranges=True: CountingStore(ranges=ranges)
