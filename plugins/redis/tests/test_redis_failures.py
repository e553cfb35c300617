"""A real server that refuses credentials, stalls, drops connections, restarts and is killed.

Each failure is a typed zarr-core error naming the server and the key, never a redis-py
exception; once the server is back the same store object works again. Stores here are
built with ``retry=Retry(NoBackoff(), 0)`` where a test wants the error at once: redis-py
otherwise retries a failed connection ten times (about 4.5 s) before giving up.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from zarr_core_redis import RedisStore

from zarr_core.errors import (
    StoreAuthenticationError,
    StoreConnectionError,
    StoreTimeoutError,
)


def at(server, prefix="f", **kwargs) -> RedisStore:
    return RedisStore(prefix=prefix, host=server.host, port=server.port, **kwargs)


def no_retry() -> Retry:
    return Retry(NoBackoff(), 0)


# -- authentication ---------------------------------------------------------------------------
def test_missing_or_wrong_password(redis_server_factory):
    server = redis_server_factory("--requirepass", "s3cret")
    with pytest.raises(StoreAuthenticationError) as info:
        at(server, retry=no_retry())["a/0"]
    message = str(info.value)
    assert message.startswith(f"get of key 'a/0' failed on {server.address}: ")
    assert "pass username=/password= (or user:password@ in the URL)" in message
    assert isinstance(info.value, PermissionError)
    assert isinstance(info.value.__cause__, redis.exceptions.RedisError)
    with pytest.raises(
        StoreAuthenticationError,
        match=f"setitems \\(2 keys\\) of key 'a' failed on {server.address}",
    ):
        at(server, password="wrong", retry=no_retry()).setitems({"a": b"1", "b": b"2"})
    store = at(server, password="s3cret")
    store.setitems({"a": b"1", "b": b"2"})
    assert store.getitems(["a", "b"]) == {"a": b"1", "b": b"2"}


def test_a_user_without_write_permission(redis_server_factory):
    server = redis_server_factory()
    admin = redis.Redis(host=server.host, port=server.port)
    admin.acl_setuser("reader", enabled=True, passwords=["+pw"], keys=["*"], commands=["+@read"])
    at(server)["k"] = b"v"
    reader = at(server, username="reader", password="pw")
    assert reader["k"] == b"v"
    with pytest.raises(
        StoreAuthenticationError,
        match=f"set of key 'k' failed on {server.address}: NoPermissionError: this user has no permissions to run the 'set' command",
    ):
        reader["k"] = b"w"
    assert reader["k"] == b"v"


# -- timeouts ---------------------------------------------------------------------------------
def test_a_stalled_server_times_out_and_then_answers(redis_server_factory):
    server = redis_server_factory()
    store = at(server, socket_timeout=0.3, retry=no_retry())
    store.setitems({"k": b"v", "j": b"w"})
    os.kill(server.process.pid, signal.SIGSTOP)  # the server stops answering, sockets stay
    try:
        with pytest.raises(StoreTimeoutError) as info:
            store["k"]
        assert str(info.value).startswith(f"get of key 'k' failed on {server.address}: ")
        assert "raise socket_timeout=" in str(info.value)
        assert isinstance(info.value, TimeoutError)
        with pytest.raises(StoreTimeoutError, match=r"getitems \(2 keys\) of key 'k'"):
            store.getitems(["k", "j"])
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
    assert store.getitems(["k", "j"]) == {"k": b"v", "j": b"w"}


# -- dropped connections and restarts ----------------------------------------------------------
def test_a_dropped_connection(redis_server_factory):
    server = redis_server_factory()
    admin = redis.Redis(host=server.host, port=server.port)
    retrying, strict = at(server), at(server, retry=no_retry())
    big = {f"big/{i}": bytes([i]) * (1 << 20) for i in range(3)}
    retrying.setitems(big)
    strict["k"] = b"v"
    # Idle connections killed by the server are noticed by the pool and replaced.
    assert admin.client_kill_filter(_type="normal", skipme=True) == 2
    assert retrying["big/0"] == big["big/0"] and strict["k"] == b"v"
    # The server drops a client whose reply outgrows this limit: mid-operation.
    admin.config_set("client-output-buffer-limit", "normal 1mb 1mb 0")
    try:
        for store in (retrying, strict):
            with pytest.raises(StoreConnectionError) as info:
                store.getitems(list(big))
            assert str(info.value).startswith(
                f"getitems (3 keys) of key 'big/0' failed on {server.address}: ConnectionError"
            )
    finally:
        admin.config_set("client-output-buffer-limit", "normal 0 0 0")
    assert strict.getitems(list(big)) == big  # the same store, a new connection


def test_a_restarted_server(redis_server_factory):
    server = redis_server_factory("--appendonly", "yes")
    store = at(server, retry=no_retry())
    store.setitems({"a/0": b"0", "a/1": b"1"})
    server.stop()
    for attempt, expected in [
        (lambda: store["a/0"], f"get of key 'a/0' failed on {server.address}"),
        (
            lambda: store.setitems({"a/2": b"2"}),
            f"setitems of key 'a/2' failed on {server.address}",
        ),
        (lambda: store.listdir("a"), f"list of key 'a/' failed on {server.address}"),
    ]:
        with pytest.raises(StoreConnectionError, match=expected) as info:
            attempt()
        assert "is the Redis server running there?" in str(info.value)
        assert isinstance(info.value, ConnectionError)
    server.start()
    assert store.getitems(["a/0", "a/1", "a/2"]) == {"a/0": b"0", "a/1": b"1"}
    store["a/2"] = b"2"
    assert store.listdir("a") == ["0", "1", "2"]


# -- SIGKILL of the server mid-write ------------------------------------------------------------
def _batch(number: int) -> dict[str, bytes]:
    return {f"b{number}/{i}": number.to_bytes(4, "little") * 1024 + bytes([i]) for i in range(16)}


def test_server_killed_mid_write_keeps_every_acknowledged_write(redis_server_factory):
    server = redis_server_factory("--appendonly", "yes", "--appendfsync", "always")
    store = at(server, prefix="durable", retry=no_retry())
    acknowledged: list[int] = []
    failed: list[tuple[int, BaseException]] = []

    def write() -> None:
        for number in itertools.count():
            try:
                store.setitems(_batch(number))
            except Exception as exc:  # noqa: BLE001 - the test checks its type below
                failed.append((number, exc))
                return
            acknowledged.append(number)

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    writer.join(30)
    assert len(acknowledged) >= 30
    ((in_flight, error),) = failed
    assert isinstance(error, StoreConnectionError), repr(error)
    assert f"setitems (16 keys) of key 'b{in_flight}/0' failed on {server.address}" in str(error)

    server.start()
    for number in acknowledged:
        batch = _batch(number)
        assert store.getitems(list(batch)) == batch, f"acknowledged batch {number} was lost"
    # The batch the kill interrupted landed whole or not at all, and nothing after it.
    landed = store.getitems(list(_batch(in_flight)))
    assert landed in ({}, _batch(in_flight))
    assert store.listdir("") == sorted(f"b{n}" for n in acknowledged + [in_flight] * bool(landed))
    store.setitems(_batch(999))  # the same store object works again
    assert store.getitems(list(_batch(999))) == _batch(999)
