"""The Dask kit: a store written and read by several Dask worker processes.

Usage (a store plugin's ``tests/test_<name>_dask.py``)::

    from zarr_core.testing.dask import DaskStoreTests

    class TestDask(DaskStoreTests):
        def store_url(self, tmp_path):
            return f"sqlite:///{tmp_path / 'x.sqlite'}"

The ``dask_client`` fixture (shipped with zarr-core's pytest plugin) is a
``dask.distributed`` client of a ``LocalCluster`` with two worker *processes*, one for the
module; it is not the default scheduler (the kit's tests select it with
``dask.config.set(scheduler=client.get)``), so other tests keep Dask's default. Each test stores a Dask array whose blocks are whole chunks from the workers,
reads it back in the parent and through the workers, and checks every value. A store that
several processes cannot write (``supports_multiprocess_writes`` false) must refuse with a
clear error instead: set ``multiprocess_writes = False``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import ZarrCoreError

__all__ = ["DaskStoreTests", "dask_client"]


@pytest.fixture(scope="module")
def dask_client():
    """A client of a local cluster with two worker processes (one per test module: its
    threads end with the module, before other tests fork)."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None
    )
    # Not the process-wide default: only the kit's tests, which ask for it, use it.
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


class DaskStoreTests:
    """Distributed writes and reads of one store (see the module docstring)."""

    #: Whether several processes may write the store at once.
    multiprocess_writes: ClassVar[bool] = True
    #: Passed to ``from_dask`` / ``to_dask`` with the URL.
    storage_options: ClassVar[dict[str, Any]] = {}

    def store_url(self, tmp_path: Path) -> str:
        """A URL (or path) of a new store under ``tmp_path``."""
        raise NotImplementedError

    @pytest.mark.parametrize("zarr_format", [2, 3])
    def test_workers_write_and_read_every_value(self, dask_client, tmp_path, zarr_format):
        import dask

        with dask.config.set(scheduler=dask_client.get):
            self._write_and_read(tmp_path, zarr_format)

    def _write_and_read(self, tmp_path: Path, zarr_format: int) -> None:
        import dask.array as da

        url = self.store_url(tmp_path)
        source = da.arange(240 * 90, dtype="i4", chunks=30 * 90).reshape(240, 90)
        source = source.rechunk((30, 45))  # 16 blocks, each exactly one chunk
        if not self.multiprocess_writes:
            with pytest.raises(ZarrCoreError, match="several processes"):
                zarr_core.from_dask(source, url, zarr_format=zarr_format, **self._options())
            return
        zarr_core.from_dask(source, url, zarr_format=zarr_format, **self._options())
        expected = np.arange(240 * 90, dtype="i4").reshape(240, 90)
        stored = zarr_core.open_array(url, mode="r", **self._options())
        np.testing.assert_array_equal(stored[...], expected)
        # Read back through the workers too: the array pickles small and reopens there.
        lazy = zarr_core.to_dask(stored)
        assert int(lazy.sum().compute()) == int(expected.sum())
        np.testing.assert_array_equal(lazy[::7, 3:80:5].compute(), expected[::7, 3:80:5])

    def _options(self) -> dict[str, Any]:
        return {"storage_options": dict(self.storage_options)} if self.storage_options else {}
