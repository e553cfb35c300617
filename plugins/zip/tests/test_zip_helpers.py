"""zarr-core's convenience functions on zip archives: save closes what it opened."""

from __future__ import annotations

import numpy as np

import zarr_core


def test_save_zip_closes_the_archive(tmp_path) -> None:
    path = str(tmp_path / "example.zip")
    zarr_core.save(path, foo=np.arange(5), bar=np.ones(2))
    loader = zarr_core.load(path)
    np.testing.assert_array_equal(loader["foo"], np.arange(5))
    loader.close()
