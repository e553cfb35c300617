"""Start-up: ``import zarr_core`` next to zarr-python 3 and 2.18, tensorstore and zarrs.

Each case is timed in fresh interpreters (median of ``RUNS``): the import itself, measured
inside the process, and the whole process from start to exit (interpreter start-up and
site initialisation included). The first run of each case is discarded and may write
bytecode caches: this machine sets PYTHONDONTWRITEBYTECODE, which would otherwise leave
the editable zarr-core to be compiled from source on every run while the peers' wheels
come compiled. Also prints the design target: zarr_core with every installed plugin
discovered should cost at most 1.5x ``import numpy, numcodecs``.

    python bench/import_time.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from envs import ZARR_CORE, ZARRS, ZP2, ZP3

RUNS = 7

# (label, interpreter, code)
CASES = [
    ("numpy + numcodecs", ZARR_CORE, "import numpy, numcodecs"),
    ("zarr_core", ZARR_CORE, "import zarr_core"),
    ("zarr_core + plugin discovery", ZARR_CORE, "import zarr_core; zarr_core.list_plugins()"),
    ("zarr-python 3", ZP3, "import zarr"),
    ("zarr-python 3 + zarrs", ZARRS, "import zarr, zarrs"),
    ("tensorstore", ZP3, "import tensorstore"),
    ("zarr-python 2.18", ZP2, "import zarr"),
]


def measure(python: Path, code: str, runs: int = RUNS) -> tuple[float, float]:
    """Median seconds of (the import inside the process, the whole process)."""
    timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    inside, whole = [], []
    for run in range(runs + 1):
        start = time.perf_counter()
        out = subprocess.run(
            [str(python), "-W", "ignore", "-c", timed],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        if run:  # the first may compile and write bytecode
            whole.append(time.perf_counter() - start)
            inside.append(float(out.stdout.split()[-1]))
    return statistics.median(inside), statistics.median(whole)


def measure_all(runs: int = RUNS) -> dict[str, tuple[float, float]]:
    """Every installed case: label -> (import, whole process) median seconds."""
    return {label: measure(py, code, runs) for label, py, code in CASES if py.exists()}


def main() -> None:
    results = measure_all()
    for label, (inside, whole) in results.items():
        print(f"{label:<30} import {inside * 1000:7.1f} ms   process {whole * 1000:7.1f} ms")
    base = results["numpy + numcodecs"][1]
    ours = results["zarr_core + plugin discovery"][1]
    print(f"zarr_core + plugin discovery / numpy + numcodecs (process): {ours / base:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
