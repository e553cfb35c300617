"""``zarr-core convert``: formats, chunks, shards, compressors, on every backend."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import zarr_core
from tests.cli._helpers import Backend, assert_sample, run_cli, run_many, sample, write_sample


@pytest.mark.parametrize("fmt", [2, 3])
def test_convert_format_on_every_backend(backend, tmp_path, fmt):
    source = backend.url("src")
    write_sample(backend, source, fmt)
    target = backend.url("dst")
    other = 5 - fmt
    result = run_cli(*backend.options, "convert", source, target, "--format", str(other))
    assert result.code == 0, result.err
    assert re.fullmatch(
        rf"converted 3 arrays, 3 groups to Zarr format {other}: 9\.6 KiB in [\d.]+ s; "
        r"peak memory [\d.]+ MiB\n",
        result.out,
    )
    assert_sample(backend, target, fmt)
    root = backend.open(target)
    try:
        assert root.zarr_format == other and root["temps/x"].zarr_format == other
        assert root["temps/x"].chunks == (20, 13)
    finally:
        root.store.close()


def test_convert_rechunk_recompress_shard_unshard(tmp_path):
    local = Backend("directory", tmp_path)
    write_sample(local, local.url("v2"), 2)
    expected = sample(2)

    args = ("--format", "3", "--chunks", "30,20", "--compressor", "zstd:3")
    rechunked = run_cli("convert", local.url("v2"), local.url("v3"), *args)
    assert rechunked.code == 0, rechunked.err
    x = zarr_core.open_array(local.url("v3"), path="temps/x", mode="r")
    assert x.zarr_format == 3 and x.chunks == (30, 20)
    assert [c["name"] for c in x.codecs] == ["bytes", "zstd"]
    assert x.codecs[1]["configuration"]["level"] == 3
    np.testing.assert_array_equal(x[...], expected["temps/x"])
    # arrays of another number of dimensions keep their chunks
    assert zarr_core.open_array(local.url("v3"), path="y", mode="r").chunks == (8,)

    sharded = run_cli("convert", local.url("v3"), local.url("sh"), "--shards", "60,40")
    assert sharded.code == 0, sharded.err
    s = zarr_core.open_array(local.url("sh"), path="temps/x", mode="r")
    assert s.chunks == (60, 40) and s.codecs[0]["name"] == "sharding_indexed"
    inner = s.codecs[0]["configuration"]
    assert inner["chunk_shape"] == [30, 20]
    assert [c["name"] for c in inner["codecs"]] == ["bytes", "zstd"]
    np.testing.assert_array_equal(s[...], expected["temps/x"])

    unsharded = run_cli("convert", local.url("sh"), local.url("un"), "--shards", "none")
    assert unsharded.code == 0, unsharded.err
    u = zarr_core.open_array(local.url("un"), path="temps/x", mode="r")
    assert u.chunks == (30, 20) and [c["name"] for c in u.codecs] == ["bytes", "zstd"]
    np.testing.assert_array_equal(u[...], expected["temps/x"])

    back = run_cli("convert", local.url("sh"), local.url("back2"), "--format", "2")
    assert back.code == 0, back.err
    v2 = zarr_core.open_array(local.url("back2"), path="temps/x", mode="r")
    assert v2.zarr_format == 2 and v2.chunks == (30, 20)
    # the codecs inside the shards carry over
    assert v2.compressor.codec_id == "zstd" and v2.compressor.level == 3
    np.testing.assert_array_equal(v2[...], expected["temps/x"])
    assert_sample(local, local.url("back2"), 2)


def test_convert_errors(tmp_path):
    local = Backend("directory", tmp_path)
    write_sample(local, local.url("src"), 3)
    source, dest = local.url("src"), local.url("dst")
    cases = [
        (["--chunks", "a,b"], "Invalid value for --chunks: 'a,b' is not a comma-separated"),
        (["--chunks", "0,4"], "Invalid value for --chunks: '0,4': every entry must be positive"),
        (["--compressor", "lzma"], "Invalid value for --compressor: 'lzma' is not one of"),
        (["--compressor", "blosc:nope"], "blosc has no compressor 'nope'"),
        (["--format", "2", "--shards", "60,40"], "Zarr format 2 has no shards"),
        (["--chunks", "7,7", "--shards", "60,40"], "must be multiples of its chunk shape (7, 7)"),
        (["--format", "4"], "'4' is not one of '2', '3'"),
    ]
    for args, message in cases:
        result = run_cli("convert", source, dest, *args)
        assert result.code == 2, (args, result)
        assert message in result.err, (args, result.err)
        assert "Traceback" not in result.err
    assert not (tmp_path / "dst").exists()

    assert run_cli("convert", source, dest).code == 0
    again = run_cli("convert", source, dest)
    assert again.code == 1
    assert again.err.startswith(f"zarr-core: error: {dest}: ContainsGroupError: ")
    replaced = run_cli("convert", source, dest, "--if-exists", "replace", "--format", "2")
    assert replaced.code == 0, replaced.err
    assert zarr_core.open_group(dest, mode="r").zarr_format == 2


def test_consolidate(backend):
    url = backend.url("h")
    write_sample(backend, url, 2)
    result = run_cli(*backend.options, "consolidate", url)
    assert result.code == 0, result.err
    assert result.out == "consolidated the metadata of 5 nodes below /\n"
    opened = zarr_core.open_consolidated(url, mode="r", storage_options=backend.storage_options)
    try:
        assert sorted(opened.keys()) == ["temps", "y"]
        np.testing.assert_array_equal(opened["temps/x"][...], sample(2)["temps/x"])
    finally:
        opened.store.close()
    info = json.loads(run_cli(*backend.options, "info", url, "--json").out)
    assert info["groups"] == ["temps"]


def test_convert_follows_the_format_the_destination_pins(tmp_path):
    local = Backend("directory", tmp_path)
    write_sample(local, local.url("src"), 2)
    pinned, clash = run_many(
        ["convert", local.url("src"), f"{local.url('v3')}|zarr3:"],
        ["convert", local.url("src"), f"{local.url('no')}|zarr3:", "--format", "2"],
    )
    assert pinned.code == 0, pinned.err
    assert "to Zarr format 3: " in pinned.out
    assert zarr_core.open_group(local.url("v3"), mode="r").zarr_format == 3
    assert_sample(local, local.url("v3"), 2)
    assert clash.code == 2 and "takes Zarr format 3 only, not 2" in clash.err
    assert not (tmp_path / "no").exists()  # refused before the marker was written
