"""Shared by every peer script (and by the test process): the job format and result files.

This module runs under three interpreters (our venv, zarr-python 3.4.2 + tensorstore on
Python 3.12, zarr-python 2.18 on Python 3.11), so it imports only the standard library
and NumPy, and must stay importable on the oldest of them.

A job is a JSON file::

    {"out": "<dir for results>",
     "entries": [{"op": "read" | "write" | "read_tree" | "write_tree",
                  "id": "<unique name>", "path": "<store directory>", "format": 2 | 3, ...}]}

Every entry gets ``<out>/<id>.json`` (``{"error": <traceback or null>, ...}``) and array
reads also ``<out>/<id>.npz`` (``data``, ``region``, ``fill``). Writes take the data and
fill value from the ``.npz`` named by the entry's ``npz``. One failing entry never stops
the others: each is reported on its own, so the test for that case shows the peer's
traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "main",
    "load_case_data",
    "plain",
    "region_slices",
    "save_npz",
]


def region_slices(region: Any) -> tuple:
    """``[[start, stop], ...]`` as a tuple of slices (``None`` is the whole array)."""
    if region is None:
        return (Ellipsis,)
    return tuple(slice(start, stop) for start, stop in region)


def plain(array: Any) -> np.ndarray:
    """A NumPy array that ``np.save`` can write and every interpreter can load.

    Variable-length strings come back from zarr-python 3 as NumPy's ``StringDType``,
    which ``np.save`` cannot store; they become object arrays of ``str``.
    """
    array = np.asarray(array)
    if array.dtype.kind == "T":
        return np.array(array.tolist(), dtype=object).reshape(array.shape)
    return array


def save_npz(path: Path, **arrays: Any) -> None:
    """Write arrays to ``path``; object arrays are pickled (all peers use NumPy 2)."""
    with open(path, "wb") as f:
        np.savez(f, **{k: plain(v) for k, v in arrays.items() if v is not None})


def load_case_data(entry: dict) -> tuple[np.ndarray, Any, bool]:
    """The case's full expected data, its fill value and whether a fill value was given."""
    with np.load(entry["npz"], allow_pickle=True) as f:
        data = f["data"]
        if "fill" in f.files:
            return data, f["fill"][()], True
        return data, None, False


def _write_result(out: Path, entry_id: str, result: dict) -> None:
    # Attributes may hold NaN on purpose; Python's json reads it back.
    (out / f"{entry_id}.json").write_text(json.dumps(result, default=repr))


def main(handlers: dict[str, Callable[[dict, Path], dict]]) -> None:
    """Run every entry of the job named by ``sys.argv[1]`` with ``handlers[entry['op']]``.

    A handler returns the JSON-able result; it may write ``<out>/<id>.npz`` itself.
    """
    job = json.loads(Path(sys.argv[1]).read_text())
    out = Path(job["out"])
    out.mkdir(parents=True, exist_ok=True)
    for entry in job["entries"]:
        try:
            result = handlers[entry["op"]](entry, out)
            result["error"] = None
        except Exception:  # every failure is a result to report, not the end of the job
            result = {"error": traceback.format_exc()}
        _write_result(out, entry["id"], result)
