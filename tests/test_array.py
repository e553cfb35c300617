"""End-to-end tests of the Array API, on a memory store and a directory store, for both
Zarr formats (and both chunk orders where the layout matters).

Indexing is covered against NumPy by tests/test_array_hypothesis.py; this file covers
the rest of the Array surface: properties, dtypes, attributes, shape changes, derived
views, pickling, diagnostics and every error a user can meet.
"""

from __future__ import annotations

import json
import pickle

import numcodecs
import numpy as np
import pytest

import zarr_core
from zarr_core.errors import (
    BoundsCheckError,
    IndexSelectionError,
    MetadataError,
    ReadOnlyError,
    ShapeMismatchError,
    UnsafeDecodeError,
)

METADATA_NAMES = {".zarray", ".zattrs", ".zgroup", "zarr.json"}


@pytest.fixture(params=["C", "F"])
def order(request) -> str:
    return request.param


def chunk_keys(store: zarr_core.Store, path: str = "") -> list[str]:
    """Stored keys under ``path`` that are not metadata documents, relative to it."""
    prefix = path + "/" if path else ""
    return sorted(
        k[len(prefix) :]
        for k in store
        if k.startswith(prefix) and k.rsplit("/", 1)[-1] not in METADATA_NAMES
    )


def grid_keys(zarr_format: int, coords: list[tuple[int, ...]]) -> list[str]:
    """Default chunk keys of each format for grid positions."""
    if zarr_format == 2:
        return sorted(".".join(map(str, c)) for c in coords)
    return sorted("c/" + "/".join(map(str, c)) for c in coords)


# -- reading and writing -------------------------------------------------------------


def test_round_trip_through_a_new_array_object(store, zarr_format, order):
    data = np.arange(10 * 7, dtype="i4").reshape(10, 7)
    z = zarr_core.create(
        (10, 7), chunks=(3, 4), dtype="i4", order=order, store=store, zarr_format=zarr_format
    )
    z[:] = 42
    z[0, :] = data[0]
    z[:, 0] = data[:, 0]
    expected = np.full((10, 7), 42, dtype="i4")
    expected[0, :] = data[0]
    expected[:, 0] = data[:, 0]
    reopened = zarr_core.open_array(store, mode="r")
    np.testing.assert_array_equal(reopened[:], expected)
    assert reopened.order == order
    assert reopened[0, 0] == 0 and reopened[-1, -1] == 42
    assert chunk_keys(store) == grid_keys(zarr_format, [(i, j) for i in range(4) for j in range(2)])


def test_order_f_is_stored_transposed(zarr_format):
    """The stored bytes of an F-order chunk are in Fortran order in both formats (v3
    through a reversing transpose codec)."""
    z = zarr_core.array(
        np.arange(6, dtype="u1").reshape(2, 3),
        chunks=(2, 3),
        order="F",
        compressor=None,
        zarr_format=zarr_format,
    )
    key = "0.0" if zarr_format == 2 else "c/0/0"
    assert bytes(z.store[key]) == bytes([0, 3, 1, 4, 2, 5])
    if zarr_format == 3:
        assert z.codecs[0] == {"name": "transpose", "configuration": {"order": [1, 0]}}


def test_order_f_keeps_the_default_compressor():
    z = zarr_core.zeros((4, 4), chunks=2, order="F", zarr_format=3)
    assert [c["name"] for c in z.codecs] == ["transpose", "bytes", "zstd"]


def test_zero_dimensional_array(store, zarr_format):
    z = zarr_core.create((), dtype="f8", fill_value=1.5, store=store, zarr_format=zarr_format)
    assert z[()] == 1.5 and z[...] == 1.5
    assert chunk_keys(store) == []
    z[...] = 7
    assert z[()] == 7.0
    assert chunk_keys(store) == (["0"] if zarr_format == 2 else ["c"])
    assert z.shape == () and z.ndim == 0 and z.size == 1 and z.nchunks == 1
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d array"):
        len(z)
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        iter(z)


def test_zero_dimensional_object_array(zarr_format):
    z = zarr_core.create((), dtype=str, fill_value="-", zarr_format=zarr_format)
    assert z[()] == "-" and z[...] == "-"
    z[()] = np.array("x", dtype=object)  # the 0-d array's element, not the array
    assert z[()] == "x"
    assert zarr_core.open_array(z.store)[...] == "x"


def test_zero_length_dimension(store, zarr_format):
    z = zarr_core.zeros((0, 5), chunks=(2, 2), store=store, zarr_format=zarr_format)
    assert z[:].shape == (0, 5)
    z[:] = 1
    assert chunk_keys(store) == []
    assert z.nchunks == 0 and z.cdata_shape == (0, 3)


def test_missing_chunks_read_as_fill_value(zarr_format):
    z = zarr_core.full((5,), np.nan, chunks=2, zarr_format=zarr_format)
    assert np.isnan(z[:]).all()
    z[1] = 3.0
    np.testing.assert_array_equal(z[:], [np.nan, 3.0, np.nan, np.nan, np.nan])


def test_out_argument(zarr_format):
    z = zarr_core.array(np.arange(20).reshape(4, 5), chunks=(3, 2), zarr_format=zarr_format)
    out = np.zeros((2, 5), dtype=z.dtype)
    assert z.get_basic_selection(slice(1, 3), out=out) is out
    np.testing.assert_array_equal(out, np.arange(5, 15).reshape(2, 5))
    points = np.zeros(2, dtype=z.dtype)
    z.get_coordinate_selection(([0, 3], [4, 0]), out=points)
    np.testing.assert_array_equal(points, [4, 15])
    with pytest.raises(ShapeMismatchError, match=r"\(2, 5\).*\(3, 3\)"):
        z.get_basic_selection(slice(1, 3), out=np.zeros((3, 3), dtype=z.dtype))


def test_assign_from_another_array(zarr_format):
    z1 = zarr_core.empty((100, 100), chunks=(30, 30), dtype="i4", zarr_format=zarr_format)
    z1[:] = 42
    z2 = zarr_core.empty_like(z1)
    z2[:] = z1
    np.testing.assert_array_equal(z2[:], np.full((100, 100), 42))


def test_square_bracket_dispatch():
    z = zarr_core.array(np.arange(15).reshape(3, 5), chunks=(2, 2))
    # integer arrays, one per axis: points
    np.testing.assert_array_equal(z[[0, 2], [1, 3]], [1, 13])
    np.testing.assert_array_equal(z[1, [1, 3]], [6, 8])  # the integer broadcasts
    # one array among slices: orthogonal
    np.testing.assert_array_equal(z[[0, 2], :], [[0, 1, 2, 3, 4], [10, 11, 12, 13, 14]])
    # a boolean mask of the array's shape
    mask = np.zeros((3, 5), dtype=bool)
    mask[0, 1] = mask[2, 3] = True
    np.testing.assert_array_equal(z[mask], [1, 13])
    z[mask] = [-1, -2]
    assert z[0, 1] == -1 and z[2, 3] == -2


def test_block_indexing_matches_tutorial_semantics():
    z = zarr_core.array(np.arange(100).reshape(10, 10), chunks=(3, 3))
    np.testing.assert_array_equal(z.blocks[1], np.arange(30, 60).reshape(3, 10))
    np.testing.assert_array_equal(z.get_block_selection((0, slice(1, 3))), z[0:3, 3:9])
    np.testing.assert_array_equal(z.blocks[-1, -1], [[99]])  # the clipped edge block
    w = zarr_core.zeros((6, 6), dtype=int, chunks=2)
    w.set_block_selection((1, 0), 1)
    w.blocks[:, 2] = 7
    assert w[2:4, 0:2].tolist() == [[1, 1], [1, 1]]
    assert (w[:, 4:] == 7).all() and w[:].sum() == 4 + 7 * 12


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "select",
    [
        lambda z: z[4, 0],
        lambda z: z[0, -6],
        lambda z: z.oindex[[0, 9], :],
        lambda z: z.vindex[[0, 9], [0, 1]],
        lambda z: z.get_coordinate_selection(([0, 1], [0, 5])),
    ],
    ids=["basic", "negative", "oindex", "vindex", "coordinate"],
)
def test_out_of_bounds(select):
    z = zarr_core.zeros((4, 5), chunks=2)
    with pytest.raises(
        BoundsCheckError, match=r"index -?\d+ is out of bounds for dimension \d with size [45]"
    ):
        select(z)


def test_out_of_bounds_block():
    z = zarr_core.zeros((4, 5), chunks=2)
    with pytest.raises(
        BoundsCheckError, match="index 2 is out of bounds for dimension 0 with size 2"
    ):
        z.blocks[2]


def test_out_of_bounds_write_is_an_error_too():
    z = zarr_core.zeros((4,), chunks=2)
    with pytest.raises(BoundsCheckError, match="index 4 is out of bounds"):
        z[4] = 1
    with pytest.raises(IndexError):  # BoundsCheckError is an IndexError, as in NumPy
        z.vindex[[5]] = 1


@pytest.mark.parametrize(
    ("select", "message"),
    [
        (lambda z: z[1.5], "expected an integer or a slice, got float 1.5"),
        (lambda z: z[None], r"newaxis \(None\) is not supported"),
        (lambda z: z[0, 0, 0], "too many indices for array: array is 2-dimensional, but 3"),
        (lambda z: z[..., ...], "a single Ellipsis"),
        (lambda z: z[::0], "slice step cannot be zero"),
        (lambda z: z[np.array([[0, 1]])], r"integer array of shape \(1, 2\) on its own"),
        (lambda z: z.blocks[::2], "block selection only supports slices with step 1"),
        (lambda z: z.vindex[np.ones((3, 3), dtype=bool)], r"mask of shape \(3, 3\) does not match"),
        (lambda z: z.vindex[[0, 1]], "one integer array per dimension"),
        (lambda z: z.oindex[[[0, 1]], :], "must be 1-dimensional"),
        (lambda z: z.oindex[[True, False], :], "boolean array of length 2 does not match"),
        (lambda z: z.oindex[[0.5], :], "integer or boolean dtype"),
        (lambda z: z["field"], "cannot select fields 'field'"),
    ],
)
def test_bad_selection(select, message):
    z = zarr_core.zeros((4, 4), chunks=2)
    with pytest.raises(IndexSelectionError, match=message):
        select(z)


def test_ambiguous_square_bracket_selection():
    z = zarr_core.zeros((4, 4, 4), chunks=2)
    with pytest.raises(IndexSelectionError, match="use .oindex"):
        z[[0, 1], :, [0, 1]]


@pytest.mark.parametrize(
    ("assign", "value_shape", "selection_shape"),
    [
        (lambda z: z.__setitem__(slice(None), np.ones(3)), r"\(3,\)", r"\(4, 4\)"),
        (
            lambda z: z.oindex.__setitem__(([0, 1], slice(None)), np.ones((4, 2))),
            r"\(4, 2\)",
            r"\(2, 4\)",
        ),
        (lambda z: z.vindex.__setitem__(([0, 1], [0, 1]), [1, 2, 3]), r"\(3,\)", r"\(2,\)"),
        (lambda z: z.blocks.__setitem__(0, np.ones((3, 2))), r"\(3, 2\)", r"\(2, 4\)"),
    ],
    ids=["basic", "orthogonal", "coordinate", "block"],
)
def test_wrong_shape_assignment(assign, value_shape, selection_shape):
    z = zarr_core.zeros((4, 4), chunks=2)
    with pytest.raises(
        ShapeMismatchError,
        match=f"value of shape {value_shape} to a selection of shape {selection_shape}",
    ):
        assign(z)
    assert chunk_keys(z.store) == []  # nothing written


def test_read_only_array(store, zarr_format):
    zarr_core.zeros((4,), chunks=2, store=store, zarr_format=zarr_format)
    z = zarr_core.open_array(store, mode="r")
    assert z.read_only
    writes = [
        lambda: z.__setitem__(0, 1),
        lambda: z.oindex.__setitem__([0], 1),
        lambda: z.vindex.__setitem__([0], 1),
        lambda: z.blocks.__setitem__(0, 1),
        lambda: z.set_mask_selection(np.ones(4, dtype=bool), 1),
        lambda: z.resize(8),
        lambda: z.append(np.ones(2)),
    ]
    for write in writes:
        with pytest.raises(
            ReadOnlyError, match="array '/' is read-only; reopen it with mode='r\\+'"
        ):
            write()
    with pytest.raises(ReadOnlyError, match="attributes of '/' is read-only"):
        z.attrs["a"] = 1
    assert chunk_keys(store) == [] and z.shape == (4,)


def test_read_only_is_settable(zarr_format):
    z = zarr_core.zeros((4,), chunks=2, zarr_format=zarr_format)
    z.read_only = True
    with pytest.raises(ReadOnlyError, match="is read-only"):
        z[0] = 1
    z.read_only = False
    z[0] = 1
    assert z[0] == 1


def test_read_only_store_refuses_writes(tmp_path, zarr_format):
    zarr_core.zeros((4,), chunks=2, store=tmp_path / "a", zarr_format=zarr_format)
    z = zarr_core.open_array(zarr_core.open_store(tmp_path / "a", mode="r"), mode="r+")
    assert z.read_only  # the store's mode wins over the array's
    z.read_only = False
    # DirectoryStore with the directory plugin, FSStore on the core alone
    with pytest.raises(ReadOnlyError, match=r"Store .* is read-only \(key '(0|c/0)'\)"):
        z[0] = 1


# -- properties -------------------------------------------------------------------------


def test_properties(store, zarr_format):
    z = zarr_core.create(
        (10, 7),
        chunks=(3, 4),
        dtype="i2",
        fill_value=-1,
        store=store,
        path="group/arr",
        zarr_format=zarr_format,
    )
    assert z.shape == (10, 7) and z.chunks == (3, 4)
    assert z.dtype == np.dtype("i2") and z.fill_value == -1
    assert z.ndim == 2 and z.size == 70 and z.itemsize == 2 and z.nbytes == 140
    assert z.cdata_shape == (4, 2) and z.nchunks == 8
    assert z.nchunks_initialized == 0 and z.initialized == 0
    assert z.order == "C" and z.zarr_format == zarr_format
    assert z.path == "group/arr" and z.name == "/group/arr" and z.basename == "arr"
    assert z.store is store and z.chunk_store is store
    assert not z.read_only
    z[:4, :5] = 1
    assert z.nchunks_initialized == 4
    stored = {k: v for k, v in store.items() if k.startswith("group/arr/")}
    assert z.nbytes_stored == sum(len(v) for v in stored.values())
    assert len(z) == 10


def test_compressor_and_filters_v2():
    z = zarr_core.zeros(
        (10,),
        dtype="i4",
        compressor=numcodecs.Zstd(level=1),
        filters=[numcodecs.Delta(dtype="i4")],
        zarr_format=2,
    )
    assert z.compressor == numcodecs.Zstd(level=1)
    assert z.filters == [numcodecs.Delta(dtype="i4")]
    doc = json.loads(z.store[".zarray"])
    assert doc["compressor"] == {"id": "zstd", "level": 1}  # tensorstore refuses checksum
    assert doc["filters"] == [{"id": "delta", "dtype": "<i4", "astype": "<i4"}]
    z[:] = np.arange(10)
    np.testing.assert_array_equal(z[:], np.arange(10))


def test_compressor_and_filters_v3_are_mapped_to_codecs():
    z = zarr_core.zeros(
        (10,),
        dtype="i4",
        compressor=numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.BITSHUFFLE),
        filters=[numcodecs.Delta(dtype="i4")],
        zarr_format=3,
    )
    assert z.codecs == [
        {"name": "numcodecs.delta", "configuration": {"dtype": "<i4", "astype": "<i4"}},
        {"name": "bytes", "configuration": {"endian": "little"}},
        {
            "name": "blosc",
            "configuration": {
                "typesize": 4,
                "cname": "zstd",
                "clevel": 3,
                "shuffle": "bitshuffle",
                "blocksize": 0,
            },
        },
    ]
    assert z.compressor["name"] == "blosc"
    assert z.filters == [z.codecs[0]]
    z[:] = np.arange(10)
    np.testing.assert_array_equal(z[:], np.arange(10))


def test_no_compressor(zarr_format):
    z = zarr_core.zeros((10,), dtype="u1", chunks=10, compressor=None, zarr_format=zarr_format)
    z[:] = 7
    assert z.compressor is None
    assert bytes(z.store["0" if zarr_format == 2 else "c/0"]) == bytes([7] * 10)


def test_info(zarr_format):
    z = zarr_core.zeros((100, 100), chunks=(10, 10), dtype="i4", zarr_format=zarr_format)
    z[:50] = 42
    text = repr(z.info)
    rows = dict(z.info_items())
    assert rows["Type"] == f"zarr_core.Array (Zarr format {zarr_format})"
    assert rows["Data type"] == "int32" and rows["Shape"] == "(100, 100)"
    assert rows["Chunk shape"] == "(10, 10)" and rows["Order"] == "C"
    assert rows["No. bytes"] == "40000 (39.1K)"
    assert rows["Chunks initialized"] == "50/100"
    assert rows["No. bytes stored"].startswith(str(z.nbytes_stored))
    if zarr_format == 2:
        assert rows["Compressor"].startswith("Blosc(cname='lz4'")
    else:
        assert rows["Codecs"] == "bytes, zstd"
    for name, value in z.info_items():
        assert f"{name}" in text and value in text
    assert "<table" in z.info._repr_html_()


def test_digest(zarr_format):
    a = zarr_core.zeros((10, 10), chunks=5, zarr_format=zarr_format)
    b = zarr_core.zeros(
        (10, 10), chunks=5, store=zarr_core.MemoryStore(), path="elsewhere", zarr_format=zarr_format
    )
    assert a.digest() == b.digest() and a.hexdigest() == b.hexdigest()
    a[0, 0] = 1
    assert a.hexdigest() != b.hexdigest()
    b[0, 0] = 1
    assert a.hexdigest() == b.hexdigest()
    a.attrs["x"] = 1
    assert a.hexdigest() != b.hexdigest()
    assert len(a.hexdigest("md5")) == 32 and len(a.digest()) == 20


def test_equality():
    store = zarr_core.MemoryStore()
    a = zarr_core.zeros((3,), store=store, path="a")
    assert a == zarr_core.open_array(store, path="a")
    assert a != zarr_core.zeros((3,), store=store, path="b")
    assert a != "a"


def test_iteration_and_islice(zarr_format):
    data = np.arange(23)
    z = zarr_core.array(data, chunks=5, zarr_format=zarr_format)
    assert list(z) == list(data)
    assert list(z.islice(3, 17)) == list(data[3:17])
    assert list(z.islice(20)) == [20, 21, 22]
    two_d = zarr_core.array(data[:20].reshape(4, 5), chunks=(3, 3))
    np.testing.assert_array_equal(list(two_d), data[:20].reshape(4, 5))


def test_numpy_conversion():
    z = zarr_core.array(np.arange(6).reshape(2, 3), chunks=2)
    np.testing.assert_array_equal(np.asarray(z), np.arange(6).reshape(2, 3))
    assert np.asarray(z, dtype="f4").dtype == np.dtype("f4")
    assert np.sum(z) == 15


# -- shape changes ------------------------------------------------------------------------


def test_resize_deletes_chunks_outside(store, zarr_format):
    z = zarr_core.zeros((10, 10), chunks=(5, 5), dtype="i4", store=store, zarr_format=zarr_format)
    z[:] = np.arange(100).reshape(10, 10)
    z.resize(7, 4)
    assert z.shape == (7, 4) and z.cdata_shape == (2, 1)
    assert chunk_keys(store) == grid_keys(zarr_format, [(0, 0), (1, 0)])
    np.testing.assert_array_equal(z[:], np.arange(100).reshape(10, 10)[:7, :4])
    z.resize((20, 10))
    assert zarr_core.open_array(store).shape == (20, 10)
    assert (z[10:] == 0).all() and (z[:, 5:] == 0).all()
    with pytest.raises(ValueError, match=r"resize needs 2 dimensions, got \(3,\)"):
        z.resize(3)


def test_resize_keeps_v3_attributes():
    z = zarr_core.zeros((4,), chunks=2, zarr_format=3)
    z.attrs["units"] = "m"
    z.resize(8)
    assert json.loads(z.store["zarr.json"])["attributes"] == {"units": "m"}
    assert json.loads(z.store["zarr.json"])["shape"] == [8]


def test_append(store, zarr_format):
    a = np.arange(200, dtype="i4").reshape(20, 10)
    z = zarr_core.array(a, chunks=(6, 3), store=store, zarr_format=zarr_format)
    assert z.append(a) == (40, 10)
    assert z.append(np.vstack([a, a]), axis=1) == (40, 20)
    assert z.shape == (40, 20)
    expected = np.hstack([np.vstack([a, a]), np.vstack([a, a])])
    np.testing.assert_array_equal(zarr_core.open_array(store, mode="r")[:], expected)
    with pytest.raises(
        ValueError,
        match=r"cannot append data of shape \(2, 3\) to an array of shape \(40, 20\) along axis 0",
    ):
        z.append(np.ones((2, 3)))


def test_cache_metadata_false_sees_a_resize_by_another_object():
    store = zarr_core.MemoryStore()
    writer = zarr_core.zeros((4,), chunks=2, store=store)
    cached = zarr_core.open_array(store)
    fresh = zarr_core.open_array(store, cache_metadata=False)
    writer.resize(6)
    assert cached.shape == (4,)
    assert fresh.shape == (6,) and fresh[:].shape == (6,)


# -- derived views ------------------------------------------------------------------------


def test_view_shares_data():
    z = zarr_core.zeros((4,), chunks=2)
    view = z.view()
    view[0] = 5
    assert z[0] == 5
    ro = z.view(read_only=True)
    with pytest.raises(ReadOnlyError, match="is read-only"):
        ro[1] = 1
    with pytest.raises(TypeError, match="unsupported view arguments"):
        z.view(shape=(2, 2))


def test_astype():
    z = zarr_core.array(np.arange(4, dtype="f8") + 0.5, chunks=2)
    view = z.astype("i2")
    assert view.dtype == np.dtype("i2") and view.shape == (4,)
    np.testing.assert_array_equal(view[:], [0, 1, 2, 3])
    with pytest.raises(ReadOnlyError, match="astype\\(\\) view is read-only"):
        view[0] = 1


# -- pickling --------------------------------------------------------------------------------


def test_pickle_memory_array_carries_its_data(zarr_format):
    z = zarr_core.array(np.arange(1000), chunks=100, zarr_format=zarr_format)
    blob = pickle.dumps(z)
    assert len(blob) > 1000
    copy = pickle.loads(blob)
    assert copy == z
    np.testing.assert_array_equal(copy[:], z[:])


def test_pickle_directory_array_is_small(tmp_path, zarr_format):
    z = zarr_core.open_array(
        tmp_path / "a.zarr", mode="w", shape=100_000, dtype="i8", zarr_format=zarr_format
    )
    z[:] = np.arange(100_000)
    blob = pickle.dumps(z)
    assert len(blob) < 1000
    assert bytes(z.store[chunk_keys(z.store)[0]]) not in blob
    copy = pickle.loads(blob)
    assert copy == z and copy.zarr_format == zarr_format
    np.testing.assert_array_equal(copy[:], np.arange(100_000))


def test_pickle_keeps_settings():
    z = zarr_core.zeros((4,), chunks=2, write_empty_chunks=False, cache_attrs=False)
    z.read_only = True
    copy = pickle.loads(pickle.dumps(z))
    assert copy.read_only and not copy.write_empty_chunks and not copy.attrs._cache


# -- attributes ------------------------------------------------------------------------------


def test_attributes_are_stored_per_format(store, zarr_format):
    z = zarr_core.zeros((4,), chunks=2, store=store, path="a", zarr_format=zarr_format)
    z.attrs["baz"] = 42
    z.attrs.update(qux=[1, 4, 7, 12], nan=float("nan"))
    assert sorted(z.attrs) == ["baz", "nan", "qux"]
    assert z.attrs["qux"] == [1, 4, 7, 12] and "baz" in z.attrs and len(z.attrs) == 3
    if zarr_format == 2:
        doc = json.loads(store["a/.zattrs"])
        assert "a/.zattrs" in store and "attributes" not in json.loads(store["a/.zarray"])
    else:
        doc = json.loads(store["a/zarr.json"])["attributes"]
        assert "a/.zattrs" not in store
    assert doc["baz"] == 42 and doc["qux"] == [1, 4, 7, 12] and np.isnan(doc["nan"])
    reopened = zarr_core.open_array(store, path="a")
    assert reopened.attrs["baz"] == 42 and np.isnan(reopened.attrs["nan"])
    del reopened.attrs["baz"]
    assert "baz" not in zarr_core.open_array(store, path="a").attrs
    reopened.attrs.put({"only": True})
    assert zarr_core.open_array(store, path="a").attrs.asdict() == {"only": True}
    with pytest.raises(KeyError):
        del reopened.attrs["missing"]


def test_attributes_convert_numpy_values(zarr_format):
    z = zarr_core.zeros((4,), chunks=2, zarr_format=zarr_format)
    z.attrs["scalar"] = np.int64(3)
    z.attrs["array"] = np.arange(3)
    fresh = zarr_core.open_array(z.store)
    assert fresh.attrs["scalar"] == 3 and fresh.attrs["array"] == [0, 1, 2]


def test_attributes_must_be_json(zarr_format):
    z = zarr_core.zeros((4,), chunks=2, zarr_format=zarr_format, path="p")
    key = "p/.zattrs" if zarr_format == 2 else "p/zarr.json"
    with pytest.raises(MetadataError, match=f"in '{key}': cannot encode metadata as JSON"):
        z.attrs["bad"] = object()
    assert "bad" not in z.attrs
    assert "bad" not in zarr_core.open_array(z.store, path="p").attrs


def test_attribute_cache(zarr_format):
    store = zarr_core.MemoryStore()
    writer = zarr_core.zeros((4,), chunks=2, store=store, zarr_format=zarr_format)
    cached = zarr_core.open_array(store)
    uncached = zarr_core.open_array(store, cache_attrs=False)
    assert dict(cached.attrs) == {} and dict(uncached.attrs) == {}
    writer.attrs["new"] = 1
    assert "new" not in cached.attrs  # served from the cache
    assert uncached.attrs["new"] == 1  # re-read on every access
    cached.attrs.refresh()
    assert cached.attrs["new"] == 1


def test_attributes_given_at_creation(zarr_format):
    z = zarr_core.zeros((4,), chunks=2, attributes={"a": 1}, zarr_format=zarr_format)
    assert zarr_core.open_array(z.store).attrs.asdict() == {"a": 1}


def test_corrupt_attributes_document():
    z = zarr_core.zeros((4,), chunks=2, zarr_format=2)
    z.store[".zattrs"] = b"{not json"
    with pytest.raises(MetadataError, match="in '.zattrs': not valid JSON"):
        dict(zarr_core.open_array(z.store).attrs)


# -- dtypes --------------------------------------------------------------------------------


STRUCTURED = np.array(
    [(b"aaa", 1, 4.2), (b"bbb", 2, 8.4), (b"ccc", 3, 12.6)],
    dtype=[("foo", "S3"), ("bar", "i4"), ("baz", "f8")],
)


def test_structured_fields_read(zarr_format):
    z = zarr_core.array(STRUCTURED, chunks=2, zarr_format=zarr_format)
    np.testing.assert_array_equal(z["foo"], [b"aaa", b"bbb", b"ccc"])
    np.testing.assert_array_equal(z["baz"], [4.2, 8.4, 12.6])
    np.testing.assert_array_equal(z.get_basic_selection(slice(0, 2), fields="bar"), [1, 2])
    got = z.get_coordinate_selection([0, 2], fields=["foo", "baz"])
    assert got.dtype == np.dtype([("foo", "S3"), ("baz", "f8")])  # packed, as zarr-python 2
    assert got.tolist() == [(b"aaa", 4.2), (b"ccc", 12.6)]
    np.testing.assert_array_equal(z["foo", 1:], [b"bbb", b"ccc"])
    np.testing.assert_array_equal(z.oindex[[2, 0], "bar"], [3, 1])
    assert z[1]["bar"] == 2
    with pytest.raises(IndexSelectionError, match="no field named 'nope'; the array's fields are"):
        z["nope"]


def test_structured_fields_write(store, zarr_format):
    z = zarr_core.array(STRUCTURED, chunks=2, store=store, zarr_format=zarr_format)
    z["bar"] = [7, 8, 9]
    z.set_basic_selection(slice(0, 1), 42, fields="bar")
    z[["foo", "bar"], 2] = (b"zz", 5)
    z[0] = (b"new", -1, 0.5)
    got = zarr_core.open_array(store, mode="r")[:]
    assert got.tolist() == [(b"new", -1, 0.5), (b"bbb", 8, 8.4), (b"zz", 5, 12.6)]


def test_fixed_length_strings(zarr_format):
    z = zarr_core.zeros(10, dtype="S6", zarr_format=zarr_format)
    z[0] = b"Hello"
    z[1] = b"world!"
    assert z[:3].tolist() == [b"Hello", b"world!", b""]  # zeros of S6 are b""
    u = zarr_core.array(["¡Hola mundo!", "Γεια σου κόσμε!"], dtype="U20", zarr_format=zarr_format)
    assert u.dtype == np.dtype("U20") and u[1] == "Γεια σου κόσμε!"


def test_vlen_bytes_whole_chunk_write(zarr_format):
    """Whole-chunk writes encode read-only broadcast views, which VLenBytes refuses unless copied."""
    z = zarr_core.zeros(2, dtype=bytes, chunks=2, zarr_format=zarr_format)
    z[:] = b"x"
    assert z[:].tolist() == [b"x", b"x"]


@pytest.mark.parametrize("dtype", [str, bytes])
def test_variable_length_strings(store, zarr_format, dtype):
    words = ["¡Hola mundo!", "Hej Världen!", "", "こんにちは世界"]
    data = words if dtype is str else [w.encode() for w in words]
    z = zarr_core.array(data * 3, dtype=dtype, chunks=5, store=store, zarr_format=zarr_format)
    assert z.dtype == np.dtype(object)
    np.testing.assert_array_equal(
        zarr_core.open_array(store, mode="r")[:], np.array(data * 3, dtype=object)
    )
    empty = data[2]
    assert z.fill_value == empty or (zarr_format == 2 and z.fill_value is None)
    z.resize(15)
    assert z[14] == empty  # the fill of a never-written element
    if zarr_format == 2:
        codec = numcodecs.VLenUTF8() if dtype is str else numcodecs.VLenBytes()
        assert z.filters == [codec]
    else:
        assert z.codecs[0]["name"] == ("vlen-utf8" if dtype is str else "vlen-bytes")
    z[:2] = empty if dtype is str else b"x"
    z[3:5] = data[:2]


def test_variable_length_strings_with_object_codec(zarr_format):
    z = zarr_core.array(
        ["a", "bb"], dtype=object, object_codec=numcodecs.VLenUTF8(), zarr_format=zarr_format
    )
    assert z[:].tolist() == ["a", "bb"]


def test_categorize_codec():
    labels = ["¡Hola mundo!", "Hej Världen!", "Servus Woid!"]
    z = zarr_core.array(
        labels * 4,
        dtype=object,
        object_codec=numcodecs.Categorize(labels, dtype=object),
        zarr_format=2,
    )
    assert z[:].tolist() == labels * 4
    assert json.loads(z.store[".zarray"])["filters"][0]["id"] == "categorize"


@pytest.mark.parametrize("codec", [numcodecs.JSON(), numcodecs.MsgPack()], ids=["json", "msgpack"])
def test_object_arrays(store, codec):
    z = zarr_core.empty(5, dtype=object, object_codec=codec, chunks=3, store=store, zarr_format=2)
    z[0] = 42
    z[1] = "foo"
    z[2] = ["bar", "baz", "qux"]
    z[3] = {"a": 1, "b": 2.2}
    assert zarr_core.open_array(store, mode="r")[:].tolist() == [
        42,
        "foo",
        ["bar", "baz", "qux"],
        {"a": 1, "b": 2.2},
        None,  # never written: no fill value, as in zarr-python 2
    ]
    z[:2] = [[1], [2, 3]]
    assert z[:2].tolist() == [[1], [2, 3]]


def test_object_array_from_ragged_data():
    z = zarr_core.array(
        [1, "a", [1, 2], {"k": None}], dtype=object, object_codec=numcodecs.JSON(), zarr_format=2
    )
    assert z[:].tolist() == [1, "a", [1, 2], {"k": None}]


def test_pickle_codec_needs_an_opt_in(store):
    data = [1, "a", {2, 3}, (4,)]
    z = zarr_core.array(
        data, dtype=object, object_codec=numcodecs.Pickle(), store=store, zarr_format=2
    )
    with pytest.raises(
        UnsafeDecodeError,
        match=r"decoding the 'pickle' codec of '0' can execute arbitrary code.*allow_pickle=True",
    ):
        zarr_core.open_array(store, mode="r")[:]
    assert zarr_core.open_array(store, mode="r", allow_pickle=True)[:].tolist() == data
    with zarr_core.config.set({"array.allow_pickle": True}):
        assert zarr_core.open_array(store, mode="r")[:].tolist() == data
    with pytest.raises(UnsafeDecodeError):
        z[:]  # the opt-in was temporary


@pytest.mark.parametrize("shorthand", [True, False])
def test_ragged_arrays(store, shorthand):
    kwargs = (
        {"dtype": "array:i8"}
        if shorthand
        else {"dtype": object, "object_codec": numcodecs.VLenArray(int)}
    )
    z = zarr_core.empty(4, store=store, zarr_format=2, **kwargs)
    assert z.filters == [numcodecs.VLenArray("<i8")]
    z[0] = np.array([1, 3, 5])
    z[1] = np.array([4])
    z[2] = np.array([7, 9, 14])
    got = zarr_core.open_array(store, mode="r")[:]
    assert [a.tolist() for a in got] == [[1, 3, 5], [4], [7, 9, 14], []]
    z[2:] = [np.array([1, 2]), np.array([3, 4])]  # equal lengths stay two elements
    assert [a.tolist() for a in z[2:]] == [[1, 2], [3, 4]]


@pytest.mark.parametrize("codec", [numcodecs.JSON(), numcodecs.Pickle(), numcodecs.VLenArray("i4")])
def test_v3_refuses_general_object_arrays(codec):
    with pytest.raises(
        ValueError, match="Zarr format 3 can store object arrays only as strings.*use zarr_format=2"
    ):
        zarr_core.empty(4, dtype=object, object_codec=codec, zarr_format=3)
    with pytest.raises(ValueError, match="use zarr_format=2"):
        zarr_core.empty(4, dtype="array:i8", zarr_format=3)


def test_object_array_without_codec():
    with pytest.raises(ValueError, match="an object array needs an object codec: pass dtype=str"):
        zarr_core.empty(4, dtype=object, zarr_format=2)


@pytest.mark.parametrize("dtype", ["M8[D]", "M8[ns]", "m8[s]", "m8[ms]"])
def test_datetimes_and_timedeltas(store, zarr_format, dtype):
    if dtype.startswith("M"):
        values = np.array(["2007-07-13", "2006-01-13", "2010-08-13"], dtype=dtype)
    else:
        values = np.array([1, -2, 3], dtype=dtype)
    z = zarr_core.array(values, chunks=2, store=store, zarr_format=zarr_format)
    assert z.dtype == np.dtype(dtype)
    assert z[0] == values[0]
    z[0] = "1999-12-31" if dtype.startswith("M") else np.timedelta64(7, "s")
    z[1] = np.datetime64("NaT") if dtype.startswith("M") else np.timedelta64("NaT")
    got = zarr_core.open_array(store, mode="r")[:]
    assert got[0] == (
        np.datetime64("1999-12-31", "D") if dtype.startswith("M") else np.timedelta64(7, "s")
    )
    assert np.isnat(got[1]) and got[2] == values[2]


def test_datetime_without_unit_is_refused():
    with pytest.raises(MetadataError, match="datetime types need a unit"):
        zarr_core.zeros(3, dtype="M8", zarr_format=2)


def test_big_endian(store, zarr_format):
    data = np.arange(10, dtype=">i4")
    z = zarr_core.array(data, chunks=4, store=store, zarr_format=zarr_format)
    np.testing.assert_array_equal(z[:], data)
    if zarr_format == 2:
        assert z.dtype == np.dtype(">i4")
        assert json.loads(store[".zarray"])["dtype"] == ">i4"
    else:  # v3 data types have no byte order: the bytes codec holds it
        assert z.dtype == np.dtype("i4")
        assert z.codecs[0] == {"name": "bytes", "configuration": {"endian": "big"}}
    raw = zarr_core.create(
        4,
        dtype=">u2",
        chunks=4,
        compressor=None,
        store=zarr_core.MemoryStore(),
        zarr_format=zarr_format,
    )
    raw[:] = [1, 2, 3, 4]
    key = "0" if zarr_format == 2 else "c/0"
    assert bytes(raw.store[key]) == np.array([1, 2, 3, 4], dtype=">u2").tobytes()


@pytest.mark.parametrize("fill_value", [np.nan, -np.inf, 1 + 2j, True, -7, "2001-01-01"])
def test_fill_values(zarr_format, fill_value):
    dtype = "M8[D]" if isinstance(fill_value, str) else np.asarray(fill_value).dtype
    z = zarr_core.full((3,), fill_value, dtype=dtype, chunks=2, zarr_format=zarr_format)
    reopened = zarr_core.open_array(z.store)
    expected = np.full(3, fill_value, dtype=dtype)
    np.testing.assert_array_equal(reopened[:], expected)
    np.testing.assert_array_equal(reopened.fill_value, expected[0])


# -- empty chunks ---------------------------------------------------------------------------


@pytest.mark.parametrize("write_empty_chunks", [True, False])
def test_write_empty_chunks(store, zarr_format, write_empty_chunks):
    z = zarr_core.zeros(
        (4, 4),
        chunks=2,
        store=store,
        write_empty_chunks=write_empty_chunks,
        zarr_format=zarr_format,
    )
    z[:2] = 0  # chunks equal to the fill value
    z[2:, :2] = 1
    if write_empty_chunks:
        assert chunk_keys(store) == grid_keys(zarr_format, [(0, 0), (0, 1), (1, 0)])
    else:
        assert chunk_keys(store) == grid_keys(zarr_format, [(1, 0)])
    z[2:, :2] = 0  # a stored chunk becomes empty: deleted when empty chunks are not kept
    expected = 3 if write_empty_chunks else 0
    assert len(chunk_keys(store)) == expected
    np.testing.assert_array_equal(z[:], np.zeros((4, 4)))


def test_write_empty_chunks_nan_and_objects():
    z = zarr_core.full((4,), np.nan, chunks=2, write_empty_chunks=False)
    z[:2] = np.nan
    assert chunk_keys(z.store) == []
    r = zarr_core.empty(4, dtype="array:i8", chunks=2, write_empty_chunks=False, zarr_format=2)
    r[0] = np.array([1, 2])
    assert chunk_keys(r.store) == ["0"]
    s = zarr_core.zeros(4, dtype=str, chunks=2, write_empty_chunks=False)
    s[:2] = ""
    s[2] = "x"
    assert chunk_keys(s.store) == ["c/1"]


def test_write_empty_chunks_from_config():
    with zarr_core.config.set({"array.write_empty_chunks": False}):
        z = zarr_core.zeros((4,), chunks=2)
    assert not z.write_empty_chunks
    z[:] = 0
    assert chunk_keys(z.store) == []


# -- a separate chunk store ----------------------------------------------------------------


def test_chunk_store(zarr_format):
    meta, chunks = zarr_core.MemoryStore(), zarr_core.MemoryStore()
    z = zarr_core.create((4,), chunks=2, store=meta, chunk_store=chunks, zarr_format=zarr_format)
    z[:] = [1, 2, 3, 4]
    assert z.chunk_store is chunks and z.store is meta
    assert chunk_keys(meta) == [] and chunk_keys(chunks) == grid_keys(zarr_format, [(0,), (1,)])
    assert z.nchunks_initialized == 2
    assert z.nbytes_stored == sum(len(v) for v in meta.values()) + sum(
        len(v) for v in chunks.values()
    )
    again = zarr_core.open_array(meta, mode="r", chunk_store=chunks)
    np.testing.assert_array_equal(again[:], [1, 2, 3, 4])
    zarr_core.create(
        (4,), chunks=2, store=meta, chunk_store=chunks, overwrite=True, zarr_format=zarr_format
    )
    assert chunk_keys(chunks) == []


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(
    ("shape", "chunks"),
    [((100,), (10,)), ((95,), (10,)), ((40, 30), (8, 7)), ((9, 10, 11), (3, 5, 4)), ((5,), (10,))],
)
def test_chunk_aligned_reads_copy_whole_chunks_at_once(zarr_format, order, shape, chunks):
    """Chunk-aligned selections take the one-assignment copy of whole chunks (edge chunks
    and missing chunks beside it); the result is NumPy's, fill value where chunks are missing."""
    rng = np.random.default_rng(1)
    data = rng.integers(0, 1000, size=shape).astype("i4")
    z = zarr_core.array(data, chunks=chunks, order=order, fill_value=-1, zarr_format=zarr_format)
    expected = data.copy()
    chunk_keys = sorted(k for k in z.store if not k.endswith((".zarray", ".zattrs", "zarr.json")))
    for key in chunk_keys[::3]:
        coords = tuple(int(c) for c in key.removeprefix("c/").replace(".", "/").split("/"))
        del z.store[key]
        expected[tuple(slice(i * c, (i + 1) * c) for i, c in zip(coords, chunks))] = -1
    for sel in [
        Ellipsis,
        tuple(slice(c, None) for c in chunks),
        tuple(slice(0, c) for c in chunks),
    ]:
        np.testing.assert_array_equal(z[sel], expected[sel])


@pytest.mark.parametrize(
    ("shape", "chunks", "order", "direct"),
    [
        ((10_000,), (100,), "C", True),
        ((40, 6, 5), (4, 6, 5), "C", True),  # chunks span every axis but the first
        ((40, 6), (4, 3), "C", False),  # two chunks across a row: scattered
        ((40, 6), (4, 6), "F", False),
    ],
)
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_whole_reads_decode_into_the_output_when_it_is_the_chunks_end_to_end(
    monkeypatch, shape, chunks, order, direct, zarr_format
):
    """Chunk-aligned reads of small chunks decode straight into the output where its
    memory is the chunks laid end to end; the data is the same either way, missing
    chunks included."""
    from zarr_core.codecs import CodecPipeline

    data = np.arange(np.prod(shape), dtype="i4").reshape(shape)
    z = zarr_core.zeros(
        shape,
        chunks=chunks,
        dtype="i4",
        order=order,
        zarr_format=zarr_format,
        write_empty_chunks=False,
    )
    z[...] = data
    calls = []
    into = CodecPipeline.decode_batch_into
    monkeypatch.setattr(
        CodecPipeline, "decode_batch_into", lambda *a, **k: calls.append(1) or into(*a, **k)
    )
    np.testing.assert_array_equal(z[...], data)
    assert bool(calls) is direct
    z[: chunks[0]] = 0  # the first chunks now hold only the fill value: not stored
    data[: chunks[0]] = 0
    np.testing.assert_array_equal(z[...], data)
