"""``zarr-core convert`` on the 256 MiB benchmark workload stays in bounded memory."""

from __future__ import annotations

import re

import numcodecs
import numpy as np
import pytest

import zarr_core
from tests.cli._helpers import run_cli


@pytest.mark.slow
def test_convert_256_mib_in_bounded_memory(tmp_path):
    # bench/worker.py's "large" workload: 256 MiB float32, 1024x1024 chunks, blosc lz4
    shape = (8192, 8192)
    source = zarr_core.create(
        shape,
        chunks=(1024, 1024),
        dtype="f4",
        compressor=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),
        store=str(tmp_path / "large"),
        zarr_format=2,
    )
    rows = np.arange(8192, dtype="f4")[:, None]
    source[...] = rows + np.arange(8192, dtype="f4")[None, :] / 8192
    del rows
    for args in (["--format", "3"], ["--format", "3", "--chunks", "512,2048"]):
        target = str(tmp_path / f"out{len(args)}")
        result = run_cli("convert", str(tmp_path / "large"), target, *args, timeout=600)
        assert result.code == 0, result.err
        peak = re.search(r"peak memory ([\d.]+) MiB", result.out)
        assert peak is not None, result.out
        print(f"convert {' '.join(args)}: {result.out.strip()}")
        # well under the array's 256 MiB: it was never loaded whole
        assert float(peak.group(1)) < 200, result.out
        converted = zarr_core.open_array(target, mode="r")
        assert converted.zarr_format == 3
        np.testing.assert_array_equal(converted[4000:4100, ::97], source[4000:4100, ::97])
        np.testing.assert_array_equal(converted[-1], source[-1])
