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
from zarr_core.errors import StorageOptionsError, StoreConnectionError, StoreTimeoutError
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


def test_an_endpoint_that_is_not_a_url_is_a_storage_options_error():
    options = {**_dead_s3_options(1), "client_kwargs": {"endpoint_url": "localhost-9000"}}
    store = FSStore("s3://bucket/data.zarr", mode="r", **options)
    with pytest.raises(StorageOptionsError) as info:
        store.getitems(["x"])
    assert "localhost-9000" in str(info.value) and "endpoint_url" in str(info.value)
