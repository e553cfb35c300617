"""Servers for the remote workloads, on loopback, in threads of the driver process.

* :class:`LatencyHTTPServer`: the standard library's ``ThreadingHTTPServer`` serving a
  directory, sleeping a fixed time in every request (a stand-in for a distant server).
* :class:`MotoS3Server`: moto's S3 emulation behind werkzeug's threaded server, the
  application moto's ``ThreadedMotoServer`` runs, here wrapped to count requests.

Both count the requests they answer and the most they had in flight at once, which shows
how many requests each client keeps open: the number that bounds a latency-bound read.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# The well-known fake credentials moto accepts; every client reads them from the
# environment (tensorstore's "environment" credentials, botocore's default chain).
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class RequestCounter:
    """Requests answered (by HTTP method) and the peak number in flight, since :meth:`reset`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.methods: collections.Counter[str] = collections.Counter()
        self.peak_in_flight = 0

    def reset(self) -> None:
        with self._lock:
            self.methods.clear()
            self.peak_in_flight = 0

    @contextlib.contextmanager
    def track(self, method: str) -> Iterator[None]:
        """Count one request for the time it is being answered."""
        with self._lock:
            self.methods[method] += 1
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a client opening 100
    # connections at once, and each dropped SYN costs a 1 s retransmission: a benchmark
    # of the kernel's backlog, not of the clients. Real servers listen with far more.
    request_queue_size = 1024


class _LatencyHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as HTTP clients and servers use it

    def __init__(self, *args: Any, latency: float, counter: RequestCounter, **kwargs: Any):
        self.latency = latency
        self.counter = counter
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        super().setup()
        # The handler writes headers and body separately: without this, Nagle's algorithm
        # holds the body back until the client's delayed ACK (40 ms on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send_head(self):  # noqa: ANN201 - the base class's signature
        with self.counter.track(self.command):
            time.sleep(self.latency)
            return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        pass  # one line per request would bury the report


class LatencyHTTPServer:
    """Serve ``directory`` over HTTP on loopback, ``latency`` seconds per request.

    Use as a context manager; ``url`` is the served root (no trailing slash).
    """

    def __init__(self, directory: Path, latency: float = 0.005) -> None:
        self.counter = RequestCounter()
        handler = functools.partial(
            _LatencyHandler, directory=str(directory), latency=latency, counter=self.counter
        )
        self._server = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LatencyHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class MotoS3Server:
    """moto's S3 on loopback; ``endpoint`` is its URL, :meth:`upload` fills a bucket."""

    def __init__(self) -> None:
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        self.counter = RequestCounter()
        app = DomainDispatcherApplication(create_backend_app)

        def counted(environ: dict, start_response: Any) -> Any:
            with self.counter.track(environ["REQUEST_METHOD"]):
                # moto builds the whole body before returning it: the request is done here.
                return list(app(environ, start_response))

        self._server = make_server("127.0.0.1", 0, counted, threaded=True)
        self.endpoint = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> MotoS3Server:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # it logs every request
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def upload(self, directory: Path, bucket: str) -> None:
        """Create ``bucket`` and copy every file under ``directory`` into it, same keys."""
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=S3_ENV["AWS_DEFAULT_REGION"],
        )
        client.create_bucket(Bucket=bucket)
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                key = path.relative_to(directory).as_posix()
                client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


def s3_environment() -> dict[str, str]:
    """This process's environment plus the S3 credentials every client reads."""
    return {**os.environ, **S3_ENV}
