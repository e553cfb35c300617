"""Both sides of :mod:`zarr_core.testing.compat`: one hierarchy, built and described alike.

:func:`build` and :func:`describe` take an open root group and work the same with
zarr-python 2.18 and with zarr-core, whose group API is the same. zarr-core imports them;
the interpreter of a zarr-python 2.18 environment, which has no zarr-core, runs this file
as a script, so it imports nothing from zarr-core (and ``zarr`` only when run)::

    python _zp2_peer.py write STORE_JSON CASE_DIR STORE_PATH  # build the case in a new store
    python _zp2_peer.py read  STORE_JSON STORE_PATH OUT_DIR   # describe every node it finds

``STORE_JSON`` says how zarr-python opens the store (``PeerStore`` in ``compat.py``):
``{"name": "DBMStore", "kwargs": {...}, "objects": {"open": "dbm.dumb:open"}}`` becomes
``zarr.DBMStore(path, **kwargs, open=dbm.dumb.open)``. A case directory holds
``case.json`` (groups, arrays, attributes, codecs) and ``data.npz`` (each array's values,
named by :func:`npz_name`). ``read`` writes the same two files back, describing what
zarr-python found, so the test compares like with like.
"""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np


def npz_name(path: str) -> str:
    """The name of an array's values in ``data.npz`` (``/`` is not allowed there)."""
    return path.replace("/", "__")


def build(root: Any, case: dict, data: Mapping[str, np.ndarray]) -> None:
    """Create the groups, attributes and arrays of ``case`` under ``root`` and write them.

    ``data`` maps :func:`npz_name` of each array's path to its values; only the region
    ``case["arrays"][path]["written"]`` is written.
    """
    for path in case["groups"]:
        root.require_group(path)
    for path, attrs in case["group_attrs"].items():
        (root[path] if path else root).attrs.update(attrs)
    for path, array in case["arrays"].items():
        values = data[npz_name(path)]
        kwargs = {
            "shape": values.shape,
            "chunks": tuple(array["chunks"]),
            "dtype": object if array.get("object_codec") else values.dtype,
            "fill_value": array["fill_value"],
            "compressor": numcodecs.get_codec(dict(array["compressor"]))
            if array["compressor"]
            else None,
            "dimension_separator": array["dimension_separator"],
        }
        if array.get("object_codec"):
            kwargs["object_codec"] = numcodecs.get_codec(dict(array["object_codec"]))
        arr = root.create_dataset(path, **kwargs)
        arr.attrs.update(array["attrs"])
        written = tuple(slice(0, n) for n in array["written"])
        arr[written] = (
            values[written].astype(object) if array.get("object_codec") else values[written]
        )


def describe(root: Any, array_type: type) -> tuple[dict, dict[str, np.ndarray]]:
    """What a reader finds under ``root``: the case's shape (groups, attributes, arrays'
    chunks, attributes and dtypes) and every array's values by :func:`npz_name`, text as
    ``str``. ``array_type`` is the library's array class."""
    found: dict = {"groups": [], "group_attrs": {"": root.attrs.asdict()}, "arrays": {}}
    arrays: dict[str, np.ndarray] = {}

    def visit(path: str, node: Any) -> None:
        if isinstance(node, array_type):
            values = node[...]
            arrays[npz_name(path)] = values.astype(str) if values.dtype == object else values
            found["arrays"][path] = {
                "chunks": list(node.chunks),
                "attrs": node.attrs.asdict(),
                "dtype": str(node.dtype),
            }
        else:
            found["groups"].append(path)
            found["group_attrs"][path] = node.attrs.asdict()

    root.visititems(visit)
    return found, arrays


def _open_store(spec: dict, path: str) -> Any:
    import zarr

    kwargs = dict(spec.get("kwargs", {}))
    for keyword, ref in spec.get("objects", {}).items():
        module, _, name = ref.partition(":")
        kwargs[keyword] = getattr(importlib.import_module(module), name)
    if spec.get("location_keyword"):  # e.g. RedisStore(prefix=...), MongoDBStore(database=...)
        return getattr(zarr, spec["name"])(**{spec["location_keyword"]: path}, **kwargs)
    return getattr(zarr, spec["name"])(path, **kwargs)


def _main(job: str, spec: dict, first: str, second: str) -> None:
    import zarr

    warnings.simplefilter("ignore", FutureWarning)  # 2.18 announces some stores' removal
    if job == "write":
        case_dir = Path(first)
        store = _open_store(spec, second)
        case = json.loads((case_dir / "case.json").read_text())
        with np.load(case_dir / "data.npz") as data:
            build(zarr.group(store=store, overwrite=True), case, data)
    else:
        store = _open_store(spec, first)
        found, arrays = describe(zarr.open_group(store=store, mode="r"), zarr.Array)
        out_dir = Path(second)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "case.json").write_text(json.dumps(found, sort_keys=True))
        np.savez(out_dir / "data.npz", **arrays)
    store.close()


if __name__ == "__main__":
    _main(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4])
