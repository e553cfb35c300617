"""Converting a sharded format 3 hierarchy to format 2 (which has no sharding codec):
zarr_core.convert re-encodes the sharded arrays."""

from __future__ import annotations

import numpy as np

import zarr_core
from zarr_core.storage import MemoryStore


def _documents(store, fmt: int) -> list[str]:
    names = {2: (".zarray", ".zgroup", ".zattrs"), 3: ("zarr.json",)}[fmt]
    return sorted(k for k in store if k.rsplit("/", 1)[-1] in names)


def test_reencode_where_format_2_has_no_codec() -> None:
    store = MemoryStore()
    root = zarr_core.group(store, zarr_format=3)
    data = np.arange(64).reshape(8, 8)
    sharded = zarr_core.create(
        (8, 8), chunks=(2, 2), shards=(4, 4), dtype="i8", store=store, path="sharded"
    )
    sharded[:] = data
    sharded.attrs["kept"] = True
    codecs = [
        {"name": "transpose", "configuration": {"order": [1, 0, 2]}},
        {"name": "bytes", "configuration": {"endian": "little"}},
    ]
    root.array("t", np.arange(24).reshape(2, 3, 4), chunks=(1, 3, 4), codecs=codecs)
    root.zeros("plain", shape=3)
    report = zarr_core.convert(store, 2)
    assert sorted(report.reencoded) == ["/sharded", "/t"] and report.arrays == ["/plain"]
    assert "sharding" in report.reencoded["/sharded"]
    converted = zarr_core.open_group(store, mode="r")
    s = converted["sharded"]
    assert s.zarr_format == 2 and s.chunks == (2, 2) and s.attrs["kept"] is True
    np.testing.assert_array_equal(s[:], data)
    np.testing.assert_array_equal(converted["t"][:], np.arange(24).reshape(2, 3, 4))
    assert not [k for k in store if "zarr-core-convert" in k]
    assert _documents(store, 3) == []
