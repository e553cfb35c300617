"""A store's finalizer run by the garbage collector inside the registry lock never deadlocks.

The collector can run a dropped store's finalizer during any allocation, also while the
same thread holds the lock over the open environments (opening another store). The release
is then deferred until the lock is let go.
"""

from __future__ import annotations

import threading

from zarr_core_lmdb import LMDBStore
from zarr_core_lmdb import store as store_module


def test_release_inside_the_registry_lock_is_deferred(tmp_path):
    dropped = LMDBStore(tmp_path / "x.lmdb")
    dropped["k"] = b"v"
    shared = dropped._shared

    def collect_inside_the_lock() -> None:
        with store_module._OPEN_LOCK:
            dropped._finalizer()  # what the collector would do here
            assert shared.key in store_module._OPEN  # not yet: the lock is held

    thread = threading.Thread(target=collect_inside_the_lock, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "deadlock: the release waited for its own thread's lock"
    assert shared.key not in store_module._OPEN  # released once the lock was free
    with LMDBStore(tmp_path / "x.lmdb", read_only=True) as again:
        assert again["k"] == b"v"  # and closed properly (its environment was closed)
