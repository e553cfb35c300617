"""Dask: to_dask/from_dask, dask.array.from_array on zarr-core arrays, small pickles, the
alignment rule, and writes from several worker processes (the Dask kit)."""

from __future__ import annotations

import pickle

import dask
import dask.array as da
import numpy as np
import pytest

import zarr_core
from zarr_core.integrations.dask import UnalignedWriteError
from zarr_core.testing.dask import DaskStoreTests


class TestDaskOnLocalFiles(DaskStoreTests):
    def store_url(self, tmp_path):
        return f"file://{tmp_path / 'x.zarr'}"


class TestDaskRefusesMemory(DaskStoreTests):
    multiprocess_writes = False  # each worker process would write its own memory

    def store_url(self, tmp_path):
        return "memory://dask-kit"


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_from_array_works_as_with_zarr_python(tmp_path, zarr_format):
    z = zarr_core.zeros(
        (50, 40), chunks=(10, 10), dtype="f8", store=tmp_path / "a.zarr", zarr_format=zarr_format
    )
    z[...] = np.arange(2000.0).reshape(50, 40)
    x = da.from_array(z, chunks=z.chunks)
    assert x.dtype == z.dtype and x.chunks[0] == (10,) * 5
    np.testing.assert_array_equal(x[5:45:3].compute(), z[5:45:3])
    y = zarr_core.to_dask(str(tmp_path / "a.zarr"))
    assert y.name == zarr_core.to_dask(str(tmp_path / "a.zarr")).name  # deterministic graph
    assert float((y * 2).sum().compute()) == 2 * float(np.arange(2000.0).sum())


def test_arrays_pickle_small(tmp_path):
    z = zarr_core.zeros((1000, 1000), chunks=(100, 100), dtype="i4", store=tmp_path / "b.zarr")
    z[...] = 7
    blob = pickle.dumps(z)
    assert len(blob) < 2000  # the store's location and the path, not 4 MB of data
    again = pickle.loads(blob)
    assert int(again[999, 999]) == 7


def test_unaligned_blocks_are_refused_without_a_synchronizer(tmp_path):
    source = da.ones((100,), chunks=15, dtype="i4")
    with pytest.raises(UnalignedWriteError, match=r"split the chunks \(10,\).*rechunk"):
        zarr_core.from_dask(source, tmp_path / "c.zarr", chunks=(10,))
    z = zarr_core.from_dask(
        source, tmp_path / "d.zarr", chunks=(10,), synchronizer=zarr_core.ThreadSynchronizer()
    )
    with dask.config.set(scheduler="threads"):
        assert int(z[...].sum()) == 100


def test_compute_false_returns_a_delayed(tmp_path):
    source = da.arange(20, chunks=5)
    delayed = zarr_core.from_dask(source, tmp_path / "e.zarr", compute=False)
    assert zarr_core.open_array(tmp_path / "e.zarr")[...].sum() == 0  # nothing stored yet
    delayed.compute(scheduler="threads")
    assert zarr_core.open_array(tmp_path / "e.zarr")[...].tolist() == list(range(20))
