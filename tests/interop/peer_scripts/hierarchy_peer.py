"""Hierarchy reads for the interop tests, under zarr-python 2.18 or 3.4:
``python hierarchy_peer.py JOB.json``.

One op, ``read_tree``: walk a hierarchy and report every node's kind, attributes and
array contents (the report of ``read_tree`` in ``zp2_peer.py``/``zp3_peer.py``). With
``"consolidated": true`` in the entry the hierarchy is opened through its consolidated
metadata (``zarr.open_consolidated``), so what is reported comes from that document.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from _common import main

# zarr-python 3 warns that consolidated metadata is not in the v3 specification.
warnings.simplefilter("ignore")
ZARR2 = zarr.__version__.startswith("2.")


def _open(entry: dict) -> Any:
    if ZARR2:
        store = zarr.DirectoryStore(entry["path"])
        if entry.get("consolidated"):
            return zarr.open_consolidated(store, mode="r")
        return zarr.open_group(store, mode="r")
    if entry.get("consolidated"):
        return zarr.open_consolidated(entry["path"], mode="r", zarr_format=entry["format"])
    return zarr.open_group(
        entry["path"], mode="r", zarr_format=entry["format"], use_consolidated=False
    )


def _members(root: Any) -> list[tuple[str, Any]]:
    if ZARR2:
        found: list[tuple[str, Any]] = []
        root.visititems(lambda path, node: found.append((path, node)))
        return found
    return list(root.members(max_depth=None))


def read_tree(entry: dict, out: Path) -> dict:
    """Walk the hierarchy and record every node's kind, attributes and array contents."""
    root = _open(entry)
    tree: dict[str, dict] = {"": {"kind": "group", "attrs": root.attrs.asdict()}}
    for path, node in _members(root):
        if hasattr(node, "shape"):
            tree[path] = {
                "kind": "array",
                "attrs": node.attrs.asdict(),
                "dtype": np.dtype(node.dtype).str,
                "chunks": list(node.chunks),
                "data": node[...].tolist(),
            }
        else:
            tree[path] = {"kind": "group", "attrs": node.attrs.asdict()}
    return {"tree": tree}


if __name__ == "__main__":
    main({"read_tree": read_tree})
