"""Helpers for the command-line tests: run ``python -m zarr_core`` and name backends.

Every test runs the real command in a subprocess. Backends are named by the URL a user
would type; memory is per process, so it has no URL here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import zarr_core


@dataclass
class Result:
    code: int
    out: str
    err: str


# Where the commands keep compiled modules. Without a cache (PYTHONDONTWRITEBYTECODE is
# set where these tests run) every command compiles zarr-core and the plugins again: a
# third of its CPU time, over a few hundred commands. Outside the source tree, which
# stays clean; Python checks each file's source stamp, so a stale entry is never used.
_BYTECODE = Path(tempfile.gettempdir()) / f"zarr-core-cli-tests-{os.getuid()}"


def _with_bytecode_cache(env: Mapping[str, str]) -> dict[str, str]:
    cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached.setdefault("PYTHONPYCACHEPREFIX", str(_BYTECODE))
    return cached


def run_many(
    *commands: Sequence[str],
    cwd: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> list[Result]:
    """Run ``python -m zarr_core ARGS`` for each of ``commands`` at the same time.

    For commands that do not depend on each other: most of a command's time is the
    interpreter starting and clients connecting, which overlap. Output is captured, so
    never a terminal.
    """
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "zarr_core", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=_with_bytecode_cache(os.environ if env is None else env),
        )
        for args in commands
    ]
    results = []
    for process in started:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for other in started:
                other.kill()
            raise
        results.append(Result(process.returncode, out, err))
    return results


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120, env: dict[str, str] | None = None
) -> Result:
    """Run ``python -m zarr_core ARGS``; output is captured, so never a terminal."""
    return run_many(args, cwd=cwd, timeout=timeout, env=env)[0]


@dataclass
class Backend:
    """A URL maker for one backend and the options its commands need."""

    name: str
    root: Path
    bucket: str | None = None
    storage_options: dict | None = None
    made: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        if self.name == "directory":
            return str(self.root / name)
        if self.name == "s3":
            return f"s3://{self.bucket}/{name}"
        suffix = {"zip": ".zip", "sqlite": ".db", "lmdb": ".lmdb", "dbm": ".dbm"}[self.name]
        if self.name == "zip":
            return f"zip://{self.root / name}{suffix}"  # zip:///abs/x.zip
        # scheme:////abs/x (SQLAlchemy's form: scheme:/// starts a relative path)
        return f"{self.name}:///{self.root / name}{suffix}"

    @property
    def options(self) -> list[str]:
        """Global options for ``zarr-core`` (S3's endpoint)."""
        if self.storage_options is None:
            return []
        return ["--storage-options", json.dumps(self.storage_options)]

    def open(self, url: str, mode: str = "r"):
        return zarr_core.open(url, mode=mode, storage_options=self.storage_options)


#: ``zarr-core tree`` of the sample hierarchy
SAMPLE_TREE = [
    "/",
    " ├── temps",
    " │   ├── deep",
    " │   │   └── z (2, 3, 4) int16",
    " │   └── x (60, 40) float32",
    " └── y (25,) int64",
]


def sample(fmt: int) -> dict[str, np.ndarray]:
    """The arrays of the sample hierarchy, by path."""
    return {
        "temps/x": np.arange(60 * 40, dtype="f4").reshape(60, 40),
        "temps/deep/z": np.arange(24, dtype="i2").reshape(2, 3, 4),
        "y": np.arange(25, dtype="i8") * (fmt + 1),
    }


def write_sample(backend: Backend, url: str, fmt: int) -> None:
    """A small hierarchy at ``url``: two groups below the root, three arrays."""
    root = zarr_core.open_group(
        url, mode="w", zarr_format=fmt, storage_options=backend.storage_options
    )
    try:
        root.attrs["title"] = "sample"
        for path, data in sample(fmt).items():
            chunks = tuple(max(1, s // 3) for s in data.shape)
            array = root.create_dataset(path, data=data, chunks=chunks)
            array.attrs["source"] = path
    finally:
        root.store.close()


def assert_sample(backend: Backend, url: str, fmt: int, arrays=None) -> None:
    """``url`` holds the sample's data (all arrays, or those named)."""
    root = backend.open(url)
    try:
        assert root.attrs["title"] == "sample"
        expected = sample(fmt)
        for path in arrays or expected:
            np.testing.assert_array_equal(root[path][...], expected[path])
            assert root[path].attrs["source"] == path
    finally:
        root.store.close()
