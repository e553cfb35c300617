"""Start-up: ``import zarr_core`` next to zarr-python 3 and 2.18, tensorstore and zarrs.

Each case is timed in fresh interpreters (median of ``RUNS``): the import itself, measured
inside the process, and the whole process from start to exit (interpreter start-up and
site initialisation included). The first run of each case is discarded and may write
bytecode caches: this machine sets PYTHONDONTWRITEBYTECODE, which would otherwise leave
the editable zarr-core to be compiled from source on every run while the peers' wheels
come compiled. Also prints the design target: zarr_core with every installed plugin
discovered should cost at most 1.5x ``import numpy, numcodecs``. Then the same for the
import plus a first tiny array written and read back (``FIRST_ARRAY_CASES``): the start-up
cost a script or worker process pays before its first real work.

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

# Import, then create, write and read back a tiny array in a new directory: what a
# library loads at its first use (zarr-core most of its machinery, lazily) counts here.
_TMP = "import tempfile; p = tempfile.mkdtemp() + '/a'"
_ZARR3 = "a = zarr.create_array(p, shape=(8,), chunks=(4,), dtype='i4'); a[...] = 1; a[...]"
_TS_SPEC = (
    "{'driver': 'zarr3', 'kvstore': {'driver': 'file', 'path': p}, 'metadata': {"
    "'shape': [8], 'data_type': 'int32', 'chunk_grid': {'name': 'regular', "
    "'configuration': {'chunk_shape': [4]}}}}"
)
FIRST_ARRAY_CASES = [
    (
        "zarr_core",
        ZARR_CORE,
        f"import zarr_core; {_TMP}; "
        "a = zarr_core.open_array(p, mode='w', shape=(8,), chunks=(4,), dtype='i4'); "
        "a[...] = 1; a[...]",
    ),
    ("zarr-python 3", ZP3, f"import zarr; {_TMP}; {_ZARR3}"),
    (
        "zarr-python 3 + zarrs",
        ZARRS,
        "import zarr, zarrs; zarr.config.set({'codec_pipeline.path': 'zarrs.ZarrsCodecPipeline'}); "
        f"{_TMP}; {_ZARR3}",
    ),
    (
        "tensorstore",
        ZP3,
        f"import tensorstore as ts; {_TMP}; arr = ts.open({_TS_SPEC}, create=True).result(); "
        "arr.write([1] * 8).result(); arr.read().result()",
    ),
    (
        "zarr-python 2.18",
        ZP2,
        f"import zarr; {_TMP}; "
        "a = zarr.open_array(p, mode='w', shape=(8,), chunks=(4,), dtype='i4'); a[...] = 1; a[...]",
    ),
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


def measure_all(runs: int = RUNS, cases: list = CASES) -> dict[str, tuple[float, float]]:
    """Every installed case: label -> (import, whole process) median seconds."""
    return {label: measure(py, code, runs) for label, py, code in cases if py.exists()}


def main() -> None:
    results = measure_all()
    for label, (inside, whole) in results.items():
        print(f"{label:<30} import {inside * 1000:7.1f} ms   process {whole * 1000:7.1f} ms")
    base = results["numpy + numcodecs"][1]
    ours = results["zarr_core + plugin discovery"][1]
    print(f"zarr_core + plugin discovery / numpy + numcodecs (process): {ours / base:.2f}x")
    for label, (inside, whole) in measure_all(cases=FIRST_ARRAY_CASES).items():
        print(
            f"{label + ' + first array':<30} {inside * 1000:7.1f} ms   process {whole * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    sys.exit(main())
