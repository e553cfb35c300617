"""pytest fixtures of zarr-core-n5 (a ``pytest11`` entry point): a real S3 server for N5.

N5 containers are often read from object stores (``s3://bucket/volume.n5|n5:``). These
fixtures start moto's S3 server as a subprocess on a free loopback port with
:class:`zarr_core.testing.servers.ServerProcess`, for this plugin's tests, the doctests
of its documentation and anyone testing N5 over S3:

``n5_s3_server``
    The server (session-scoped).
``n5_s3``
    A new, empty bucket on it, as an :class:`S3Bucket` (``url`` and ``storage_options``
    for s3fs/fsspec).

The server needs ``moto[server]`` and ``s3fs`` (this distribution's ``test`` extra).
"""

from __future__ import annotations

import sys
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from zarr_core.testing.servers import ServerProcess, find_executable

__all__ = ["S3Bucket", "n5_s3", "n5_s3_server"]

_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass
class S3Bucket:
    """An empty bucket on the test server."""

    name: str
    endpoint: str
    storage_options: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"s3://{self.name}"


def _probe(server: ServerProcess) -> None:
    urllib.request.urlopen(f"http://{server.address}/moto-api/", timeout=2).close()


@pytest.fixture(scope="session")
def n5_s3_server(tmp_path_factory: pytest.TempPathFactory):
    """moto's S3 server on 127.0.0.1, started for the session."""
    executable = find_executable(Path(sys.executable).with_name("moto_server"), "moto_server")
    server = ServerProcess(
        "moto S3",
        [executable, "-H", "127.0.0.1", "-p", "{port}"],
        ready=_probe,
        workdir=tmp_path_factory.mktemp("moto"),
        env={**_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    with server:
        yield server


@pytest.fixture
def n5_s3(n5_s3_server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> S3Bucket:
    """A new, empty bucket on :func:`n5_s3_server`."""
    import s3fs

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # A region in client_kwargs would make s3fs send a LocationConstraint that S3 (and
    # moto) refuse for us-east-1: give it through the environment.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    endpoint = f"http://{n5_s3_server.address}"
    options = {
        "key": _CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "secret": _CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "client_kwargs": {"endpoint_url": endpoint},
        "use_listings_cache": False,
    }
    bucket = f"n5-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**options).mkdir(bucket)
    return S3Bucket(bucket, endpoint, options)
