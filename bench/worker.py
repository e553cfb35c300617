"""One benchmark run of one implementation, in its own process; prints JSON timings.

Usage: python worker.py IMPL WORKLOAD FORMAT DIR
IMPL is zarr_core, zarr (zarr-python, whichever version the interpreter has) or
tensorstore. The same workloads, data and codecs are used for every implementation.
"""

from __future__ import annotations

import json
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
    return (np.arange(n, dtype="int32") // 7).reshape(spec["shape"])


def windows(spec: dict) -> list[tuple[int, int]]:
    rng = np.random.default_rng(7)
    h, w = spec["shape"][0] - 64, spec["shape"][1] - 64 if len(spec["shape"]) > 1 else 0
    return [(int(rng.integers(0, h)), int(rng.integers(0, w))) for _ in range(spec["windows"])]


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


def open_zarr_core(path, spec, fmt, create):
    import zarr_core

    if create:
        kw = dict(shape=spec["shape"], chunks=spec["chunks"], dtype=spec["dtype"], zarr_format=fmt)
        if fmt == 2:
            kw["compressor"] = numcodecs_compressor(spec["codec"])
        else:
            kw["codecs"] = v3_codecs(spec["codec"], spec["dtype"])
        return zarr_core.open_array(str(path), mode="w", **kw)
    return zarr_core.open_array(str(path), mode="r")


def open_zarr_python(path, spec, fmt, create):
    import zarr

    if not create:
        return zarr.open_array(str(path), mode="r")
    if zarr.__version__.startswith("2"):
        return zarr.open_array(
            str(path),
            mode="w",
            shape=spec["shape"],
            chunks=spec["chunks"],
            dtype=spec["dtype"],
            compressor=numcodecs_compressor(spec["codec"]),
        )
    if fmt == 2:
        return zarr.create_array(
            str(path),
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
        str(path),
        shape=spec["shape"],
        chunks=spec["chunks"],
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
                metadata = {
                    "shape": list(spec["shape"]),
                    "data_type": spec["dtype"],
                    "chunk_grid": {
                        "name": "regular",
                        "configuration": {"chunk_shape": list(spec["chunks"])},
                    },
                    "codecs": v3_codecs(spec["codec"], spec["dtype"]),
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


def main() -> None:
    impl, workload, fmt, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    spec = WORKLOADS[workload]
    data = data_for(spec)
    path = root / f"{impl}-{workload}-v{fmt}"
    shutil.rmtree(path, ignore_errors=True)
    opener = OPENERS[impl]
    out = {}
    t0 = time.perf_counter()
    a = opener(path, spec, fmt, True)
    a[...] = data
    out["write"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = opener(path, spec, fmt, False)[...]
    out["read"] = time.perf_counter() - t0
    if not np.array_equal(np.asarray(got), data):
        raise SystemExit(f"{impl} read back different data")
    if spec["windows"]:
        a = opener(path, spec, fmt, False)
        t0 = time.perf_counter()
        for y, x in windows(spec):
            a[y : y + 64, x : x + 64]
        out["windows"] = time.perf_counter() - t0
    shutil.rmtree(path, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
