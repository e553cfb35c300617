"""The zarr-extensions ``n5_default`` codec: Zarr v3 arrays whose chunks are N5 blocks.

It keeps N5's axis order (as tensorstore does), so a directory holding both a
``zarr.json`` with this codec and an N5 ``attributes.json`` reads the same in zarr-core
(v3) and in tensorstore, and transposed through zarr-core's N5 view.
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from zarr_core_n5 import N5Store

import zarr_core
from zarr_core.errors import CodecError, CorruptChunkError, MetadataError


def chain(ndim: int, *compressor: dict) -> list[dict]:
    return [
        {
            "name": "n5_default",
            "configuration": {
                "codecs": [
                    {"name": "transpose", "configuration": {"order": list(range(ndim))[::-1]}},
                    {"name": "bytes", "configuration": {"endian": "big"}},
                    *compressor,
                ]
            },
        }
    ]


def create(path: Path, shape, chunks, dtype, *compressor: dict):
    return zarr_core.create(
        shape,
        chunks=chunks,
        dtype=dtype,
        store=str(path),
        zarr_format=3,
        fill_value=0,
        codecs=chain(len(shape), *compressor),
        chunk_key_encoding=("v2", "/"),
    )


VALUES = (np.arange(10 * 7 * 3) * 31 % 1000).astype("u2").reshape(10, 7, 3)


@pytest.mark.parametrize(
    "compressor, n5",
    [
        ((), {"type": "raw"}),
        (({"name": "gzip", "configuration": {"level": 5}},), {"type": "gzip", "level": 5}),
        (({"name": "zstd", "configuration": {"level": 3}},), {"type": "zstd", "level": 3}),
    ],
    ids=["raw", "gzip", "zstd"],
)
def test_v3_blocks_are_n5_blocks(tmp_path, compressor, n5):
    z = create(tmp_path / "d", VALUES.shape, (4, 4, 2), "u2", *compressor)
    z[...] = VALUES
    # Chunk (2, 1, 0) is the N5 block at 2/1/0 whose header gives the full chunk extent.
    assert (tmp_path / "d" / "2" / "1" / "0").read_bytes()[:16] == struct.pack(
        ">HHIII", 0, 3, 4, 4, 2
    )
    again = zarr_core.open_array(str(tmp_path / "d"), mode="r")
    assert json.loads((tmp_path / "d" / "zarr.json").read_text())["codecs"] == z.metadata.codecs
    np.testing.assert_array_equal(again[...], VALUES)
    # Given an N5 attributes.json instead of zarr.json, the N5 view sees the same blocks
    # with its axes reversed.
    (tmp_path / "d" / "zarr.json").unlink()
    attrs = {"dimensions": list(VALUES.shape), "blockSize": [4, 4, 2], "dataType": "uint16"}
    (tmp_path / "d" / "attributes.json").write_text(json.dumps({**attrs, "compression": n5}))
    view = zarr_core.open_array(N5Store(tmp_path / "d", mode="r"), mode="r")
    np.testing.assert_array_equal(view[...], VALUES.T)


def test_truncated_blocks_are_padded_and_larger_ones_cut(tmp_path):
    z = create(tmp_path / "d", (5, 3), (4, 2), "i4", {"name": "gzip"})
    values = np.arange(15, dtype="i4").reshape(5, 3)
    z[...] = values
    # A Java-style truncated edge block for chunk (1, 1): extent 1 x 1 of the 4 x 2 chunk.
    edge = struct.pack(">HHII", 0, 2, 1, 1) + gzip.compress(np.array([99], ">i4").tobytes())
    (tmp_path / "d" / "1" / "1").write_bytes(edge)
    values[4, 2] = 99
    np.testing.assert_array_equal(zarr_core.open_array(str(tmp_path / "d"))[...], values)


def test_varlength_blocks_are_refused(tmp_path):
    z = create(tmp_path / "d", (4,), (4,), "u1")
    z[...] = 1
    (tmp_path / "d" / "0").write_bytes(struct.pack(">HHII", 1, 1, 4, 4) + bytes(4))
    with pytest.raises(CorruptChunkError, match="varlength mode"):
        zarr_core.open_array(str(tmp_path / "d"))[...]


@pytest.mark.parametrize(
    "codecs, message",
    [
        ([{"name": "bytes", "configuration": {"endian": "big"}}], "2 or 3 codecs"),
        (
            [
                {"name": "transpose", "configuration": {"order": [0, 1]}},
                {"name": "bytes", "configuration": {"endian": "big"}},
            ],
            r"transpose with order \[1, 0\]",
        ),
        (
            [
                {"name": "transpose", "configuration": {"order": [1, 0]}},
                {"name": "bytes", "configuration": {"endian": "little"}},
            ],
            "endian 'big'",
        ),
    ],
)
def test_invalid_inner_chains(tmp_path, codecs, message):
    bad = [{"name": "n5_default", "configuration": {"codecs": codecs}}]
    with pytest.raises((CodecError, MetadataError), match=message):
        zarr_core.create(
            (4, 4),
            chunks=(2, 2),
            dtype="u2",
            store=str(tmp_path / "d"),
            zarr_format=3,
            codecs=bad,
            chunk_key_encoding=("v2", "/"),
        )


def test_tensorstore_reads_the_same_axes(tmp_path, zp3_python, run_peer):
    """tensorstore's n5 driver reads the v3 array's directory without transposing."""
    container = tmp_path / "c"
    z = create(container / "v3", VALUES.shape, (4, 4, 2), "u2", {"name": "zstd"})
    z[...] = VALUES
    (container / "v3" / "attributes.json").write_text(
        json.dumps(
            {
                "dimensions": list(VALUES.shape),
                "blockSize": [4, 4, 2],
                "dataType": "uint16",
                "compression": {"type": "zstd", "level": 0},
            }
        )
    )
    case = tmp_path / "case"
    case.mkdir()
    (case / "case.json").write_text(json.dumps({"arrays": {"v3": {}}}))
    np.savez(case / "data.npz", v3=VALUES)
    run_peer(zp3_python, "ts-read", case, container, tmp_path / "out")
    with np.load(tmp_path / "out" / "data.npz") as data:
        np.testing.assert_array_equal(data["v3"], VALUES)
