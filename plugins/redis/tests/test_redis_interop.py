"""zarr-python 2.18's RedisStore and zarr-core's on one server: each reads what the other wrote.

Also zarr-core's durability kit: a client killed with SIGKILL mid-batch leaves every chunk
old or new, since each batch is one MULTI/EXEC transaction.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import redis

from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests
from zarr_core.testing.durability import DurabilityTests


class TestZarrPython2(ZarrPython2CompatTests):
    @pytest.fixture(autouse=True)
    def _server(self, redis_server):
        self.server = redis_server

    @property
    def peer_store(self) -> PeerStore:
        # zarr.RedisStore(prefix=<location>, host=..., port=...) in the peer.
        kwargs = {"host": self.server.host, "port": self.server.port}
        return PeerStore("RedisStore", kwargs=kwargs, location_keyword="prefix")

    def location(self, tmp_path, name):
        return f"{tmp_path.name}-{name}"

    def store_url(self, prefix):
        return f"redis://{self.server.address}/0?prefix={quote(prefix)}"

    def test_the_same_keys_on_the_server(self, zp2_python, tmp_path):
        # Beyond equal data: the two libraries leave byte-identical key sets.
        self.test_zarr_python_2_writes_zarr_core_reads(zp2_python, tmp_path)
        self.test_zarr_core_writes_zarr_python_2_reads(zp2_python, tmp_path)
        client = redis.Redis(host=self.server.host, port=self.server.port)

        def names(name):
            prefix = self.location(tmp_path, name).encode() + b":"
            return {k[len(prefix) :] for k in client.scan_iter(match=prefix + b"*")}

        by_zarr_python, by_zarr_core = names("by-zarr-python"), names("by-zarr-core")
        assert b"g/ints/.zarray" in by_zarr_core and b"g/sub/nested/0/0" in by_zarr_core
        assert by_zarr_core == by_zarr_python


class TestDurability(DurabilityTests):
    # A transaction the server has queued (MULTI and its SETs) but never executes.
    torn_transaction = """
connection = store._client.connection_pool.get_connection()
connection.send_command("MULTI")
connection.read_response()
for key in keys:
    connection.send_command("SET", store._name(key), b"torn")
    connection.read_response()
hold()
"""

    @pytest.fixture(autouse=True)
    def _server(self, redis_server):
        self.server = redis_server

    def store_url(self, path):
        return f"redis://{self.server.address}/0?prefix={quote(str(path), safe='')}"
