"""Containers written by ABSStore open in zarr-python, and the other way round, on Azurite.

* zarr-python 2.18's own ``ABSStore`` (the ``.peers/zp2`` interpreter) through zarr-core's
  compatibility kit: the same blob layout, Zarr format 2.
* zarr-python 3.4.2 through adlfs, its ``FsspecStore`` (the ``.peers/zp3`` interpreter,
  running ``peers/zp3_adlfs.py``), both Zarr formats, each side checking data, chunks, fill
  values and attributes.

A missing peer environment fails these tests: ``bash scripts/test.sh`` creates both.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

import zarr_core
from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests, peer_python

PEERS = Path(__file__).resolve().with_name("peers")
CONTAINER = "interop"


def _load_case():
    spec = importlib.util.spec_from_file_location("zp3_adlfs", PEERS / "zp3_adlfs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ZP3 = _load_case()


def unique_prefix(tmp_path: Path, name: str) -> str:
    return f"{hashlib.sha1(str(tmp_path).encode()).hexdigest()[:16]}/{name}"


@pytest.fixture
def peer_env(azurite, monkeypatch):
    """What the peers read from the environment: the server and the container."""
    monkeypatch.setenv("ZARR_CORE_ABS_TEST_CONNECTION_STRING", azurite.connection_string)
    monkeypatch.setenv("ZARR_CORE_ABS_TEST_CONTAINER", CONTAINER)
    monkeypatch.setenv("PYTHONPATH", str(PEERS))


# -- zarr-python 2.18's ABSStore ------------------------------------------------------------
class TestZarrPython2(ZarrPython2CompatTests):
    peer_store = PeerStore(
        "ABSStore", objects={"client": "zp2_client:client"}, location_keyword="prefix"
    )

    @pytest.fixture(autouse=True)
    def _server(self, azurite, peer_env):
        self.storage_options = {"connection_string": azurite.connection_string}

    def location(self, tmp_path, name):
        return unique_prefix(tmp_path, name)

    def store_url(self, path):
        return f"az://{CONTAINER}/{path}"


# -- zarr-python 3.4.2 + adlfs -----------------------------------------------------------------
@pytest.fixture
def zp3_python(request):
    return peer_python("zp3", request.config.rootpath)


def run_zp3(python, *args) -> str:
    proc = subprocess.run(
        [str(python), str(PEERS / "zp3_adlfs.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


def core_write(url: str, zarr_format: int, options: dict) -> None:
    root = zarr_core.open_group(url, mode="w", zarr_format=zarr_format, storage_options=options)
    for path, attrs in ZP3.GROUP_ATTRS.items():
        (root.require_group(path) if path else root).attrs.update(attrs)
    for path, (values, chunks, fill, attrs) in ZP3.case().items():
        a = root.create_dataset(
            path, shape=values.shape, chunks=chunks, dtype=values.dtype, fill_value=fill
        )
        a[...] = values
        a.attrs.update(attrs)
    root.store.close()


def core_check(url: str, zarr_format: int, options: dict) -> None:
    root = zarr_core.open_group(url, mode="r", storage_options=options)
    assert root.zarr_format == zarr_format
    for path, attrs in ZP3.GROUP_ATTRS.items():
        assert (root[path] if path else root).attrs.asdict() == attrs, path
    for path, (values, chunks, fill, attrs) in ZP3.case().items():
        a = root[path]
        assert a.chunks == chunks and a.attrs.asdict() == attrs, path
        np.testing.assert_array_equal(a[...], values, err_msg=path)
        assert math.isnan(a.fill_value) if math.isnan(fill) else a.fill_value == fill, path
    root.store.close()


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_abs_store_writes_adlfs_reads(azurite, peer_env, zp3_python, tmp_path, zarr_format):
    prefix = unique_prefix(tmp_path, "by-zarr-core")
    core_write(
        f"az://{CONTAINER}/{prefix}", zarr_format, {"connection_string": azurite.connection_string}
    )
    assert run_zp3(zp3_python, "read", f"abfs://{CONTAINER}/{prefix}").split() == [
        "ok",
        str(zarr_format),
    ]


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_adlfs_writes_abs_store_reads(azurite, peer_env, zp3_python, tmp_path, zarr_format):
    prefix = unique_prefix(tmp_path, "by-zarr-python-3")
    run_zp3(zp3_python, "write", f"abfs://{CONTAINER}/{prefix}", zarr_format)
    core_check(
        f"abfs://{CONTAINER}/{prefix}",
        zarr_format,
        {"connection_string": azurite.connection_string},
    )


def test_adlfs_sees_abs_store_blobs_byte_for_byte(azurite, peer_env, zp3_python, tmp_path):
    # The raw layout, not just what the libraries make of it: one blob per key, same bytes.
    from zarr_core_abs import ABSStore

    store = ABSStore(
        CONTAINER, unique_prefix(tmp_path, "raw"), connection_string=azurite.connection_string
    )
    store.setitems({"a/b": b"\x00\x01", "c": b"text"})
    code = (
        "import adlfs, os, sys, warnings; warnings.simplefilter('ignore');"
        "fs = adlfs.AzureBlobFileSystem(connection_string=os.environ['ZARR_CORE_ABS_TEST_CONNECTION_STRING']);"
        f"root = '{CONTAINER}/{store.prefix}';"
        "print(sorted(p[len(root) + 1:] for p in fs.find(root)));"
        "print(fs.cat(root + '/a/b'), fs.cat(root + '/c'))"
    )
    proc = subprocess.run(
        [str(zp3_python), "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["['a/b', 'c']", "b'\\x00\\x01' b'text'"]
