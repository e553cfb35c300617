"""The peers' side of the sharding interop tests: ``python peer_sharding.py JOB.json``.

Runs in the peer environments, so it imports only the standard library, NumPy and the
peers: ``read`` and ``write`` in the one with zarr-python 3.4.2 and tensorstore 0.1.86
(``"lib"``: ``"zarr"`` or ``"tensorstore"``), ``write_draft`` in the one with
zarr-python 2.18.7 (its experimental sharding storage transformer, which needs
``ZARR_V3_EXPERIMENTAL_API=1`` and ``ZARR_V3_SHARDING=1`` in the environment). A job is
a JSON file ``{"out": DIR, "entries": [...]}``; each entry gets ``DIR/<id>.json``
(``{"error": traceback or null}``) and, for reads, ``DIR/<id>.npz`` (``data``,
``region``). One failing entry never stops the others.
"""

from __future__ import annotations

import json
import math
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

warnings.simplefilter("ignore")  # zarr-python's warnings say nothing about interop


def _slices(region: Any) -> tuple:
    return (Ellipsis,) if region is None else tuple(slice(a, b) for a, b in region)


def _json_number(x: float) -> Any:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _json_fill(fill: Any, dtype: np.dtype) -> Any:
    value = np.asarray(fill, dtype=dtype)[()]
    if dtype.kind == "b":
        return bool(value)
    if dtype.kind in "iu":
        return int(value)
    if dtype.kind == "c":
        return [_json_number(float(value.real)), _json_number(float(value.imag))]
    return _json_number(float(value))


V3_NAMES = {
    "b1": "bool", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
    "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
    "f4": "float32", "f8": "float64", "c8": "complex64", "c16": "complex128",
}  # fmt: skip


def _open_ts(path: str):
    import tensorstore as ts

    return ts.open(
        {"driver": "zarr3", "kvstore": {"driver": "file", "path": path}}, open=True
    ).result()


def read(entry: dict, out: Path) -> None:
    region = _slices(entry.get("region"))
    if entry["lib"] == "zarr":
        import zarr

        arr = zarr.open_array(entry["path"], mode="r")
        data, part = arr[...], arr[region]
    else:
        arr = _open_ts(entry["path"])
        data, part = arr.read().result(), arr[region].read().result()
    with open(out / f"{entry['id']}.npz", "wb") as f:
        np.savez(f, data=np.asarray(data), region=np.asarray(part))


def write(entry: dict, out: Path) -> None:
    with np.load(entry["npz"]) as f:
        data = f["data"]
        fill = f["fill"][()]
    region = _slices(entry.get("region"))
    if entry["lib"] == "zarr":
        import zarr

        if entry.get("api") == "create_array":
            from zarr.codecs import ZstdCodec

            arr = zarr.create_array(
                entry["path"],
                shape=data.shape,
                dtype=data.dtype,
                chunks=tuple(entry["inner"]),
                shards={"shape": tuple(entry["shards"]), "index_location": entry["index_location"]},
                compressors=ZstdCodec(level=1),
                fill_value=fill,
            )
        else:
            arr = zarr.create(
                shape=data.shape,
                chunks=tuple(entry["shards"]),
                dtype=data.dtype,
                codecs=entry["codecs"],
                fill_value=fill,
                zarr_format=3,
                store=entry["path"],
            )
        arr[region] = data[region]
    else:
        import tensorstore as ts

        metadata = {
            "shape": list(data.shape),
            "data_type": V3_NAMES[data.dtype.str[1:]],
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": entry["shards"]}},
            "codecs": entry["codecs"],
            "fill_value": _json_fill(fill, data.dtype),
        }
        spec = {
            "driver": "zarr3",
            "kvstore": {"driver": "file", "path": entry["path"]},
            "metadata": metadata,
        }
        arr = ts.open(spec, create=True, delete_existing=True).result()
        arr[region].write(data[region]).result()


def write_draft(entry: dict, out: Path) -> None:
    import types

    # zarr-python 2.18 imports one of its test modules (and with it pytest) to decode
    # any storage transformer; a stand-in for the one class it takes from there will do.
    stub = types.ModuleType("zarr.tests.test_storage_v3")

    class DummyStorageTransfomer:
        extension_uri = "https://purl.org/zarr/spec/storage_transformers/dummy/1.0"
        valid_types = ["dummy_type"]

    stub.DummyStorageTransfomer = DummyStorageTransfomer
    sys.modules[stub.__name__] = stub
    import numcodecs
    import zarr
    from zarr._storage.v3 import DirectoryStoreV3
    from zarr._storage.v3_storage_transformers import ShardingStorageTransformer

    with np.load(entry["npz"]) as f:
        data = f["data"]
        fill = f["fill"][()]
    transformer = ShardingStorageTransformer("indexed", chunks_per_shard=tuple(entry["cps"]))
    compressor = entry.get("compressor")
    arr = zarr.create(
        data.shape,
        chunks=tuple(entry["chunks"]),
        dtype=data.dtype,
        order=entry.get("order", "C"),
        compressor=None if compressor is None else numcodecs.get_codec(compressor),
        fill_value=fill,
        store=DirectoryStoreV3(entry["path"]),
        path=entry["array"],
        zarr_version=3,
        storage_transformers=[transformer],
    )
    region = _slices(entry.get("region"))
    arr[region] = data[region]


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    out = Path(job["out"])
    out.mkdir(parents=True, exist_ok=True)
    for entry in job["entries"]:
        try:
            {"read": read, "write": write, "write_draft": write_draft}[entry["op"]](entry, out)
            error = None
        except Exception:
            error = traceback.format_exc()
        (out / f"{entry['id']}.json").write_text(json.dumps({"error": error}))


if __name__ == "__main__":
    main()
