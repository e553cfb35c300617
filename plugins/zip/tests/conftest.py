"""Fixtures for the zip plugin's tests.

The S3 fixtures (a moto server on loopback, a fresh bucket per test) are zarr-core's own,
loaded from the checkout's ``tests/conftest.py``: pytest shares a conftest's fixtures only
below its directory, and copying them would let the two drift apart.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from zarr_core.testing.compat import peer_python

REPO = Path(__file__).resolve().parents[3]


def _core_conftest():
    spec = importlib.util.spec_from_file_location(
        "_zarr_core_tests_conftest", REPO / "tests" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_core = _core_conftest()
s3_endpoint = _core.s3_endpoint
s3_storage_options = _core.s3_storage_options
s3_bucket = _core.s3_bucket


def _peer(name: str) -> Path:
    # A skipped compatibility test checked nothing: this fails and says how to get the peer.
    return peer_python(name, REPO, hint="create it with `bash bench/setup.sh`")


@pytest.fixture(scope="session")
def zp2_python() -> Path:
    """The interpreter of the zarr-python 2.18 environment."""
    return _peer("zp2")


@pytest.fixture(scope="session")
def zp3_python() -> Path:
    """The interpreter of the zarr-python 3 environment."""
    return _peer("zp3")
