"""The dataset the xarray round-trip tests exchange (imported by the tests and by the
zarr-python peer script, so it uses only numpy, pandas and xarray)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr


def dataset() -> xr.Dataset:
    time = pd.date_range("2020-01-01", periods=6, freq="D")
    x = np.linspace(0.0, 1.0, 5)
    temp = np.arange(6 * 5 * 4, dtype="f4").reshape(6, 5, 4) / 7
    temp[0, 0, 0] = np.nan
    precip = (np.arange(6 * 5, dtype="f8").reshape(6, 5) % 9) * 0.5
    precip[2, 3] = np.nan
    ds = xr.Dataset(
        {
            "temp": (("time", "x", "level"), temp, {"units": "K", "long_name": "temperature"}),
            "precip": (("time", "x"), precip, {"units": "mm"}),
            "count": (("x",), np.arange(5, dtype="i8")),
        },
        coords={
            "time": time,
            "x": x,
            "level": np.array([1000, 850, 500, 250], dtype="i4"),
            "station": ("x", ["a", "bb", "ccc", "dddd", "e"]),
        },
        attrs={"title": "zarr-core xarray round trip", "version": 2},
    )
    # CF packing: precip stored as int16 with a scale factor and a fill value.
    ds["precip"].encoding.update(
        {"dtype": "i2", "scale_factor": 0.5, "add_offset": 0.0, "_FillValue": -1}
    )
    ds["temp"].encoding.update({"chunks": (3, 5, 2)})
    return ds
