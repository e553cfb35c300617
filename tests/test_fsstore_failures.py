"""FSStore against servers that are down, stop mid-session or never answer: typed errors
naming the server and the key, never fill values standing in for chunks that could not be
read; and the same store works again once the server is back."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import (
    StorageOptionsError,
    StoreAuthenticationError,
    StoreBackendError,
    StoreConnectionError,
    StoreTimeoutError,
)
from zarr_core.storage import FSStore


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass


class _DirectoryServer:
    """The standard library's threaded HTTP server over a directory, on a fixed port."""

    def __init__(self, root: Path, port: int = 0):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[_DirectoryServer, Path, np.ndarray]]:
    data = np.arange(100, dtype="i4")
    zarr_core.open_array(tmp_path / "a", mode="w", shape=100, chunks=10, dtype="i4")[:] = data
    server = _DirectoryServer(tmp_path)
    yield server, tmp_path, data
    server.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_is_down_is_named_not_reported_as_a_missing_array():
    port = _free_port()
    with pytest.raises(StoreConnectionError) as info:
        zarr_core.open_array(f"http://127.0.0.1:{port}/a", mode="r")
    assert f"127.0.0.1:{port}" in str(info.value)
    assert info.value.server == f"http://127.0.0.1:{port}"


def test_chunks_of_a_server_that_stopped_raise_instead_of_reading_as_fill_values(served):
    server, root, data = served
    array = zarr_core.open_array(f"http://127.0.0.1:{server.port}/a", mode="r")
    assert np.array_equal(array[:], data)
    server.stop()
    with pytest.raises(StoreConnectionError) as info:
        array[:]
    assert f"127.0.0.1:{server.port}" in str(info.value)
    assert info.value.operation == "get"
    assert info.value.key in {f"c/{i}" for i in range(10)}
    with pytest.raises(StoreConnectionError):
        array[5]  # one chunk: the single-key path too
    # The server comes back on its port: the same array object reads again.
    back = _DirectoryServer(root, server.port)
    try:
        assert np.array_equal(array[:], data)
    finally:
        back.stop()


def test_a_server_that_never_answers_times_out_with_a_typed_error():
    import aiohttp

    # A listening socket nobody accepts from: connections complete, requests go unanswered.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        options = {
            "client_kwargs": {"timeout": aiohttp.ClientTimeout(total=0.5)},
            "skip_instance_cache": True,
        }
        store = FSStore(f"http://127.0.0.1:{port}/a", mode="r", **options)
        with pytest.raises(StoreTimeoutError) as info:
            store.getitems(["0", "1"])
        assert f"127.0.0.1:{port}" in str(info.value)
        with pytest.raises(StoreTimeoutError):
            store["0"]


def _dead_s3_options(port: int) -> dict:
    return {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1"},
        # one attempt (botocore): the test needs the failure, not the retries
        "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2},
        "skip_instance_cache": True,
    }


def test_a_dead_s3_endpoint_fails_reads_and_writes_with_its_address():
    port = _free_port()
    store = FSStore("s3://bucket/data.zarr", mode="w", **_dead_s3_options(port))
    with pytest.raises(StoreConnectionError) as info:
        store.getitems(["x", "y"])
    assert f"127.0.0.1:{port}" in str(info.value)
    with pytest.raises(StoreConnectionError) as info:
        store["x"] = b"1"
    assert info.value.operation == "set" and info.value.key == "x"
    # Deletes ask whether each key exists first: a dead server must not answer "no" and
    # turn them into silent no-ops (stale chunks would outlive a resize or rmdir).
    with pytest.raises(StoreConnectionError) as info:
        store.delitems(["x", "y"])
    assert info.value.operation == "delete"
    with pytest.raises(StoreConnectionError):
        del store["x"]
    with pytest.raises(StoreConnectionError):
        "x" in store  # noqa: B015 - the lookup is the test


def test_an_endpoint_that_is_not_a_url_is_a_storage_options_error():
    options = {**_dead_s3_options(1), "client_kwargs": {"endpoint_url": "localhost-9000"}}
    store = FSStore("s3://bucket/data.zarr", mode="r", **options)
    with pytest.raises(StorageOptionsError) as info:
        store.getitems(["x"])
    assert "localhost-9000" in str(info.value) and "endpoint_url" in str(info.value)


# -- servers that answer with an error ------------------------------------------------------
class _FailingChunksHandler(_QuietHandler):
    """Serves the directory, but answers every chunk (``/c/`` paths) with HTTP 500."""

    def send_head(self):  # noqa: ANN201 - the base class's signature
        if "/c/" in self.path:
            self.send_error(500, "chunk storage failed")
            return None
        return super().send_head()


def test_a_server_error_on_chunks_is_a_backend_error_not_fill_values(tmp_path):
    zarr_core.open_array(tmp_path / "a", mode="w", shape=10, chunks=5, dtype="i4")[:] = 7
    handler = functools.partial(_FailingChunksHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        array = zarr_core.open_array(f"http://127.0.0.1:{server.server_port}/a", mode="r")
        with pytest.raises(StoreBackendError) as info:
            array[:]
        assert "HTTP 500" in str(info.value) and info.value.key in {"c/0", "c/1"}
    finally:
        server.shutdown()
        server.server_close()


class _S3ErrorHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with one S3 error response (status and ``<Code>``), in the
    XML form S3 documents, as an overloaded or credential-refusing S3 endpoint does."""

    protocol_version = "HTTP/1.1"
    status, code = 503, "SlowDown"

    def _answer(self) -> None:
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{self.code}</Code>"
            f"<Message>{self.code} from the test server</Message><RequestId>1</RequestId>"
            "</Error>"
        ).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass


@pytest.fixture
def s3_answering():
    """Start a server answering every S3 request with (status, code); yield its port."""
    servers = []

    def start(status: int, code: str) -> int:
        handler = type("Handler", (_S3ErrorHandler,), {"status": status, "code": code})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (503, "SlowDown", StoreBackendError),
        (500, "InternalError", StoreBackendError),
        (403, "InvalidAccessKeyId", StoreAuthenticationError),
        (403, "SignatureDoesNotMatch", StoreAuthenticationError),
    ],
)
def test_s3_errors_are_typed_never_missing_keys(s3_answering, status, code, error):
    port = s3_answering(status, code)
    store = FSStore("s3://bucket/data.zarr", mode="w", **_dead_s3_options(port))
    with pytest.raises(error) as info:
        store.getitems(["c/0", "c/1"])
    assert f"127.0.0.1:{port}" in str(info.value) and f"HTTP {status} {code}" in str(info.value)
    assert info.value.key in {"c/0", "c/1"}
    with pytest.raises(error):
        store["c/0"]
    if status == 503:
        assert "requests_in_flight" in str(info.value)  # what to do about it


@pytest.mark.parametrize("code", ["NoSuchKey", "AccessDenied"])
def test_s3_answers_that_mean_missing_stay_missing(s3_answering, code):
    # A 404, and S3's 403 AccessDenied, which is how S3 answers a GET of a missing key to
    # a reader not allowed to list the bucket (zarr-python 2 reads it as missing too).
    port = s3_answering(404 if code == "NoSuchKey" else 403, code)
    store = FSStore("s3://bucket/data.zarr", mode="r", **_dead_s3_options(port))
    assert store.getitems(["c/0", "c/1"]) == {}
    with pytest.raises(KeyError):
        store["c/0"]
