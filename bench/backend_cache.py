"""Caching benchmarks (issue 13): prints the two speed figures as markdown tables.

1. Store caches: a 256x256 int32 array in 64 chunks behind a store adding 5 ms per
   request (``zarr_core_cache.testing.LatencyStore``: one request per key, batches overlap
   8), read in full twice -- without a cache, through ``LRUStoreCache``, and through
   ``CacheStore`` with its cache in memory and in a local directory.
2. The decoded-chunk cache: 300 random 64x64 windows of an 8192x8192 float32 array in
   1024x1024 blosc-lz4 chunks (bench/worker.py's "large" workload), read with the cache
   off, then with it on: first (cold) pass and repeated (warm) pass.

Each case runs in a fresh process; the figures are medians over ``--repeat`` rounds.
Never part of the test run, never fails on time.

    python bench/backend_cache.py [--repeat N] [--size 8192]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

STORE_CASES = ["no cache", "LRUStoreCache", "CacheStore (memory)", "CacheStore (directory)"]
CHUNK_CASES = ["chunk cache"]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def store_case(name: str, tmp: str) -> dict[str, float]:
    from zarr_core_cache import CacheStore, LRUStoreCache
    from zarr_core_cache.testing import LatencyStore

    import zarr_core
    from zarr_core.storage import FSStore, MemoryStore

    data = MemoryStore()
    z = zarr_core.zeros((256, 256), chunks=(32, 32), dtype="i4", store=data)
    z[...] = np.arange(256 * 256, dtype="i4").reshape(256, 256)
    slow = LatencyStore(data, latency=0.005)
    if name == "no cache":
        store = slow
    elif name == "LRUStoreCache":
        store = LRUStoreCache(slow, max_size="64MB")
    elif name == "CacheStore (memory)":
        store = CacheStore(slow, cache_store=MemoryStore(), max_size="64MB")
    else:
        cache = FSStore(str(Path(tmp) / "cache"), mode="w")
        store = CacheStore(slow, cache_store=cache, max_size="64MB")

    def full_read() -> None:
        zarr_core.open_array(store, mode="r")[...]

    first = _timed(full_read)
    first_requests = slow.requests
    second = _timed(full_read)
    return {
        "first": first,
        "second": second,
        "first_requests": first_requests,
        "second_requests": slow.requests - first_requests,
    }


def chunk_case(path: str, size: int) -> dict[str, float]:
    import zarr_core

    z = zarr_core.open_array(path, mode="r")
    rng = np.random.default_rng(7)
    windows = [
        (int(rng.integers(0, size - 64)), int(rng.integers(0, size - 64))) for _ in range(300)
    ]

    def read_windows() -> None:
        for i, j in windows:
            z[i : i + 64, j : j + 64]

    with zarr_core.config.set({"chunk_cache.max_bytes": 0}):
        off = _timed(read_windows)
    budget = z.nbytes + (64 << 20)
    with zarr_core.config.set({"chunk_cache.max_bytes": budget}):
        cold = _timed(read_windows)
        warm = _timed(read_windows)
    return {"off": off, "cold": cold, "warm": warm}


def make_large(path: str, size: int) -> None:
    import numcodecs

    import zarr_core

    rng = np.random.default_rng(42)
    data = (np.cumsum(rng.standard_normal(size * size, dtype="float32")) / 100).astype("float32")
    z = zarr_core.open_array(
        path,
        mode="w",
        shape=(size, size),
        chunks=(1024, 1024),
        dtype="float32",
        compressor=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),
        zarr_format=2,
    )
    z[...] = data.reshape(size, size)


def _run(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--worker", nargs="+")
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "store":
            print(json.dumps(store_case(rest[0], rest[1])))
        else:
            print(json.dumps(chunk_case(rest[0], int(rest[1]))))
        return

    with tempfile.TemporaryDirectory() as tmp:
        results: dict[str, list[dict[str, float]]] = {c: [] for c in STORE_CASES}
        for _ in range(args.repeat):
            for case in STORE_CASES:  # alternating, so machine noise spreads evenly
                results[case].append(_run("store", case, tempfile.mkdtemp(dir=tmp)))
        print("## Store caches: full read twice over a store adding 5 ms per request\n")
        print(
            "| store | first read (ms) | second read (ms) | first / second | requests 1st | 2nd |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for case, runs in results.items():
            first = statistics.median(r["first"] for r in runs)
            second = statistics.median(r["second"] for r in runs)
            print(
                f"| {case} | {first * 1e3:.1f} | {second * 1e3:.2f} | {first / second:.1f}x "
                f"| {runs[0]['first_requests']:.0f} | {runs[0]['second_requests']:.0f} |"
            )

        path = str(Path(tmp) / "large.zarr")
        make_large(path, args.size)
        runs = [_run("chunk", path, str(args.size)) for _ in range(args.repeat)]
        off = statistics.median(r["off"] for r in runs)
        cold = statistics.median(r["cold"] for r in runs)
        warm = statistics.median(r["warm"] for r in runs)
        print(
            f"\n## Decoded-chunk cache: 300 random 64x64 windows, {args.size}x{args.size} "
            "float32, 1024x1024 blosc-lz4 chunks, local directory\n"
        )
        print("| pass | time (ms) | vs cache off |")
        print("|---|---:|---:|")
        print(f"| cache off (every window fetches and decodes) | {off * 1e3:.0f} | 1.0x |")
        print(f"| cache on, first pass (cold) | {cold * 1e3:.0f} | {off / cold:.1f}x |")
        print(f"| cache on, repeated pass (warm) | {warm * 1e3:.0f} | {off / warm:.1f}x |")
        print(f"\nrepeated (warm) vs first (cold) pass with the cache on: {cold / warm:.1f}x")


if __name__ == "__main__":
    main()
