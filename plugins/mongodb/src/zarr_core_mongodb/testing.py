"""pytest fixtures: real MongoDB wire-protocol servers on loopback, for tests and doctests.

Registered as a ``pytest11`` entry point of zarr-core-mongodb, so these fixtures exist in
any test run where the plugin is installed (its own tests, zarr-core's doc tests, third
parties' tests). No MongoDB ``mongod`` can be installed on zarr-core's CI machines, so the
servers are two independent implementations of the wire protocol, both from PyPI (the
plugin's ``[test]`` extra): SecantusDB (Python on WiredTiger) and nx-27017 (Python on
SQLite). Each runs as a subprocess with its data in a temporary directory.

``mongodb_server`` is parametrised over both, so every test that uses it runs twice;
``mongodb_private_server`` is a server of the same kind for one test alone (for tests that
kill or restart it). ``secantusdb_server`` and ``nx27017_server`` are the two session
servers by name (doctests cannot be parametrised). A server that cannot start fails the
test with its log; nothing is skipped.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zarr_core.testing.servers import ServerProcess, find_executable

__all__ = [
    "SERVER_KINDS",
    "database_name",
    "mongodb_client",
    "mongodb_server_process",
    "mongodb_store",
    "mongodb_url",
]

#: The server implementations every test runs against, by name.
SERVER_KINDS = ("secantusdb", "nx-27017")


def _command(kind: str) -> list[str]:
    bindir = Path(sys.executable).parent  # console scripts of the test environment
    if kind == "secantusdb":
        exe = find_executable(bindir / "secantusd-py", "secantusd-py")
        return [
            exe, "--host", "127.0.0.1", "--port", "{port}", "--storage-path", "{dir}/data",
            "--log-level", "WARNING", "--standalone", "--cache-size", "256M",
        ]  # fmt: skip
    if kind == "nx-27017":
        exe = find_executable(bindir / "nx-27017", "nx-27017")
        # Its default log and pid files are shared by every instance: give each its own.
        return [
            exe, "--host", "127.0.0.1", "-p", "{port}", "--db", "{dir}/data.db",
            "--log-file", "{dir}/nx.log", "--pid-file", "{dir}/nx.pid",
        ]  # fmt: skip
    raise ValueError(f"unknown MongoDB test server {kind!r}; expected one of {SERVER_KINDS}")


def mongodb_client(server: ServerProcess, **kwargs: Any):
    """A pymongo client connected straight to ``server`` (short timeouts: a test fails
    fast instead of waiting 30 s for a dead server)."""
    import pymongo

    options = {"directConnection": True, "serverSelectionTimeoutMS": 5000, **kwargs}
    return pymongo.MongoClient(server.host, server.port, **options)


def mongodb_store(server: ServerProcess, database: str, collection: str = "zarr", **kwargs: Any):
    """A :class:`~zarr_core_mongodb.MongoDBStore` on ``server`` (short server selection
    timeout, direct connection); ``kwargs`` go to the store."""
    from zarr_core_mongodb.store import MongoDBStore

    options = {"directConnection": True, "serverSelectionTimeoutMS": 5000, **kwargs}
    return MongoDBStore(database, collection, host=server.host, port=server.port, **options)


def database_name(seed: object) -> str:
    """A database name unique to ``seed`` (e.g. a test's ``tmp_path``); MongoDB allows 63
    characters and no ``/``, ``.`` or spaces."""
    return "t" + hashlib.sha1(str(seed).encode()).hexdigest()[:20]


def mongodb_url(server: ServerProcess, database: str, collection: str = "zarr") -> str:
    """The store URL of ``database``/``collection`` on ``server``."""
    return f"mongodb://{server.address}/{database}/{collection}?directConnection=true"


def _ping(server: ServerProcess) -> None:
    client = mongodb_client(server, serverSelectionTimeoutMS=300)
    try:
        client.admin.command("ping")
    finally:
        client.close()


def mongodb_server_process(
    kind: str, workdir: str | Path, *, port: int | None = None
) -> ServerProcess:
    """A (not yet started) server of ``kind`` keeping its data in ``workdir``.

    Restarting it (``kill()`` then ``start()``) keeps the port and the data.
    """
    return ServerProcess(kind, _command(kind), ready=_ping, workdir=workdir, port=port)


def _serve(kind: str, factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with mongodb_server_process(kind, factory.mktemp(kind)) as server:
        yield server


@pytest.fixture(scope="session")
def secantusdb_server(tmp_path_factory) -> Iterator[ServerProcess]:
    """A SecantusDB server for the whole session."""
    yield from _serve("secantusdb", tmp_path_factory)


@pytest.fixture(scope="session")
def nx27017_server(tmp_path_factory) -> Iterator[ServerProcess]:
    """An nx-27017 server for the whole session."""
    yield from _serve("nx-27017", tmp_path_factory)


@pytest.fixture(scope="session", params=SERVER_KINDS)
def mongodb_server_kind(request) -> str:
    """The name of the server implementation a test runs against (both, in turn)."""
    return request.param


@pytest.fixture(scope="session")
def mongodb_server(mongodb_server_kind, request) -> ServerProcess:
    """A running server of each kind in turn, shared by the session."""
    name = {"secantusdb": "secantusdb_server", "nx-27017": "nx27017_server"}
    return request.getfixturevalue(name[mongodb_server_kind])


@pytest.fixture
def mongodb_private_server(mongodb_server_kind, tmp_path) -> Iterator[ServerProcess]:
    """A server of the current kind for one test alone, free to kill and restart."""
    with mongodb_server_process(mongodb_server_kind, tmp_path / "server") as server:
        yield server
