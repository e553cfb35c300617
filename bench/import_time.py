"""Compare ``import zarr_core`` (with every installed plugin discovered) with ``import numpy, numcodecs``.

Median of several fresh interpreters each; prints both and the ratio (target: <= 1.5).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CASES = {
    "numpy + numcodecs": "import numpy, numcodecs",
    "zarr_core + plugin discovery": "import zarr_core; zarr_core.list_plugins()",
}


def timed(code: str, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    results = {name: timed(code) for name, code in CASES.items()}
    for name, seconds in results.items():
        print(f"{name:<30} {seconds * 1000:7.1f} ms")
    base, ours = results.values()
    print(f"ratio: {ours / base:.2f}x")


if __name__ == "__main__":
    main()
