"""Zip archives exchanged with zarr-python 2.18 and 3.x, both ways.

Each peer runs in its own interpreter (``.peers/zp2``, ``.peers/zp3``) with
``_peer_zip.py``. A writer describes what it wrote by reading it back itself (kind,
attributes and data of every node); the other side must read exactly the same.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import numcodecs
import numpy as np
import pytest
from zarr_core_zip import ZipReader, ZipStore

import zarr_core
from zarr_core.storage import MemoryStore, Store

PEER_SCRIPT = Path(__file__).with_name("_peer_zip.py")
ZP2_ARCHIVES = ["zp2-array", "zp2-group", "zp2-nested"]
ZP3_ARCHIVES = ["zp3-v2", "zp3-v3"]
CORE_V2 = ["core-v2", "core-v2-nested", "core-v2-deflated"]
CORE_V3 = ["core-v3", "core-v3-deflated"]


def run_peer(python: Path, *args: str) -> str:
    proc = subprocess.run(
        [str(python), str(PEER_SCRIPT), *args], capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{python} {PEER_SCRIPT.name} {' '.join(args)} failed:\n{proc.stderr}", pytrace=False
        )
    return proc.stdout


def from_peer(directory: Path, stem: str) -> dict:
    nodes = json.loads((directory / f"{stem}.json").read_text())
    for node in nodes.values():
        if "npy" in node:
            node["data"] = np.load(directory / node.pop("npy"))
    return nodes


def describe(store: Store) -> dict:
    """What zarr-core reads from ``store``, in the peers' terms."""
    root = zarr_core.open(store, mode="r")
    nodes = {}

    def visit(path: str, node) -> None:
        entry = {
            "kind": "array" if isinstance(node, zarr_core.Array) else "group",
            "attrs": node.attrs.asdict(),
        }
        if entry["kind"] == "array":
            entry["data"] = node[...]
        nodes[path] = entry

    visit("", root)
    if isinstance(root, zarr_core.Group):
        root.visititems(visit)
    return nodes


def assert_same(ours: dict, theirs: dict) -> None:
    assert sorted(ours) == sorted(theirs)
    for path, node in theirs.items():
        assert ours[path]["kind"] == node["kind"], path
        assert ours[path]["attrs"] == node["attrs"], path
        if node["kind"] == "array":
            assert ours[path]["data"].dtype == node["data"].dtype, path
            np.testing.assert_array_equal(ours[path]["data"], node["data"], err_msg=path)


OPENERS: dict[str, Callable[[Path], Store]] = {
    "ZipStore": lambda path: ZipStore(path, mode="r"),
    # The same bytes read through byte ranges, as the zip: adapter does.
    "ZipReader": lambda path: ZipReader(MemoryStore(root={"x.zip": path.read_bytes()}), "x.zip"),
}


# -- written by zarr-python, read by zarr-core -------------------------------------------
@pytest.fixture(scope="module")
def zp2_written(tmp_path_factory, zp2_python) -> Path:
    out = tmp_path_factory.mktemp("zp2-written")
    assert json.loads(run_peer(zp2_python, "write", str(out))) == [f"{s}.zip" for s in ZP2_ARCHIVES]
    return out


@pytest.fixture(scope="module")
def zp3_written(tmp_path_factory, zp3_python) -> Path:
    out = tmp_path_factory.mktemp("zp3-written")
    assert json.loads(run_peer(zp3_python, "write", str(out))) == [f"{s}.zip" for s in ZP3_ARCHIVES]
    return out


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize("stem", ZP2_ARCHIVES)
def test_zarr_python_2_archives_open(zp2_written, stem, opener):
    store = OPENERS[opener](zp2_written / f"{stem}.zip")
    assert_same(describe(store), from_peer(zp2_written, stem))
    store.close()


def test_zarr_python_2_duplicates_read_last_write(zp2_written):
    with zipfile.ZipFile(zp2_written / "zp2-group.zip") as zf:
        names = zf.namelist()
    assert len(names) > len(set(names))  # the archive really holds duplicate entries
    with ZipStore(zp2_written / "zp2-group.zip", mode="r") as store:
        a = zarr_core.open_array(store, path="a", mode="r")[...]
    expected = np.zeros(50, dtype="i2")
    expected[5:15] = 1
    expected[10:25] = 2
    np.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize("stem", ZP3_ARCHIVES)
def test_zarr_python_3_archives_open(zp3_written, stem, opener):
    store = OPENERS[opener](zp3_written / f"{stem}.zip")
    theirs = from_peer(zp3_written, stem)
    assert_same(describe(store), theirs)
    assert zarr_core.open(store, mode="r").zarr_format == int(stem[-1])
    store.close()


# -- written by zarr-core, read by zarr-python -------------------------------------------
def write_core_archives(out: Path) -> None:
    for fmt_ in (2, 3):
        for variant in ("", "-nested", "-deflated"):
            if fmt_ == 3 and variant == "-nested":
                continue  # v3 chunk keys are nested already
            stem = f"core-v{fmt_}{variant}"
            with ZipStore(
                out / f"{stem}.zip",
                mode="w",
                compression=zipfile.ZIP_DEFLATED if variant == "-deflated" else zipfile.ZIP_STORED,
                dimension_separator="/" if variant == "-nested" else None,
            ) as store:
                root = zarr_core.group(store=store, zarr_format=fmt_)
                root.attrs.update({"title": stem, "numbers": [1, 2.5]})
                extra = {"compressor": numcodecs.Zstd(level=1)} if fmt_ == 2 else {}
                a = root.zeros("a", shape=(25, 13), chunks=(6, 5), dtype="f4", **extra)
                a[...] = np.arange(325, dtype="f4").reshape(25, 13) / 3
                a.attrs["units"] = "K"
                b = root.create_group("g").full(
                    "b", shape=(100,), chunks=(9,), dtype="i8", fill_value=-5
                )
                b[10:40] = np.arange(30)
                if variant == "-deflated":
                    b[35:60] = 1  # rewrites chunks: compaction on close
                    a.attrs["units"] = "degC"


@pytest.fixture(scope="module")
def core_written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("core-written")
    write_core_archives(out)
    return out


def peer_reads(python: Path, core_written: Path, stems: list[str], tmp_path: Path) -> None:
    run_peer(python, "read", *(str(core_written / f"{s}.zip") for s in stems), str(tmp_path))


@pytest.mark.parametrize("stem", CORE_V2)
def test_zarr_python_2_reads_core_archives(core_written, zp2_python, tmp_path, stem):
    peer_reads(zp2_python, core_written, [stem], tmp_path)
    with ZipStore(core_written / f"{stem}.zip", mode="r") as store:
        assert_same(describe(store), from_peer(tmp_path, stem))


@pytest.mark.parametrize("stem", CORE_V2 + CORE_V3)
def test_zarr_python_3_reads_core_archives(core_written, zp3_python, tmp_path, stem):
    peer_reads(zp3_python, core_written, [stem], tmp_path)
    with ZipStore(core_written / f"{stem}.zip", mode="r") as store:
        ours = describe(store)
    assert_same(ours, from_peer(tmp_path, stem))
    if stem.endswith("deflated"):
        assert ours["a"]["attrs"] == {"units": "degC"}
