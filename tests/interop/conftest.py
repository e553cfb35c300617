"""Fixtures for the interop tests: the peer implementations' interpreters.

The peers live in their own virtual environments (their versions conflict with ours and
with each other), created by ``ensure_peers`` in ``scripts/_env.sh``. A missing or
wrong peer is a failure, never a skip: a skipped interop test checked nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.interop._harness import Peer

REPO = Path(__file__).resolve().parents[2]

# What each environment must provide: distribution -> exact version (None: any version).
REQUIREMENTS = {
    "zp3": {"zarr": "3.4.2", "tensorstore": "0.1.86", "numcodecs": None},
    # msgpack: numcodecs' MsgPack object codec imports it lazily.
    "zp2": {"zarr": "2.18.7", "numcodecs": None, "msgpack": None},
}

_PROBE = """
import json, sys
from importlib.metadata import version, PackageNotFoundError
found = {}
for name in sys.argv[1:]:
    try:
        found[name] = version(name)
    except PackageNotFoundError:
        found[name] = None
print(json.dumps(found))
"""


def _peers_dir() -> Path:
    # Same default and override as scripts/_env.sh, which runs from the repository root.
    return REPO / os.environ.get("ZARR_CORE_PEERS", ".peers")


def _require_env(name: str) -> Path:
    python = _peers_dir() / name / "bin" / "python"
    hint = "create the peer environments with `bash scripts/test.sh` (it runs ensure_peers)"
    if not python.exists():
        pytest.fail(f"peer interpreter {python} is missing; {hint}", pytrace=False)
    wanted = REQUIREMENTS[name]
    proc = subprocess.run(
        [str(python), "-c", _PROBE, *wanted], capture_output=True, text=True, timeout=60
    )
    if proc.returncode != 0:
        pytest.fail(f"peer interpreter {python} does not run:\n{proc.stderr}", pytrace=False)
    found = json.loads(proc.stdout)
    problems = [
        f"{dist}=={version or 'any'} (found {found[dist]})"
        for dist, version in wanted.items()
        if found[dist] is None or (version is not None and found[dist] != version)
    ]
    if problems:
        pytest.fail(f"{python} needs {', '.join(problems)}; {hint}", pytrace=False)
    return python


@pytest.fixture(scope="session")
def zp3_env() -> Path:
    """Interpreter with zarr-python 3.4.2 and tensorstore 0.1.86."""
    return _require_env("zp3")


@pytest.fixture(scope="session")
def zp2_env() -> Path:
    """Interpreter with zarr-python 2.18.7."""
    return _require_env("zp2")


@pytest.fixture(scope="session")
def zarr_python3(zp3_env: Path) -> Peer:
    return Peer("zarr-python 3.4.2", zp3_env, "zp3_peer.py")


@pytest.fixture(scope="session")
def tensorstore_peer(zp3_env: Path) -> Peer:
    return Peer("tensorstore 0.1.86", zp3_env, "ts_peer.py")


@pytest.fixture(scope="session")
def zarr_python2(zp2_env: Path) -> Peer:
    return Peer("zarr-python 2.18.7", zp2_env, "zp2_peer.py")
