"""Where partial decompression of blosc chunks starts to lose: the break-even of "auto".

Usage: python bench/partial_decompress.py DIR [REPEATS]

For square float32 chunks of several sizes (blosc lz4, clevel 5, byte shuffle, blosc's
own block size) it reads bands of rows of one chunk at random places -- shares of 1/64
up to all of it -- with ``partial_decompress=True``, ``False`` and ``"auto"``, from a
directory store (byte ranges) and from a memory store (whole values, fewer blocks
decoded), and prints the median times of the first two, their ratio, and the ratio of
"auto" to whole decodes.
The modes are timed in alternation (each going first in turn), so that load from other
processes and warm caches favour none.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numcodecs
import numpy as np

import zarr_core
from zarr_core.storage.memory import MemoryStore

SIDES = (128, 256, 512, 1024)  # 64 KiB, 256 KiB, 1 MiB, 4 MiB of float32
SHARES = (1 / 64, 1 / 16, 1 / 8, 1 / 4, 3 / 8, 1 / 2, 5 / 8, 3 / 4, 1)


def chunk_of(side: int) -> np.ndarray:
    rng = np.random.default_rng(42)
    return (np.cumsum(rng.standard_normal(side * side, dtype="float32")) / 100).reshape(side, side)


def main() -> None:
    root = Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    compressor = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
    print("store      chunk   share  partial_ms  whole_ms  ratio  auto_ratio")
    for store_name in ("directory", "memory"):
        for side in SIDES:
            data = chunk_of(side)
            store = str(root / f"breakeven-{side}") if store_name == "directory" else MemoryStore()
            z = zarr_core.open_array(
                store, mode="w", shape=data.shape, chunks=data.shape, dtype="f4",
                compressor=compressor, zarr_format=2,
            )  # fmt: skip
            z[...] = data
            arrays = {
                mode: zarr_core.open_array(store, mode="r", partial_decompress=mode)
                for mode in (True, False, "auto")
            }
            rng = np.random.default_rng(7)
            for share in SHARES:
                rows = max(1, round(side * share))
                times: dict[bool | str, list[float]] = {m: [] for m in arrays}
                modes = list(arrays)
                for r in range(repeats):
                    # Bands anywhere in the chunk, as windows fall: one straddles a block
                    # boundary or not by chance.
                    start = int(rng.integers(0, side - rows + 1))
                    sel = (slice(start, start + rows), slice(None))
                    # Each mode in turn goes first: the first read of a band warms caches.
                    for mode in modes[r % 3 :] + modes[: r % 3]:
                        array = arrays[mode]
                        t0 = time.perf_counter()
                        array[sel]
                        times[mode].append(time.perf_counter() - t0)
                part, whole, auto = (
                    statistics.median(times[m]) * 1e3 for m in (True, False, "auto")
                )
                print(
                    f"{store_name:9}  {side * side * 4 // 1024:5}K  {share:5.3f}  "
                    f"{part:10.3f}  {whole:8.3f}  {part / whole:5.2f}  {auto / whole:10.2f}"
                )


if __name__ == "__main__":
    main()
