"""Run every benchmark workload with zarr-core, zarr-python and tensorstore; print medians and ratios.

Each run is a fresh process in the implementation's own environment, and the
implementations alternate so that machine noise spreads evenly. Never fails on time.
``--store`` picks the backends (worker.STORES: directory, zip, ...); implementations
without a store of that kind are left out of its table.

    python bench/run.py [--repeat N] [--workload large|small|sharded] [--format 2|3] [--store NAME]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from worker import STORES

HERE = Path(__file__).resolve().parent
ENVS = HERE.parent / ".peers"

# (label, interpreter, worker implementation name, formats it runs)
IMPLEMENTATIONS = [
    ("zarr-core", Path(sys.executable), "zarr_core", (2, 3)),
    ("zarr-python 3", ENVS / "zp3" / "bin" / "python", "zarr", (2, 3)),
    ("tensorstore", ENVS / "zp3" / "bin" / "python", "tensorstore", (2, 3)),
    ("zarr-python 2.18", ENVS / "zp2" / "bin" / "python", "zarr", (2,)),
]


def run_once(
    python: Path, impl: str, workload: str, fmt: int, tmp: str, store: str
) -> dict[str, float]:
    out = subprocess.run(
        [str(python), str(HERE / "worker.py"), impl, workload, str(fmt), tmp, store],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workload", choices=["large", "small", "sharded"], action="append")
    parser.add_argument("--format", type=int, choices=[2, 3], action="append")
    parser.add_argument("--store", choices=sorted(STORES), action="append")
    args = parser.parse_args()
    workloads = args.workload or ["large", "small", "sharded"]
    formats = args.format or [2, 3]
    stores = args.store or ["directory"]
    available = [i for i in IMPLEMENTATIONS if i[1].exists()]
    missing = [i[0] for i in IMPLEMENTATIONS if not i[1].exists()]
    if missing:
        print(f"(not installed, skipped: {', '.join(missing)}; run bench/setup.sh)")
    with tempfile.TemporaryDirectory() as tmp:
        for store in stores:
            for workload in workloads:
                for fmt in formats:
                    impls = [i for i in available if fmt in i[3]]
                    results: dict[str, dict[str, list[float]]] = {i[0]: {} for i in impls}
                    for _ in range(args.repeat):
                        for label, python, impl, _formats in impls:
                            timings = run_once(python, impl, workload, fmt, tmp, store)
                            if "unsupported" in timings:
                                results.pop(label, None)
                                continue
                            for op, seconds in timings.items():
                                results[label].setdefault(op, []).append(seconds)
                    if "zarr-core" in results:  # else nobody runs it (sharding in format 2)
                        report(workload, fmt, store, results)


def report(workload: str, fmt: int, store: str, results: dict[str, dict[str, list[float]]]) -> None:
    medians = {
        label: {op: statistics.median(v) for op, v in ops.items()} for label, ops in results.items()
    }
    ops = list(next(iter(medians.values())))
    base = medians["zarr-core"]
    print(
        f"\n{workload} workload, Zarr format {fmt}, {store} store "
        "(median seconds; ratio = other / zarr-core)"
    )
    print(f"{'implementation':<18}" + "".join(f"{op:>22}" for op in ops))
    for label, values in medians.items():
        cells = "".join(f"{values[op]:>10.3f}s ({values[op] / base[op]:>5.2f}x)" for op in ops)
        print(f"{label:<18}{cells}")


if __name__ == "__main__":
    main()
