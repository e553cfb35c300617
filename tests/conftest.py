"""Shared fixtures for the core test suite."""

from __future__ import annotations

import logging
import urllib.request
import uuid

import pytest

import zarr_core

# --- S3 (moto) ---
# A real S3 endpoint: moto's server in a thread on a free loopback port, shared by the
# session. Each test that asks for `s3_bucket` gets the server reset and a new bucket.


@pytest.fixture(scope="session")
def s3_endpoint():
    """URL of a moto S3 server on 127.0.0.1 (moto and s3fs are test dependencies: a missing
    one fails the tests that need S3, it never skips them)."""
    import moto.server as server_module
    import s3fs  # noqa: F401

    with pytest.MonkeyPatch.context() as mp:
        # Credentials and region through the environment: a region in client_kwargs makes
        # s3fs send a LocationConstraint that moto (like S3) rejects for us-east-1.
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            mp.delenv(name, raising=False)
        # werkzeug logs every request at INFO; capturing that doubles the S3 tests' time.
        werkzeug = logging.getLogger("werkzeug")
        level = werkzeug.level
        werkzeug.setLevel(logging.WARNING)
        server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()
            werkzeug.setLevel(level)


@pytest.fixture
def s3_storage_options(s3_endpoint):
    """s3fs options for the moto server.

    No listings cache (it goes stale when another client deletes). The instance cache is
    kept: the endpoint is the same all session, and a new client costs about 0.5 s.
    """
    return {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": s3_endpoint},
        "use_listings_cache": False,
    }


@pytest.fixture
def s3_bucket(s3_endpoint, s3_storage_options):
    """The name of a new, empty bucket on a freshly reset moto server."""
    import s3fs

    request = urllib.request.Request(f"{s3_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    bucket = f"zarr-core-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**s3_storage_options).mkdir(bucket)
    return bucket


# --- end S3 (moto) ---


# --- arrays: a store of each kind (in memory, a directory) and each Zarr format ---


@pytest.fixture(params=["memory", "directory"])
def store(request, tmp_path) -> zarr_core.Store:
    if request.param == "memory":
        return zarr_core.MemoryStore()
    return zarr_core.open_store(tmp_path / "data.zarr")


@pytest.fixture(params=[2, 3], ids=["v2", "v3"])
def zarr_format(request) -> int:
    return request.param
