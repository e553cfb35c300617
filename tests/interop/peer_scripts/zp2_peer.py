"""zarr-python 2.18 side of the interop tests: ``python zp2_peer.py JOB.json``.

Runs in ``.peers/zp2`` (Python 3.11). zarr-python 2 writes and reads Zarr format 2 only.
See ``_common.py`` for the job format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import zarr
from _common import load_case_data, main, region_slices, save_npz


def _store(entry: dict) -> Any:
    # A plain DirectoryStore: the separator comes from the .zarray document, which is
    # what a reader of someone else's data has to rely on.
    return zarr.DirectoryStore(entry["path"])


def _dtype(entry: dict, data: np.ndarray) -> Any:
    kind = entry.get("object")
    if kind is None:
        return data.dtype
    return {"str": str, "bytes": bytes}.get(kind, kind)  # "array:i8" is a dtype shorthand


def write(entry: dict, out: Path) -> dict:
    """Create the array described by ``entry`` and write the case data into it."""
    data, fill, has_fill = load_case_data(entry)
    kwargs: dict[str, Any] = {
        "shape": data.shape,
        "chunks": tuple(entry["chunks"]),
        "dtype": _dtype(entry, data),
        "fill_value": fill if has_fill else None,
        "order": entry.get("order", "C"),
        "store": _store(entry),
        "overwrite": True,
    }
    compressor = entry.get("compressor", "default")
    if compressor != "default":
        kwargs["compressor"] = None if compressor is None else numcodecs.get_codec(compressor)
    if entry.get("filters"):
        kwargs["filters"] = [numcodecs.get_codec(f) for f in entry["filters"]]
    if entry.get("object_codec"):
        kwargs["object_codec"] = numcodecs.get_codec(entry["object_codec"])
    if entry.get("dimension_separator"):
        kwargs["dimension_separator"] = entry["dimension_separator"]
    if entry.get("write_empty_chunks") is not None:
        kwargs["write_empty_chunks"] = entry["write_empty_chunks"]
    arr = zarr.create(**kwargs)
    if entry.get("attributes"):
        arr.attrs.update(entry["attributes"])
    if entry.get("write_data", True):
        sel = region_slices(entry.get("region"))
        arr[sel] = data[sel]
    return {}


def read(entry: dict, out: Path) -> dict:
    """Open an array with zarr-python 2 and record what it sees."""
    arr = zarr.open_array(_store(entry), mode="r")
    region = entry.get("read_region")
    fill = arr.fill_value
    save_npz(
        out / f"{entry['id']}.npz",
        data=arr[...],
        region=arr[region_slices(region)] if region is not None else None,
        fill=None if fill is None else np.asarray(fill, dtype=object),
    )
    return {
        "dtype": str(arr.dtype),
        "shape": list(arr.shape),
        "attrs": arr.attrs.asdict(),
        "dimension_names": None,
    }


def write_tree(entry: dict, out: Path) -> dict:
    """Create a hierarchy of groups and small arrays, parents first."""
    root = zarr.open_group(_store(entry), mode="w")
    for node in entry["nodes"]:
        # Paths from the root: a missing parent must be created by the library.
        if node["path"] == "":
            target = root
        elif node["kind"] == "group":
            target = root.create_group(node["path"])
        else:
            data = np.array(node["data"], dtype=node["dtype"])
            target = root.create_dataset(node["path"], data=data, chunks=tuple(node["chunks"]))
        if node["attrs"]:
            target.attrs.update(node["attrs"])
    if entry.get("consolidated"):
        zarr.consolidate_metadata(_store(entry))
    return {}


def read_tree(entry: dict, out: Path) -> dict:
    """Walk the hierarchy and record every node's kind, attributes and array contents."""
    root = zarr.open_group(_store(entry), mode="r")
    tree: dict[str, dict] = {"": {"kind": "group", "attrs": root.attrs.asdict()}}

    def visit(path: str, node: Any) -> None:
        if isinstance(node, zarr.hierarchy.Group):
            tree[path] = {"kind": "group", "attrs": node.attrs.asdict()}
        else:
            tree[path] = {
                "kind": "array",
                "attrs": node.attrs.asdict(),
                "dtype": node.dtype.str,
                "chunks": list(node.chunks),
                "data": node[...].tolist(),
            }

    root.visititems(visit)
    return {"tree": tree}


if __name__ == "__main__":
    main({"write": write, "read": read, "write_tree": write_tree, "read_tree": read_tree})
