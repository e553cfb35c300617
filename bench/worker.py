"""One benchmark run of one implementation, in its own process; prints JSON timings.

Usage: python worker.py IMPL WORKLOAD FORMAT DIR [STORE]
IMPL is zarr_core, zarr (zarr-python, whichever version the interpreter has) or
tensorstore. STORE names an entry of STORES (default: directory). The same workloads,
data and codecs are used for every implementation. An implementation without the
store prints {"unsupported": reason} instead of timings.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

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
}


def data_for(spec: dict) -> np.ndarray:
    rng = np.random.default_rng(42)
    n = int(np.prod(spec["shape"]))
    if spec["dtype"] == "float32":
        return (
            (np.cumsum(rng.standard_normal(n, dtype="float32")) / 100)
            .astype("float32")
            .reshape(spec["shape"])
        )
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
    """Adapter so tensorstore takes the same [...] reads and writes as the others."""

    def __init__(self, path, spec, fmt, create):
        import tensorstore as ts

        driver = "zarr" if fmt == 2 else "zarr3"
        kvstore = {"driver": "file", "path": str(path)}
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


OPENERS = {"zarr_core": open_zarr_core, "zarr": open_zarr_python, "tensorstore": TensorstoreArray}


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


def main() -> None:
    impl, workload, fmt, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    suffix, targets = STORES[sys.argv[5] if len(sys.argv) > 5 else "directory"]
    if impl not in targets:
        print(json.dumps({"unsupported": f"{impl} has no such store"}))
        return
    spec = WORKLOADS[workload]
    if fmt == 2 and "shards" in spec:
        print(json.dumps({"unsupported": "sharding needs Zarr format 3"}))
        return
    data = data_for(spec)
    path = root / f"{impl}-{workload}-v{fmt}{suffix}"
    remove(path)
    opener = OPENERS[impl]
    target = targets[impl]
    out = {}
    t0 = time.perf_counter()
    try:
        a = opener(target(path, "w"), spec, fmt, True)
    except Unsupported as exc:
        print(json.dumps({"unsupported": str(exc)}))
        return
    a[...] = data
    close(a)
    out["write"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    a = opener(target(path, "r"), spec, fmt, False)
    got = a[...]
    out["read"] = time.perf_counter() - t0
    close(a)
    if not np.array_equal(np.asarray(got), data):
        raise SystemExit(f"{impl} read back different data")
    if spec["windows"]:
        a = opener(target(path, "r"), spec, fmt, False)
        t0 = time.perf_counter()
        for y, x in windows(spec):
            a[y : y + 64, x : x + 64]
        out["windows"] = time.perf_counter() - t0
        close(a)
    if spec.get("points"):
        a = opener(target(path, "r"), spec, fmt, False)
        t0 = time.perf_counter()
        for point in points(spec):
            a[point]
        out["points"] = time.perf_counter() - t0
        close(a)
    remove(path)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
