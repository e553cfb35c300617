"""Sharded arrays exchanged with zarr-python 3.4.2 and tensorstore 0.1.86, both ways,
and zarr-python 2.18's sharding storage transformer converted to sharding_indexed.

Like the core interop tests (tests/interop), every case is written by one side and read
by the other, and the comparison is on data, not bytes: writers may order the inner
chunks of a shard differently. zarr-core writes its cases; a zarr-python 2.18 process
writes arrays with its experimental sharding storage transformer (the v3 draft layout),
which zarr-core converts; one zarr-python 3 / tensorstore process (``peer_sharding.py``)
then reads all of them with both libraries and writes the peer-to-core cases, which
zarr-core reads afterwards. A missing peer environment is a failure, not a skip: a
skipped interop test checked nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from zarr_core_sharding import convert_to_sharding_indexed

import zarr_core
from zarr_core.testing.compat import peer_python

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
LIBS = ("zarr", "tensorstore")
BYTES = {"name": "bytes", "configuration": {"endian": "little"}}
ZSTD = {"name": "zstd", "configuration": {"level": 1, "checksum": False}}
GZIP = {"name": "gzip", "configuration": {"level": 1}}


def blosc(typesize: int) -> dict:
    config = {
        "cname": "lz4",
        "clevel": 5,
        "shuffle": "shuffle",
        "typesize": typesize,
        "blocksize": 0,
    }
    return {"name": "blosc", "configuration": config}


def sharding(inner, codecs, location="end", index_codecs=None) -> dict:
    config: dict[str, Any] = {
        "chunk_shape": list(inner),
        "codecs": list(codecs),
        "index_location": location,
    }
    config["index_codecs"] = index_codecs or [BYTES, {"name": "crc32c"}]
    return {"name": "sharding_indexed", "configuration": config}


@dataclass(frozen=True)
class Case:
    name: str
    data: np.ndarray
    shards: tuple[int, ...]
    codecs: list[dict]
    fill: Any = 0
    #: write only this region; the rest stays missing (reads as the fill value)
    region: tuple[tuple[int, int], ...] | None = None
    read_region: tuple[tuple[int, int], ...] | None = None
    #: zarr-python writes it through create_array(chunks=, shards=) instead of codecs=
    extra: dict = field(default_factory=dict)

    @property
    def expected(self) -> np.ndarray:
        if self.region is None:
            return self.data
        out = np.full(self.data.shape, self.fill, dtype=self.data.dtype)
        sel = slices(self.region)
        out[sel] = self.data[sel]
        return out


def slices(region) -> tuple:
    return (Ellipsis,) if region is None else tuple(slice(a, b) for a, b in region)


def _data(shape, dtype, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.3
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype.kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -1000), min(info.max, 1000), shape).astype(dtype)


CASES = [
    Case("u2-zstd-end-edge", _data((50, 37), "u2"), (16, 16), [sharding((4, 8), [BYTES, ZSTD])],
         read_region=((3, 41), (10, 12))),
    Case("f4-blosc-start-nan-partial", _data((40, 40), "f4"), (16, 16),
         [sharding((8, 8), [BYTES, blosc(4)], "start")], fill=np.nan, region=((3, 20), (5, 33))),
    Case("i4-nested-gzip", _data((30, 30), "i4"), (16, 16),
         [sharding((8, 8), [sharding((4, 4), [BYTES, GZIP], "start")])], fill=-1,
         read_region=((5, 7), (0, 30))),
    Case("f8-transposed-3d", _data((20, 18, 7), "f8"), (8, 6, 7),
         [sharding((4, 3, 7), [{"name": "transpose", "configuration": {"order": [2, 0, 1]}}, BYTES, GZIP])]),
    Case("i8-big-endian", _data((33,), "i8"), (16,),
         [sharding((4,), [{"name": "bytes", "configuration": {"endian": "big"}}, ZSTD], "start")]),
    Case("bool-blosc", _data((17, 9), "bool"), (8, 9), [sharding((4, 3), [BYTES, blosc(1)])], fill=False),
    Case("i1-plain-index-without-crc", _data((12, 12), "i1"), (6, 12),
         [sharding((3, 4), [BYTES], index_codecs=[BYTES])]),
    Case("c8-zstd-crc-inner", _data((10, 10), "c8"), (10, 10), [sharding((5, 2), [BYTES, ZSTD, {"name": "crc32c"}])]),
    Case("u8-single-shard-edge", _data((7, 5), "u8"), (8, 8), [sharding((2, 2), [BYTES, ZSTD])], fill=7),
    Case("u1-many-shards", _data((300,), "u1"), (20,), [sharding((5,), [BYTES])], region=((37, 211),)),
]  # fmt: skip

# zarr-python's own creation API for shards (chunks=inner, shards={...}), zstd level 1
API_CASE = Case(
    "u2-create-array-api", _data((45, 33), "u2"), (16, 16), [sharding((4, 4), [BYTES, ZSTD], "start")],
    extra={"api": "create_array", "inner": [4, 4], "index_location": "start"},
)  # fmt: skip
FROM_PEER = [*CASES, API_CASE]


@dataclass(frozen=True)
class DraftCase:
    """An array zarr-python 2.18 writes with its sharding storage transformer."""

    name: str
    data: np.ndarray
    chunks: tuple[int, ...]
    chunks_per_shard: tuple[int, ...]
    compressor: dict | None
    order: str = "C"
    fill: Any = 0
    region: tuple[tuple[int, int], ...] | None = None

    expected = Case.expected  # the same rule: the fill value outside the region


DRAFT_CASES = [
    DraftCase("u2-zstd", _data((10, 9), "u2"), (2, 3), (2, 2), {"id": "zstd", "level": 1},
              fill=7, region=((1, 9), (0, 7))),
    DraftCase("f8-blosc-fortran-3d", _data((7, 6, 5), "f8"), (2, 3, 5), (2, 1, 1),
              {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}, order="F", fill=np.nan),
    DraftCase("i4-big-endian-gzip", _data((25,), ">i4"), (4,), (3,), {"id": "gzip", "level": 1},
              fill=-1),
    DraftCase("u1-uncompressed-sparse", _data((6, 6), "u1"), (3, 3), (2, 2), None,
              region=((0, 3), (0, 3))),
]  # fmt: skip
DRAFT_ARRAY = "grp/arr"  # the draft layout keeps arrays below the root only


def core_write(case: Case, path: Path) -> None:
    z = zarr_core.create(
        case.data.shape,
        chunks=case.shards,
        dtype=case.data.dtype,
        codecs=case.codecs,
        fill_value=case.fill,
        store=str(path),
        zarr_format=3,
    )
    sel = slices(case.region)
    z[sel] = case.data[sel]


def peer(env: str) -> Path:
    hint = "create the peer environments with `bash scripts/test.sh` (it runs ensure_peers)"
    return peer_python(env, REPO, hint=hint)


def run_peer(python: Path, root: Path, name: str, entries: list[dict], **env: str) -> str:
    """Run one peer process over ``entries``; its log (a crash raises)."""
    job = root / f"{name}.json"
    job.write_text(json.dumps({"out": str(root / "out"), "entries": entries}))
    proc = subprocess.run(
        [str(python), str(HERE / "peer_sharding.py"), str(job)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the {name} peer process crashed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout + proc.stderr


def save_inputs(root: Path, name: str, data: np.ndarray, fill: Any) -> Path:
    npz = root / "inputs" / f"{name}.npz"
    npz.parent.mkdir(parents=True, exist_ok=True)
    with open(npz, "wb") as f:
        np.savez(f, data=data, fill=np.asarray(fill, dtype=data.dtype))
    return npz


@dataclass
class Exchange:
    root: Path
    log: str
    #: draft case name -> traceback of a failed conversion
    conversion_errors: dict[str, str] = field(default_factory=dict)

    def result(self, entry_id: str) -> dict[str, Any]:
        path = self.root / "out" / f"{entry_id}.json"
        if not path.exists():
            pytest.fail(f"the peer left no result for {entry_id}; log:\n{self.log}")
        result = json.loads(path.read_text())
        if result["error"]:
            pytest.fail(f"{entry_id} failed in the peer:\n{result['error']}", pytrace=False)
        npz = path.with_suffix(".npz")
        if not npz.exists():  # a write: nothing to compare on this side
            return {}
        with np.load(npz) as f:
            return {k: f[k] for k in f.files}

    def converted(self, case: DraftCase) -> Path:
        """Where zarr-core converted ``case``; fails if zarr-python 2 or the conversion did."""
        self.result(f"draft-{case.name}")
        if case.name in self.conversion_errors:
            pytest.fail(f"converting {case.name} failed:\n{self.conversion_errors[case.name]}")
        return self.root / "converted" / case.name / DRAFT_ARRAY


@pytest.fixture(scope="module")
def exchange(tmp_path_factory) -> Exchange:
    zp3, zp2 = peer("zp3"), peer("zp2")
    root = tmp_path_factory.mktemp("sharding-interop")
    # 1. zarr-python 2.18 writes draft-layout arrays; zarr-core converts them.
    drafts = []
    for case in DRAFT_CASES:
        drafts.append(
            {
                "op": "write_draft",
                "id": f"draft-{case.name}",
                "path": str(root / "draft" / case.name),
                "array": DRAFT_ARRAY,
                "npz": str(save_inputs(root, f"draft-{case.name}", case.data, case.fill)),
                "chunks": list(case.chunks),
                "cps": list(case.chunks_per_shard),
                "compressor": case.compressor,
                "order": case.order,
                "region": case.region,
            }
        )
    log = run_peer(zp2, root, "zp2", drafts, ZARR_V3_EXPERIMENTAL_API="1", ZARR_V3_SHARDING="1")
    exchange = Exchange(root, log)
    for case in DRAFT_CASES:
        try:
            convert_to_sharding_indexed(
                str(root / "draft" / case.name),
                DRAFT_ARRAY,
                dest=str(root / "converted" / case.name),
            )
        except Exception:
            exchange.conversion_errors[case.name] = traceback.format_exc()
    # 2. zarr-python 3 and tensorstore read zarr-core's arrays and the converted ones, and
    # write their own.
    entries = []
    for case in CASES:
        core_write(case, root / "core" / case.name)
        for lib in LIBS:
            entries.append(
                {
                    "op": "read",
                    "id": f"read-{lib}-{case.name}",
                    "lib": lib,
                    "path": str(root / "core" / case.name),
                    "region": case.read_region,
                }
            )
    for case in DRAFT_CASES:
        for lib in LIBS:
            entries.append(
                {
                    "op": "read",
                    "id": f"read-converted-{lib}-{case.name}",
                    "lib": lib,
                    "path": str(root / "converted" / case.name / DRAFT_ARRAY),
                }
            )
    for case in FROM_PEER:
        npz = save_inputs(root, case.name, case.data, case.fill)
        for lib in LIBS:
            if case.extra and lib != "zarr":
                continue
            entries.append(
                {
                    "op": "write",
                    "id": f"write-{lib}-{case.name}",
                    "lib": lib,
                    "path": str(root / lib / case.name),
                    "npz": str(npz),
                    "shards": list(case.shards),
                    "codecs": case.codecs,
                    "region": case.region,
                    **case.extra,
                }
            )
    exchange.log += run_peer(zp3, root, "zp3", entries)
    return exchange


def params(cases, libs=LIBS):
    return [
        pytest.param(case, lib, id=f"{lib}-{case.name}")
        for case in cases
        for lib in libs
        if not (case.extra and lib != "zarr")
    ]


@pytest.mark.parametrize(("case", "lib"), params(CASES))
def test_core_to_peer(exchange: Exchange, case: Case, lib: str) -> None:
    """The peer reads exactly what zarr-core wrote."""
    got = exchange.result(f"read-{lib}-{case.name}")
    np.testing.assert_array_equal(got["data"], case.expected, strict=True)
    if case.read_region is not None:
        np.testing.assert_array_equal(got["region"], case.expected[slices(case.read_region)])


@pytest.mark.parametrize(("case", "lib"), params(FROM_PEER))
def test_peer_to_core(exchange: Exchange, case: Case, lib: str) -> None:
    """zarr-core reads exactly what the peer wrote, whole and in parts."""
    exchange.result(f"write-{lib}-{case.name}")
    z = zarr_core.open_array(str(exchange.root / lib / case.name), mode="r")
    expected = case.expected
    got = z[...]
    assert got.dtype.newbyteorder("<") == expected.dtype.newbyteorder("<")
    np.testing.assert_array_equal(got, expected)
    region = case.read_region or tuple((n // 3, n - n // 4) for n in case.data.shape)
    np.testing.assert_array_equal(z[slices(region)], expected[slices(region)])
    points = tuple(np.arange(n)[:: max(1, n // 5)][:4] for n in case.data.shape)
    points = tuple(p[: min(len(q) for q in points)] for p in points)
    np.testing.assert_array_equal(z.vindex[points], expected[points])


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in DRAFT_CASES])
def test_zarr_python2_transformer_converted(exchange: Exchange, case: DraftCase) -> None:
    """zarr-core converts zarr-python 2.18's sharded arrays and reads them exactly."""
    z = zarr_core.open_array(str(exchange.converted(case)), mode="r")
    np.testing.assert_array_equal(z[...], case.expected)
    region = tuple((n // 3, n - n // 4) for n in case.data.shape)
    np.testing.assert_array_equal(z[slices(region)], case.expected[slices(region)])
    codec = z._io.pipeline.to_json()[0]
    assert codec["name"] == "sharding_indexed"
    assert codec["configuration"]["chunk_shape"] == list(case.chunks)


@pytest.mark.parametrize(
    ("case", "lib"),
    [pytest.param(c, lib, id=f"{lib}-{c.name}") for c in DRAFT_CASES for lib in LIBS],
)
def test_converted_arrays_are_standard(exchange: Exchange, case: DraftCase, lib: str) -> None:
    """zarr-python 3 and tensorstore read what the conversion produced."""
    exchange.converted(case)
    got = exchange.result(f"read-converted-{lib}-{case.name}")
    np.testing.assert_array_equal(got["data"], case.expected)
