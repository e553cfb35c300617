"""Partial I/O: which store requests and bytes reads and writes of sharded arrays cost.

Every test runs on a store that records its calls, so they show that a read fetches the
index of each shard it touches (one range request each, all in one call) and then only
the byte ranges of the inner chunks it needs (one call, neighbours merged), that stores
without native ranges get whole shards instead, and that writes read only what they
must.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import zarr_core_sharding.codec as codec_module

import zarr_core
from zarr_core.storage import ByteRange
from zarr_core.sync import ThreadSynchronizer

INDEX = 16 * 16 + 4  # a 4 x 4 grid of inner chunks, with its CRC-32C


@pytest.fixture
def data() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 1000, (64, 64), dtype="u2")


@pytest.fixture
def make(counting, data):
    """An array of 2 x 2 shards (32 x 32) of 4 x 4 inner chunks (8 x 8), holding ``data``."""

    def make(ranges: bool = True, location: str = "end", **kwargs):
        store = counting(ranges=ranges)
        codecs = [
            {
                "name": "sharding_indexed",
                "configuration": {
                    "chunk_shape": [8, 8],
                    "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                    "index_location": location,
                },
            }
        ]
        z = zarr_core.create(
            (64, 64),
            chunks=(32, 32),
            dtype="u2",
            codecs=codecs,
            store=store,
            zarr_format=3,
            **kwargs,
        )
        z[...] = data
        store.reset()
        return z, store

    return make


def inner_size() -> int:
    return 8 * 8 * 2  # one uncompressed inner chunk


@pytest.mark.parametrize("location", ["start", "end"])
def test_point_read_fetches_the_index_then_one_range(make, data, location):
    z, store = make(location=location)
    assert z[3, 5] == data[3, 5]
    index_range = ByteRange(0, INDEX) if location == "start" else ByteRange.last(INDEX)
    (first, second) = store.reads()
    assert first == ("get_partial_values", [("c/0/0", index_range)])
    assert second[0] == "get_partial_values"
    ((key, byte_range),) = second[1]
    assert key == "c/0/0" and byte_range.length == inner_size()
    assert store.bytes_read == INDEX + inner_size()


def test_neighbouring_inner_chunks_are_one_request(make, data):
    z, store = make()
    np.testing.assert_array_equal(z[2:6, 4:20], data[2:6, 4:20])  # inner chunks (0,0)-(0,2)
    _, ranges = store.reads()
    assert ranges == [("get_partial_values", [("c/0/0", ByteRange(0, 3 * inner_size()))])][0]
    assert store.bytes_read == INDEX + 3 * inner_size()


def test_gaps_up_to_the_threshold_are_read_through(make, data, monkeypatch):
    z, store = make()
    sel = np.s_[0, ::16]  # inner chunks 0 and 2 of the first row of each shard
    np.testing.assert_array_equal(z[sel], data[sel])
    _, ranges = store.reads()
    # one request per shard, covering chunk 1 in between
    assert [r for _, r in ranges[1]] == [ByteRange(0, 3 * inner_size())] * 2
    monkeypatch.setattr(codec_module, "COALESCE_MAX_GAP", 0)
    store.reset()
    np.testing.assert_array_equal(z[sel], data[sel])
    _, ranges = store.reads()
    assert [r for _, r in ranges[1]] == [
        ByteRange(0, inner_size()),
        ByteRange(2 * inner_size(), inner_size()),
    ] * 2
    assert store.bytes_read == 2 * INDEX + 4 * inner_size()


def test_selection_across_shards_is_two_calls_in_all(make, data):
    z, store = make()
    np.testing.assert_array_equal(z[28:36, 30:34], data[28:36, 30:34])
    indexes, ranges = store.reads()
    assert sorted(k for k, _ in indexes[1]) == ["c/0/0", "c/0/1", "c/1/0", "c/1/1"]
    assert all(r == ByteRange.last(INDEX) for _, r in indexes[1])
    assert sorted(k for k, _ in ranges[1]) == ["c/0/0", "c/0/1", "c/1/0", "c/1/1"]
    assert store.bytes_read == 4 * INDEX + 4 * inner_size()


@pytest.mark.parametrize("mode", ["vindex", "oindex"])
def test_point_and_orthogonal_selections_fetch_only_their_chunks(make, data, mode):
    z, store = make()
    rows, cols = np.array([1, 40, 41]), np.array([2, 60, 3])
    if mode == "vindex":
        np.testing.assert_array_equal(z.vindex[rows, cols], data[rows, cols])
        # points (1,2), (40,60), (41,3): shards c/0/0, c/1/1, c/1/0, one inner chunk each
        expected = 3
    else:
        np.testing.assert_array_equal(z.oindex[rows, cols], data[np.ix_(rows, cols)])
        # rows 1, 40, 41 x cols 2, 3, 60: inner chunks (0,0), (0,7), (5,0), (5,7) of the grid
        expected = 4
    _, ranges = store.reads()
    assert len(ranges[1]) == expected
    assert store.bytes_read == expected * (INDEX + inner_size())


def test_whole_shards_are_read_whole(make, data):
    z, store = make()
    np.testing.assert_array_equal(z[...], data)
    (call,) = store.reads()
    assert call == ("get_partial_values", [(k, None) for k in ["c/0/0", "c/0/1", "c/1/0", "c/1/1"]])
    assert store.bytes_read == sum(len(v) for k, v in store.data.items() if k.startswith("c/"))


def test_store_without_ranges_gets_whole_shards(make, data):
    z, store = make(ranges=False)
    assert z[3, 5] == data[3, 5]
    assert store.reads() == [("getitems", ["c/0/0"])]
    np.testing.assert_array_equal(z[28:36, 30:34], data[28:36, 30:34])


def test_missing_shards_cost_one_call(make, counting):
    z, store = make()
    del store.data["c/1/1"]
    assert z[40, 40] == 0
    assert len(store.reads()) == 1


def test_missing_inner_chunks_are_not_requested(make, data):
    z, store = make()
    z[0:8, 0:8] = 0  # the fill value: inner chunk (0, 0) is dropped
    store.reset()
    np.testing.assert_array_equal(z[0:8, 0:16], np.hstack([np.zeros((8, 8)), data[0:8, 8:16]]))
    _, ranges = store.reads()
    assert ranges[1] == [("c/0/0", ByteRange(0, inner_size()))]


# -- writes -------------------------------------------------------------------------------


def count_decoded(monkeypatch) -> list[int]:
    """Record how many inner chunks each inner decode batch decodes."""
    seen: list[int] = []
    original = codec_module.ShardingCodec._decode_inner

    def spy(self, shards, only=None):
        out = original(self, shards, only)
        seen.append(sum(len(d) for d in out))
        return out

    monkeypatch.setattr(codec_module.ShardingCodec, "_decode_inner", spy)
    return seen


def test_whole_shard_writes_never_read(make, data):
    z, store = make()
    z[0:32, 0:64] = 1
    assert store.reads() == []
    assert store.calls == [("setitems", ["c/0/0", "c/0/1"])]


def test_writing_whole_inner_chunks_skips_their_bytes(make, data, monkeypatch):
    z, store = make()
    decoded = count_decoded(monkeypatch)
    z[0:8, 0:16] = 7  # inner chunks (0, 0) and (0, 1) of shard c/0/0, completely
    # the index, then the other 14 inner chunks (one merged range), none of them decoded
    indexes, ranges = store.reads()
    assert indexes == ("get_partial_values", [("c/0/0", ByteRange.last(INDEX))])
    assert ranges == (
        "get_partial_values",
        [("c/0/0", ByteRange(2 * inner_size(), 14 * inner_size()))],
    )
    assert decoded == [0]
    assert store.calls[-1] == ("setitems", ["c/0/0"])
    expected = data.copy()
    expected[0:8, 0:16] = 7
    np.testing.assert_array_equal(z[...], expected)


def test_point_write_decodes_one_inner_chunk(make, data, monkeypatch):
    z, store = make()
    decoded = count_decoded(monkeypatch)
    z[9, 9] = 5
    assert decoded == [1]
    # every inner chunk is needed (15 to copy, one to change): the shard in one request
    assert store.reads() == [("get_partial_values", [("c/0/0", None)])]
    expected = data.copy()
    expected[9, 9] = 5
    np.testing.assert_array_equal(z[...], expected)


def test_partial_write_without_ranges(make, data):
    z, store = make(ranges=False)
    z[9, 9] = 5
    assert store.reads() == [("getitems", ["c/0/0"])]
    expected = data.copy()
    expected[9, 9] = 5
    np.testing.assert_array_equal(z[...], expected)


def test_partial_write_emptying_a_shard_deletes_it(make):
    z, store = make()
    z[32:64, 32:64] = 0
    z[32:40, 40:48] = 0  # a partial write of a shard that no longer exists
    assert "c/1/1" not in store.data
    z[0:32, 0:31] = 0
    z[0:32, 31:32] = 0  # partial: the last non-empty column goes
    assert "c/0/0" not in store.data
    assert store.calls[-1] == ("delitems", ["c/0/0"])


# -- concurrency --------------------------------------------------------------------------


def run_threads(targets) -> None:
    errors = []

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guard(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_concurrent_writers_to_different_shards(tmp_path):
    z = zarr_core.create(
        (64, 64),
        chunks=(8, 8),
        shards=(16, 16),
        dtype="i4",
        store=str(tmp_path / "a"),
        zarr_format=3,
    )
    shards = [(i, j) for i in range(4) for j in range(4)]

    def writer(i: int, j: int):
        def write():
            view = zarr_core.open_array(str(tmp_path / "a"), mode="r+")
            for step in range(8):
                # partial writes (read-modify-write of the shard) and a whole-shard one
                view[i * 16 + step, j * 16 : j * 16 + 16] = i * 100 + j * 10 + step
            view[i * 16 + 8 : i * 16 + 16, j * 16 : j * 16 + 16] = -1

        return write

    run_threads([writer(i, j) for i, j in shards])
    got = z[...]
    for i, j in shards:
        block = got[i * 16 : i * 16 + 16, j * 16 : j * 16 + 16]
        assert (block[:8] == (i * 100 + j * 10 + np.arange(8))[:, None]).all()
        assert (block[8:] == -1).all()


def test_writers_to_one_shard_need_the_synchronizer(tmp_path):
    sync = ThreadSynchronizer()
    z = zarr_core.create(
        (32,), chunks=(2,), shards=(32,), dtype="i4", store=str(tmp_path / "a"), zarr_format=3
    )

    def writer(k: int):
        def write():
            view = zarr_core.open_array(str(tmp_path / "a"), mode="r+", synchronizer=sync)
            for step in range(4):
                view[k * 4 + step] = k * 4 + step + 1  # same shard, different inner chunks

        return write

    run_threads([writer(k) for k in range(8)])
    np.testing.assert_array_equal(z[...], np.arange(1, 33))


def test_selections_of_slices_are_projected_once_per_codec(make, data, monkeypatch):
    """A read of whole shards projects their common selection onto the inner grid once,
    and the kept projections never stand in for another selection."""
    z, _ = make()
    calls = []
    project = codec_module._sub_indexer
    monkeypatch.setattr(codec_module, "_sub_indexer", lambda *a: calls.append(a[0]) or project(*a))
    np.testing.assert_array_equal(z[...], data)
    assert len(calls) == 1  # four shards, one selection
    for selection in [
        np.s_[3:40, 5:9],
        np.s_[3:40:3, 5:9],
        np.s_[3:40, 5:9:2],
        np.s_[3:40, 6],
        np.s_[8:40, 7],
        np.s_[...],
        np.s_[3:40, 5:9],
    ]:
        np.testing.assert_array_equal(z[selection], data[selection])
    np.testing.assert_array_equal(z.oindex[[1, 5, 40], 3:9], data[[1, 5, 40], 3:9])
