"""zarr-python 3.4.2 through adlfs (its FsspecStore), run in the ``.peers/zp3`` interpreter.

    python zp3_adlfs.py write URL ZARR_FORMAT   # write the case below at URL
    python zp3_adlfs.py read  URL               # check that URL holds exactly the case

The connection string comes from ``ZARR_CORE_ABS_TEST_CONNECTION_STRING``. The test module
(test_abs_interop.py) writes and checks the same case with zarr-core; both sides compute
the data from :func:`case`, so no data files travel. ``read`` exits non-zero with the
mismatch on stderr; nothing here imports zarr-core.
"""

import os
import sys
import warnings

import numpy as np


def case():
    """The hierarchy both sides write: {array path: (values, chunks, fill value, attrs)}."""
    return {
        "ints": (
            np.arange(37 * 23, dtype="<i4").reshape(37, 23) * 3 - 100,
            (10, 7),
            0,
            {"units": "m"},
        ),
        "g/floats": (np.linspace(0, 1, 50), (8,), float("nan"), {"scale": [1, 2]}),
        "g/sub/bytes": ((np.arange(400) % 251).astype("u1").reshape(20, 20), (5, 5), 3, {}),
    }


GROUP_ATTRS = {"": {"title": "adlfs interop"}, "g": {"unicode": "üñï"}, "g/sub": {}}


def open_root(url, mode, zarr_format=None):
    import zarr

    options = {"connection_string": os.environ["ZARR_CORE_ABS_TEST_CONNECTION_STRING"]}
    store = zarr.storage.FsspecStore.from_url(url, storage_options=options, read_only=mode == "r")
    if mode == "w":
        return zarr.open_group(store, mode="w", zarr_format=zarr_format)
    return zarr.open_group(store, mode="r")


def write(url, zarr_format):
    root = open_root(url, "w", zarr_format)
    for path, attrs in GROUP_ATTRS.items():
        (root.require_group(path) if path else root).attrs.update(attrs)
    for path, (values, chunks, fill, attrs) in case().items():
        a = root.create_array(
            path, shape=values.shape, chunks=chunks, dtype=values.dtype, fill_value=fill
        )
        a[...] = values
        a.attrs.update(attrs)


def read(url):
    root = open_root(url, "r")
    for path, attrs in GROUP_ATTRS.items():
        found = dict((root[path] if path else root).attrs)
        assert found == attrs, (path, found)
    for path, (values, chunks, fill, attrs) in case().items():
        a = root[path]
        assert a.chunks == chunks, (path, a.chunks)
        assert dict(a.attrs) == attrs, (path, dict(a.attrs))
        np.testing.assert_array_equal(a[...], values, err_msg=path)
        if np.isnan(fill):
            assert np.isnan(a.fill_value), path
        else:
            assert a.fill_value == fill, (path, a.fill_value)
    print("ok", root.metadata.zarr_format)


if __name__ == "__main__":
    warnings.simplefilter(
        "ignore"
    )  # adlfs warns that it cannot read the emulator's container properties
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    else:
        read(sys.argv[2])
