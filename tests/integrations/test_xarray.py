"""xarray: ``open_dataset(engine="zarr_core")`` and ``zarr_core.xarray.to_zarr`` against files
xarray writes with zarr-python 3.4.2 (the ``.peers/zp3`` interpreter), both ways, both
formats, consolidated or not, and on other zarr-core stores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import xarray as xr

import zarr_core
from zarr_core.testing.compat import peer_python

sys.path.insert(0, str(Path(__file__).parent))
from _xr_case import dataset  # noqa: E402

PEER = Path(__file__).parent / "_xr_peer.py"


def run_peer(python, *args):
    proc = subprocess.run([str(python), str(PEER), *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def zp3(request):
    return peer_python("zp3", request.config.rootpath)


@pytest.mark.parametrize("consolidated", [True, False])
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_reads_what_xarray_writes(zp3, tmp_path, zarr_format, consolidated):
    path = tmp_path / "by-xarray.zarr"
    run_peer(zp3, "write", path, zarr_format, int(consolidated))
    got = xr.open_dataset(path, engine="zarr_core")
    xr.testing.assert_identical(got.load(), dataset())
    assert got["temp"].encoding["chunks"] == (3, 5, 2)
    assert got["precip"].encoding["scale_factor"] == 0.5  # decoded by xarray's CF coders


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_xarray_reads_what_zarr_core_writes(zp3, tmp_path, zarr_format):
    path = tmp_path / "by-zarr-core.zarr"
    zarr_core.xarray.to_zarr(dataset(), path, zarr_format=zarr_format)
    run_peer(zp3, "check", path)
    xr.testing.assert_identical(xr.open_dataset(path, engine="zarr_core").load(), dataset())


def test_lazy_reads_and_dask_chunks(tmp_path):
    path = tmp_path / "lazy.zarr"
    zarr_core.xarray.to_zarr(dataset(), path, zarr_format=3)
    ds = xr.open_dataset(path, engine="zarr_core", chunks={})
    assert isinstance(ds["temp"].data, da.Array)
    assert ds["temp"].data.chunks == ((3, 3), (5,), (2, 2))
    expected = dataset()["temp"]
    np.testing.assert_array_equal(
        ds["temp"].isel(time=[0, 4], level=slice(1, 3)).values,
        expected.isel(time=[0, 4], level=slice(1, 3)).values,
    )
    np.testing.assert_array_equal(  # vectorised (pointwise) indexing
        ds["temp"][xr.DataArray([0, 5]), xr.DataArray([1, 4]), 0].values,
        expected.values[[0, 5], [1, 4], 0],
    )


def test_other_stores_and_groups(tmp_path):
    url = f"memory://xr-{tmp_path.name}"
    zarr_core.xarray.to_zarr(dataset(), url, group="sub/ds", zarr_format=2, consolidated=False)
    got = zarr_core.xarray.open_dataset(url, group="sub/ds")
    xr.testing.assert_identical(got.load(), dataset())


def test_arrays_without_dimension_names_are_named_in_the_error(tmp_path):
    from zarr_core.integrations.xarray import DimensionsMissingError

    root = zarr_core.open_group(tmp_path / "plain.zarr", mode="w", zarr_format=2)
    root.zeros("a", shape=(3,))
    with pytest.raises(DimensionsMissingError, match="'a'.*_ARRAY_DIMENSIONS"):
        xr.open_dataset(tmp_path / "plain.zarr", engine="zarr_core")
