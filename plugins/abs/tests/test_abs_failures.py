"""Failures against a real Azurite: killed, restarted, frozen, refusing the credentials.

Each test starts its own Azurite with blobs on disk (``azurite_on_disk``), so that a
restart on the same port and directory finds them again. The store is built once per test
and reused after every failure: nothing about a failure may stick to it.

Azurite keeps blob contents on disk as they arrive (with ``fdatasync``) but saves its
index of blobs (LokiJS) every 5 seconds and when it shuts down cleanly, so after a SIGKILL
it has lost the blobs written in its last 5 seconds. Azure itself acknowledges a Put Blob
only once it is durably stored; the emulator does not, and the kill test says so: writes
acknowledged more than 5 seconds before the kill must all be there, intact, and so must
every write acknowledged before a clean restart.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from zarr_core_abs import ABSStore
from zarr_core_abs.testing import ACCOUNT

from zarr_core.errors import (
    StoreAuthenticationError,
    StoreBackendError,
    StoreConnectionError,
    StoreTimeoutError,
)

# Azurite saves its blob index this often (LokiBlobMetadataStore: autosaveInterval 5000).
AZURITE_INDEX_SAVE = 5.0


def value_of(key: str) -> bytes:
    """What the writer puts under ``key``: its name, repeated, so any tear shows."""
    return (key.encode() + b";") * 400


def make_store(server, **client_kwargs) -> ABSStore:
    return ABSStore(
        "failures",
        "p",
        connection_string=server.connection_string,
        blob_service_kwargs=client_kwargs,
    )


def assert_names_the_server(exc: StoreBackendError, server, operation: str, key: str) -> None:
    message = str(exc)
    assert f"{operation} of key {key!r} failed on Azure Blob Storage account {ACCOUNT!r}" in message
    assert server.account_url in message and "(container 'failures')" in message
    assert exc.server.startswith("Azure Blob Storage account") and exc.key == key


# The dead-server tests stop Azurite cleanly (SIGTERM), which keeps its data whole; the
# kill tests below are about SIGKILL.
def test_dead_server_then_restart(azurite_on_disk):
    store = make_store(azurite_on_disk, retry_total=0)
    store["before"] = b"1"
    azurite_on_disk.stop()
    with pytest.raises(StoreConnectionError) as info:
        store["k"]
    assert_names_the_server(info.value, azurite_on_disk, "get", "k")
    assert "endpoint is right and reachable" in str(info.value)
    assert type(info.value.__cause__).__module__.startswith("azure.core")
    with pytest.raises(StoreConnectionError, match="set of key 'c/1' failed"):
        store.setitems({"c/1": b"x"})
    with pytest.raises(StoreConnectionError, match="listdir failed"):
        store.listdir("")
    azurite_on_disk.start()  # same port, same data directory
    store["after"] = b"2"
    # the same object again; the failed write is not there
    assert store.getitems(["before", "after", "c/1"]) == {"before": b"1", "after": b"2"}


def test_a_batch_against_a_dead_server_names_a_key(azurite_on_disk):
    store = make_store(azurite_on_disk, retry_total=0)
    keys = [f"c/{i}" for i in range(40)]
    store.setitems(dict.fromkeys(keys, b"v"))
    azurite_on_disk.stop()
    with pytest.raises(StoreConnectionError) as info:
        store.getitems(keys)
    assert info.value.key in keys and info.value.operation == "get"
    with pytest.raises(StoreConnectionError):
        store.get_partial_values([(k, (0, 1)) for k in keys])
    with pytest.raises(StoreConnectionError, match="delete of key 'c/0' failed"):
        store.delitems(keys)
    azurite_on_disk.start()
    assert store.getitems(keys) == dict.fromkeys(keys, b"v")


def test_the_retry_policy_rides_out_a_restart(azurite_on_disk):
    store = make_store(azurite_on_disk)  # the store's default retries: ~0.5 s, 2.5 s, 4.5 s
    store["k"] = b"v"
    azurite_on_disk.stop()
    restarter = threading.Timer(0.3, azurite_on_disk.start)
    restarter.start()
    try:
        assert store["k"] == b"v"  # refused at first, answered after a retry
        store["k2"] = b"w"
    finally:
        restarter.join()
    assert store["k2"] == b"w"


def test_frozen_server_times_out_then_recovers(azurite_on_disk):
    store = make_store(azurite_on_disk, retry_total=0, read_timeout=1)
    store["k"] = b"v"
    pid = azurite_on_disk.process.pid
    os.kill(pid, signal.SIGSTOP)  # accepts connections (the kernel does), never answers
    try:
        started = time.monotonic()
        with pytest.raises(StoreTimeoutError) as info:
            store["k"]
        assert time.monotonic() - started < 10
        assert_names_the_server(info.value, azurite_on_disk, "get", "k")
        assert "read_timeout" in str(info.value)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert store["k"] == b"v"


def test_wrong_account_key(azurite_on_disk):
    good = make_store(azurite_on_disk)
    good["k"] = b"v"
    wrong = ABSStore(
        "failures",
        "p",
        account_name=ACCOUNT,
        account_key="d3Jvbmcga2V5" * 8,
        account_url=azurite_on_disk.account_url,
    )
    for attempt, operation in (
        (lambda: wrong["k"], "get of key 'k'"),
        (lambda: wrong.__setitem__("k", b"x"), "set of key 'k'"),
        (lambda: wrong.set_if_not_exists("new", b"x"), "set_if_not_exists of key 'new'"),
    ):
        with pytest.raises(StoreAuthenticationError) as info:
            attempt()
        assert f"{operation} failed on Azure Blob Storage account {ACCOUNT!r}" in str(info.value)
        assert "check the account name and key" in str(info.value)
    with pytest.raises(StoreAuthenticationError, match="list failed"):
        list(wrong)
    assert good["k"] == b"v"  # nothing was written


class _Writer(threading.Thread):
    """Writes batches of new keys until one fails; remembers what was acknowledged."""

    def __init__(self, store: ABSStore, name: str):
        super().__init__(daemon=True)
        self.store, self.name = store, name
        self.attempted: list[str] = []
        self.acknowledged: list[str] = []
        self.error: BaseException | None = None
        self.started_writing = threading.Event()

    def run(self) -> None:
        batch = 0
        while True:
            keys = [f"{self.name}/{batch}/{i}" for i in range(8)]
            self.attempted += keys
            try:
                self.store.setitems({k: value_of(k) for k in keys})
            except BaseException as exc:  # the failure the test provoked
                self.error = exc
                return
            self.acknowledged += keys
            self.started_writing.set()
            batch += 1


def _check_intact(store: ABSStore, prefix: str) -> list[str]:
    present = store.list_prefix(prefix)
    values = store.getitems(present)
    for key in present:
        assert values[key] == value_of(key), f"{key} is torn"
    return present


def test_server_killed_mid_write(azurite_on_disk):
    store = make_store(azurite_on_disk, retry_total=0)
    store.setitems({f"settled/{i}": value_of(f"settled/{i}") for i in range(200)})
    time.sleep(AZURITE_INDEX_SAVE + 1.5)  # past Azurite's index save (see the docstring)
    writer = _Writer(store, "racing")
    writer.start()
    assert writer.started_writing.wait(30)
    time.sleep(0.3)
    azurite_on_disk.kill()  # SIGKILL while batches are in flight
    writer.join(30)
    assert isinstance(writer.error, StoreConnectionError), writer.error
    assert "failed on Azure Blob Storage account" in str(writer.error)
    assert writer.acknowledged

    azurite_on_disk.start()
    assert len(_check_intact(store, "settled/")) == 200
    # Of the writes in Azurite's last seconds some, all or none are there, each whole.
    assert set(_check_intact(store, "racing/")) <= set(writer.attempted)
    store["after/restart"] = b"works"  # the same store object
    assert store["after/restart"] == b"works"


def test_server_restarted_mid_write_keeps_every_acknowledged_write(azurite_on_disk):
    store = make_store(azurite_on_disk, retry_total=0)
    writer = _Writer(store, "racing")
    writer.start()
    assert writer.started_writing.wait(30)
    time.sleep(0.3)
    azurite_on_disk.stop()  # SIGTERM: Azurite saves its index and exits
    writer.join(30)
    assert isinstance(writer.error, StoreConnectionError), writer.error
    azurite_on_disk.start()
    present = set(_check_intact(store, "racing/"))
    assert set(writer.acknowledged) <= present
    store["after/restart"] = b"works"
    assert store["after/restart"] == b"works"
