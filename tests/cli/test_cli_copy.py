"""``zarr-core cp`` between backends, with globs, --if-exists, --dry-run."""

from __future__ import annotations

import struct
import zipfile

import numpy as np
import pytest

import zarr_core
from tests.cli._helpers import Backend, assert_sample, run_cli, sample, write_sample


@pytest.mark.parametrize("fmt", [2, 3])
def test_cp_to_and_from_every_backend(backend, tmp_path, fmt):
    local = Backend("directory", tmp_path)
    source = local.url("src")
    write_sample(local, source, fmt)
    there = backend.url("copy")
    out = run_cli(*backend.options, "cp", source, there)
    assert out.code == 0, out.err
    assert out.out.startswith("copied ") and "skipped 0" in out.out
    assert_sample(backend, there, fmt)
    back = local.url("back")
    again = run_cli(*backend.options, "cp", there, back)
    assert again.code == 0, again.err
    assert_sample(local, back, fmt)
    assert not (tmp_path / "back" / ".zarr-core-incomplete").exists()


def test_cp_globs_keep_a_readable_hierarchy(tmp_path):
    local = Backend("directory", tmp_path)
    write_sample(local, local.url("src"), 3)
    only = run_cli("cp", local.url("src"), local.url("only"), "--include", "temps/deep")
    assert only.code == 0, only.err
    root = zarr_core.open_group(local.url("only"), mode="r")
    assert sorted(root.group_keys()) == ["temps"] and list(root.array_keys()) == []
    assert list(root["temps"].keys()) == ["deep"]
    np.testing.assert_array_equal(root["temps/deep/z"][...], sample(3)["temps/deep/z"])
    assert root.attrs["title"] == "sample"

    args = ("--exclude", "temps/x", "--exclude", "*/.zattrs", "--exclude", "y/c/3")
    without = run_cli("cp", local.url("src"), local.url("without"), *args)
    assert without.code == 0, without.err
    rest = zarr_core.open_group(local.url("without"), mode="r")
    assert sorted(rest.keys()) == ["temps", "y"] and list(rest["temps"].keys()) == ["deep"]
    # the last of y's chunks was left out: it reads as the fill value
    assert rest["y"][...].tolist() == [4 * i for i in range(24)] + [0]
    # a glob naming a node leaves out everything below it, its documents too
    no_temps = run_cli("cp", local.url("src"), local.url("no_temps"), "--exclude", "temps")
    assert no_temps.code == 0, no_temps.err
    assert list(zarr_core.open_group(local.url("no_temps"), mode="r").keys()) == ["y"]


def test_cp_if_exists_and_dry_run(tmp_path):
    local = Backend("directory", tmp_path)
    source, dest = local.url("src"), local.url("dest")
    write_sample(local, source, 2)

    dry = run_cli("cp", source, dest, "--dry-run")
    assert dry.code == 0, dry.err
    assert "copy temps/x/.zarray" in dry.out and "dry run:" in dry.out
    assert not (tmp_path / "dest").exists()

    assert run_cli("cp", source, dest).code == 0
    clash = run_cli("cp", source, dest)
    assert clash.code == 1
    assert f"zarr-core: error: {dest}: key '" in clash.err
    assert "exists already: pass --if-exists skip or --if-exists replace" in clash.err
    # refused before writing anything: no marker left behind
    assert not (tmp_path / "dest" / ".zarr-core-incomplete").exists()

    skip = run_cli("cp", source, dest, "--if-exists", "skip")
    assert skip.code == 0 and skip.out.startswith("copied 0 keys")
    zarr_core.open_array(source, path="y", mode="r+")[:] = 7
    replace = run_cli("cp", source, dest, "--if-exists", "replace")
    assert replace.code == 0 and "skipped 0" in replace.out
    assert (zarr_core.open_array(dest, path="y", mode="r")[:] == 7).all()

    bad = run_cli("cp", source, dest, "--if-exists", "merge")
    assert bad.code == 2 and "'merge' is not one of 'raise', 'skip', 'replace'" in bad.err


def test_cp_of_nothing_names_the_source(tmp_path):
    missing = str(tmp_path / "missing")
    result = run_cli("cp", missing, str(tmp_path / "d"))
    assert result.code == 2
    assert result.err == f"zarr-core: error: {missing}: no Zarr array or group at '/'\n"


def test_cp_names_the_source_it_cannot_read(tmp_path):
    """A read that fails while keys are copied is the source's error, not DST's."""
    archive = Backend("zip", tmp_path)
    source = archive.url("src")
    write_sample(archive, source, 2)
    path = tmp_path / "src.zip"
    with zipfile.ZipFile(path) as opened:
        member = opened.getinfo("y/1")
    data = bytearray(path.read_bytes())
    name, extra = struct.unpack_from("<HH", data, member.header_offset + 26)
    data[member.header_offset + 30 + name + extra + member.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    result = run_cli("cp", source, str(tmp_path / "d"))
    assert result.code == 1
    assert result.err.startswith(f"zarr-core: error: {source}: ")
    assert "'y/1'" in result.err and result.err.count("\n") == 1


def test_cp_one_node_to_a_path(tmp_path):
    local = Backend("directory", tmp_path)
    write_sample(local, local.url("src"), 3)
    result = run_cli("cp", local.url("src"), local.url("d"), "--path", "temps", "--dest-path", "t2")
    assert result.code == 0, result.err
    moved = zarr_core.open_array(local.url("d"), path="t2/x", mode="r")
    np.testing.assert_array_equal(moved[...], sample(3)["temps/x"])


def test_python_api_progress_keyword(tmp_path):
    source = zarr_core.open_group(str(tmp_path / "s"), mode="w", zarr_format=3)
    source.array("a", np.arange(100), chunks=10)
    dest = zarr_core.open_group(str(tmp_path / "d"), mode="w", zarr_format=3)
    assert zarr_core.copy_all(source, dest, progress=True) == (1, 0, 800)
    assert zarr_core.copy(source["a"], dest, name="b", progress=True) == (1, 0, 800)
    copied = zarr_core.copy_store(str(tmp_path / "s"), str(tmp_path / "k"), progress=True)
    assert copied[:2] == (12, 0)
    report = zarr_core.convert(str(tmp_path / "s"), 2, str(tmp_path / "v2"), progress=True)
    assert report.arrays == ["/a"]
