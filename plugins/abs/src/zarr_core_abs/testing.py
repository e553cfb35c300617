"""Azurite, Microsoft's Azure Blob Storage emulator, for tests: a pytest plugin.

Registered as the ``pytest11`` entry point ``zarr_core_abs``, so installing zarr-core-abs
gives every pytest run (this plugin's tests, zarr-core's documentation doctests, third
parties) these fixtures:

``azurite`` (session)
    An :class:`AzuriteServer` keeping blobs in memory, on a free loopback port.
``azurite_connection_string`` (session)
    Its connection string (the emulator's well-known account ``devstoreaccount1``).
``azurite_on_disk`` (function)
    A fresh server with its data in the test's ``tmp_path`` (``--location``), for tests
    that kill and restart it.

Azurite is the npm package ``azurite``: ``azurite-blob`` on ``PATH``, or under
``$ZARR_CORE_NODE_PREFIX`` (default ``.node``) in the working directory or pytest's
rootdir, where zarr-core's ``scripts/_env.sh`` (``ensure_servers``) installs it. A missing
Azurite fails the test that asks for it, naming the command that installs it.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from zarr_core.testing.servers import ServerProcess, find_executable

__all__ = ["ACCOUNT", "KEY", "AzuriteServer", "find_azurite"]

#: The emulator's well-known development account and its key (public, from Azurite's docs).
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def find_azurite(*roots: str | os.PathLike[str]) -> str:
    """The ``azurite-blob`` executable: on ``PATH``, else in ``<root>/.node`` for ``roots``."""
    prefix = os.environ.get("ZARR_CORE_NODE_PREFIX", ".node")
    candidates = ["azurite-blob"]
    for root in (Path.cwd(), *map(Path, roots)):
        candidates.append(str(Path(root) / prefix / "node_modules" / ".bin" / "azurite-blob"))
    try:
        return find_executable(*candidates)
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"{exc}. Azurite comes from npm: `source scripts/_env.sh && ensure_servers` in "
            f"the zarr-core checkout, or `npm install --prefix .node azurite@3.35.0`"
        ) from None


def _listening(server: ServerProcess) -> bool:
    with socket.create_connection((server.host, server.port), timeout=0.5):
        return True


class AzuriteServer(ServerProcess):
    """Azurite's blob service on a free loopback port (see :class:`ServerProcess`).

    Parameters
    ----------
    executable
        The ``azurite-blob`` command (:func:`find_azurite`).
    workdir
        Its working directory; also where it keeps blobs when ``on_disk``.
    on_disk
        Keep blobs in ``workdir`` (``--location``), so they outlive a restart, rather
        than in memory.
    """

    def __init__(self, executable: str, workdir: str | os.PathLike[str], *, on_disk: bool = False):
        # --skipApiVersionCheck: azure-storage-blob asks for newer service versions than
        # this Azurite knows. --loose: accept headers Azurite does not implement.
        storage = ["--location", "{dir}"] if on_disk else ["--inMemoryPersistence"]
        command = [
            executable,
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            "{port}",
            *storage,
            "--skipApiVersionCheck",
            "--loose",
            "--disableTelemetry",
            "--silent",
        ]
        super().__init__("Azurite", command, ready=_listening, workdir=workdir)

    @property
    def account_url(self) -> str:
        """The blob endpoint of the emulator's account."""
        return f"http://{self.host}:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={self.account_url};"
        )

    def __repr__(self) -> str:
        return f"<AzuriteServer on {self.address}>"


@pytest.fixture(scope="session")
def azurite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Azurite with blobs in memory, for the whole test session."""
    server = AzuriteServer(
        find_azurite(request.config.rootpath), tmp_path_factory.mktemp("azurite")
    )
    with server:
        yield server


@pytest.fixture(scope="session")
def azurite_connection_string(azurite: AzuriteServer) -> str:
    """The connection string of the session's Azurite."""
    return azurite.connection_string


@pytest.fixture
def azurite_on_disk(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh Azurite with its blobs in ``tmp_path/azurite``, stopped after the test."""
    server = AzuriteServer(
        find_azurite(request.config.rootpath), tmp_path / "azurite", on_disk=True
    )
    with server:
        yield server
