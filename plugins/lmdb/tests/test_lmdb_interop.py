"""Compatibility both ways with zarr-python 2.18's LMDBStore (the ``.peers/zp2`` environment).

zarr-python 2.18 writes a hierarchy of groups and arrays with attributes into an LMDB
environment and zarr-core reads identical values; zarr-core writes the same hierarchy (Zarr
format 2) and zarr-python reads it identically. A missing peer environment is a failure,
not a skip: ``bash scripts/test.sh`` creates it.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import numcodecs
import numpy as np
import pytest

import zarr_core

REPO = Path(__file__).resolve().parents[3]
PEER_SCRIPT = Path(__file__).resolve().parent / "zp2_peer.py"

CASE: dict = {
    "groups": ["g", "g/sub"],
    "group_attrs": {
        "": {"title": "compatibility", "nested": {"a": [1, 2.5, None], "b": True}},
        "g": {"unicode": "üñï", "empty": {}},
        "g/sub": {},
    },
    "arrays": {
        "g/ints": {
            "chunks": [10, 7],
            "fill_value": 0,
            "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1},
            "dimension_separator": ".",
            "attrs": {"units": "m", "scale": [1, 2]},
            "written": [37, 23],
        },
        "floats": {
            "chunks": [8],
            "fill_value": math.nan,
            "compressor": {"id": "zlib", "level": 1},
            "dimension_separator": ".",
            "attrs": {},
            "written": [20],  # the chunks past 20 stay missing and read as the fill value
        },
        "g/sub/nested": {
            "chunks": [5, 5],
            "fill_value": 3,
            "compressor": None,
            "dimension_separator": "/",
            "attrs": {"k": 1},
            "written": [20, 20],
        },
        "g/text": {
            "chunks": [3],
            "fill_value": None,
            "compressor": {"id": "zstd", "level": 1},
            "object_codec": {"id": "vlen-utf8"},
            "dimension_separator": ".",
            "attrs": {"kind": "text"},
            "written": [7],
        },
    },
}
DATA = {
    "g/ints": np.arange(37 * 23, dtype="<i4").reshape(37, 23) * 3 - 100,
    "floats": np.linspace(0, 1, 50),
    "g/sub/nested": (np.arange(400) % 251).astype("u1").reshape(20, 20),
    "g/text": np.array(["", "a", "üñï", "hello", "x" * 100, "b", "c"]),
}


def expected(path: str) -> np.ndarray:
    """What a reader sees: the written region, the fill value elsewhere."""
    spec, values = CASE["arrays"][path], DATA[path]
    written = tuple(slice(0, n) for n in spec["written"])
    out = np.full_like(values, spec["fill_value"] if spec["fill_value"] is not None else "")
    out[written] = values[written]
    return out


def npz_name(path: str) -> str:
    return path.replace("/", "__")


def store_url(path: Path) -> str:
    return f"lmdb:///{path}"


# Passed to zarr_core.open_group along with the URL.
STORAGE_OPTIONS: dict = {}


@pytest.fixture(scope="module")
def zp2() -> Path:
    python = REPO / os.environ.get("ZARR_CORE_PEERS", ".peers") / "zp2" / "bin" / "python"
    if not python.exists():
        pytest.fail(
            f"zarr-python 2.18 peer {python} is missing; `bash scripts/test.sh` creates it",
            pytrace=False,
        )
    return python


def run_peer(python: Path, *args: str) -> None:
    proc = subprocess.run(
        [str(python), str(PEER_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr


def core_write(url: str) -> None:
    root = zarr_core.open_group(url, mode="w", zarr_format=2, storage_options=STORAGE_OPTIONS)
    for path in CASE["groups"]:
        root.require_group(path)
    for path, attrs in CASE["group_attrs"].items():
        (root[path] if path else root).attrs.update(attrs)
    for path, spec in CASE["arrays"].items():
        values = DATA[path]
        kwargs = {
            "shape": values.shape,
            "chunks": tuple(spec["chunks"]),
            "dtype": object if spec.get("object_codec") else values.dtype,
            "fill_value": spec["fill_value"],
            "compressor": numcodecs.get_codec(dict(spec["compressor"]))
            if spec["compressor"]
            else None,
            "dimension_separator": spec["dimension_separator"],
        }
        if spec.get("object_codec"):
            kwargs["object_codec"] = numcodecs.get_codec(dict(spec["object_codec"]))
        arr = root.create_dataset(path, **kwargs)
        arr.attrs.update(spec["attrs"])
        written = tuple(slice(0, n) for n in spec["written"])
        arr[written] = (
            values[written].astype(object) if spec.get("object_codec") else values[written]
        )
    root.store.close()


def core_read(url: str) -> tuple[dict, dict[str, np.ndarray]]:
    root = zarr_core.open_group(url, mode="r", storage_options=STORAGE_OPTIONS)
    found: dict = {"groups": [], "group_attrs": {"": root.attrs.asdict()}, "arrays": {}}
    arrays: dict[str, np.ndarray] = {}

    def visit(path: str, node) -> None:
        if isinstance(node, zarr_core.Array):
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
    root.store.close()
    return found, arrays


def check(found: dict, arrays: dict[str, np.ndarray]) -> None:
    assert sorted(found["groups"]) == sorted(CASE["groups"])
    assert json.dumps(found["group_attrs"], sort_keys=True) == json.dumps(
        CASE["group_attrs"], sort_keys=True
    )
    assert sorted(found["arrays"]) == sorted(CASE["arrays"])
    for path, spec in CASE["arrays"].items():
        got = found["arrays"][path]
        assert got["chunks"] == spec["chunks"], path
        assert got["attrs"] == spec["attrs"], path
        want = expected(path)
        assert got["dtype"] == ("object" if spec.get("object_codec") else str(want.dtype)), path
        np.testing.assert_array_equal(arrays[npz_name(path)], want, err_msg=path)


def test_zarr_python_2_writes_zarr_core_reads(zp2, tmp_path):
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    (case_dir / "case.json").write_text(json.dumps(CASE))
    np.savez(case_dir / "data.npz", **{npz_name(p): v for p, v in DATA.items()})
    db = tmp_path / "by-zarr-python.mdb"
    run_peer(zp2, "write", case_dir, db)
    found, arrays = core_read(store_url(db))
    check(found, arrays)


def test_zarr_core_writes_zarr_python_2_reads(zp2, tmp_path):
    db = tmp_path / "by-zarr-core.mdb"
    core_write(store_url(db))
    run_peer(zp2, "read", db, tmp_path / "out")
    found = json.loads((tmp_path / "out" / "case.json").read_text())
    with np.load(tmp_path / "out" / "data.npz") as data:
        check(found, dict(data))
