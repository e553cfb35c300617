"""Real servers for the tests of networked store plugins: start, wait, kill, restart.

A :class:`ServerProcess` runs a server binary (redis-server, a MongoDB-wire-protocol
server, Azurite, ...) on a free loopback port in a temporary directory, waits until a
readiness probe succeeds, and stops it with ``terminate`` -> ``wait`` -> ``kill``. Failure
tests use :meth:`ServerProcess.kill` (SIGKILL, like a crash) and :meth:`ServerProcess.start`
again on the same port and data directory. A server that cannot be found or does not
become ready is a test failure with the server's log in the message, never a skip.

Usage, in a plugin's ``tests/conftest.py``::

    @pytest.fixture(scope="session")
    def redis_server(tmp_path_factory):
        server = ServerProcess(
            "redis",
            ["redis-server", "--port", "{port}", "--bind", "127.0.0.1", "--dir", "{dir}"],
            ready=lambda s: redis.Redis(port=s.port).ping(),
            workdir=tmp_path_factory.mktemp("redis"),
        )
        with server:
            yield server
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ServerProcess", "free_port", "find_executable"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_executable(*candidates: str | os.PathLike[str]) -> str:
    """The first of ``candidates`` that exists (as a path or on ``PATH``).

    Raises ``FileNotFoundError`` naming every candidate, for the test command to fix.
    """
    for candidate in candidates:
        found = shutil.which(os.fspath(candidate))
        if found:
            return found
    raise FileNotFoundError(
        f"none of {[os.fspath(c) for c in candidates]} is installed; run the README's test "
        f"command (bash scripts/test.sh), which installs every server the tests need"
    )


class ServerProcess:
    """A server subprocess on 127.0.0.1.

    Parameters
    ----------
    name
        For messages.
    command
        The argument list; ``{port}`` and ``{dir}`` are replaced by the port and the
        working directory.
    ready
        Called with this object until it returns without raising (and not ``False``);
        the server is then ready.
    workdir
        The server's working/data directory (kept across restarts).
    port
        Fixed port (default: a free one, kept across restarts).
    timeout
        Seconds to wait for readiness.
    env
        Extra environment variables.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        ready: Callable[[ServerProcess], Any],
        workdir: str | os.PathLike[str],
        *,
        port: int | None = None,
        timeout: float = 30.0,
        env: dict[str, str] | None = None,
    ):
        self.name = name
        self.command = list(command)
        self.ready = ready
        self.workdir = Path(workdir)
        self.port = port if port is not None else free_port()
        self.timeout = timeout
        self.env = env
        self.process: subprocess.Popen | None = None
        self._log: list[str] = []
        self._drain: threading.Thread | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log(self) -> str:
        """What the server printed (stdout and stderr together), last 200 lines."""
        return "".join(self._log[-200:])

    def start(self) -> ServerProcess:
        """Start the server (again, after :meth:`kill`/:meth:`stop`) and wait until ready."""
        if self.process is not None and self.process.poll() is None:
            return self
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = [a.format(port=self.port, dir=self.workdir) for a in self.command]
        env = {**os.environ, **(self.env or {})}
        self.process = subprocess.Popen(
            args,
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
            start_new_session=True,  # a kill of the test run's group does not reach it first
        )
        # Keep reading its output, so a chatty server never blocks on a full pipe.
        self._drain = threading.Thread(target=self._read_output, args=(self.process,), daemon=True)
        self._drain.start()
        self._wait_ready()
        return self

    def _read_output(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._log.append(line)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        last: BaseException | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"the {self.name} server exited with code {self.process.returncode} before "
                    f"it was ready; its output:\n{self.log}"
                )
            try:
                if self.ready(self) is not False:
                    return
            except Exception as exc:  # not ready yet
                last = exc
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(
            f"the {self.name} server on {self.address} was not ready after {self.timeout} s "
            f"(last probe error: {last!r}); its output:\n{self.log}"
        )

    def kill(self) -> None:
        """SIGKILL the server, as a crash would, and wait for it to be gone."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL if it is still running after 5 s."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        except ProcessLookupError:
            pass

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerProcess {self.name} on {self.address}>"
