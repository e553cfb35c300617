"""Partial decompression of blosc chunks: a read that needs some rows of a chunk decodes
(and, from a store with byte ranges, fetches) only the blosc blocks holding them.

The property test compares reads with ``partial_decompress=True`` against NumPy and
against whole-chunk decoding over formats, orders, transposes, dtypes of every typesize,
shuffles, inner compressors, block sizes and selections, from stores with and without
byte ranges. The others pin down what is fetched, the choice ``"auto"`` makes, the
decoded-chunk cache, and corrupt frames.
"""

from __future__ import annotations

import struct

import hypothesis.strategies as st
import numcodecs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import zarr_core
from zarr_core.engine import chunk_cache
from zarr_core.engine.transfer import AUTO_MIN_BYTES, partial_decompress_mode
from zarr_core.errors import CorruptChunkError
from zarr_core.storage import KVStore
from zarr_core.storage.byte_range import ByteRange
from zarr_core.testing.counting import CountingStore

SHUFFLES = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}
DTYPES = ["u1", "i1", "bool", "<i2", ">u2", "<f4", ">f4", "<i4", "<f8", ">i8", "M8[s]", "c8"]


def _data(shape: tuple[int, ...], dtype: np.dtype, seed: int) -> np.ndarray:
    """Compressible values (a random walk), so that blosc compresses most blocks."""
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.integers(-2, 3, size=int(np.prod(shape))))
    if dtype.kind == "b":
        return (walk % 3 == 0).reshape(shape)
    if dtype.kind == "M":
        return walk.astype("i8").view(dtype).reshape(shape)
    return walk.astype(dtype).reshape(shape)


def _create(store, shape, chunks, dtype, *, zarr_format, order="C", permutation=None, **blosc):
    """An array compressed with blosc: numcodecs ``Blosc`` for format 2, a ``bytes`` +
    ``blosc`` chain (``transpose`` first when a permutation is given) for format 3."""
    dtype = np.dtype(dtype)
    cname, clevel = blosc.get("cname", "lz4"), blosc.get("clevel", 5)
    shuffle, blocksize = blosc.get("shuffle", 1), blosc.get("blocksize", 0)
    if zarr_format == 2:
        compressor = numcodecs.Blosc(cname, clevel, shuffle, blocksize)
        return zarr_core.create(
            shape, chunks=chunks, dtype=dtype, order=order, compressor=compressor,
            store=store, zarr_format=2, fill_value=0,
        )  # fmt: skip
    codecs: list[dict] = []
    if permutation is not None:
        codecs.append({"name": "transpose", "configuration": {"order": list(permutation)}})
    endian = {"<": "little", ">": "big"}.get(dtype.byteorder, "little")
    codecs.append({"name": "bytes", "configuration": {"endian": endian}})
    config = {"cname": cname, "clevel": clevel, "shuffle": SHUFFLES[shuffle]}
    codecs.append(
        {
            "name": "blosc",
            "configuration": {**config, "typesize": dtype.itemsize, "blocksize": blocksize},
        }
    )
    return zarr_core.create(
        shape, chunks=chunks, dtype=dtype, codecs=codecs, store=store, zarr_format=3,
        fill_value=0,
    )  # fmt: skip


# -- the property -----------------------------------------------------------------------


@st.composite
def selections(draw, shape: tuple[int, ...]):
    """("basic" | "oindex" | "vindex", selection) of one of the kinds a read makes."""
    kind = draw(st.sampled_from(["window", "element", "row", "strided", "oindex", "vindex"]))
    if kind == "element":
        return "basic", tuple(draw(st.integers(0, n - 1)) for n in shape)
    if kind == "row":  # an integer on one axis, everything on the others
        axis = draw(st.integers(0, len(shape) - 1))
        sel = [slice(None)] * len(shape)
        sel[axis] = draw(st.integers(0, shape[axis] - 1))
        return "basic", tuple(sel)
    if kind == "oindex":
        return "oindex", tuple(
            np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))) for n in shape
        )
    if kind == "vindex":
        npoints = draw(st.integers(1, 5))
        return "vindex", tuple(
            np.array(draw(st.lists(st.integers(0, n - 1), min_size=npoints, max_size=npoints)))
            for n in shape
        )
    sel = []
    for n in shape:
        start = draw(st.integers(0, n - 1))
        stop = draw(st.integers(start + 1, n))
        if kind == "strided":
            step = draw(st.sampled_from([1, 2, 3, -1, -2]))
            if step < 0:
                start, stop = stop - 1, (start - 1 if start else None)
            sel.append(slice(start, stop, step))
        else:
            sel.append(slice(start, stop))
    return "basic", tuple(sel)


@st.composite
def cases(draw):
    zarr_format = draw(st.sampled_from([2, 3]))
    ndim = draw(st.integers(1, 3))
    # Up to 40,000 elements, in at most four chunks per axis: chunks of up to 320 KiB
    # make several blosc blocks (blosc raises blocks it splits into byte streams to
    # 64 KiB at least), small forced block sizes many more for zstd and zlib.
    side = {1: 40_000, 2: 200, 3: 34}[ndim]
    shape = tuple(draw(st.integers(1, side)) for _ in range(ndim))
    chunks = tuple(draw(st.integers(max(1, n // 4), n)) for n in shape)
    order, permutation = "C", None
    if len(shape) > 1:
        if zarr_format == 2:
            order = draw(st.sampled_from(["C", "F"]))
        else:
            permutation = draw(st.none() | st.permutations(range(len(shape))))
    blosc = dict(
        cname=draw(st.sampled_from(["lz4", "zstd", "blosclz", "zlib"])),
        # clevel 0 stores blocks uncompressed ("memcpyed" frames, no block offsets)
        clevel=draw(st.sampled_from([0, 1, 5, 9])),
        shuffle=draw(st.sampled_from([0, 1, 2])),
        # blosc raises a forced block size below 128 bytes; odd ones are not multiples
        # of the typesize, so blocks split elements
        blocksize=draw(st.sampled_from([0, 128, 200, 1000, 4096])),
    )
    return dict(
        zarr_format=zarr_format,
        shape=shape,
        chunks=chunks,
        dtype=np.dtype(draw(st.sampled_from(DTYPES))),
        order=order,
        permutation=permutation,
        blosc=blosc,
        seed=draw(st.integers(0, 2**16)),
        ranges=draw(st.booleans()),
        missing=draw(st.floats(0, 0.5)),
        selection=draw(st.data()),
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_partial_reads_equal_full_decodes(case):
    dtype = case["dtype"]
    store = CountingStore(KVStore({}), ranges=case["ranges"])
    z = _create(
        store, case["shape"], case["chunks"], dtype, zarr_format=case["zarr_format"],
        order=case["order"], permutation=case["permutation"], **case["blosc"],
    )  # fmt: skip
    data = _data(case["shape"], dtype, case["seed"])
    z[...] = data
    # Some chunks missing: they read as the fill value, in part as in whole.
    rng = np.random.default_rng(case["seed"])
    chunk_keys = [k for k in store.data if not k.startswith((".z", "zarr.json"))]
    expected = data.copy()
    for key in chunk_keys:
        if rng.random() < case["missing"]:
            del store[key]
            coords = [int(c) for c in key.replace("c/", "").replace("/", ".").split(".")]
            region = tuple(
                slice(c * n, (c + 1) * n) for c, n in zip(coords, case["chunks"], strict=True)
            )
            expected[region] = np.zeros((), dtype)
    mode, sel = case["selection"].draw(selections(case["shape"]))
    partial = zarr_core.open_array(store, mode="r", partial_decompress=True)
    whole = zarr_core.open_array(store, mode="r", partial_decompress=False)
    assert partial._io.pipeline.row_reader is not None

    def read(array):
        return array[sel] if mode == "basic" else getattr(array, mode)[sel]

    want = expected[sel] if mode != "oindex" else expected[np.ix_(*sel)]
    got, full = read(partial), read(whole)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, full)
    assert got.dtype == full.dtype and got.flags.f_contiguous == full.flags.f_contiguous


def test_structured_elements_and_fields():
    dtype = np.dtype([("a", "<i4"), ("b", ">f8", (2,))])
    store = CountingStore(KVStore({}), ranges=True)
    z = zarr_core.create(
        (400, 300), chunks=(400, 300), dtype=dtype, store=store, zarr_format=2,
        compressor=numcodecs.Blosc(blocksize=4096),
    )  # fmt: skip
    data = np.zeros((400, 300), dtype)
    data["a"] = np.arange(120_000).reshape(400, 300)
    data["b"] = np.random.default_rng(0).standard_normal((400, 300, 2))
    z[...] = data
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(z[10:20, 5:9], data[10:20, 5:9])
    assert store.bytes_read < len(store.data["0.0"]) / 4
    np.testing.assert_array_equal(
        z.get_basic_selection(np.s_[3:5, 7], fields="b"), data[3:5, 7]["b"]
    )
    np.testing.assert_array_equal(z.get_orthogonal_selection(([5, 1], [0, 299]), fields="a"),
                                  data[np.ix_([5, 1], [0, 299])]["a"])  # fmt: skip


# -- what is fetched --------------------------------------------------------------------


def _frame_blocks(frame: bytes) -> tuple[int, list[int], int]:
    """blocksize, block offsets and cbytes of a blosc1 frame, read independently."""
    nbytes, blocksize, cbytes = struct.unpack_from("<3I", frame, 4)
    nblocks = -(-nbytes // blocksize)
    return blocksize, list(struct.unpack_from(f"<{nblocks}I", frame, 16)), cbytes


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_only_header_and_covering_blocks_are_fetched(tmp_path, zarr_format):
    # A real directory store (file seeks) under the counter.
    store = CountingStore(zarr_core.open_store(tmp_path / "a.zarr"))
    assert store.supports_partial_reads
    # blosc widens a forced block size by the typesize when it splits blocks into
    # byte streams: 64 KiB blocks, 16 of them in the 1 MiB chunk, 32 rows each.
    z = _create(store, (512, 512), (512, 512), "f4", zarr_format=zarr_format, blocksize=16384)
    data = _data((512, 512), np.dtype("f4"), 1)
    z[...] = data
    key = "0.0" if zarr_format == 2 else "c/0/0"
    frame = store.inner[key]
    blocksize, offsets, cbytes = _frame_blocks(frame)
    assert len(offsets) == 16
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(z[50:70, 100:164], data[50:70, 100:164])
    reads = store.reads()
    assert [op for op, _ in reads] == ["get_partial_values", "get_partial_values"]
    # First 8 KiB: the header and the offsets of every block blosc could have made.
    assert reads[0][1] == [(key, ByteRange(0, 8192))]
    # Then the blocks holding rows 50..69 (blocks 1 and 2), wherever they are in the frame.
    row = 512 * 4
    covering = range(50 * row // blocksize, -(-70 * row // blocksize))
    assert len(covering) == 2
    ends = dict(zip(sorted(offsets), [*sorted(offsets)[1:], cbytes]))
    wanted = [(offsets[b], ends[offsets[b]]) for b in covering]
    if wanted[0][1] == wanted[1][0]:
        wanted = [(wanted[0][0], wanted[1][1])]
    assert reads[1][1] == [(key, ByteRange(s, e - s)) for s, e in wanted]
    assert store.bytes_read == 8192 + sum(e - s for s, e in wanted)
    assert store.bytes_read < len(frame) / 6


def test_blocks_are_fetched_for_every_chunk_in_one_call_per_turn(tmp_path):
    store = CountingStore(zarr_core.open_store(tmp_path / "a.zarr"))
    z = _create(store, (256, 1024), (256, 256), "f4", zarr_format=2, blocksize=16384)
    data = _data((256, 1024), np.dtype("f4"), 2)
    z[...] = data
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(z[100:110, :], data[100:110, :])  # four chunks
    reads = store.reads()
    assert [op for op, _ in reads] == ["get_partial_values", "get_partial_values"]
    assert sorted({k for k, _ in reads[0][1]}) == ["0.0", "0.1", "0.2", "0.3"]


def test_without_byte_ranges_values_are_read_whole_once(tmp_path):
    store = CountingStore(KVStore({}), ranges=False)
    z = _create(store, (256, 256), (256, 256), "f4", zarr_format=3, blocksize=16384)
    data = _data((256, 256), np.dtype("f4"), 3)
    z[...] = data
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(z[3:5], data[3:5])
    assert store.reads() == [("getitems", ["c/0/0"])]


def test_a_frame_that_fits_in_the_first_response_needs_no_second(tmp_path):
    store = CountingStore(zarr_core.open_store(tmp_path / "a.zarr"))
    z = _create(store, (512, 512), (512, 512), "i4", zarr_format=2, blocksize=65536)
    z[...] = 7  # compresses to a few hundred bytes: less than the first request
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    assert (z[300:310, 5:9] == 7).all()
    assert [op for op, _ in store.reads()] == ["get_partial_values"]


def test_s3_reads_only_the_needed_blocks(s3_bucket, s3_storage_options):
    url = f"s3://{s3_bucket}/partial.zarr"
    z = _create(
        zarr_core.open_store(url, mode="w", storage_options=s3_storage_options),
        (512, 512), (512, 512), "f4", zarr_format=3, blocksize=16384,
    )  # fmt: skip
    data = _data((512, 512), np.dtype("f4"), 4)
    z[...] = data
    store = CountingStore(zarr_core.open_store(url, mode="r", storage_options=s3_storage_options))
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(z[17:19], data[17:19])
    assert [op for op, _ in store.reads()] == ["get_partial_values", "get_partial_values"]
    assert store.bytes_read < len(store.inner["c/0/0"]) / 4


def _reorder_blocks(frame: bytes, order: list[int]) -> bytes:
    """The same blosc frame with its blocks laid out in ``order`` (block indices), as
    blosc's compressing threads may leave them; the offsets table follows."""
    blocksize, offsets, cbytes = _frame_blocks(frame)
    ends = dict(zip(sorted(offsets), [*sorted(offsets)[1:], cbytes]))
    table = 16 + 4 * len(offsets)
    body, new = b"", [0] * len(offsets)
    for b in order:
        new[b] = table + len(body)
        body += frame[offsets[b] : ends[offsets[b]]]
    return frame[:16] + struct.pack(f"<{len(new)}I", *new) + body


def test_blocks_out_of_file_order():
    store = CountingStore(KVStore({}), ranges=True)
    z = _create(store, (256, 256), (256, 256), "f4", zarr_format=2, blocksize=16384)
    data = _data((256, 256), np.dtype("f4"), 11)
    z[...] = data
    assert len(_frame_blocks(store.data["0.0"])[1]) == 4
    # (blosc's own threads may already have written them out of order: this order is
    # known whatever they did)
    shuffled = _reorder_blocks(store.data["0.0"], [2, 0, 3, 1])
    np.testing.assert_array_equal(
        np.frombuffer(numcodecs.Blosc().decode(shuffled), "f4").reshape(256, 256), data
    )  # still a valid frame
    store.data["0.0"] = shuffled
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    for sel in (np.s_[60:70], np.s_[120:200], np.s_[0:1], np.s_[255]):  # blocks 0-1, 1-3...
        store.reset()
        np.testing.assert_array_equal(z[sel], data[sel])
        assert store.bytes_read < len(shuffled)
    store.reset()
    z[60:70]  # blocks 0 and 1: two ranges, as they are not adjacent in the frame
    assert len(store.reads()[1][1]) == 2


def test_the_short_last_block_alone():
    # 10,000 float64 in zstd blocks of 4096 bytes: 19 whole blocks and one of 2240.
    store = CountingStore(KVStore({}), ranges=True)
    z = _create(store, (10_000,), (10_000,), "f8", zarr_format=3, cname="zstd", blocksize=4096)
    data = np.random.default_rng(12).standard_normal(10_000)  # barely compressible
    z[...] = data
    frame = store.data["c/0"]
    blocksize, offsets, _ = _frame_blocks(frame)
    assert (blocksize, len(offsets)) == (4096, 20)
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    for sel in (np.s_[-1], np.s_[9999:], np.s_[9800:9990], np.s_[9000:9990]):
        store.reset()
        np.testing.assert_array_equal(z[sel], data[sel])
        assert store.bytes_read < len(frame)


# -- choosing -----------------------------------------------------------------------------


def _fetches(z, store, sel) -> list[str]:
    store.reset()
    z[sel]
    return [op for op, keys in store.reads()]


def test_auto_reads_part_of_large_chunks_only(tmp_path):
    store = CountingStore(zarr_core.open_store(tmp_path / "a.zarr"))
    side = 512  # 1 MiB of f4: above AUTO_MIN_BYTES
    assert side * side * 4 >= AUTO_MIN_BYTES
    data = _data((side, side), np.dtype("f4"), 9)
    _create(store, (side, side), (side, side), "f4", zarr_format=2)[...] = data
    z = zarr_core.open_array(store, mode="r")
    assert zarr_core.config.get("array.partial_decompress") == "auto"
    assert _fetches(z, store, np.s_[0:64]) == ["get_partial_values", "get_partial_values"]
    # Most of the chunk: decoded whole (one read of the value).
    assert _fetches(z, store, np.s_[0:400]) == ["getitems"]
    # The setting, and the keyword over the setting.
    with zarr_core.config.set({"array.partial_decompress": False}):
        assert _fetches(z, store, np.s_[0:64]) == ["getitems"]
        forced = zarr_core.open_array(store, mode="r", partial_decompress=True)
        assert _fetches(forced, store, np.s_[0:400])[0] == "get_partial_values"
    small = CountingStore(zarr_core.open_store(tmp_path / "small.zarr"))
    _create(small, (64, 64), (64, 64), "f4", zarr_format=2)[...] = data[:64, :64]
    z = zarr_core.open_array(small, mode="r")
    assert _fetches(z, small, np.s_[0:1]) == ["getitems"]  # one blosc block: no gain


def test_auto_decodes_whole_frames_when_the_rows_span_most_blocks():
    store = CountingStore(KVStore({}), ranges=True)
    z = _create(store, (512, 512), (512, 512), "f4", zarr_format=2, blocksize=16384)
    data = _data((512, 512), np.dtype("f4"), 13)
    z[...] = data
    assert len(_frame_blocks(store.data["0.0"])[1]) == 16  # 32 rows each
    rows = np.s_[31:257]  # 44% of the rows, in 9 blocks of 16
    auto = zarr_core.open_array(store, mode="r")
    store.reset()
    np.testing.assert_array_equal(auto[rows], data[rows])
    assert store.reads()[1] == ("get_partial_values", [("0.0", None)])
    forced = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(forced[rows], data[rows])
    assert store.reads()[1][1] != [("0.0", None)]
    store.reset()
    auto[32:256]  # 8 blocks of 16: in part
    assert store.reads()[1][1] != [("0.0", None)]


def test_a_read_needing_every_block_decodes_the_frame_whole():
    store = CountingStore(KVStore({}), ranges=True)
    z = _create(store, (64, 64), (64, 64), "f4", zarr_format=2)  # one block
    data = _data((64, 64), np.dtype("f4"), 5)
    z[...] = data
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(z[10:12], data[10:12])
    # The header says there is one block: the second request is the whole value.
    assert store.reads()[1] == ("get_partial_values", [("0.0", None)])


@pytest.mark.parametrize(
    "value, mode",
    [(True, True), (False, False), ("auto", "auto"), ("AUTO", "auto"), ("true", True),
     ("0", False), ("false", False)],
)  # fmt: skip
def test_partial_decompress_values(value, mode):
    assert partial_decompress_mode(value) == mode


def test_invalid_partial_decompress_is_refused():
    with pytest.raises(ValueError, match="partial_decompress"):
        zarr_core.zeros(4, partial_decompress="sometimes")
    with pytest.raises(ValueError, match="partial_decompress"):
        partial_decompress_mode(None)
    z = _create(KVStore({}), (512, 512), (512, 512), "f4", zarr_format=2)
    z[...] = 1
    with (
        zarr_core.config.set({"array.partial_decompress": "maybe"}),
        pytest.raises(ValueError, match="array.partial_decompress"),
    ):
        z[0:2]


def test_keyword_reaches_every_way_of_opening_and_survives_pickling():
    import pickle

    store = KVStore({})
    z = zarr_core.create((8, 8), chunks=(4, 4), store=store, partial_decompress=False)
    assert z._io.partial_decompress is False
    assert zarr_core.open_array(store, mode="r", partial_decompress=True)._io.partial_decompress
    assert zarr_core.Array(store, partial_decompress="auto")._io.partial_decompress == "auto"
    assert zarr_core.Array(store)._io.partial_decompress is None  # follows the setting
    assert pickle.loads(pickle.dumps(z))._io.partial_decompress is False
    assert z.view()._io.partial_decompress is False


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(compressor=numcodecs.Zstd()),
        dict(compressor=numcodecs.Blosc(), filters=[numcodecs.Delta("f4")]),
        dict(compressor=None),
        dict(dtype=str, compressor=numcodecs.Blosc()),
    ],
)
def test_chains_without_a_row_layout_have_no_row_reader(kwargs):
    kwargs = {"dtype": "f4", **kwargs}
    z = zarr_core.create((8, 8), chunks=(4, 4), store=KVStore({}), zarr_format=2, **kwargs)
    assert z._io.pipeline.row_reader is None


def test_v3_chains_with_a_row_layout():
    def reader(codecs):
        z = zarr_core.create((8, 8), chunks=(4, 4), dtype="f4", codecs=codecs, store=KVStore({}))
        return z._io.pipeline.row_reader

    blosc = {"name": "blosc", "configuration": {"cname": "lz4"}}
    assert reader([{"name": "bytes"}, blosc]) is not None
    # numcodecs' Blosc under its zarr-python 3 name writes the same frames
    assert reader([{"name": "bytes"}, {"name": "numcodecs.blosc"}]) is not None
    assert reader([{"name": "bytes"}, blosc, {"name": "crc32c"}]) is None  # checksum of all
    assert reader([{"name": "bytes"}, {"name": "zstd"}]) is None
    assert reader([{"name": "numcodecs.delta", "configuration": {"dtype": "f4"}},
                   {"name": "bytes"}, blosc]) is None  # fmt: skip


def test_numcodecs_blosc_codec_in_v3_reads_in_part():
    store = CountingStore(KVStore({}), ranges=True)
    codecs = [{"name": "bytes"}, {"name": "numcodecs.blosc"}]
    z = zarr_core.create((512, 512), chunks=(512, 512), dtype="f4", codecs=codecs, store=store)
    data = _data((512, 512), np.dtype("f4"), 6)
    z[...] = data
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    store.reset()
    np.testing.assert_array_equal(z[60:61, 3:9], data[60:61, 3:9])
    assert store.bytes_read < len(store.data["c/0/0"]) / 3


@pytest.mark.parametrize("cname", ["lz4", "lz4hc", "blosclz", "zstd", "zlib"])
@pytest.mark.parametrize("shuffle", [0, 1, 2])
@pytest.mark.parametrize("dtype", ["u1", ">i2", "<f4", "<c8"])
def test_every_compressor_shuffle_and_typesize_reads_in_part(cname, shuffle, dtype):
    # Chunks of 2 MiB: several blocks whatever blosc chooses (1 MiB at most), so every
    # read below decodes blocks out of a frame (split into byte streams or not).
    dtype = np.dtype(dtype)
    shape = (2 * 2**20 // dtype.itemsize // 256, 256)
    store = CountingStore(KVStore({}), ranges=True)
    z = _create(store, shape, shape, dtype, zarr_format=2, cname=cname, shuffle=shuffle)
    data = _data(shape, dtype, 10)
    z[...] = data
    frame = store.data["0.0"]
    assert len(_frame_blocks(frame)[1]) >= 2
    z = zarr_core.open_array(store, mode="r", partial_decompress=True)
    for sel in (np.s_[100:103, 7:200], np.s_[shape[0] - 1], np.s_[0, 0]):
        store.reset()
        np.testing.assert_array_equal(z[sel], data[sel])
        assert store.bytes_read < len(frame)


# -- the decoded-chunk cache ----------------------------------------------------------------


@pytest.fixture
def cache_on():
    chunk_cache.clear()
    with zarr_core.config.set({"chunk_cache.max_bytes": "64MB"}):
        yield
    chunk_cache.clear()


def test_parts_of_chunks_are_never_cached(cache_on):
    store = KVStore({})
    z = _create(store, (512, 512), (512, 512), "f4", zarr_format=2)
    data = _data((512, 512), np.dtype("f4"), 7)
    z[...] = data
    forced = zarr_core.open_array(store, mode="r", partial_decompress=True)
    np.testing.assert_array_equal(forced[0:10], data[0:10])
    assert chunk_cache.stats()["chunks"] == 0
    # A later read of other rows decodes them, and a whole read sees everything.
    np.testing.assert_array_equal(forced[500:512], data[500:512])
    np.testing.assert_array_equal(forced[...], data)
    assert chunk_cache.stats()["chunks"] == 1  # the whole read is cached
    # Now the cached whole chunk serves partial reads too.
    np.testing.assert_array_equal(forced[3:4], data[3:4])
    assert chunk_cache.stats()["hits"] == 1


def test_auto_decodes_whole_chunks_while_the_cache_is_on(cache_on):
    store = KVStore({})
    z = _create(store, (512, 512), (512, 512), "f4", zarr_format=2)
    z[...] = 2.0
    z = zarr_core.open_array(store, mode="r")
    z[0:10]
    assert chunk_cache.stats()["chunks"] == 1


def test_partial_reads_see_writes(cache_on):
    store = KVStore({})
    z = _create(store, (512, 512), (512, 512), "f4", zarr_format=3)
    partial = zarr_core.open_array(store, mode="r", partial_decompress=True)
    z[...] = 1.0
    z[...]  # cached whole
    z[5, 5] = 9.0
    assert partial[5, 5] == 9.0
    assert partial[4:7, 4:7].sum() == 8 + 9


# -- corrupt frames ---------------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["ranges", "whole-values"])
def corrupt_case(request):
    store = CountingStore(KVStore({}), ranges=request.param)
    z = _create(store, (256, 256), (256, 256), "f4", zarr_format=2, blocksize=16384)
    z[...] = _data((256, 256), np.dtype("f4"), 8)
    return store, zarr_core.open_array(store, mode="r", partial_decompress=True)


def _rewrite(store, change):
    frame = bytearray(store.data["0.0"])
    store.data["0.0"] = bytes(change(frame))


def _read_block(store) -> tuple[int, list[int]]:
    """The block that ``z[200:202]`` reads (4 blocks of 64 rows), and every offset."""
    blocksize, offsets, _ = _frame_blocks(store.data["0.0"])
    assert len(offsets) == 4
    return 200 * 256 * 4 // blocksize, offsets


def _assert_corrupt(z):
    with pytest.raises(CorruptChunkError, match="'0.0'"):
        z[200:202]


def test_truncated_frame(corrupt_case):
    store, z = corrupt_case
    block, offsets = _read_block(store)
    _rewrite(store, lambda f: f[: offsets[block] + 10])
    _assert_corrupt(z)


def test_frame_shorter_than_a_header(corrupt_case):
    store, z = corrupt_case
    _rewrite(store, lambda f: f[:9])
    _assert_corrupt(z)


def test_offsets_outside_the_frame(corrupt_case):
    store, z = corrupt_case
    block, _ = _read_block(store)

    def change(frame):
        frame[16 + 4 * block : 20 + 4 * block] = struct.pack("<I", 10**8)
        return frame

    _rewrite(store, change)
    _assert_corrupt(z)


def test_block_with_a_bad_stream_size(corrupt_case):
    store, z = corrupt_case
    block, offsets = _read_block(store)

    def change(frame):
        frame[offsets[block] : offsets[block] + 4] = struct.pack("<i", 10**7)
        return frame

    _rewrite(store, change)
    _assert_corrupt(z)


def test_header_size_disagreeing_with_the_metadata(corrupt_case):
    # A frame of another size is decoded whole, which reports it as a whole read does.
    store, z = corrupt_case
    other = numcodecs.Blosc("lz4", 5, 1, 16384).encode(np.zeros((10, 256), "f4"))
    store.data["0.0"] = other
    with pytest.raises(CorruptChunkError, match="'0.0'") as partial:
        z[200:202]
    with pytest.raises(CorruptChunkError, match="'0.0'") as whole:
        zarr_core.open_array(store, mode="r", partial_decompress=False)[200:202]
    assert str(partial.value) == str(whole.value)
