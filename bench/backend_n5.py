"""N5 containers: zarr-core's N5Store against zarr-python 2.18's N5Store and tensorstore.

Each implementation writes and reads the same N5 dataset in a fresh process of its own
environment (zarr-core here, zarr-python 2.18 in ``.peers/zp2``, tensorstore in
``.peers/zp3``), alternating, for several rounds; the table shows medians, the ratio to
zarr-core, and for zarr-core the store round trips (batch calls on the directory store
under the N5 translation). Never part of the test run, never fails on time.

    python bench/backend_n5.py [--repeat N] [--codec gzip|blosc|raw]

The script is also the worker: ``python backend_n5.py --worker IMPL CODEC DIR``.
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

HERE = Path(__file__).resolve()
PEERS = HERE.parents[1] / ".peers"
SHAPE, CHUNKS, DTYPE = (4096, 4096), (256, 256), "uint16"  # 32 MiB in 256 blocks
WINDOWS = 300  # random 64 x 64 reads
CODECS = {
    "gzip": ({"id": "gzip", "level": 1}, {"type": "gzip", "level": 1, "useZlib": False}),
    "blosc": (
        {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
        {"type": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
    ),
    "raw": (None, {"type": "raw"}),
}
IMPLEMENTATIONS = [
    ("zarr-core", Path(sys.executable), "zarr_core"),
    ("zarr-python 2.18", PEERS / "zp2" / "bin" / "python", "zarr2"),
    ("tensorstore", PEERS / "zp3" / "bin" / "python", "tensorstore"),
]


def data() -> np.ndarray:
    rng = np.random.default_rng(5)
    return (np.cumsum(rng.integers(-3, 4, SHAPE), axis=1) % 4096).astype(DTYPE)


def windows() -> list[tuple[int, int]]:
    rng = np.random.default_rng(7)
    rows = rng.integers(0, SHAPE[0] - 64, WINDOWS)
    cols = rng.integers(0, SHAPE[1] - 64, WINDOWS)
    return [(int(a), int(b)) for a, b in zip(rows, cols)]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- workers: one implementation each ------------------------------------------------------
def work_zarr_core(codec: str, where: Path) -> dict:
    import numcodecs
    from zarr_core_directory.store import DirectoryStore
    from zarr_core_n5 import N5Container

    import zarr_core
    from zarr_core.testing.counting import CountingStore

    values, config = data(), CODECS[codec][0]
    counting = CountingStore(DirectoryStore(where / "c.n5"))
    store = N5Container(counting)
    compressor = numcodecs.get_codec(dict(config)) if config else None
    z = zarr_core.create(SHAPE, chunks=CHUNKS, dtype=DTYPE, compressor=compressor, store=store)
    counting.reset()
    out = {"write": _timed(lambda: z.__setitem__(Ellipsis, values))}
    out["write trips"] = len(counting.calls)
    z = zarr_core.open_array(N5Container(counting), mode="r")
    counting.reset()
    out["read"] = _timed(lambda: z[...])
    out["read trips"] = len(counting.calls)
    counting.reset()
    out["windows"] = _timed(lambda: [z[a : a + 64, b : b + 64] for a, b in windows()])
    out["windows trips"] = len(counting.calls)
    return out


def work_zarr2(codec: str, where: Path) -> dict:
    import warnings

    import numcodecs
    import zarr

    warnings.simplefilter("ignore", FutureWarning)
    values, config = data(), CODECS[codec][0]
    compressor = numcodecs.get_codec(dict(config)) if config else None
    z = zarr.create(
        SHAPE,
        chunks=CHUNKS,
        dtype=DTYPE,
        compressor=compressor,
        store=zarr.N5Store(str(where / "c.n5")),
    )
    out = {"write": _timed(lambda: z.__setitem__(Ellipsis, values))}
    z = zarr.open_array(zarr.N5Store(str(where / "c.n5")), mode="r")
    out["read"] = _timed(lambda: z[...])
    out["windows"] = _timed(lambda: [z[a : a + 64, b : b + 64] for a, b in windows()])
    return out


def work_tensorstore(codec: str, where: Path) -> dict:
    import tensorstore as ts

    values = data().T  # tensorstore keeps N5's axis order: the same dataset, transposed
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(where / "c.n5")}}
    metadata = {
        "dimensions": list(SHAPE[::-1]),
        "blockSize": list(CHUNKS[::-1]),
        "dataType": DTYPE,
        "compression": CODECS[codec][1],
    }
    z = ts.open({**spec, "metadata": metadata}, create=True, delete_existing=True).result()
    out = {"write": _timed(lambda: z.write(values).result())}
    z = ts.open(spec, open=True).result()
    out["read"] = _timed(lambda: z.read().result())
    out["windows"] = _timed(
        lambda: [z[b : b + 64, a : a + 64].read().result() for a, b in windows()]
    )
    return out


WORKERS = {"zarr_core": work_zarr_core, "zarr2": work_zarr2, "tensorstore": work_tensorstore}


# -- driver ---------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--codec", choices=sorted(CODECS), default="gzip")
    parser.add_argument("--worker", nargs=3, metavar=("IMPL", "CODEC", "DIR"))
    args = parser.parse_args()
    if args.worker:
        impl, codec, where = args.worker
        print(json.dumps(WORKERS[impl](codec, Path(where))))
        return
    available = [i for i in IMPLEMENTATIONS if i[1].exists()]
    results: dict[str, dict[str, list[float]]] = {label: {} for label, *_ in available}
    for _ in range(args.repeat):
        for label, python, impl in available:
            with tempfile.TemporaryDirectory() as tmp:
                proc = subprocess.run(
                    [str(python), str(HERE), "--worker", impl, args.codec, tmp],
                    capture_output=True,
                    text=True,
                    check=True,
                )
            for op, value in json.loads(proc.stdout.splitlines()[-1]).items():
                results[label].setdefault(op, []).append(value)
    medians = {k: {op: statistics.median(v) for op, v in ops.items()} for k, ops in results.items()}
    base = medians["zarr-core"]
    ops = ("write", "read", "windows")
    print(
        f"N5, {SHAPE} {DTYPE} in {CHUNKS} blocks, {args.codec}, {WINDOWS} windows of 64x64; "
        f"median of {args.repeat} (ratio = other / zarr-core)\n"
    )
    print("| implementation | " + " | ".join(ops) + " |")
    print("|---|" + "---|" * len(ops))
    for label, values in medians.items():
        cells = [f"{values[op]:.3f} s ({values[op] / base[op]:.2f}x)" for op in ops]
        print(f"| {label} | " + " | ".join(cells) + " |")
    trips = ", ".join(f"{op} {int(base[op + ' trips'])}" for op in ops)
    print(f"\nzarr-core store round trips (batch calls under the N5 view): {trips}")


if __name__ == "__main__":
    main()
