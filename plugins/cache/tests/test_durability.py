"""A persistent cache reopened after its writer was killed never serves a torn or stale value.

The cache directory is written through :class:`FSStore`, which writes files in place: a
SIGKILL can leave a cache file half-written. The data store is a second local directory.
After each kill the test reopens the cache and compares every value it serves with what
the data store holds, byte for byte.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from zarr_core_cache import CacheStore, _entry

import zarr_core
from zarr_core.storage import FSStore

SHAPE, CHUNKS = (512, 512), (64, 64)  # 64 chunks of 32 KiB

_OPEN = """
import sys, time
import numpy as np
import zarr_core
from zarr_core.storage import FSStore
from zarr_core_cache import CacheStore

data = FSStore(sys.argv[1], mode="a")
cache = CacheStore(data, cache_store=FSStore(sys.argv[2], mode="a"))
a = zarr_core.open_array(cache, mode="r+")
old = np.random.default_rng(1).random(a.shape)
new = np.random.default_rng(2).random(a.shape)
"""

# Writes through the cache (each drops and then refills the chunks' entries) and
# reads after emptying it (each miss refills an entry), forever.
_CHURN = (
    _OPEN
    + """
first = True
while True:
    for value in (new, old):
        a[...] = value
        cache.clear_cache()
        a[...]
        if first:
            print("ready", flush=True)
            first = False
"""
)

# Dies in the middle of writing one cache entry: half of the file is on disk.
_TORN = (
    _OPEN
    + """
a[...]  # every chunk cached
key = sorted(k for k in cache.cache_store.list_prefix("") if k[0].isdigit() or "/" in k)[0]
entry = cache.cache_store[key]
path = sys.argv[2] + "/" + key
with open(path, "r+b") as f:
    f.truncate(len(entry) // 2)
    f.flush()
print("torn", key, flush=True)
time.sleep(60)
"""
)


def _setup(tmp_path):
    data, cache = tmp_path / "data.zarr", tmp_path / "cache"
    a = zarr_core.open_array(
        str(data), mode="w", shape=SHAPE, chunks=CHUNKS, dtype="f8", zarr_format=2
    )
    a[...] = np.random.default_rng(1).random(SHAPE)
    return str(data), str(cache)


def _run(code, data, cache):
    return subprocess.Popen(
        [sys.executable, "-c", code, data, cache],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(child):
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL


def _torn_entries(cache_dir):
    raw = FSStore(cache_dir, mode="r")
    values = raw.getitems(raw.list_prefix(""))
    return [k for k, v in values.items() if _entry.unpack(v, checksum=True) is None]


def _check_against_data(data, cache_dir):
    """Every value the reopened cache serves equals the data store's (torn ones refetched)."""
    store = FSStore(data, mode="r")
    keys = store.list_prefix("")
    cached = CacheStore(store, cache_store=FSStore(cache_dir, mode="a"))
    expected = store.getitems(keys)
    for attempt in range(2):  # the second read is served from the (repaired) cache
        assert cached.getitems(keys) == expected, f"read {attempt}"
    assert _torn_entries(cache_dir) == []
    return cached


def test_killed_while_churning(tmp_path):
    data, cache = _setup(tmp_path)
    rng = random.Random(7)
    torn_seen = 0
    for _ in range(8):
        child = _run(_CHURN, data, cache)
        try:
            assert child.stdout.readline() == "ready\n", child.stderr.read()
            time.sleep(rng.uniform(0.0, 0.4))
        finally:
            _kill(child)
        torn_seen += len(_torn_entries(cache))
        _check_against_data(data, cache)
    # (whether a kill landed inside a file write depends on timing: not asserted)
    print(f"torn cache entries found after kills: {torn_seen}")


def test_killed_inside_a_cache_write(tmp_path):
    data, cache = _setup(tmp_path)
    child = _run(_TORN, data, cache)
    try:
        line = child.stdout.readline()
        assert line.startswith("torn "), child.stderr.read()
    finally:
        _kill(child)
    key = line.split()[1]
    assert _torn_entries(cache) == [key]
    cached = _check_against_data(data, cache)
    assert cached.cache_stats()["misses"] == 1  # only the torn entry was fetched again


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_a_reopened_cache_serves_arrays_without_the_data_store(tmp_path, zarr_format):
    data, cache_dir = tmp_path / "data.zarr", str(tmp_path / "cache")
    values = np.arange(10_000, dtype="i4").reshape(100, 100)
    zarr_core.open_array(
        str(data),
        mode="w",
        shape=(100, 100),
        chunks=(10, 10),
        dtype="i4",
        zarr_format=zarr_format,
    )[...] = values
    first = CacheStore(FSStore(str(data), mode="r"), cache_store=FSStore(cache_dir, mode="a"))
    assert np.array_equal(zarr_core.open_array(first, mode="r")[...], values)
    first.close()
    # The data is gone: what is read now can only come from the reopened cache.
    FSStore(str(data), mode="a").rmdir("")
    again = CacheStore(FSStore(str(data), mode="r"), cache_store=FSStore(cache_dir, mode="a"))
    assert np.array_equal(zarr_core.open_array(again, mode="r")[...], values)
