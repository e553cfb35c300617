"""zarr-python 2.18's side of the compatibility tests (run with the ``.peers/zp2`` interpreter).

    python zp2_peer.py write CASE_DIR STORE_PATH    # build the case with zarr.SQLiteStore
    python zp2_peer.py read  STORE_PATH OUT_DIR     # dump every node it finds

A case directory holds ``case.json`` (groups, arrays, attributes, codecs) and
``data.npz`` (each array's values). ``read`` writes the same two files back, describing
what zarr-python found, so the test compares like with like.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numcodecs
import numpy as np
import zarr

warnings.simplefilter("ignore", FutureWarning)  # 2.18 announces the store's removal in v3


def open_store(path: str):
    return zarr.SQLiteStore(path)


def npz_name(path: str) -> str:
    return path.replace("/", "__")


def write(case_dir: Path, store_path: str) -> None:
    case = json.loads((case_dir / "case.json").read_text())
    data = np.load(case_dir / "data.npz")
    store = open_store(store_path)
    root = zarr.group(store=store, overwrite=True)
    for path in case["groups"]:
        root.require_group(path)
    for path, attrs in case["group_attrs"].items():
        (root[path] if path else root).attrs.update(attrs)
    for path, spec in case["arrays"].items():
        values = data[npz_name(path)]
        kwargs = {
            "shape": values.shape,
            "chunks": tuple(spec["chunks"]),
            "dtype": object if spec.get("object_codec") else values.dtype,
            "fill_value": spec["fill_value"],
            "compressor": numcodecs.get_codec(spec["compressor"]) if spec["compressor"] else None,
            "dimension_separator": spec["dimension_separator"],
        }
        if spec.get("object_codec"):
            kwargs["object_codec"] = numcodecs.get_codec(spec["object_codec"])
        arr = root.create_dataset(path, **kwargs)
        arr.attrs.update(spec["attrs"])
        written = tuple(slice(0, n) for n in spec["written"])
        arr[written] = (
            values[written].astype(object) if spec.get("object_codec") else values[written]
        )
    store.close()


def read(store_path: str, out_dir: Path) -> None:
    store = open_store(store_path)
    root = zarr.open_group(store=store, mode="r")
    found: dict = {"groups": [], "group_attrs": {"": root.attrs.asdict()}, "arrays": {}}
    arrays = {}

    def visit(path: str, node) -> None:
        if isinstance(node, zarr.Array):
            values = node[...]
            if values.dtype == object:
                values = values.astype(str)
            arrays[npz_name(path)] = values
            found["arrays"][path] = {
                "chunks": list(node.chunks),
                "attrs": node.attrs.asdict(),
                "dtype": str(node.dtype),
            }
        else:
            found["groups"].append(path)
            found["group_attrs"][path] = node.attrs.asdict()

    root.visititems(visit)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "case.json").write_text(json.dumps(found, sort_keys=True))
    np.savez(out_dir / "data.npz", **arrays)
    store.close()


if __name__ == "__main__":
    job, first, second = sys.argv[1:4]
    if job == "write":
        write(Path(first), second)
    else:
        read(first, Path(second))
