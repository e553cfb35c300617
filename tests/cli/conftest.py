"""The ``backend`` fixture: each backend with a URL, S3 on the moto server."""

from __future__ import annotations

import pytest

from tests.cli._helpers import Backend

BACKENDS = ["directory", "zip", "sqlite", "lmdb", "dbm", "s3"]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Backend:
    if request.param != "s3":
        return Backend(request.param, tmp_path)
    bucket = request.getfixturevalue("s3_bucket")
    options = request.getfixturevalue("s3_storage_options")
    return Backend("s3", tmp_path, bucket, options)
