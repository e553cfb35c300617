"""Fixtures for the n5 plugin's tests: the peer interpreters and the script they run.

The S3 server fixtures (``n5_s3``) come from :mod:`zarr_core_n5.testing`, this
distribution's pytest plugin.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from zarr_core.testing.compat import peer_python

REPO = Path(__file__).resolve().parents[3]
PEER_SCRIPT = Path(__file__).resolve().with_name("_peer_n5.py")


@pytest.fixture(scope="session")
def zp2_python() -> Path:
    """The interpreter of the zarr-python 2.18 environment (fails if missing)."""
    return peer_python("zp2", REPO)


@pytest.fixture(scope="session")
def zp3_python() -> Path:
    """The interpreter of the zarr-python 3 + tensorstore environment (fails if missing)."""
    return peer_python("zp3", REPO)


@pytest.fixture(scope="session")
def run_peer():
    """``run_peer(python, job, *args)`` runs ``_peer_n5.py``; a failure fails the test with
    the peer's stderr."""

    def run(python: Path, *args: object) -> None:
        proc = subprocess.run(
            [str(python), str(PEER_SCRIPT), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert proc.returncode == 0, proc.stderr

    return run
