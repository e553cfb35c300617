"""N5 containers exchanged both ways with zarr-python 2.18's N5Store and tensorstore's n5
driver, one array per supported compression (blocks with edges, several dtypes and ranks).

zarr-python 2 reverses axes as zarr-core does, so both see identical arrays; tensorstore
does not, so what it writes and reads is the transpose of zarr-core's array.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zarr_core_n5 import N5Store

import zarr_core

pytestmark = pytest.mark.interop

# name: (dtype, shape, chunks, numcodecs compressor, N5 compression)
CODECS = {
    "raw": ("u1", (37, 23), (10, 7), None, {"type": "raw"}),
    "gzip": (
        "i2",
        (37, 23),
        (8, 8),
        {"id": "gzip", "level": 5},
        {"type": "gzip", "level": 5, "useZlib": False},
    ),
    "zlib": (
        "u4",
        (30, 9, 4),
        (7, 4, 3),
        {"id": "zlib", "level": 3},
        {"type": "gzip", "level": 3, "useZlib": True},
    ),
    "bzip2": ("i8", (50,), (16,), {"id": "bz2", "level": 9}, {"type": "bzip2", "blockSize": 9}),
    "xz": (
        "f4",
        (21, 13),
        (5, 5),
        {"id": "lzma", "format": 1, "check": -1, "preset": 6, "filters": None},
        {"type": "xz", "preset": 6},
    ),
    "blosc": (
        "f8",
        (19, 17),
        (6, 9),
        {"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 1, "blocksize": 0},
        {"type": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 1, "blocksize": 0},
    ),
    "zstd": ("u2", (40, 40), (16, 12), {"id": "zstd", "level": 3}, {"type": "zstd", "level": 3}),
}
ARRAY_ATTRS = {"units": ["nm", "nm"], "resolution": [4.0, 40.0], "note": "per-dimension"}
GROUP_ATTRS = {"title": "interop", "nested": {"a": [1, 2.5, None], "b": True}}


def _values(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape))
    values = (np.arange(n) * 7919 % 65521).astype(dtype)
    if np.dtype(dtype).kind == "f":
        values = values / 3 - 100
    return values.reshape(shape)


DATA = {name: _values(dtype, shape) for name, (dtype, shape, *_) in CODECS.items()}


def _attrs(name: str) -> dict:
    # tensorstore parses units/resolution: only 2-d arrays get them (one per dimension).
    return dict(ARRAY_ATTRS) if len(CODECS[name][1]) == 2 else {"note": "per-dimension"}


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    case = {
        "group_attrs": GROUP_ATTRS,
        "arrays": {
            name: {
                "dtype": dtype,
                "chunks": list(chunks),
                "compressor": compressor,
                "compression": compression,
                "attrs": _attrs(name),
            }
            for name, (dtype, _, chunks, compressor, compression) in CODECS.items()
        },
    }
    out = tmp_path / "case"
    out.mkdir()
    (out / "case.json").write_text(json.dumps(case))
    np.savez(out / "data.npz", **DATA)
    return out


def core_write(container: Path) -> None:
    root = zarr_core.open_group(N5Store(container), mode="w", zarr_format=2)
    root.attrs.update(GROUP_ATTRS)
    import numcodecs

    for name, (dtype, shape, chunks, compressor, _) in CODECS.items():
        z = root.create_dataset(
            name,
            shape=shape,
            chunks=chunks,
            dtype=dtype,
            compressor=numcodecs.get_codec(dict(compressor)) if compressor else None,
        )
        z[...] = DATA[name]
        z.attrs.update(_attrs(name))


def core_read(container: Path, names=CODECS) -> dict[str, np.ndarray]:
    root = zarr_core.open_group(N5Store(container, mode="r"), mode="r")
    out = {}
    for name in names:
        z = root[name]
        assert z.dtype == np.dtype(CODECS[name][0]), name
        assert z.chunks == CODECS[name][2], name
        out[name] = z[...]
    return out


def _found(out_dir: Path) -> tuple[dict, dict[str, np.ndarray]]:
    found = json.loads((out_dir / "found.json").read_text())
    with np.load(out_dir / "data.npz") as data:
        return found, dict(data)


def _n5_compression(container: Path, name: str) -> dict:
    return json.loads((container / name / "attributes.json").read_text())["compression"]


# -- zarr-python 2.18 -----------------------------------------------------------------
def test_zarr_python_2_writes_zarr_core_reads(zp2_python, run_peer, case_dir, tmp_path):
    container = tmp_path / "by-zp2.n5"
    run_peer(zp2_python, "zp2-write", case_dir, container)
    arrays = core_read(container)
    for name in CODECS:
        np.testing.assert_array_equal(arrays[name], DATA[name], err_msg=name)
        assert _n5_compression(container, name)["type"] == CODECS[name][4]["type"], name
    root = zarr_core.open_group(N5Store(container, mode="r"), mode="r")
    assert root.attrs.asdict() == GROUP_ATTRS
    assert root["gzip"].attrs.asdict() == ARRAY_ATTRS


def test_zarr_core_writes_zarr_python_2_reads(zp2_python, run_peer, tmp_path):
    container = tmp_path / "by-core.n5"
    core_write(container)
    for name in CODECS:  # what zarr-python 2 maps the numcodecs compressor to
        assert CODECS[name][4].items() <= _n5_compression(container, name).items(), name
    run_peer(zp2_python, "zp2-read", container, tmp_path / "out")
    found, arrays = _found(tmp_path / "out")
    assert found["group_attrs"] == GROUP_ATTRS
    assert sorted(found["arrays"]) == sorted(CODECS)
    for name, (dtype, shape, chunks, *_) in CODECS.items():
        got = found["arrays"][name]
        assert (got["shape"], got["chunks"]) == (list(shape), list(chunks)), name
        assert np.dtype(got["dtype"]) == np.dtype(dtype), name
        assert got["attrs"] == _attrs(name), name
        np.testing.assert_array_equal(arrays[name], DATA[name], err_msg=name)


# -- tensorstore ----------------------------------------------------------------------
def test_tensorstore_writes_zarr_core_reads_transposed(zp3_python, run_peer, case_dir, tmp_path):
    container = tmp_path / "by-ts.n5"
    run_peer(zp3_python, "ts-write", case_dir, container)
    # tensorstore writes no root attributes.json, so there is no group: open each dataset.
    for name, (dtype, shape, chunks, *_) in CODECS.items():
        z = zarr_core.open_array(N5Store(container / name, mode="r"), mode="r")
        assert (z.shape, z.chunks, z.dtype) == (shape, chunks, np.dtype(dtype)), name
        np.testing.assert_array_equal(z[...], DATA[name], err_msg=name)
        assert z.attrs.asdict() == _attrs(name), name


def test_zarr_core_writes_tensorstore_reads_transposed(zp3_python, run_peer, case_dir, tmp_path):
    container = tmp_path / "by-core.n5"
    core_write(container)
    run_peer(zp3_python, "ts-read", case_dir, container, tmp_path / "out")
    found, arrays = _found(tmp_path / "out")
    for name, (dtype, shape, *_) in CODECS.items():
        assert found["arrays"][name]["shape"] == list(shape[::-1]), name
        assert np.dtype(found["arrays"][name]["dtype"]) == np.dtype(dtype), name
        np.testing.assert_array_equal(arrays[name], DATA[name].T, err_msg=name)


def test_tensorstore_and_zarr_python_2_agree_through_zarr_core(
    zp2_python, zp3_python, run_peer, case_dir, tmp_path
):
    """A container tensorstore wrote, rewritten by zarr-core, read by zarr-python 2."""
    by_ts = tmp_path / "by-ts.n5"
    run_peer(zp3_python, "ts-write", case_dir, by_ts)
    copy = tmp_path / "copy.n5"
    root = zarr_core.open_group(N5Store(copy), mode="w", zarr_format=2)
    for name in CODECS:
        source = zarr_core.open_array(N5Store(by_ts / name, mode="r"), mode="r")
        z = root.create_dataset(name, shape=source.shape, chunks=source.chunks, dtype=source.dtype)
        z[...] = source[...]
    run_peer(zp2_python, "zp2-read", copy, tmp_path / "out")
    _, arrays = _found(tmp_path / "out")
    for name in CODECS:
        np.testing.assert_array_equal(arrays[name], DATA[name], err_msg=name)
