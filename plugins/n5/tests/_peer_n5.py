"""N5 through other implementations, run by their interpreters (no zarr-core there).

    python _peer_n5.py zp2-write CASE_DIR CONTAINER   # zarr-python 2.18 N5Store writes
    python _peer_n5.py zp2-read  CONTAINER OUT_DIR     # ... and reads back what it finds
    python _peer_n5.py ts-write  CASE_DIR CONTAINER    # tensorstore's n5 driver writes
    python _peer_n5.py ts-read   CASE_DIR CONTAINER OUT_DIR

A case directory holds ``case.json`` (``{"arrays": {name: {"dtype", "chunks",
"compressor" (numcodecs config, for zarr-python), "compression" (N5 object, for
tensorstore), "attrs"}}, "group_attrs": {...}}``) and ``data.npz`` (each array's values in
Zarr axis order). Readers write ``found.json`` (attributes, shapes, chunks) and
``data.npz`` into ``OUT_DIR``.

tensorstore does not reverse axes: it writes each array's values *transposed* (its
dimension i is N5 dimension i), and what it reads is saved as it reads it, so the test
compares it with zarr-core's values transposed.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np


def _case(case_dir: str) -> tuple[dict, dict]:
    case = json.loads((Path(case_dir) / "case.json").read_text())
    with np.load(Path(case_dir) / "data.npz") as data:
        return case, dict(data)


def _save(out_dir: str, found: dict, arrays: dict) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "found.json").write_text(json.dumps(found, sort_keys=True))
    np.savez(out / "data.npz", **arrays)


def zp2_write(case_dir: str, container: str) -> None:
    import numcodecs
    import zarr

    case, data = _case(case_dir)
    root = zarr.group(store=zarr.N5Store(container), overwrite=True)
    root.attrs.update(case["group_attrs"])
    for name, spec in case["arrays"].items():
        config = spec["compressor"]
        z = root.create_dataset(
            name,
            shape=data[name].shape,
            chunks=tuple(spec["chunks"]),
            dtype=spec["dtype"],
            compressor=numcodecs.get_codec(dict(config)) if config else None,
        )
        z[...] = data[name]
        z.attrs.update(spec["attrs"])


def zp2_read(container: str, out_dir: str) -> None:
    import zarr

    root = zarr.open_group(store=zarr.N5Store(container), mode="r")
    found = {"group_attrs": root.attrs.asdict(), "arrays": {}}
    arrays = {}
    for name, z in root.arrays():
        arrays[name] = z[...]
        found["arrays"][name] = {
            "shape": list(z.shape),
            "chunks": list(z.chunks),
            "dtype": str(z.dtype),
            "attrs": z.attrs.asdict(),
        }
    _save(out_dir, found, arrays)


def _ts_spec(container: str, name: str) -> dict:
    return {"driver": "n5", "kvstore": {"driver": "file", "path": f"{container}/{name}"}}


def ts_write(case_dir: str, container: str) -> None:
    import tensorstore as ts

    case, data = _case(case_dir)
    for name, spec in case["arrays"].items():
        values = data[name].T  # tensorstore's dimension i is N5 dimension i
        store = ts.open(
            {
                **_ts_spec(container, name),
                "metadata": {
                    "dimensions": list(values.shape),
                    "blockSize": spec["chunks"][::-1],
                    "dataType": str(np.dtype(spec["dtype"])),
                    "compression": spec["compression"],
                    **spec["attrs"],
                },
            },
            create=True,
            delete_existing=True,
        ).result()
        store[...] = values


def ts_read(case_dir: str, container: str, out_dir: str) -> None:
    import tensorstore as ts

    case, _ = _case(case_dir)
    found: dict = {"arrays": {}}
    arrays = {}
    for name in case["arrays"]:
        store = ts.open(_ts_spec(container, name), open=True).result()
        arrays[name] = store.read().result()
        found["arrays"][name] = {"shape": list(store.shape), "dtype": str(store.dtype.numpy_dtype)}
    _save(out_dir, found, arrays)


if __name__ == "__main__":
    warnings.simplefilter("ignore", FutureWarning)  # zarr 2.18 announces N5Store's removal
    job, *args = sys.argv[1:]
    {"zp2-write": zp2_write, "zp2-read": zp2_read, "ts-write": ts_write, "ts-read": ts_read}[job](
        *args
    )
