"""xarray with zarr-python 3 (the ``.peers/zp3`` interpreter), for the round-trip tests.

python _xr_peer.py write PATH FORMAT CONSOLIDATED   # xr.Dataset.to_zarr
python _xr_peer.py check PATH                       # xr.open_zarr, compared with the case
"""

from __future__ import annotations

import sys
from pathlib import Path

import xarray as xr

sys.path.insert(0, str(Path(__file__).parent))
from _xr_case import dataset  # noqa: E402


def main(job: str, path: str, *rest: str) -> None:
    if job == "write":
        fmt, consolidated = int(rest[0]), rest[1] == "1"
        dataset().to_zarr(path, mode="w-", zarr_format=fmt, consolidated=consolidated)
    else:
        xr.testing.assert_identical(xr.open_zarr(path).load(), dataset())


if __name__ == "__main__":
    main(*sys.argv[1:])
