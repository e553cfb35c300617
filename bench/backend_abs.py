"""Azure Blob Storage: zarr-core's ABSStore next to zarr-python 3.4.2 + adlfs, on Azurite.

Starts one Azurite (blobs in memory) on loopback, then runs bench/worker.py's workloads
(``small``: 10M int32 in 10,000 chunks, zstd 1; ``large``: 256 MiB float32 in 64 chunks,
blosc lz4) writing and reading the whole array. Every run is a fresh process, the two
implementations alternate, and the table shows medians of ``--repeat`` rounds, the ratio
to zarr-core, and HTTP requests (round trips) counted inside each client: ``requests``'
adapter for the Azure SDK that ABSStore uses, aiohttp's session for adlfs.

    python bench/backend_abs.py [--repeat N] [--workload small|large] [--format 2|3]

Needs zarr-core-abs installed (its Azurite fixture code finds ``azurite-blob`` in .node/)
and the zarr-python 3 peer in .peers/zp3 with adlfs. Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ZP3 = ROOT / ".peers" / "zp3" / "bin" / "python"
IMPLEMENTATIONS = [("zarr-core ABSStore", Path(sys.executable)), ("zarr-python 3 + adlfs", ZP3)]
CONTAINER = "bench"


# -- the worker side (runs in the implementation's own interpreter) -------------------------
def count_requests() -> list[int]:
    """Start counting this process's HTTP requests; the one-element list holds the count."""
    counter = [0]
    try:
        import requests.adapters

        send = requests.adapters.HTTPAdapter.send

        def counting_send(self, *args, **kwargs):
            counter[0] += 1
            return send(self, *args, **kwargs)

        requests.adapters.HTTPAdapter.send = counting_send
    except ImportError:
        pass
    try:
        import aiohttp

        request = aiohttp.ClientSession._request

        async def counting_request(self, *args, **kwargs):
            counter[0] += 1
            return await request(self, *args, **kwargs)

        aiohttp.ClientSession._request = counting_request
    except ImportError:
        pass
    return counter


def open_array(impl: str, url: str, spec: dict, fmt: int, create: bool, conn: str):
    import worker

    if impl == "zarr_core":
        import zarr_core

        options = {"connection_string": conn}
        if not create:
            return zarr_core.open_array(url, mode="r", storage_options=options)
        kw = dict(shape=spec["shape"], chunks=spec["chunks"], dtype=spec["dtype"], zarr_format=fmt)
        if fmt == 2:
            kw["compressor"] = worker.numcodecs_compressor(spec["codec"])
        else:
            kw["codecs"] = worker.v3_codecs(spec["codec"], spec["dtype"])
        return zarr_core.open_array(url, mode="w", storage_options=options, **kw)
    import zarr

    store = zarr.storage.FsspecStore.from_url(
        url, storage_options={"connection_string": conn}, read_only=not create
    )
    return worker.open_zarr_python(store, spec, fmt, create)


def run_worker(impl: str, workload: str, fmt: int, url: str, conn: str) -> None:
    import warnings

    import numpy as np

    sys.path.insert(0, str(HERE))
    import worker

    warnings.simplefilter("ignore")  # adlfs: "Failed to fetch container properties"
    spec = worker.WORKLOADS[workload]
    data = worker.data_for(spec)
    # untimed: a tiny array of the same kind first, so that the phases measure the work
    # and not what each library loads at its first use (see worker.warm_up)
    small = worker.tiny(spec)
    open_array(impl, f"{url}-warm-up", small, fmt, True, conn)[...] = worker.data_for(small)
    np.asarray(open_array(impl, f"{url}-warm-up", small, fmt, False, conn)[...])
    counter = count_requests()
    out = {}
    worker.settle_memory(2 * data.nbytes)  # the same memory state for every process
    t0 = time.perf_counter()
    a = open_array(impl, url, spec, fmt, True, conn)
    a[...] = data
    out["write"] = time.perf_counter() - t0
    out["write requests"] = counter[0]
    counter[0] = 0
    worker.settle_memory(2 * data.nbytes)
    t0 = time.perf_counter()
    got = open_array(impl, url, spec, fmt, False, conn)[...]
    out["read"] = time.perf_counter() - t0
    out["read requests"] = counter[0]
    if not np.array_equal(np.asarray(got), data):
        raise SystemExit(f"{impl} read back different data")
    print(json.dumps(out))


# -- the driver --------------------------------------------------------------------------------
def run_once(
    python: Path, impl: str, workload: str, fmt: int, conn: str
) -> dict[str, float] | None:
    """One run's timings, or ``None`` (reported on stderr) if the run failed."""
    url = f"abfs://{CONTAINER}/{impl}-{workload}-v{fmt}-{uuid.uuid4().hex[:8]}"
    proc = subprocess.run(
        [str(python), __file__, "--worker", impl, workload, str(fmt), url],
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_ABS_CONNECTION_STRING": conn},
    )
    if proc.returncode:
        # One failed run (a timeout on a loaded machine) must not cost the others.
        last = proc.stderr.strip().splitlines()[-1:] or ["(no output)"]
        print(f"{impl} {workload} v{fmt}: run failed: {last[0]}", file=sys.stderr, flush=True)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def clear_container(conn: str) -> None:
    from azure.storage.blob import ContainerClient

    client = ContainerClient.from_connection_string(conn, CONTAINER)
    if client.exists():
        client.delete_container()
    client.create_container()


def report(workload: str, fmt: int, results: dict[str, dict[str, list[float]]]) -> None:
    medians = {
        label: {op: statistics.median(v) for op, v in ops.items()} for label, ops in results.items()
    }
    base = medians["zarr-core ABSStore"]
    print(
        f"\n**{workload} workload, Zarr format {fmt}** (medians of "
        f"{', '.join(str(len(ops['write'])) for ops in results.values())} successful rounds; "
        "ratio = other / zarr-core)\n"
    )
    print("| implementation | write | read | write requests | read requests |")
    print("|---|---|---|---|---|")
    for label, v in medians.items():
        cells = [f"{v[op]:.2f} s ({v[op] / base[op]:.2f}x)" for op in ("write", "read")]
        cells += [f"{v[op]:.0f}" for op in ("write requests", "read requests")]
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workload", choices=["small", "large"], action="append")
    parser.add_argument("--format", type=int, choices=[2, 3], action="append")
    args = parser.parse_args()
    if not ZP3.exists():
        raise SystemExit(f"{ZP3} is missing: run `source scripts/_env.sh && ensure_peers`")
    from zarr_core_abs.testing import AzuriteServer, find_azurite

    with tempfile.TemporaryDirectory() as tmp, AzuriteServer(find_azurite(ROOT), tmp) as server:
        conn = server.connection_string
        for workload in args.workload or ["small", "large"]:
            for fmt in args.format or [2, 3]:
                results: dict[str, dict[str, list[float]]] = {}
                for _ in range(args.repeat):
                    for (label, python), impl in zip(IMPLEMENTATIONS, ("zarr_core", "zarr")):
                        clear_container(conn)  # each run on an empty, equally sized service
                        timings = run_once(python, impl, workload, fmt, conn) or {}
                        for op, value in timings.items():
                            results.setdefault(label, {}).setdefault(op, []).append(value)
                if len(results) == len(IMPLEMENTATIONS):
                    report(workload, fmt, results)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(HERE))
        impl, workload, fmt, url = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
        run_worker(impl, workload, fmt, url, os.environ["BENCH_ABS_CONNECTION_STRING"])
    else:
        main()
