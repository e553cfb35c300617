"""Failures of the server: each is a typed zarr-core error naming the server and the key,
and the same store object works again once the server is back.

Each test has a server of its own (``mongodb_private_server``, of each kind in turn) that
it kills, stops or restarts; the data directory survives restarts.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from zarr_core_mongodb.testing import mongodb_store

from zarr_core.errors import (
    StoreAuthenticationError,
    StoreBackendError,
    StoreConnectionError,
    StoreTimeoutError,
)


@pytest.fixture
def server(mongodb_private_server):
    return mongodb_private_server


def test_dead_server_is_a_connection_error_until_it_is_back(server):
    # journal=True: acknowledged only once journaled, so the write outlives the SIGKILL
    # (SecantusDB, like mongod, loses unjournaled writes when killed).
    store = mongodb_store(server, "db", serverSelectionTimeoutMS=500, journal=True)
    store["a/0"] = b"before"
    server.kill()
    for attempt, operation in [
        (lambda: store["a/0"], "get of key 'a/0'"),
        (lambda: store.__setitem__("a/1", b"x"), "set of key 'a/1'"),
        (
            lambda: store.setitems({"a/1": b"x", "a/2": b"y"}),
            "setitems (2 keys, the first shown) of key 'a/1'",
        ),
        (lambda: store.__delitem__("a/0"), "delete of key 'a/0'"),
        (lambda: store.getitems(["a/0", "a/2"]), "getitems (2 keys, the first shown) of key 'a/0'"),
        (lambda: store.listdir("a"), "list_prefix of key 'a/'"),
        (lambda: store.set_if_not_exists("a/3", b"x"), "set_if_not_exists of key 'a/3'"),
    ]:
        with pytest.raises(StoreConnectionError) as info:
            attempt()
        message = str(info.value)
        assert message.startswith(f"{operation} failed on MongoDB {server.address} (db.zarr)")
        assert "the store reconnects by itself" in message
        assert info.value.server.startswith(f"MongoDB {server.address}")
    server.start()
    assert store["a/0"] == b"before"  # the same object, reconnected
    store["a/1"] = b"after"
    assert store.getitems(["a/0", "a/1"]) == {"a/0": b"before", "a/1": b"after"}


def test_restart_between_operations(server):
    store = mongodb_store(server, "db")
    store.setitems({"k/0": b"0", "k/1": b"1"})
    server.restart()  # SIGTERM and start again, same data directory
    assert store.getitems(["k/0", "k/1"]) == {"k/0": b"0", "k/1": b"1"}
    store["k/2"] = b"2"
    assert sorted(store) == ["k/0", "k/1", "k/2"]


def test_unresponsive_server_is_a_timeout(server):
    store = mongodb_store(server, "db", socketTimeoutMS=300)
    store["k"] = b"v"
    os.killpg(server.process.pid, signal.SIGSTOP)  # accepts nothing, answers nothing
    time.sleep(0.2)  # let the stop reach every thread of the server
    try:
        with pytest.raises(StoreTimeoutError) as info:
            store["k"]
    finally:
        os.killpg(server.process.pid, signal.SIGCONT)
    assert str(info.value).startswith(f"get of key 'k' failed on MongoDB {server.address}")
    assert "socketTimeoutMS" in str(info.value)
    assert store["k"] == b"v"


def test_wrong_credentials(server, mongodb_server_kind):
    store = mongodb_store(server, "db", username="nobody", password="wrong")
    if mongodb_server_kind == "secantusdb":
        with pytest.raises(StoreAuthenticationError) as info:
            store["k"]
        assert "check username, password and authSource" in str(info.value)
    else:
        # nx-27017 implements no authentication: its reply to SCRAM is not one pymongo can
        # parse. Still a typed error naming server and key, not a missing key.
        with pytest.raises(StoreBackendError) as info:
            store["k"]
        assert not isinstance(info.value, KeyError)
    assert str(info.value).startswith(f"get of key 'k' failed on MongoDB {server.address}")


def test_server_killed_mid_write_keeps_acknowledged_writes(server):
    """SIGKILL the server while a writer runs; every acknowledged write survives.

    With the write concern ``journal=True`` (the README's durable mode): without it,
    SecantusDB (like mongod) acknowledges writes it may still lose in a crash.
    """
    store = mongodb_store(server, "db", serverSelectionTimeoutMS=1000, journal=True)
    acknowledged: list[int] = []
    failure: list[BaseException] = []

    def write() -> None:
        batch = 0
        try:
            while True:
                store.setitems({f"b{batch}/{k}": bytes([batch % 256]) * 1000 for k in range(20)})
                acknowledged.append(batch)
                batch += 1
        except BaseException as exc:  # the kill ends the loop
            failure.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    writer.join(30)
    assert len(acknowledged) >= 5
    assert isinstance(failure[0], StoreConnectionError), failure
    assert server.address in str(failure[0])

    server.start()  # same port, same data directory
    keys = set(store)  # the same store object works again
    for batch in acknowledged:
        values = store.getitems([f"b{batch}/{k}" for k in range(20)])
        assert values == {f"b{batch}/{k}": bytes([batch % 256]) * 1000 for k in range(20)}
    # The batch in flight: a batch is no transaction, but each key is whole or absent.
    in_flight = acknowledged[-1] + 1
    for key, value in store.getitems([f"b{in_flight}/{k}" for k in range(20)]).items():
        assert value == bytes([in_flight % 256]) * 1000, key
    assert {k.split("/")[0] for k in keys} <= {f"b{b}" for b in [*acknowledged, in_flight]}
    store["after"] = b"restart"
    assert store["after"] == b"restart"
