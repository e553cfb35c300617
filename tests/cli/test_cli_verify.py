"""``zarr-core verify``: every chunk read and decoded; problems reported by key."""

from __future__ import annotations

import json

import numpy as np

import zarr_core
from tests.cli._helpers import Backend, run_cli, run_many, write_sample


def _corrupt(backend: Backend, url: str) -> None:
    """Break three chunks of ``url`` through the store API (any backend)."""
    root = zarr_core.open_group(url, mode="r+", storage_options=backend.storage_options)
    try:
        checked = root.create_dataset(
            "checked",
            data=np.arange(40, dtype="u4"),
            chunks=10,
            codecs=[{"name": "bytes"}, {"name": "crc32c"}],
        )
        checked[...] = np.arange(40, dtype="u4")
        store = root.store
        good = bytearray(store["checked/c/1"])
        good[3] ^= 0xFF  # a flipped bit: the checksum no longer matches
        store["checked/c/1"] = bytes(good)
        store["temps/x/c/0/1"] = b"not zstd at all"
        store["y/c/2"] = store["y/c/2"][:5]  # truncated
    finally:
        root.store.close()


def test_verify_finds_corrupt_and_undecodable_chunks_on_every_backend(backend):
    url = backend.url("h")
    write_sample(backend, url, 3)
    clean = run_cli(*backend.options, "verify", url)
    assert clean.code == 0, clean.err
    assert clean.out == "checked 40 chunks in 3 arrays: no problems\n"

    _corrupt(backend, url)
    found = run_cli(*backend.options, "verify", url)
    assert found.code == 1, found.err
    lines = found.out.splitlines()
    rows = sorted(tuple(line.split("\t")[:2]) for line in lines[:-1])
    assert rows == [
        ("corrupt", "checked/c/1"),
        ("undecodable", "temps/x/c/0/1"),
        ("undecodable", "y/c/2"),
    ]
    assert "crc32c" in next(line for line in lines if "checked/c/1" in line)
    assert lines[-1] == "checked 44 chunks in 4 arrays: 1 corrupt, 2 undecodable"

    report = json.loads(run_cli(*backend.options, "verify", url, "--json").out)
    assert report["arrays"] == 4 and report["chunks"] == 44
    assert {f["key"] for f in report["findings"]} == {"checked/c/1", "temps/x/c/0/1", "y/c/2"}
    only = run_cli(*backend.options, "verify", url, "--path", "temps")
    assert only.code == 1
    assert only.out.splitlines()[-1] == "checked 36 chunks in 2 arrays: 1 undecodable"


def test_verify_complete_missing_metadata_and_marker(tmp_path):
    local = Backend("directory", tmp_path)
    url = local.url("h")
    write_sample(local, url, 2)
    (tmp_path / "h" / "y" / "1").unlink()
    assert run_cli("verify", url).code == 0  # a missing chunk is the fill value...
    strict = run_cli("verify", url, "--complete")
    assert strict.code == 1  # ...unless every chunk is expected
    assert "missing\ty/1\tnot stored (--complete)" in strict.out

    (tmp_path / "h" / "temps" / "deep" / "z" / ".zarray").write_text("{not json")
    broken = run_cli("verify", url)
    assert broken.code == 1
    line = next(line for line in broken.out.splitlines() if line.startswith("metadata"))
    assert line.startswith("metadata\ttemps/deep/z\t") and "temps/deep/z/.zarray" in line

    (tmp_path / "h" / ".zarr-core-incomplete").write_text('{"command": "cp"}')
    marked = run_cli("verify", url)
    assert "incomplete\t.zarr-core-incomplete\tan interrupted 'cp' left it" in marked.out


def test_verify_of_nothing_is_a_usage_error(tmp_path):
    result = run_cli("verify", str(tmp_path))
    assert result.code == 2
    assert result.err == f"zarr-core: error: {tmp_path}: no Zarr array or group at '/'\n"


def test_verify_finds_markers_below_the_root(tmp_path):
    """cp and convert into a node (--dest-path) leave their marker there, also inside an
    array's keys (cp --path y --dest-path y); verify finds them, and from --path it sees
    the markers of the groups above it."""
    local = Backend("directory", tmp_path)
    url = local.url("h")
    write_sample(local, url, 3)
    (tmp_path / "h" / "temps" / ".zarr-core-incomplete").write_text('{"command": "convert"}')
    (tmp_path / "h" / "y" / ".zarr-core-incomplete").write_text('{"command": "cp"}')
    whole, inside = run_many(["verify", url], ["verify", url, "--path", "temps/x"])
    assert whole.code == 1, whole.err
    assert sorted(whole.out.splitlines()[:-1]) == [
        "incomplete\ttemps/.zarr-core-incomplete\tan interrupted 'convert' left it",
        "incomplete\ty/.zarr-core-incomplete\tan interrupted 'cp' left it",
    ]
    assert whole.out.splitlines()[-1] == "checked 40 chunks in 3 arrays: 2 incomplete"
    assert inside.code == 1
    assert inside.out.splitlines() == [
        "incomplete\ttemps/.zarr-core-incomplete\tan interrupted 'convert' left it",
        "checked 12 chunks in 1 arrays: 1 incomplete",
    ]
