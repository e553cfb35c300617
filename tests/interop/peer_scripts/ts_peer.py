"""tensorstore 0.1.86 side of the interop tests: ``python ts_peer.py JOB.json``.

Runs in ``.peers/zp3`` (Python 3.12). Uses the ``zarr`` driver for format 2 and ``zarr3``
for format 3. tensorstore has no groups and no user attributes API, so only arrays are
exchanged. See ``_common.py`` for the job format.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import tensorstore as ts
from _common import load_case_data, main, region_slices, save_npz

V3_NAMES = {
    "b1": "bool",
    "i1": "int8",
    "i2": "int16",
    "i4": "int32",
    "i8": "int64",
    "u1": "uint8",
    "u2": "uint16",
    "u4": "uint32",
    "u8": "uint64",
    "f2": "float16",
    "f4": "float32",
    "f8": "float64",
    "c8": "complex64",
    "c16": "complex128",
}


def _json_float(x: float) -> Any:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return float(x)


def _json_fill(fill: Any, dtype: np.dtype) -> Any:
    """The fill value as the JSON both Zarr formats use for numeric types."""
    if fill is None:
        return None
    value = np.asarray(fill, dtype=dtype)[()]
    if dtype.kind == "b":
        return bool(value)
    if dtype.kind in "iu":
        return int(value)
    if dtype.kind == "f":
        return _json_float(float(value))
    if dtype.kind == "c":
        return [_json_float(value.real), _json_float(value.imag)]
    raise ValueError(f"tensorstore interop covers numeric types only, not {dtype}")


def _kvstore(entry: dict) -> dict:
    return {"driver": "file", "path": entry["path"]}


def write(entry: dict, out: Path) -> dict:
    """Create the array described by ``entry`` and write the case data into it."""
    data, fill, has_fill = load_case_data(entry)
    shape, chunks = list(data.shape), list(entry["chunks"])
    if entry["format"] == 2:
        compressor = entry.get("compressor", "default")
        metadata: dict[str, Any] = {
            "shape": shape,
            "chunks": chunks,
            "dtype": data.dtype.str,
            "fill_value": _json_fill(fill, data.dtype) if has_fill else None,
            "order": entry.get("order", "C"),
            "filters": None,
            "dimension_separator": entry.get("dimension_separator") or ".",
        }
        if compressor != "default":
            metadata["compressor"] = compressor
        spec = {"driver": "zarr", "kvstore": _kvstore(entry), "metadata": metadata}
    else:
        metadata = {
            "shape": shape,
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks}},
            "data_type": V3_NAMES[data.dtype.str[1:]],
            "fill_value": _json_fill(fill if has_fill else 0, data.dtype),
        }
        for key in ("codecs", "chunk_key_encoding", "dimension_names"):
            if entry.get(key) is not None:
                metadata[key] = entry[key]
        # tensorstore's own default chain is sometimes sharding_indexed (it chose it for
        # a 1-d array whose chunk is larger than the array), which zarr-core reads only
        # with the zarr-core-sharding plugin; sharding is not part of these cases.
        metadata.setdefault("codecs", [{"name": "bytes", "configuration": {"endian": "little"}}])
        spec = {"driver": "zarr3", "kvstore": _kvstore(entry), "metadata": metadata}
    arr = ts.open(spec, create=True, delete_existing=True).result()
    if entry.get("write_data", True):
        sel = region_slices(entry.get("region"))
        arr[sel].write(data[sel]).result()
    return {}


def read(entry: dict, out: Path) -> dict:
    """Open an array with tensorstore and record what it sees."""
    driver = "zarr" if entry["format"] == 2 else "zarr3"
    arr = ts.open({"driver": driver, "kvstore": _kvstore(entry)}, open=True).result()
    region = entry.get("read_region")
    fill = arr.fill_value
    save_npz(
        out / f"{entry['id']}.npz",
        data=arr.read().result(),
        region=arr[region_slices(region)].read().result() if region is not None else None,
        fill=None if fill is None else np.asarray(np.asarray(fill)[()], dtype=object),
    )
    labels = list(arr.domain.labels)
    return {
        "dtype": str(np.dtype(arr.dtype.numpy_dtype)),
        "shape": list(arr.shape),
        "attrs": None,
        "dimension_names": labels if any(labels) else None,
    }


if __name__ == "__main__":
    main({"write": write, "read": read})
