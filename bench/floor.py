"""The physical floor of the local workloads: what no implementation can go below.

Usage: python floor.py CASE DIR  (one case, in a fresh process; prints JSON seconds)

Each case times the irreducible part of a workload phase on worker.py's data: copying
the output, the codec's own work on the same chunks (numcodecs, one call per chunk,
blosc with its own threads), and creating the files. run.py shows each next to the phase
it bounds, with zarr-core's distance from it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from worker import WORKLOADS, data_for, numcodecs_compressor, settle_memory

# case -> (workload, phase it bounds, description)
CASES = {
    "memcpy": ("large", "read", "memcpy of the 256 MiB output (np.copyto, pages touched before)"),
    "memcpy-new": ("large", "read", "the same into a new array (its page faults included)"),
    "blosc-decode": ("large", "read", "blosc-lz4 decode of the 64 chunks (numcodecs)"),
    "blosc-encode": ("large", "write", "blosc-lz4 encode of the 64 chunks (numcodecs)"),
    "zstd-decode": ("small", "read", "zstd decode of the 10,000 chunks (numcodecs)"),
    "zstd-encode": ("small", "write", "zstd-1 encode of the 10,000 chunks (numcodecs)"),
    "files": ("small", "write", "creating 10,000 files of 4 KB (os.open/write/close)"),
    "files-atomic": (
        "small",
        "write",
        "the same, each written to a temporary name and renamed into place (atomic)",
    ),
}


def chunks_of(workload: str) -> list[np.ndarray]:
    """The workload's chunks, each contiguous, as the implementations encode them."""
    spec = WORKLOADS[workload]
    data = data_for(spec)
    if data.ndim == 1:
        (size,) = spec["chunks"]
        return [data[i : i + size] for i in range(0, data.size, size)]
    rows, cols = spec["chunks"]
    return [
        np.ascontiguousarray(data[i : i + rows, j : j + cols])
        for i in range(0, data.shape[0], rows)
        for j in range(0, data.shape[1], cols)
    ]


def timed(fn, settle: int = 0) -> float:
    """Seconds of ``fn()``, started as the implementations' phases are (settle_memory)."""
    settle_memory(settle)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(case: str, root: Path) -> float:
    workload = CASES[case][0]
    if case.startswith("memcpy"):
        # Every reader fills a new output array: its first touch of each page faults, and
        # on a virtual machine that can cost more than the copy. Both are shown.
        source = data_for(WORKLOADS[workload])
        if case == "memcpy-new":
            return timed(lambda: np.copyto(np.empty_like(source), source), 2 * source.nbytes)
        target = np.zeros_like(source)
        target[...] = 1  # zeros_like may map untouched zero pages
        return timed(lambda: np.copyto(target, source), 2 * source.nbytes)
    if case.startswith("files"):
        # zarr-core, zarr-python 2 and tensorstore write a temporary file and rename it
        # (a reader or a crash never sees half a chunk); zarrs writes the file in place.
        atomic = case == "files-atomic"
        directory = root / "floor-files"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        payload = bytes(4096)
        names = [str(directory / str(i)) for i in range(10_000)]
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC

        def create() -> None:
            for name in names:
                temp = f"{name}.partial" if atomic else name
                fd = os.open(temp, flags, 0o644)
                os.write(fd, payload)
                os.close(fd)
                if atomic:
                    os.replace(temp, name)

        seconds = timed(create)
        shutil.rmtree(directory)
        return seconds
    codec = numcodecs_compressor(WORKLOADS[workload]["codec"])
    chunks = chunks_of(workload)
    settle = 2 * sum(c.nbytes for c in chunks)
    if case.endswith("encode"):
        return timed(lambda: [codec.encode(c) for c in chunks], settle)
    encoded = [codec.encode(c) for c in chunks]
    return timed(lambda: [codec.decode(e) for e in encoded], settle)


if __name__ == "__main__":
    print(json.dumps({"seconds": run(sys.argv[1], Path(sys.argv[2]))}))
