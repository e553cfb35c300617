"""Every benchmark in one run: one markdown document on stdout and in bench/results/latest.md.

* Local workloads (worker.py: large, small, sharded) for zarr-core, zarr-python 3,
  zarr-python 3 with zarrs, tensorstore and zarr-python 2.18, both formats where the
  implementation has them, next to the physical floor (floor.py) of the same work.
* Remote workloads: 1,000 chunks read over HTTP from a server adding 5 ms per request,
  and from S3 (a moto server), both on loopback (servers.py).
* Peak memory of writing and reading the 256 MiB workload; import times (import_time.py).

Every measurement is a fresh process in the implementation's own environment, whose timed
phases follow the same untimed warm-up in every implementation (worker.warm_up: a tiny
array of the workload's kind written and read back), so that they measure the work and
not start-up, which the import table reports (with a first tiny array); in each
round every implementation runs once, in turn, so that machine noise spreads evenly; the
tables show medians over the rounds. A run that fails is reported with its traceback and
leaves the others standing. Never fails on time.

    python bench/run.py [--repeat N | --quick] [--workload NAME ...] [--format 2|3 ...]
                        [--store NAME ...] [--backends]
    python bench/run.py --write-docs   # copy bench/results/latest.md into docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import floor
import import_time
import numpy as np
import servers
from envs import IMPLEMENTATIONS, ROOT, Implementation
from worker import STORES, WORKLOADS, data_for, open_zarr_core

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.md"
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:begin: generated from bench/results/latest.md by bench/run.py --write-docs -->"
END = "<!-- bench:end -->"

LOCAL = {
    "large": "256 MiB float32 (8192x8192) in 1024x1024 chunks, blosc-lz4",
    "small": "10 million int32 in 10,000 chunks of 1000, zstd-1",
    "sharded": "8192x8192 uint16 in 2048x2048 shards of 256x256 inner chunks, zstd-1",
}
REMOTE = {
    "http": "1 million int32 in 1,000 chunks (zstd-1), read in full over HTTP, 5 ms per request",
    "http-50ms": "the same 1,000 chunks read in full over HTTP, 50 ms per request: a distant "
    "server, where the requests a client keeps in flight bound the read, not the server's CPU",
    "s3": "the same 1,000 chunks read in full from S3 (a moto server; no added latency)",
}
SECTIONS = [*LOCAL, *REMOTE, "memory", "import"]
OPS = {
    "write": "write",
    "read": "read",
    "windows": "300 windows 64x64",
    "points": "500 point reads",
}
BACKEND_SCRIPTS = ["backend_abs", "backend_cache", "backend_mongodb", "backend_n5", "backend_redis"]
# Seconds the HTTP server sleeps in every request, by workload.
HTTP_LATENCY = {"http": 0.005, "http-50ms": 0.05}
BUCKET = "zarr-bench"


@dataclass
class Runner:
    """Runs measurements in fresh processes; keeps the failures for the report."""

    failures: list[tuple[str, list[str], str]] = field(default_factory=list)

    def run(self, what: str, python: Path, script: str, *args: object, env=None) -> dict | None:
        command = [str(python), str(HERE / script), *map(str, args)]
        print(f"  {what}", file=sys.stderr, flush=True)
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        if proc.returncode:
            self.failures.append((what, command, proc.stderr.strip() or proc.stdout.strip()))
            print(f"  FAILED: {what} (traceback in the report)", file=sys.stderr, flush=True)
            return None
        return json.loads(proc.stdout.strip().splitlines()[-1])


@dataclass
class Samples:
    """Per label, per op: the values of every round."""

    rows: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    unsupported: set[str] = field(default_factory=set)

    def add(self, label: str, values: dict | None) -> None:
        if values is None:
            self.rows.setdefault(label, {})  # failed: the row says so
            return
        if "unsupported" in values:
            self.unsupported.add(label)
            return
        for op, value in values.items():
            self.rows.setdefault(label, {}).setdefault(op, []).append(value)

    def medians(self) -> dict[str, dict[str, float]]:
        return {
            label: {op: statistics.median(v) for op, v in ops.items()}
            for label, ops in self.rows.items()
            if label not in self.unsupported
        }


def cell(value: float | None, base: float | None) -> str:
    """Seconds, and zarr-core's time over this one unless this is zarr-core (no ``base``)."""
    if value is None:
        return "failed"
    if base is None:
        return f"{value:.3f}"
    return f"{value:.3f} ({base / value:.2f})"


# -- local workloads -----------------------------------------------------------------------
def local_section(
    runner: Runner,
    impls: list[tuple[Implementation, str]],
    workload: str,
    formats: list[int],
    store: str,
    rounds: int,
    tmp: str,
) -> list[str]:
    spec = WORKLOADS[workload]
    fmts = [f for f in formats if not (f == 2 and "shards" in spec)]
    floors = [c for c, (w, _, _) in floor.CASES.items() if w == workload and store == "directory"]
    samples = {f: Samples() for f in fmts}
    floor_samples = Samples()
    for r in range(rounds):
        for fmt in fmts:
            for impl, label in impls:
                if fmt in impl.formats:
                    what = f"{workload} v{fmt} {store} round {r + 1}: {label}"
                    args = ("local", impl.worker, workload, fmt, tmp, store)
                    samples[fmt].add(label, runner.run(what, impl.python, "worker.py", *args))
        for case in floors:
            what = f"{workload} floor round {r + 1}: {case}"
            floor_samples.add(case, runner.run(what, sys.executable, "floor.py", case, tmp))
    floor_medians = floor_samples.medians()
    lines = []
    for fmt in fmts:
        medians = samples[fmt].medians()
        ops = [op for op in OPS if any(op in row for row in medians.values())]
        where = "" if store == "directory" else f", {store} store"
        lines += [f"### {workload}, Zarr format {fmt}{where}", "", f"{LOCAL[workload]}.", ""]
        if not medians:
            lines += ["No implementation ran this (see Failures).", ""]
            continue
        base = medians.get(impls[0][1], {})
        lines.append("| implementation | " + " | ".join(f"{OPS[o]} (s)" for o in ops) + " |")
        lines.append("|---|" + "---:|" * len(ops))
        for label, row in medians.items():
            own = label == impls[0][1]
            cells = [cell(row.get(op), None if own else base.get(op)) for op in ops]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        for case, row in floor_medians.items():
            _, phase, description = floor.CASES[case]
            cells = [
                (
                    f"{row['seconds']:.3f} (x{base[op] / row['seconds']:.1f})"
                    if op == phase and op in base
                    else ""
                )
                for op in ops
            ]
            lines.append(f"| floor: {description} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


# -- remote workloads ----------------------------------------------------------------------
def write_remote(root: Path, formats: list[int]) -> None:
    spec = WORKLOADS["remote"]
    data = data_for(spec)
    for fmt in formats:
        open_zarr_core(str(root / f"v{fmt}"), spec, fmt, True)[...] = data


def remote_section(
    runner: Runner,
    impls: list[tuple[Implementation, str]],
    kind: str,
    formats: list[int],
    rounds: int,
    tmp: str,
) -> list[str]:
    root = Path(tmp) / "remote"
    if not root.exists():
        write_remote(root, formats)
    if kind in HTTP_LATENCY:
        server = servers.LatencyHTTPServer(root, HTTP_LATENCY[kind])
        endpoint, env, prefix = server.url, None, ""
    else:
        server = servers.MotoS3Server()
        endpoint, env, prefix = server.endpoint, servers.s3_environment(), f"{BUCKET}/"
    protocol = "http" if kind in HTTP_LATENCY else kind  # what the worker reads over
    samples = {f: Samples() for f in formats}
    with server:
        if kind == "s3":
            server.upload(root, BUCKET)
        for r in range(rounds):
            for fmt in formats:
                for impl, label in impls:
                    server.counter.reset()
                    what = f"{kind} v{fmt} round {r + 1}: {label}"
                    args = ("remote", impl.worker, fmt, protocol, endpoint, f"{prefix}v{fmt}")
                    cpu = time.process_time()  # this process's threads: the server's
                    out = runner.run(what, impl.python, "worker.py", *args, env=env)
                    if out is not None:
                        out["server cpu"] = time.process_time() - cpu
                        out["requests"] = sum(server.counter.methods.values())
                        out["in flight"] = server.counter.peak_in_flight
                        for method, n in server.counter.methods.items():
                            out[method] = n
                    samples[fmt].add(label, out)
    lines = []
    for fmt in formats:
        medians = samples[fmt].medians()
        lines += [
            f"### {kind}, Zarr format {fmt}",
            "",
            f"{REMOTE[kind]}. Each process first opens the array and reads its first "
            "element, untimed (the client's start-up); the timed read opens it again. The "
            "requests are the whole process's, that warm-up's included. The server runs "
            "in the benchmark's own process, its Python threads on one core at a time, so "
            "its CPU time while serving a process (warm-up included) is a floor under that "
            "process's read: a read close to it is bound by the server, not the client.",
            "",
        ]
        base = medians.get(impls[0][1], {})
        lines.append(
            "| implementation | read (s) | server CPU (s) | requests | by method | most in flight |"
        )
        lines.append("|---|---:|---:|---:|---|---:|")
        for label, row in medians.items():
            ref = None if label == impls[0][1] else base.get("read")
            methods = ", ".join(
                f"{m} {row[m]:.0f}" for m in ("GET", "HEAD", "PUT", "POST") if m in row
            )
            requests = f"{row['requests']:.0f}" if "requests" in row else ""
            flight = f"{row['in flight']:.0f}" if "in flight" in row else ""
            server = f"{row['server cpu']:.3f}" if "server cpu" in row else ""
            lines.append(
                f"| {label} | {cell(row.get('read'), ref)} | {server} | {requests} | {methods} "
                f"| {flight} |"
            )
        lines.append("")
    return lines


# -- memory --------------------------------------------------------------------------------
def memory_section(
    runner: Runner,
    impls: list[tuple[Implementation, str]],
    formats: list[int],
    rounds: int,
    tmp: str,
) -> list[str]:
    samples = Samples()
    resets: set[bool] = set()
    for r in range(rounds):
        for impl, label in impls:
            for fmt in (f for f in formats if f in impl.formats):
                for phase in ("write", "read"):
                    what = f"memory v{fmt} {phase} round {r + 1}: {label}"
                    out = runner.run(
                        what, impl.python, "worker.py", "memory", impl.worker, phase, fmt, tmp
                    )
                    if out is not None:
                        resets.add(out.pop("reset"))
                        out = {f"{phase} {k}": v for k, v in out.items()}
                    samples.add(f"{label}|{fmt}", out)
    spec = WORKLOADS["large"]
    itemsize = np.dtype(spec["dtype"]).itemsize
    output = int(np.prod(spec["shape"])) * itemsize
    chunk = int(np.prod(spec["chunks"])) * itemsize
    threads = os.cpu_count() or 1
    mib = 1 << 20
    lines = [
        "Peak resident memory of one phase of the large workload (256 MiB float32, 64 chunks "
        "of 4 MiB), each phase in a fresh process: the kernel's high-water mark is reset "
        "(`/proc/self/clear_refs`) just before the phase, after the imports, opening the "
        "array and (for the write) making the 256 MiB input, and the table shows "
        "`ru_maxrss` after the phase minus the resident size at its start: what the phase "
        "itself needed. The read returns a new 256 MiB array, so its floor is the output "
        f"size; the reference is output + 2 chunks per worker thread ({threads} threads, "
        "the CPU count).",
        "",
        "| implementation | format | write: peak above start (MiB) | read: peak above start "
        "(MiB) | read: peak RSS of the process (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, row in samples.medians().items():
        label, fmt = key.rsplit("|", 1)
        cells = [
            f"{row[op] / mib:.0f}" if op in row else "failed"
            for op in ("write above", "read above", "read peak")
        ]
        lines.append(f"| {label} | {fmt} | " + " | ".join(cells) + " |")
    lines.append(
        f"| reference: output size + 2 chunks x {threads} threads | | "
        f"{2 * chunk * threads / mib:.0f} (input is in the baseline) | "
        f"{(output + 2 * chunk * threads) / mib:.0f} | |"
    )
    if False in resets:
        lines += ["", "The high-water mark could not be reset: figures include the start-up."]
    return [*lines, ""]


# -- import time ---------------------------------------------------------------------------
def import_section(runs: int) -> list[str]:
    print("  import times", file=sys.stderr, flush=True)
    results = import_time.measure_all(runs)
    lines = [
        f"Medians of {runs} fresh interpreters each (after one discarded run that may write "
        "bytecode caches): the import statement timed inside the process, and the whole "
        "process from start to exit. Ratio: zarr_core's import / this one's.",
        "",
        "| import | import (ms) | whole process (ms) | zarr_core / this |",
        "|---|---:|---:|---:|",
    ]
    lines += _start_up_rows(results, "`{}`")
    target = results.get("numpy + numcodecs"), results.get("zarr_core + plugin discovery")
    if all(target):
        lines += [
            "",
            "Design target, zarr_core with every plugin discovered against numpy + numcodecs "
            f"(whole process): {target[1][1] / target[0][1]:.2f}x (target: at most 1.5x).",
        ]
    first = import_time.measure_all(runs, import_time.FIRST_ARRAY_CASES)
    lines += [
        "",
        "The import and a first tiny array (8 int32 in 2 chunks, default codecs) created in "
        "a new directory, written and read back: everything a library loads before its first "
        "real work, lazily loaded parts included. The timed workload phases above start "
        "after such a warm-up in every implementation. Ratio: zarr_core's time / this one's.",
        "",
        "| import + first array | time (ms) | whole process (ms) | zarr_core / this |",
        "|---|---:|---:|---:|",
    ]
    lines += _start_up_rows(first, "{}")
    return [*lines, ""]


def _start_up_rows(results: dict[str, tuple[float, float]], name: str) -> list[str]:
    """Table rows of (inside, whole process) medians, with zarr_core's time / each one's."""
    base = results.get("zarr_core", (None, None))[0]
    rows = []
    for label, (inside, whole) in results.items():
        ratio = f"{base / inside:.2f}" if base else ""
        rows.append(
            f"| {name.format(label)} | {inside * 1000:.0f} | {whole * 1000:.0f} | {ratio} |"
        )
    return rows


# -- other backends ------------------------------------------------------------------------
def backend_sections(runner: Runner, rounds: int) -> list[str]:
    lines = [
        "Each script's own output, with its own ratio convention (stated in each table).",
        "",
    ]
    for name in BACKEND_SCRIPTS:
        command = [sys.executable, str(HERE / f"{name}.py"), "--repeat", str(rounds)]
        print(f"  {name}.py", file=sys.stderr, flush=True)
        proc = subprocess.run(command, capture_output=True, text=True)
        lines += [f"### `bench/{name}.py`", ""]
        if proc.returncode:
            runner.failures.append((f"{name}.py", command, proc.stderr.strip()))
            lines += ["Failed (see Failures).", ""]
        else:
            # two levels down, below this section's headings
            out = proc.stdout.strip().splitlines()
            lines += [f"##{line}" if line.startswith("#") else line for line in out] + [""]
    return lines


# -- the document --------------------------------------------------------------------------
def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def document(args: argparse.Namespace, rounds: int) -> str:
    started = time.perf_counter()
    start_load = load()
    runner = Runner()
    available = [i for i in IMPLEMENTATIONS if i.python.exists()]
    missing = [i.python for i in IMPLEMENTATIONS if not i.python.exists()]
    described = [(i, *i.describe()) for i in available]
    impls = [(i, label) for i, label, _ in described]
    remote_impls = [(i, label) for i, label in impls if i.worker != "zarrs" and 3 in i.formats]
    sections = args.workload or SECTIONS
    formats = sorted(args.format or [2, 3])
    body: list[str] = []
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        local = [w for w in sections if w in LOCAL]
        if local:
            body += ["## Local workloads", ""]
            for store in args.store or ["directory"]:
                for workload in local:
                    body += local_section(runner, impls, workload, formats, store, rounds, tmp)
        remote = [w for w in sections if w in REMOTE]
        if remote:
            body += ["## Remote workloads", ""]
            for kind in remote:
                body += remote_section(runner, remote_impls, kind, formats, rounds, tmp)
        if "memory" in sections:
            body += ["## Memory", ""]
            body += memory_section(runner, impls, formats, rounds, tmp)
    if "import" in sections:
        body += ["## Import time", ""]
        body += import_section(3 if args.quick else import_time.RUNS)
    if args.backends:
        body += ["## Other backends", ""]
        body += backend_sections(runner, rounds)
    if runner.failures:
        body += ["## Failures", ""]
        for what, command, output in runner.failures:
            body += [f"**{what}**: `{' '.join(command)}`", "", "```", output, "```", ""]
    elapsed = time.perf_counter() - started
    versions = ", ".join(f"{label}: Python {python}" for _, label, python in described)
    head = [
        "# Latest results",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}; load average "
        f"{start_load} at the start, {load()} at the end",
        f"- interpreters: {versions}",
        f"- command: `{' '.join(['bash bench/run.sh', *sys.argv[1:]])}`",
        f"- {rounds} round(s), medians; total runtime {elapsed / 60:.1f} min",
        "",
        "Every figure is the median over the rounds of fresh processes, the implementations "
        "alternating. The number in brackets after a time is zarr-core's time divided by "
        "that implementation's: **below 1 = zarr-core faster**. In a floor row, `(xN)` is "
        "zarr-core's time divided by the floor; floors are one call per chunk or file, one "
        "after another, so batching or overlapping can go below them. The machine is shared "
        "with other work: expect noise of tens of percent between runs, and compare within "
        "one table. It is a virtual machine that returns pages left free for about 2 s to "
        "its host, and touching such a page again costs a host fault (a new 256 MiB array "
        "filled in 0.3-0.5 s instead of 0.05 s): so every process touches and frees twice "
        "the workload's size right before each timed phase and floor (`settle_memory` in "
        "bench/worker.py), and no implementation is timed on pages its previous phase "
        "happened to free or not.",
        "",
    ]
    if missing:
        head += [f"Not installed, left out: {', '.join(map(str, missing))} (bench/setup.sh).", ""]
    return "\n".join(head + body).rstrip() + "\n"


def write_docs() -> None:
    """Replace the generated part of docs/benchmarks.md with bench/results/latest.md."""
    text = DOCS.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{DOCS} lacks the markers {BEGIN!r} ... {END!r}")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    # one heading level down: the page has its own title
    table = "\n".join(
        f"#{line}" if line.startswith("#") else line for line in RESULTS.read_text().splitlines()
    )
    DOCS.write_text(f"{before}{BEGIN}\n\n{table}\n\n{END}{after}")
    print(f"rewrote the generated part of {DOCS.relative_to(ROOT)} from {RESULTS.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 round: a smoke test")
    parser.add_argument("--workload", choices=SECTIONS, action="append", help="only these")
    parser.add_argument("--format", type=int, choices=[2, 3], action="append")
    parser.add_argument(
        "--store", choices=sorted(STORES), action="append", help="local stores (directory)"
    )
    parser.add_argument(
        "--backends", action="store_true", help="also every other store and bench/backend_*.py"
    )
    parser.add_argument("--tmp", help="directory for the data (default: the system's temp)")
    parser.add_argument(
        "--write-docs", action="store_true", help="copy the last results into the docs; no run"
    )
    args = parser.parse_args()
    if args.write_docs:
        write_docs()
        return
    if args.backends:
        args.store = sorted(STORES)
    text = document(args, 1 if args.quick else args.repeat)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
