"""What the durability settings promise: the environment flags behind ``durable``."""

from __future__ import annotations

import pickle

from zarr_core_lmdb import LMDBStore

from zarr_core.storage import open_store


def test_default_defers_syncing_to_flush_and_close(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb")
    flags = store._shared.env.flags()
    assert (flags["sync"], flags["metasync"]) == (False, False)
    assert not store._sync_writes
    store.close()


def test_durable_opens_the_environment_with_sync(tmp_path):
    store = LMDBStore(tmp_path / "x.lmdb", durable=True)
    flags = store._shared.env.flags()
    assert (flags["sync"], flags["metasync"]) == (True, True)
    assert not store._sync_writes  # LMDB itself syncs each commit
    store["k"] = b"v"
    copy = pickle.loads(pickle.dumps(store))
    assert copy.durable and copy["k"] == b"v"
    copy.close()
    store.close()


def test_durable_store_sharing_an_unsynced_environment_syncs_its_writes(tmp_path):
    plain = LMDBStore(tmp_path / "x.lmdb")
    durable = LMDBStore(tmp_path / "x.lmdb", durable=True)
    assert durable._shared is plain._shared  # one environment per path per process
    assert durable._sync_writes
    synced = []
    env = durable._shared.env
    durable._shared.env = _CountingSyncs(env, synced)
    try:
        durable.setitems({"a": b"1", "b": b"2"})
        durable["c"] = b"3"
        plain["d"] = b"4"  # the plain store does not sync
    finally:
        durable._shared.env = env
    assert synced == [True, True]
    plain.close()
    durable.close()


def test_durable_as_a_storage_option(tmp_path):
    store = open_store(f"lmdb:///{tmp_path}/x.lmdb", storage_options={"durable": True})
    assert store._shared.env.flags()["sync"] is True
    store.close()


class _CountingSyncs:
    """The real environment, recording each ``sync`` call before making it."""

    def __init__(self, env, calls):
        self._env, self._calls = env, calls

    def sync(self, force=False):
        self._calls.append(force)
        return self._env.sync(force)

    def __getattr__(self, name):
        return getattr(self._env, name)
