"""zarr-python 3.4.2 side of the interop tests: ``python zp3_peer.py JOB.json``.

Runs in ``.peers/zp3`` (Python 3.12). See ``_common.py`` for the job format.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import zarr
from _common import load_case_data, main, region_slices, save_npz
from zarr.core.dtype import VariableLengthBytes

# zarr-python warns about its own unstable v3 data types (fixed-length strings, ...) and
# about numcodecs codecs in v3; the warnings say nothing about interoperability.
warnings.simplefilter("ignore")

# v3 codec names by position in the chain, so a full ``codecs`` list can be split into
# zarr-python's filters / serializer / compressors arguments.
ARRAY_ARRAY = {"transpose"}
ARRAY_BYTES = {"bytes", "vlen-utf8", "vlen-bytes", "sharding_indexed"}


def _array_array(name: str) -> bool:
    # numcodecs' v3 wrappers for filters (delta, fixedscaleoffset, ...) are array->array.
    return name in ARRAY_ARRAY or name in {
        "numcodecs.delta",
        "numcodecs.fixedscaleoffset",
        "numcodecs.quantize",
        "numcodecs.astype",
        "numcodecs.bitround",
    }


def _dtype(entry: dict, data: np.ndarray) -> Any:
    # dtype=bytes would mean NumPy's "S0"; variable-length bytes has its own zarr type.
    return {"str": str, "bytes": VariableLengthBytes()}.get(entry.get("object"), data.dtype)


def write(entry: dict, out: Path) -> dict:
    """Create the array described by ``entry`` and write the case data into it."""
    data, fill, has_fill = load_case_data(entry)
    kwargs: dict[str, Any] = {
        "shape": data.shape,
        "chunks": tuple(entry["chunks"]),
        "dtype": _dtype(entry, data),
        "zarr_format": entry["format"],
        "attributes": entry.get("attributes") or None,
    }
    if has_fill:
        kwargs["fill_value"] = fill
    if entry.get("write_empty_chunks") is not None:
        kwargs["config"] = {"write_empty_chunks": entry["write_empty_chunks"]}
    if entry["format"] == 2:
        compressor = entry.get("compressor", "default")
        if compressor != "default":
            kwargs["compressors"] = None if compressor is None else numcodecs.get_codec(compressor)
        if entry.get("filters"):
            kwargs["filters"] = [numcodecs.get_codec(f) for f in entry["filters"]]
        kwargs["order"] = entry.get("order", "C")
        if entry.get("dimension_separator"):
            kwargs["chunk_key_encoding"] = {
                "name": "v2",
                "separator": entry["dimension_separator"],
            }
    else:
        codecs = entry.get("codecs")
        if codecs is not None:
            kwargs["filters"] = [c for c in codecs if _array_array(c["name"])]
            kwargs["serializer"] = next(c for c in codecs if c["name"] in ARRAY_BYTES)
            kwargs["compressors"] = [
                c for c in codecs if not _array_array(c["name"]) and c["name"] not in ARRAY_BYTES
            ]
        if entry.get("chunk_key_encoding"):
            kwargs["chunk_key_encoding"] = entry["chunk_key_encoding"]
        if entry.get("dimension_names") is not None:
            kwargs["dimension_names"] = entry["dimension_names"]
    arr = zarr.create_array(entry["path"], **kwargs)
    if entry.get("write_data", True):
        sel = region_slices(entry.get("region"))
        arr[sel] = data[sel]
    return {}


def _describe(arr: Any, entry: dict, out: Path) -> dict:
    region = entry.get("read_region")
    fill = arr.fill_value
    save_npz(
        out / f"{entry['id']}.npz",
        data=arr[...],
        region=arr[region_slices(region)] if region is not None else None,
        fill=None if fill is None else np.asarray(fill, dtype=object),
    )
    meta = arr.metadata
    return {
        "dtype": str(arr.dtype),
        "shape": list(arr.shape),
        "attrs": arr.attrs.asdict(),
        "dimension_names": list(meta.dimension_names)
        if getattr(meta, "dimension_names", None) is not None
        else None,
        "codecs": [c.to_dict() for c in meta.codecs] if entry["format"] == 3 else None,
    }


def read(entry: dict, out: Path) -> dict:
    """Open an array with zarr-python and record what it sees."""
    arr = zarr.open_array(entry["path"], mode="r", zarr_format=entry["format"])
    return _describe(arr, entry, out)


def write_tree(entry: dict, out: Path) -> dict:
    """Create a hierarchy of groups and small arrays, parents first."""
    root = zarr.open_group(entry["path"], mode="w", zarr_format=entry["format"])
    for node in entry["nodes"]:
        # Paths from the root: a missing parent must be created by the library.
        if node["path"] == "":
            root.attrs.update(node["attrs"])
        elif node["kind"] == "group":
            root.create_group(node["path"], attributes=node["attrs"])
        else:
            data = np.array(node["data"], dtype=node["dtype"])
            arr = root.create_array(
                node["path"],
                shape=data.shape,
                dtype=data.dtype,
                chunks=tuple(node["chunks"]),
                attributes=node["attrs"],
            )
            arr[...] = data
    if entry.get("consolidated"):
        zarr.consolidate_metadata(entry["path"])
    return {}


def read_tree(entry: dict, out: Path) -> dict:
    """Walk the hierarchy and record every node's kind, attributes and array contents."""
    root = zarr.open_group(entry["path"], mode="r", zarr_format=entry["format"])
    tree: dict[str, dict] = {"": {"kind": "group", "attrs": root.attrs.asdict()}}
    for path, node in root.members(max_depth=None):
        if isinstance(node, zarr.Group):
            tree[path] = {"kind": "group", "attrs": node.attrs.asdict()}
        else:
            tree[path] = {
                "kind": "array",
                "attrs": node.attrs.asdict(),
                "dtype": np.dtype(node.dtype).str,
                "chunks": list(node.chunks),
                "data": node[...].tolist(),
            }
    return {"tree": tree}


if __name__ == "__main__":
    main({"write": write, "read": read, "write_tree": write_tree, "read_tree": read_tree})
