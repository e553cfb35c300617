"""Durability: a writer killed with SIGKILL mid-write leaves every chunk old or new.

zarr-core's kit (:mod:`zarr_core.testing.durability`) kills writers at random moments and
inside a transaction, then reopens the environment.
"""

from __future__ import annotations

from zarr_core.testing.durability import DurabilityTests


class TestDurability(DurabilityTests):
    filename = "x.lmdb"
    # Garble half the chunks inside one transaction that never commits.
    torn_transaction = """
with store._shared.env.begin(write=True) as txn:
    for key in keys:
        txn.put(key.encode(), b"torn")
    hold()
"""

    def store_url(self, path):
        return f"lmdb:///{path}"
