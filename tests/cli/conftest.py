"""The ``backend`` fixture: each backend with a URL, S3 on the moto server; and
``place``: each networked backend (plus N5 and the cache stage) on real servers."""

from __future__ import annotations

import uuid

import pytest

from tests.cli._backends import (
    AzuritePlace,
    CachePlace,
    MongoPlace,
    N5Place,
    Place,
    RedisPlace,
)
from tests.cli._helpers import Backend

BACKENDS = ["directory", "zip", "sqlite", "lmdb", "dbm", "s3"]

# In this order each copies to the next one that takes raw copies (N5 takes them from
# N5 only), so cp runs between every pair of neighbours, each a different backend.
PLACES = ["redis", "mongodb-secantusdb", "cache-over-redis", "mongodb-nx-27017", "abs", "n5"]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Backend:
    if request.param != "s3":
        return Backend(request.param, tmp_path)
    bucket = request.getfixturevalue("s3_bucket")
    options = request.getfixturevalue("s3_storage_options")
    return Backend("s3", tmp_path, bucket, options)


@pytest.fixture
def places(
    request, tmp_path, redis_server, secantusdb_server, nx27017_server, azurite
) -> dict[str, Place]:
    """Every :class:`Place`, by kind, keeping this test's data apart from others'."""
    from zarr_core_mongodb.testing import database_name

    tag = uuid.uuid4().hex[:12]
    redis = RedisPlace(redis_server, tag)
    made = [
        redis,
        MongoPlace(secantusdb_server, database_name(f"{tmp_path}-s")),
        CachePlace(RedisPlace(redis_server, f"{tag}-cached")),
        MongoPlace(nx27017_server, database_name(f"{tmp_path}-n")),
        AzuritePlace(azurite, f"c-{tag}"),
        N5Place(tmp_path / "n5"),
    ]
    assert [p.kind for p in made] == PLACES
    yield {p.kind: p for p in made}
    for place in made:
        place.close()


@pytest.fixture(params=PLACES)
def place(request, places) -> Place:
    return places[request.param]


@pytest.fixture
def partner(place, places) -> Place:
    """The next place after ``place`` (round the list) that ``cp`` may copy into."""
    start = PLACES.index(place.kind)
    for step in range(1, len(PLACES)):
        other = places[PLACES[(start + step) % len(PLACES)]]
        if other.takes_raw_copies:
            return other
    raise AssertionError("no place takes raw copies")
