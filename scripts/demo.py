"""End-to-end demo: write a compressed array and a group, reopen them, read a region.

Run through ``bash scripts/demo.sh`` (which installs everything first). Data goes to a
temporary directory unless a path is given: ``python scripts/demo.py /tmp/demo.zarr``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numcodecs
import numpy as np

import zarr_core


def main(root: Path) -> None:
    print(f"zarr-core {zarr_core.__version__}; writing to {root}\n")
    store = zarr_core.open_store(root / "demo.zarr", mode="w")

    # A group with a compressed 2-d array and a smaller labelled one.
    root_group = zarr_core.group(store=store, overwrite=True)
    root_group.attrs["title"] = "zarr-core demo"
    measurements = root_group.create_group("measurements")
    temperature = measurements.zeros(
        "temperature",
        shape=(2000, 2000),
        chunks=(500, 500),
        dtype="f4",
        compressor=numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.SHUFFLE),
    )
    temperature[:] = np.linspace(-10, 35, 2000 * 2000, dtype="f4").reshape(2000, 2000)
    temperature.attrs["units"] = "degC"
    root_group.array("labels", np.array(["north", "south", "east", "west"]), chunks=2)
    store.close()

    # Reopen read-only and read a region.
    reopened = zarr_core.open_group(root / "demo.zarr", mode="r")
    t = reopened["measurements/temperature"]
    region = t[1000:1003, 10:14]
    print("region [1000:1003, 10:14]:")
    print(region, "\n")
    assert np.allclose(region, temperature[1000:1003, 10:14])
    print(t.info)
    print(reopened.tree())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
