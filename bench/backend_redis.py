"""zarr-core's RedisStore against zarr-python 2.18's, on one real Redis server.

Starts a redis-server on a free loopback port (no persistence), then runs each
implementation in a fresh process of its own environment (zarr-core: this interpreter;
zarr-python 2.18: ``.peers/zp2``), alternating them for ``--repeat`` rounds, on the
workloads of ``bench/worker.py`` in Zarr format 2: ``small`` (10 million int32 in 10,000
chunks of 1000, zstd level 1) and ``large`` (256 MiB float32 in 1024x1024 chunks, blosc
lz4). Each process writes the whole array, reads it back whole (checked) and counts, in
each phase, the commands the server processed (``INFO stats``
``total_commands_processed``, less the INFO calls themselves) and the round trips: the
requests redis-py sent and waited for (``send_packed_command`` calls: one command, or one
pipeline of several, connection handshakes included). zarr-python 2 sends one command per
round trip. Prints a markdown table of medians and ratios. Never fails on time.

    python bench/backend_redis.py [--repeat N] [--workload small|large]
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

HERE = Path(__file__).resolve().parent
IMPLEMENTATIONS = {
    "zarr-core": Path(sys.executable),
    "zarr-python 2.18": HERE.parent / ".peers" / "zp2" / "bin" / "python",
}


# -- the child: one implementation, one workload -----------------------------------------------
def commands(client) -> int:
    return client.info("stats")["total_commands_processed"]


def count_round_trips() -> list[int]:
    """Start counting the requests redis-py sends; the one-element list holds the count."""
    from redis.connection import AbstractConnection

    counter = [0]
    send = AbstractConnection.send_packed_command

    def counting(self, command, *args, **kwargs):
        counter[0] += 1
        return send(self, command, *args, **kwargs)

    AbstractConnection.send_packed_command = counting
    return counter


def child(label: str, workload: str, port: int) -> None:
    import numpy as np
    import redis
    from worker import WORKLOADS, data_for, numcodecs_compressor, settle_memory, tiny

    spec = WORKLOADS[workload]
    data = data_for(spec)
    prefix = f"bench-{label.replace(' ', '-')}-{workload}"

    def open_for(mode, prefix=prefix, spec=spec):
        create = dict(
            shape=spec["shape"],
            chunks=spec["chunks"],
            dtype=spec["dtype"],
            compressor=numcodecs_compressor(spec["codec"]),
        )
        if label == "zarr-core":
            import zarr_core

            url = f"redis://127.0.0.1:{port}/0?prefix={prefix}"
            if mode == "w":
                return zarr_core.open_array(url, mode="w", zarr_format=2, **create)
            return zarr_core.open_array(url, mode="r")
        import zarr

        store = zarr.RedisStore(prefix=prefix, host="127.0.0.1", port=port)
        if mode == "w":
            return zarr.open_array(store, mode="w", **create)
        return zarr.open_array(store, mode="r")

    # untimed: a tiny array of the same kind first, so that the phases measure the work
    # and not what each library loads at its first use (see worker.warm_up)
    small = tiny(spec)
    open_for("w", f"{prefix}-warm-up", small)[...] = data_for(small)
    open_for("r", f"{prefix}-warm-up", small)[...]
    client = redis.Redis(host="127.0.0.1", port=port)
    commands(client)  # connects the counting client before anything is counted
    round_trips = count_round_trips()
    out: dict[str, float] = {}
    for phase in ("write", "read"):
        before = commands(client)
        round_trips[0] = 0
        settle_memory(2 * data.nbytes)  # the same memory state for every process (see worker)
        t0 = time.perf_counter()
        a = open_for("w" if phase == "write" else "r")
        if phase == "write":
            a[...] = data
        else:
            got = a[...]
        out[phase] = time.perf_counter() - t0
        out[f"{phase} round trips"] = round_trips[0]
        out[f"{phase} commands"] = commands(client) - before - 1  # less the first INFO
    if not np.array_equal(got, data):
        raise SystemExit(f"{label} read back different data")
    names = [k for k in client.scan_iter(match=f"{prefix}:*", count=1000) if b"/." not in k]
    names = [k for k in names if not k.endswith((b".zarray", b".zattrs"))]
    if label == "zarr-core":  # the floor, measured in the same process and memory state
        out.update(floor(client, names, numcodecs_compressor(spec["codec"]), data.nbytes))
    for key in list(client.scan_iter(match=f"{prefix}*", count=1000)):
        client.delete(key)
    print(json.dumps(out))


def floor(client, names: list[bytes], codec, nbytes: int) -> dict[str, float]:
    """What a full read cannot go below: fetching every stored chunk in one pipeline
    (redis-py and hiredis, nothing decoded) and decoding them (numcodecs, one call per
    chunk, blosc with its own threads), each timed on its own."""
    from worker import settle_memory

    settle_memory(2 * nbytes)
    t0 = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.get(name)
    values = pipe.execute()
    fetch = time.perf_counter() - t0
    settle_memory(2 * nbytes)
    t0 = time.perf_counter()
    for value in values:
        codec.decode(value)
    return {"floor: fetch": fetch, "floor: decode": time.perf_counter() - t0}


# -- the driver ------------------------------------------------------------------------------
def run_once(label: str, workload: str, port: int) -> dict[str, float]:
    out = subprocess.run(
        [str(IMPLEMENTATIONS[label]), __file__, "--child", label, workload, str(port)],
        capture_output=True,
        text=True,
        cwd=HERE,
    )
    if out.returncode:
        raise SystemExit(f"{label} failed on {workload}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(workload: str, results: dict[str, dict[str, list[float]]], version: str) -> None:
    medians = {
        label: {k: statistics.median(v) for k, v in ops.items()} for label, ops in results.items()
    }
    base = medians["zarr-core"]
    print(
        f"\n{workload} workload, Zarr format 2, redis-server {version} on loopback "
        f"(medians of {len(next(iter(results['zarr-core'].values())))} runs; "
        "ratio = other / zarr-core)\n"
    )
    counts = ("write round trips", "read round trips", "write commands", "read commands")
    print("| implementation | write | read | " + " | ".join(counts) + " |")
    print("|---" * (3 + len(counts)) + "|")
    for label, values in medians.items():
        cells = [f"{values[op]:.3f} s ({values[op] / base[op]:.2f}x)" for op in ("write", "read")]
        cells += [f"{values[op]:.0f} ({values[op] / max(base[op], 1):.1f}x)" for op in counts]
        print(f"| {label} | " + " | ".join(cells) + " |")
    empty = " | " * len(counts)
    for what, description in (
        ("fetch", "every stored chunk in one pipeline of GETs, nothing decoded"),
        ("decode", "decoding those chunks (numcodecs, one call each)"),
    ):
        seconds = base[f"floor: {what}"]
        print(f"| floor: {description} | | {seconds:.3f} s (x{base['read'] / seconds:.1f}){empty}|")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workload", choices=["small", "large"], action="append")
    args = parser.parse_args()
    missing = [label for label, python in IMPLEMENTATIONS.items() if not python.exists()]
    if missing:
        raise SystemExit(f"missing {missing}: run bash bench/setup.sh (or scripts/test.sh)")
    import redis
    from zarr_core_redis.testing import start_redis

    with tempfile.TemporaryDirectory() as tmp:
        server = start_redis(tmp)
        try:
            version = redis.Redis(port=server.port).info("server")["redis_version"]
            for workload in args.workload or ["small", "large"]:
                results: dict[str, dict[str, list[float]]] = {k: {} for k in IMPLEMENTATIONS}
                for _ in range(args.repeat):
                    for label in IMPLEMENTATIONS:
                        for op, value in run_once(label, workload, server.port).items():
                            results[label].setdefault(op, []).append(value)
                report(workload, results, version)
        finally:
            server.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
