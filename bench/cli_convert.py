"""Time ``zarr-core convert`` on the 256 MiB workload and report its peak memory.

Usage: python bench/cli_convert.py [DIR]

Writes the "large" workload of worker.py (256 MiB float32, 1024x1024 chunks, blosc lz4)
as a format 2 directory, then runs, each in a fresh process: a format change to 3, and a
v3 rechunked to 512x512 with zstd level 1 in 4096x4096 shards. Prints the seconds and the
peak memory (resident set high-water mark) each command reports. It never fails on time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from worker import WORKLOADS, data_for, numcodecs_compressor  # noqa: E402

CASES = {
    "v2 -> v3": ["--format", "3"],
    "v2 -> v3 rechunked 512x512, zstd-1, shards 2048x2048": [
        "--format",
        "3",
        "--chunks",
        "512,512",
        "--compressor",
        "zstd:1",
        "--shards",
        "2048,2048",
    ],
}


def write_source(path: Path) -> None:
    import zarr_core

    spec = WORKLOADS["large"]
    data = data_for(spec)
    array = zarr_core.create(
        spec["shape"],
        chunks=spec["chunks"],
        dtype=spec["dtype"],
        compressor=numcodecs_compressor(spec["codec"]),
        store=str(path),
        zarr_format=2,
    )
    array[...] = data


def main() -> None:
    base = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    source = base / "large-v2"
    if not source.exists():
        write_source(source)
    for name, args in CASES.items():
        target = base / "converted"
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "zarr_core", "convert", str(source), str(target), *args],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - start
        peak = re.search(r"peak memory ([\d.]+ \w+)", done.stdout).group(1)
        print(f"{name}: {wall:.1f} s (process), peak memory {peak}: {done.stdout.strip()}")
    shutil.rmtree(base / "converted", ignore_errors=True)


if __name__ == "__main__":
    main()
