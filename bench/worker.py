"""One benchmark run of one implementation, in its own process; prints JSON.

    python worker.py local IMPL WORKLOAD FORMAT DIR [STORE]
        write, read (checked) and, per workload, random windows or points: seconds per phase
    python worker.py remote IMPL FORMAT KIND ENDPOINT PATH
        read (checked) the "remote" workload that the driver wrote and serves: KIND http
        (ENDPOINT = the server's root URL, PATH = the array under it) or s3 (ENDPOINT = the
        S3 endpoint, PATH = bucket/key; credentials from the environment)
    python worker.py memory IMPL PHASE FORMAT DIR
        peak memory of one PHASE (write, then read in a later process) of the "large" workload

IMPL is zarr_core, zarr (zarr-python, whichever version the interpreter has), zarrs
(zarr-python 3 with the zarrs codec pipeline) or tensorstore. STORE names an entry of
STORES (default: directory). The same workloads, data and codecs are used for every
implementation. An implementation without the store prints {"unsupported": reason}.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_BLOCK = 1 << 20  # elements per block of data_for's random walk

WORKLOADS = {
    # 256 MiB float32, 1024x1024 chunks, blosc lz4 (shuffle), plus 300 random 64x64 windows.
    "large": dict(
        shape=(8192, 8192), chunks=(1024, 1024), dtype="float32", codec="blosc-lz4", windows=300
    ),
    # 10 million int32 in 10,000 chunks of 1000, zstd level 1.
    "small": dict(shape=(10_000_000,), chunks=(1000,), dtype="int32", codec="zstd-1", windows=0),
    # 128 MiB uint16 in 16 shards of 2048x2048, each holding 64 inner chunks of 256x256,
    # zstd level 1, plus 500 random single-element reads. Format 3 only (a v3 codec).
    "sharded": dict(
        shape=(8192, 8192),
        chunks=(256, 256),
        shards=(2048, 2048),
        dtype="uint16",
        codec="zstd-1",
        windows=0,
        points=500,
    ),
    # 1 million int32 in 1,000 chunks of 1000, zstd level 1: written once by the driver,
    # then read over HTTP or S3, where the time goes to requests rather than decoding.
    "remote": dict(shape=(1_000_000,), chunks=(1000,), dtype="int32", codec="zstd-1", windows=0),
}


# The least settle_memory touches: more than any phase without a big output allocates.
_SETTLE_MIN = 64 << 20


def settle_memory(nbytes: int = 0) -> None:
    """Touch and free ``nbytes`` (at least 64 MiB) of memory, just before a timed phase.

    The benchmark machine is a virtual machine whose kernel hands pages that stayed free
    for about 2 s back to the host (free page reporting); touching such a page again
    costs a host fault, about 10 us per 4 KiB here: a new 256 MiB array filled in
    0.3-0.5 s instead of 0.05 s. Which implementation pays for that depended on how much
    memory its previous phase happened to free just before (zarrs' write frees much and
    its read ran in 0.09 s; zarr-core's lean write frees little and its read took
    0.15-0.25 s; the same zarr-core read after this step: 0.09-0.13 s). So every
    implementation and every floor starts each timed phase right after this step, with
    recently freed pages at hand, as on a machine without the effect.
    """
    np.ones(max(nbytes, _SETTLE_MIN), dtype=np.uint8)


def data_for(spec: dict) -> np.ndarray:
    rng = np.random.default_rng(42)
    n = int(np.prod(spec["shape"]))
    if spec["dtype"] == "float32":
        # A random walk, built in blocks straight into the output so that making it needs
        # little more memory than the array itself (the memory phases measure above it).
        # Adding the carry to each block's first step repeats the one-pass cumsum's float32
        # additions exactly: the values are those of np.cumsum over the whole array.
        out = np.empty(n, dtype="float32")
        carry = np.float32(0)
        for start in range(0, n, _BLOCK):
            step = rng.standard_normal(min(_BLOCK, n - start), dtype="float32")
            step[0] += carry
            np.cumsum(step, out=out[start : start + len(step)])
            carry = out[start + len(step) - 1]
        out /= np.float32(100)
        return out.reshape(spec["shape"])
    # compressible, as zarr data often is (uint16 wraps around every 458,752 elements)
    return (np.arange(n, dtype="int32") // 7).astype(spec["dtype"]).reshape(spec["shape"])


def windows(spec: dict) -> list[tuple[int, int]]:
    rng = np.random.default_rng(7)
    h, w = spec["shape"][0] - 64, spec["shape"][1] - 64 if len(spec["shape"]) > 1 else 0
    return [(int(rng.integers(0, h)), int(rng.integers(0, w))) for _ in range(spec["windows"])]


def points(spec: dict) -> list[tuple[int, ...]]:
    rng = np.random.default_rng(7)
    return [tuple(int(rng.integers(0, n)) for n in spec["shape"]) for _ in range(spec["points"])]


def numcodecs_compressor(codec: str):
    import numcodecs

    if codec == "blosc-lz4":
        return numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
    return numcodecs.Zstd(level=1)


def v3_codecs(codec: str, dtype: str) -> list[dict]:
    itemsize = np.dtype(dtype).itemsize
    chain = [{"name": "bytes", "configuration": {"endian": "little"}}]
    if codec == "blosc-lz4":
        chain.append(
            {
                "name": "blosc",
                "configuration": {
                    "cname": "lz4",
                    "clevel": 5,
                    "shuffle": "shuffle",
                    "typesize": itemsize,
                    "blocksize": 0,
                },
            }
        )
    else:
        chain.append({"name": "zstd", "configuration": {"level": 1, "checksum": False}})
    return chain


def as_path(path, mode):
    return str(path)


def zarr_python_zip(path, mode):
    import zarr

    cls = zarr.ZipStore if zarr.__version__.startswith("2") else zarr.storage.ZipStore
    return cls(str(path), mode=mode)


class Unsupported(Exception):
    """This implementation has no store of the kind asked for."""


def zarr_python_2_store(name: str):
    """A target opening zarr-python 2's store class ``name`` (zarr-python 3 dropped it)."""

    def target(path, mode):
        import zarr

        if not zarr.__version__.startswith("2"):
            raise Unsupported(f"zarr-python {zarr.__version__} has no {name}")
        return getattr(zarr, name)(str(path))

    return target


def dbm_url(path, mode):
    return f"dbm:///{path}"  # no suffix names a DBM file


# Store name -> (file suffix, {implementation: target(path, mode) -> what its opener takes}).
# zarr_core opens every store from its path or URL (the suffix or scheme picks the plugin).
# Both DBM sides use dbm.open's choice, which on pyenv's interpreters is dbm.dumb.
STORES = {
    "directory": ("", {"zarr_core": as_path, "zarr": as_path, "tensorstore": as_path}),
    "zip": (".zip", {"zarr_core": as_path, "zarr": zarr_python_zip}),
    "sqlite": (".sqlite", {"zarr_core": as_path, "zarr": zarr_python_2_store("SQLiteStore")}),
    "lmdb": (".lmdb", {"zarr_core": as_path, "zarr": zarr_python_2_store("LMDBStore")}),
    "dbm": (".db", {"zarr_core": dbm_url, "zarr": zarr_python_2_store("DBMStore")}),
}


def open_zarr_core(path, spec, fmt, create):
    import zarr_core

    if create:
        kw = dict(shape=spec["shape"], chunks=spec["chunks"], dtype=spec["dtype"], zarr_format=fmt)
        if fmt == 2:
            kw["compressor"] = numcodecs_compressor(spec["codec"])
        else:
            kw["codecs"] = v3_codecs(spec["codec"], spec["dtype"])
            kw["shards"] = spec.get("shards")
        return zarr_core.open_array(path, mode="w", **kw)
    return zarr_core.open_array(path, mode="r")


def open_zarr_python(path, spec, fmt, create):
    import zarr

    if not create:
        return zarr.open_array(path, mode="r")
    if zarr.__version__.startswith("2"):
        return zarr.open_array(
            path,
            mode="w",
            shape=spec["shape"],
            chunks=spec["chunks"],
            dtype=spec["dtype"],
            compressor=numcodecs_compressor(spec["codec"]),
        )
    if fmt == 2:
        return zarr.create_array(
            path,
            shape=spec["shape"],
            chunks=spec["chunks"],
            dtype=spec["dtype"],
            zarr_format=2,
            compressors=numcodecs_compressor(spec["codec"]),
            overwrite=True,
        )
    from zarr.codecs import BloscCodec, ZstdCodec

    compressor = (
        BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")
        if spec["codec"] == "blosc-lz4"
        else ZstdCodec(level=1)
    )
    return zarr.create_array(
        path,
        shape=spec["shape"],
        chunks=spec["chunks"],
        shards=spec.get("shards"),
        dtype=spec["dtype"],
        zarr_format=3,
        compressors=compressor,
        overwrite=True,
    )


def _ts_compressor(codec: str) -> dict:
    # tensorstore refuses the zstd "checksum" member that numcodecs writes.
    config = numcodecs_compressor(codec).get_config()
    return {k: v for k, v in config.items() if not (k == "checksum" and v is False)}


class TensorstoreArray:
    """Adapter so tensorstore takes the same [...] reads and writes as the others.

    ``path`` is a local path or a tensorstore kvstore spec (a dict: http, s3, ...).
    """

    def __init__(self, path, spec, fmt, create):
        import tensorstore as ts

        driver = "zarr" if fmt == 2 else "zarr3"
        kvstore = path if isinstance(path, dict) else {"driver": "file", "path": str(path)}
        if create:
            if fmt == 2:
                metadata = {
                    "shape": list(spec["shape"]),
                    "chunks": list(spec["chunks"]),
                    "dtype": np.dtype(spec["dtype"]).str,
                    "compressor": _ts_compressor(spec["codec"]),
                }
            else:
                chunks, codecs = spec["chunks"], v3_codecs(spec["codec"], spec["dtype"])
                if "shards" in spec:
                    inner = {"chunk_shape": list(chunks), "codecs": codecs}
                    codecs = [{"name": "sharding_indexed", "configuration": inner}]
                    chunks = spec["shards"]
                metadata = {
                    "shape": list(spec["shape"]),
                    "data_type": spec["dtype"],
                    "chunk_grid": {
                        "name": "regular",
                        "configuration": {"chunk_shape": list(chunks)},
                    },
                    "codecs": codecs,
                }
            self.t = ts.open(
                {"driver": driver, "kvstore": kvstore, "metadata": metadata},
                create=True,
                delete_existing=True,
            ).result()
        else:
            self.t = ts.open({"driver": driver, "kvstore": kvstore}, open=True).result()

    def __setitem__(self, sel, value):
        self.t[sel].write(value).result()

    def __getitem__(self, sel):
        return self.t[sel].read().result()


OPENERS = {
    "zarr_core": open_zarr_core,
    "zarr": open_zarr_python,
    "zarrs": open_zarr_python,
    "tensorstore": TensorstoreArray,
}


def use_zarrs() -> None:
    """Switch zarr-python 3 to the zarrs Rust codec pipeline (the only difference of "zarrs")."""
    import zarr
    import zarrs  # noqa: F401 - fails here, not in the first read, if it is missing

    zarr.config.set({"codec_pipeline.path": "zarrs.ZarrsCodecPipeline"})


def close(array) -> None:
    """Close the array's store: stores such as zip finish their file only then."""
    closer = getattr(getattr(array, "store", None), "close", None)
    if closer is not None:
        closer()


def remove(path: Path) -> None:
    # Also the files a backend keeps beside its own: x.db.dat, x.sqlite-wal, x.mdb-lock...
    for found in [path, *path.parent.glob(f"{path.name}?*")]:
        if found.is_dir():
            shutil.rmtree(found, ignore_errors=True)
        elif found.exists():
            os.remove(found)


def tiny(spec: dict) -> dict:
    """The workload's dtype, codec and chunk layout on an array of a few elements."""
    ndim = len(spec["shape"])
    small = dict(spec, shape=(8,) * ndim, chunks=(4,) * ndim)
    if "shards" in spec:
        small["shards"] = (8,) * ndim
    return small


def warm_up(impl: str, target, spec: dict, fmt: int, path: Path) -> None:
    """Write and read back a tiny array of the workload's kind, untimed.

    Implementations load different amounts at ``import``: zarr-python everything,
    zarr-core most of its machinery at first use, tensorstore its drivers and thread
    pools at the first open. So that every timed phase measures the same thing for all
    -- the work of the phase, not start-up -- each worker runs this first; start-up has
    its own table (import_time.py, which also times such a first round trip).
    """
    small = tiny(spec)
    remove(path)
    a = OPENERS[impl](target(path, "w"), small, fmt, True)
    a[...] = data_for(small)
    close(a)
    a = OPENERS[impl](target(path, "r"), small, fmt, False)
    np.asarray(a[...])
    close(a)
    remove(path)


def run_local(impl: str, workload: str, fmt: int, root: Path, store: str) -> dict:
    suffix, targets = STORES[store]
    # zarrs is zarr-python 3 with another codec pipeline: the same stores
    target = targets.get("zarr" if impl == "zarrs" else impl)
    if target is None:
        return {"unsupported": f"{impl} has no such store"}
    spec = WORKLOADS[workload]
    if fmt == 2 and "shards" in spec:
        return {"unsupported": "sharding needs Zarr format 3"}
    try:
        warm_up(impl, target, spec, fmt, root / f"{impl}-{workload}-v{fmt}-warm-up{suffix}")
    except Unsupported as exc:
        return {"unsupported": str(exc)}
    data = data_for(spec)
    path = root / f"{impl}-{workload}-v{fmt}{suffix}"
    remove(path)
    opener = OPENERS[impl]
    out = {}
    # the data, its encoded copy and a read's output and buffers fit in twice its size
    settle = 2 * data.nbytes
    settle_memory(settle)
    t0 = time.perf_counter()
    try:
        a = opener(target(path, "w"), spec, fmt, True)
    except Unsupported as exc:
        return {"unsupported": str(exc)}
    a[...] = data
    close(a)
    out["write"] = time.perf_counter() - t0
    settle_memory(settle)
    t0 = time.perf_counter()
    a = opener(target(path, "r"), spec, fmt, False)
    got = a[...]
    out["read"] = time.perf_counter() - t0
    close(a)
    if not np.array_equal(np.asarray(got), data):
        raise SystemExit(f"{impl} read back different data")
    if spec["windows"]:
        a = opener(target(path, "r"), spec, fmt, False)
        settle_memory()
        t0 = time.perf_counter()
        for y, x in windows(spec):
            a[y : y + 64, x : x + 64]
        out["windows"] = time.perf_counter() - t0
        close(a)
    if spec.get("points"):
        a = opener(target(path, "r"), spec, fmt, False)
        settle_memory()
        t0 = time.perf_counter()
        for point in points(spec):
            a[point]
        out["points"] = time.perf_counter() - t0
        close(a)
    remove(path)
    return out


def open_remote(impl: str, fmt: int, kind: str, endpoint: str, path: str):
    """The remote array, read-only, opened the way each implementation reads such a URL."""
    spec = WORKLOADS["remote"]
    if impl == "tensorstore":
        if kind == "http":
            kvstore = {"driver": "http", "base_url": endpoint, "path": f"/{path}/"}
        else:
            bucket, _, key = path.partition("/")
            kvstore = {
                "driver": "s3",
                "bucket": bucket,
                "path": f"{key}/",
                "endpoint": endpoint,
                "aws_region": os.environ["AWS_DEFAULT_REGION"],
                "aws_credentials": {"type": "environment"},
            }
        return TensorstoreArray(kvstore, spec, fmt, False)
    url = f"{endpoint}/{path}" if kind == "http" else f"s3://{path}"
    options = {"client_kwargs": {"endpoint_url": endpoint}} if kind == "s3" else {}
    if impl == "zarr_core":
        import zarr_core

        return zarr_core.open_array(url, mode="r", storage_options=options)
    import zarr

    store = zarr.storage.FsspecStore.from_url(url, storage_options=options, read_only=True)
    return zarr.open_array(store, mode="r")


def run_remote(impl: str, fmt: int, kind: str, endpoint: str, path: str) -> dict:
    expected = data_for(WORKLOADS["remote"])
    with tempfile.TemporaryDirectory() as tmp:
        warm_up(impl, as_path, WORKLOADS["remote"], fmt, Path(tmp) / "warm-up")
    # and the remote client's start-up (fsspec's http or s3 file system and its
    # libraries, tensorstore's kvstore and connection pool): the array opened and its
    # first element read, untimed; the timed read opens the array afresh
    open_remote(impl, fmt, kind, endpoint, path)[0:1]
    settle_memory(2 * expected.nbytes)
    t0 = time.perf_counter()
    got = open_remote(impl, fmt, kind, endpoint, path)[...]
    out = {"read": time.perf_counter() - t0}
    if not np.array_equal(np.asarray(got), expected):
        raise SystemExit(f"{impl} read back different data from {kind}")
    return out


def rss() -> int:
    """Resident set size now, in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_peak() -> bool:
    """Reset the kernel's resident high-water mark to the current size (Linux 4.0+).

    Then ``ru_maxrss`` afterwards is the peak of what follows, not of the imports and
    the data generation before it. False where the kernel refuses.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def peak() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def run_memory(impl: str, phase: str, fmt: int, root: Path) -> dict:
    """Peak RSS of one phase of the "large" workload, above the RSS at its start.

    A fresh process per phase; the baseline holds the interpreter, the imports, the open
    array and, for the write, the 256 MiB input. The read reads what the write phase of
    the same implementation left (and removes it).
    """
    spec = WORKLOADS["large"]
    path = root / f"{impl}-memory-v{fmt}"
    opener = OPENERS[impl]
    if phase == "write":
        data = data_for(spec)
        remove(path)
        a = opener(path, spec, fmt, True)
        reset = reset_peak()
        base = rss()
        a[...] = data
        close(a)
    else:
        a = opener(path, spec, fmt, False)
        reset = reset_peak()
        base = rss()
        got = np.asarray(a[...])
        close(a)
    top = peak()
    if phase == "read":
        ok = np.array_equal(got, data_for(spec))  # after the measurement: not in the peak
        remove(path)
        if not ok:
            raise SystemExit(f"{impl} read back different data")
    return {"baseline": base, "peak": top, "above": top - base, "reset": reset}


def main() -> None:
    command, impl, *args = sys.argv[1:]
    if impl == "zarrs":
        use_zarrs()
    if command == "local":
        workload, fmt, root = args[0], int(args[1]), Path(args[2])
        out = run_local(impl, workload, fmt, root, args[3] if len(args) > 3 else "directory")
    elif command == "remote":
        fmt, kind, endpoint, path = int(args[0]), *args[1:]
        out = run_remote(impl, fmt, kind, endpoint, path)
    elif command == "memory":
        phase, fmt, root = args[0], int(args[1]), Path(args[2])
        out = run_memory(impl, phase, fmt, root)
    else:
        raise SystemExit(f"unknown command {command!r}: local, remote or memory")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
