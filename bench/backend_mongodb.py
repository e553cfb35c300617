"""MongoDB: zarr-core's MongoDBStore next to zarr-python 2.18's, on both test servers.

The workloads of ``worker.py`` -- ``small`` (10M int32 in 10,000 chunks of 1000, zstd 1)
and ``large`` (256 MiB float32 in 64 chunks, blosc lz4) -- written and read in full, in
Zarr format 2 (zarr-python 2.18's only format), against a SecantusDB and an nx-27017
server started here (no real ``mongod`` can be installed on these machines). Every run is
a fresh process in the implementation's own environment (zarr-python 2.18 in
``.peers/zp2``), the implementations alternate, and the table shows medians of the rounds,
ratios to zarr-python 2.18 and round trips: the replies the process's pymongo client
waited for outside pymongo's monitor threads (``Connection.receive_message`` calls; every
command, ``getMore`` and connection handshake included, is one round trip). Not a ``CommandListener``: with one registered, pymongo builds every
command and reply document for the events, which for 256 MiB of values doubled the read
time of both stores.

zarr-python 2.18 creates no index, so each of its per-key lookups would scan the
collection (about 0.36 s per key on SecantusDB with 10,000 documents: hours for one
run). To compare the stores rather than the index, its collection gets the same unique
index on ``key`` that zarr-core creates, before the timing starts.

    python bench/backend_mongodb.py [--repeat N] [--workload small|large] [--server NAME]

A benchmark, not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZP2 = HERE.parent / ".peers" / "zp2" / "bin" / "python"

# (label, interpreter, worker implementation)
IMPLEMENTATIONS = [
    ("zarr-core", Path(sys.executable), "zarr_core"),
    ("zarr-python 2.18", ZP2, "zarr"),
]
COLLECTION = "zarr"


def worker(impl: str, workload: str, host: str, port: int, database: str) -> dict:
    """One write and one full read of ``workload``; timings and round trips."""
    import numpy as np
    import pymongo

    sys.path.insert(0, str(HERE))
    from worker import WORKLOADS, data_for, numcodecs_compressor, settle_memory, tiny

    class Counter:
        n = 0

    from pymongo.synchronous.pool import Connection

    receive = Connection.receive_message

    def counting(self, *args, **kwargs):
        # pymongo's own monitor threads poll the server in the background: not the
        # store's round trips (the handshakes of the store's connections count)
        if not threading.current_thread().name.startswith("pymongo"):
            Counter.n += 1
        return receive(self, *args, **kwargs)

    Connection.receive_message = counting

    spec = WORKLOADS[workload]
    data = data_for(spec)
    client_kwargs = {"host": host, "port": port, "directConnection": True}
    shape = dict(shape=spec["shape"], chunks=spec["chunks"], dtype=spec["dtype"])
    compressor = numcodecs_compressor(spec["codec"])
    if impl == "zarr_core":
        from zarr_core_mongodb import MongoDBStore

        import zarr_core

        def store(collection=COLLECTION):
            return MongoDBStore(database, collection, **client_kwargs)

        def create(s, **shape):
            return zarr_core.open_array(s, mode="w", zarr_format=2, compressor=compressor, **shape)

        def reopen(s):
            return zarr_core.open_array(s, mode="r")
    else:
        import zarr

        pymongo.MongoClient(**client_kwargs)[database][COLLECTION].create_index("key", unique=True)

        def store(collection=COLLECTION):
            return zarr.MongoDBStore(database, collection, **client_kwargs)

        def create(s, **shape):
            return zarr.open_array(s, mode="w", compressor=compressor, **shape)

        def reopen(s):
            return zarr.open_array(s, mode="r")

    # untimed: a tiny array of the same kind first, so that the phases measure the work
    # and not what each library loads at its first use (see worker.warm_up)
    small = tiny(spec)
    s = store(f"{COLLECTION}_warm_up")
    create(s, shape=small["shape"], chunks=small["chunks"], dtype=spec["dtype"])[...] = data_for(
        small
    )
    reopen(s)[...]
    s.close()
    out = {}
    s = store()
    settle_memory(2 * data.nbytes)  # the same memory state for every process (see worker)
    start, t0 = Counter.n, time.perf_counter()
    create(s, **shape)[...] = data
    out["write"], out["write_rt"] = time.perf_counter() - t0, Counter.n - start
    s.close()
    s = store()
    settle_memory(2 * data.nbytes)
    start, t0 = Counter.n, time.perf_counter()
    got = reopen(s)[...]
    out["read"], out["read_rt"] = time.perf_counter() - t0, Counter.n - start
    s.close()
    if not np.array_equal(got, data):
        raise SystemExit(f"{impl} read back different data")
    client = pymongo.MongoClient(**client_kwargs)
    if impl == "zarr_core":  # the floor, measured in the same process and memory state
        # what a full read cannot go below: every document fetched in one query (one
        # cursor, pymongo's batches), nothing decoded
        settle_memory(2 * data.nbytes)
        t0 = time.perf_counter()
        list(client[database][COLLECTION].find({}, {"_id": 0, "value": 1}))
        out["floor"] = time.perf_counter() - t0
    client.drop_database(database)
    return out


def run_once(python: Path, impl: str, workload: str, server, database: str) -> dict:
    out = subprocess.run(
        [
            str(python),
            __file__,
            "--worker",
            impl,
            workload,
            server.host,
            str(server.port),
            database,
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{impl} on {server.name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(server: str, workload: str, results: dict[str, dict[str, list[float]]]) -> None:
    med = {label: {k: statistics.median(v) for k, v in r.items()} for label, r in results.items()}
    base = med.get("zarr-python 2.18")
    print(f"\n### {workload} workload on {server} (Zarr format 2)\n")
    print("| implementation | write s | read s | write round trips | read round trips |")
    print("|---|---|---|---|---|")
    for label, m in med.items():
        cells = []
        for op in ("write", "read"):
            ratio = f" ({base[op] / m[op]:.1f}x)" if base and label != "zarr-python 2.18" else ""
            cells.append(f"{m[op]:.2f}{ratio}")
        for op in ("write_rt", "read_rt"):
            ratio = (
                f" ({base[op] / m[op]:.0f}x fewer)" if base and label != "zarr-python 2.18" else ""
            )
            cells.append(f"{m[op]:.0f}{ratio}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    floor = med["zarr-core"]["floor"]
    print(
        f"| floor: every document in one query, nothing decoded | | {floor:.2f} "
        f"(zarr-core's read x{med['zarr-core']['read'] / floor:.1f}) | | |"
    )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workload", choices=["small", "large"], action="append")
    parser.add_argument("--server", choices=["secantusdb", "nx-27017"], action="append")
    args = parser.parse_args()
    from zarr_core_mongodb.testing import mongodb_server_process

    impls = [i for i in IMPLEMENTATIONS if i[1].exists()]
    if len(impls) < len(IMPLEMENTATIONS):
        print(f"({ZP2} is missing: zarr-python 2.18 left out; run bash scripts/test.sh)")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.server or ["secantusdb", "nx-27017"]:
            with mongodb_server_process(kind, Path(tmp) / kind) as server:
                for workload in args.workload or ["small", "large"]:
                    results: dict[str, dict[str, list[float]]] = {label: {} for label, *_ in impls}
                    for round_ in range(args.repeat):
                        for label, python, impl in impls:
                            database = f"bench_{impl}_{workload}_{round_}"
                            timings = run_once(python, impl, workload, server, database)
                            for op, value in timings.items():
                                results[label].setdefault(op, []).append(value)
                    report(kind, workload, results)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        impl, workload, host, port, database = sys.argv[2:7]
        print(json.dumps(worker(impl, workload, host, int(port), database)))
    else:
        main()
