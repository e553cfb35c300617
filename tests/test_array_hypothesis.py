"""Property tests: every indexing mode of Array, read and write, against NumPy.

Each example builds an array (format 2 or 3, order C or F, a random dtype, shape and
chunking, edge chunks and zero-length dimensions included), optionally writes random
data to it (else every chunk is missing and reads give the fill value), then performs
the same selection on the Array and on a NumPy copy and compares. Writes are checked by
reading the whole array back through a freshly opened Array.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import zarr_core

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# "O" stands for variable-length strings (created with dtype=str)
DTYPES = ["bool", "i1", "u2", "i4", ">i8", "f4", "f8", "c16", "M8[s]", "m8[ms]", "O"]
STORES = ["memory", "directory"]


@pytest.fixture(scope="module")
def make_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("hypothesis-stores")

    def make(kind: str) -> zarr_core.Store:
        if kind == "memory":
            return zarr_core.MemoryStore()
        return zarr_core.open_store(root / uuid.uuid4().hex)

    return make


def elements(dtype: np.dtype) -> st.SearchStrategy:
    if dtype.kind == "O":
        return st.text(max_size=4)
    if dtype.kind in "mM":
        # NaT included; the range keeps clear of int64 overflow in NumPy's conversions
        return st.integers(-(2**40), 2**40).map(lambda i: np.array(i).view(dtype)[()]) | st.just(
            np.array("NaT", dtype)[()]
        )
    return hnp.from_dtype(dtype)


@dataclass
class Setup:
    zarr_format: int
    order: str
    dtype: np.dtype
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    fill_value: Any
    write_empty_chunks: bool
    data: np.ndarray | None  # None: nothing written, every chunk missing

    def create(self, store: zarr_core.Store) -> tuple[zarr_core.Array, np.ndarray]:
        z = zarr_core.create(
            self.shape,
            chunks=self.chunks,
            dtype=str if self.dtype.kind == "O" else self.dtype,
            fill_value=self.fill_value,
            order=self.order,
            zarr_format=self.zarr_format,
            write_empty_chunks=self.write_empty_chunks,
            store=store,
        )
        expected = np.empty(self.shape, dtype=self.dtype)
        # fill(), not np.full: np.full goes through a fixed-width str array, which drops
        # trailing NULs ("\x00" would become "").
        expected.fill(self.fill_value)
        if self.data is not None:
            z[...] = self.data
            expected[...] = self.data
        return z, expected


@st.composite
def setups(draw, min_dims: int = 0, min_side: int = 0) -> Setup:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side, max_side=6))
    # chunks may be longer than the dimension, and rarely divide it evenly
    chunks = tuple(draw(st.integers(1, max(n, 1) + 1)) for n in shape)
    elems = elements(dtype)
    data = draw(st.none() | hnp.arrays(dtype, shape, elements=elems))
    return Setup(
        zarr_format=draw(st.sampled_from([2, 3])),
        order=draw(st.sampled_from(["C", "F"])),
        dtype=dtype,
        shape=shape,
        chunks=chunks,
        fill_value=draw(elems),
        write_empty_chunks=draw(st.booleans()),
        data=data,
    )


@st.composite
def values(draw, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """A value to assign to a selection of ``shape``: a scalar, a full array, or an
    array that broadcasts (fewer dimensions, length-1 dimensions)."""
    elems = elements(dtype)
    kind = draw(st.sampled_from(["scalar", "array", "broadcast"]))
    if kind == "scalar" or (dtype.kind == "O" and not shape):
        # NumPy would store a 0-d object array as an element of the expected array
        # (test_array.py checks that zarr-core unwraps it)
        return draw(elems)
    if kind == "broadcast":
        shape = tuple(draw(st.sampled_from([1, n])) for n in shape)
        shape = shape[draw(st.integers(0, len(shape))) :]
    return draw(hnp.arrays(dtype, shape, elements=elems))


def check_stored(z: zarr_core.Array, expected: np.ndarray) -> None:
    """The whole array as read by a new Array object equals ``expected``; without
    empty chunks, exactly the chunks holding something other than the fill are stored."""
    reopened = zarr_core.open_array(z.store, mode="r", path=z.path)
    got = reopened.get_basic_selection(..., out=np.empty(expected.shape, reopened.dtype))
    np.testing.assert_array_equal(got, expected.astype(reopened.dtype))
    if not z.write_empty_chunks:
        same = is_fill(expected, np.asarray(z.fill_value, dtype=expected.dtype))
        holding = sum(
            not same[tuple(slice(i * c, (i + 1) * c) for i, c in zip(coords, z.chunks))].all()
            for coords in np.ndindex(*z.cdata_shape)
        )
        assert z.nchunks_initialized == holding


def is_fill(a: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Elementwise: is this element the fill value (NaN and NaT count as equal)?"""
    if a.dtype.kind == "c":
        return is_fill(a.real, fill.real) & is_fill(a.imag, fill.imag)
    if a.dtype.kind == "f":
        return (a == fill) | (np.isnan(a) & np.isnan(fill))
    if a.dtype.kind in "mM":
        return (a == fill) | (np.isnat(a) & np.isnat(fill))
    return a == fill


# -- selections ----------------------------------------------------------------------


def int_arrays(n: int) -> st.SearchStrategy:
    """1-d integer index arrays for a dimension of length n: any order, duplicates,
    negative indices; sometimes a plain list."""
    ints = st.lists(st.integers(-n, n - 1), max_size=8) if n else st.just([])
    return ints.flatmap(lambda xs: st.sampled_from([xs, np.array(xs, dtype=np.intp)]))


def orthogonal_items(n: int) -> st.SearchStrategy:
    options = [st.slices(n), int_arrays(n), hnp.arrays(bool, (n,))]
    if n:
        options.append(st.integers(-n, n - 1))
    return st.one_of(options)


@st.composite
def orthogonal_selections(draw, shape: tuple[int, ...]) -> tuple:
    return tuple(draw(orthogonal_items(n)) for n in shape)


def orthogonal_index(sel: tuple, shape: tuple[int, ...]) -> tuple[tuple, tuple[int, ...]]:
    """NumPy's ``np.ix_`` equivalent of an orthogonal selection, and the result shape."""
    axes = []
    out_shape = []
    for item, n in zip(sel, shape):
        if isinstance(item, int):
            axes.append(np.array([item]))
        else:
            picked = np.arange(n)[
                np.asarray(item, dtype=np.intp) if isinstance(item, list) else item
            ]
            axes.append(picked)
            out_shape.append(len(picked))
    return np.ix_(*axes), tuple(out_shape)


@st.composite
def coordinate_selections(draw, shape: tuple[int, ...]) -> tuple:
    points = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=5))
    if not all(shape):
        points = (0,)  # no valid coordinate on a zero-length dimension
    sel = []
    for n in shape:
        if n and draw(st.booleans()) and draw(st.booleans()):
            sel.append(draw(st.integers(-n, n - 1)))  # a scalar broadcasts to the points
        else:
            low = -n if n else 0
            sel.append(draw(hnp.arrays(np.intp, points, elements=st.integers(low, max(n - 1, 0)))))
    return tuple(sel)


@st.composite
def block_selections(draw, shape: tuple[int, ...], chunks: tuple[int, ...]) -> tuple:
    sel = []
    for n, c in zip(shape, chunks):
        nblocks = math.ceil(n / c)
        bound = st.none() | st.integers(-nblocks - 1, nblocks + 1)
        options = [st.builds(slice, bound, bound)]
        if nblocks:
            options.append(st.integers(-nblocks, nblocks - 1))
        sel.append(draw(st.one_of(options)))
    return tuple(sel)


def block_region(sel: tuple, shape: tuple[int, ...], chunks: tuple[int, ...]) -> tuple:
    """The basic selection covering the blocks of a block selection."""
    region = []
    for item, n, c in zip(sel, shape, chunks):
        nblocks = math.ceil(n / c)
        if isinstance(item, int):
            b = item % nblocks
            start, stop = b, b + 1
        else:
            start, stop, _ = item.indices(nblocks)
            stop = max(start, stop)
        region.append(slice(start * c, min(stop * c, n)))
    return tuple(region)


# -- basic ------------------------------------------------------------------------------


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_basic_read(make_store, store_kind, data):
    setup = data.draw(setups())
    z, expected = setup.create(make_store(store_kind))
    sel = data.draw(hnp.basic_indices(setup.shape, allow_newaxis=False, allow_ellipsis=True))
    want = expected[sel]
    np.testing.assert_array_equal(z[sel], want)
    got = z.get_basic_selection(sel)
    np.testing.assert_array_equal(got, want)
    assert np.shape(got) == np.shape(want)
    if np.ndim(want):
        out = np.empty(np.shape(want), dtype=z.dtype)
        assert z.get_basic_selection(sel, out=out) is out
        np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_basic_write(make_store, store_kind, data):
    setup = data.draw(setups())
    z, expected = setup.create(make_store(store_kind))
    sel = data.draw(hnp.basic_indices(setup.shape, allow_newaxis=False, allow_ellipsis=True))
    value = data.draw(values(np.shape(expected[sel]), setup.dtype))
    if data.draw(st.booleans()):
        z[sel] = value
    else:
        z.set_basic_selection(sel, value)
    expected[sel] = value
    check_stored(z, expected)


# -- orthogonal -------------------------------------------------------------------------


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_orthogonal_read(make_store, store_kind, data):
    setup = data.draw(setups(min_dims=1))
    z, expected = setup.create(make_store(store_kind))
    sel = data.draw(orthogonal_selections(setup.shape))
    index, out_shape = orthogonal_index(sel, setup.shape)
    want = expected[index].reshape(out_shape)
    np.testing.assert_array_equal(z.oindex[sel], want)
    out = np.empty(out_shape, dtype=z.dtype)
    assert z.get_orthogonal_selection(sel, out=out) is out
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_orthogonal_write(make_store, store_kind, data):
    setup = data.draw(setups(min_dims=1))
    z, expected = setup.create(make_store(store_kind))
    sel = data.draw(orthogonal_selections(setup.shape))
    index, out_shape = orthogonal_index(sel, setup.shape)
    value = data.draw(values(out_shape, setup.dtype))
    if data.draw(st.booleans()):
        z.oindex[sel] = value
    else:
        z.set_orthogonal_selection(sel, value)
    expected[index] = np.broadcast_to(value, out_shape).reshape(expected[index].shape)
    check_stored(z, expected)


# -- coordinate and mask ---------------------------------------------------------------


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_coordinate_read(make_store, store_kind, data):
    setup = data.draw(setups(min_dims=1))
    z, expected = setup.create(make_store(store_kind))
    sel = data.draw(coordinate_selections(setup.shape))
    want = expected[sel]
    np.testing.assert_array_equal(z.vindex[sel], want)
    got = z.get_coordinate_selection(sel)
    assert got.shape == np.shape(want)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_coordinate_write(make_store, store_kind, data):
    setup = data.draw(setups(min_dims=1))
    z, expected = setup.create(make_store(store_kind))
    sel = data.draw(coordinate_selections(setup.shape))
    value = data.draw(values(np.shape(expected[sel]), setup.dtype))
    if data.draw(st.booleans()):
        z.vindex[sel] = value
    else:
        z.set_coordinate_selection(sel, value)
    expected[sel] = value  # duplicate points: the last one wins in both
    check_stored(z, expected)


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_mask_read_and_write(make_store, store_kind, data):
    setup = data.draw(setups(min_dims=1))
    z, expected = setup.create(make_store(store_kind))
    mask = data.draw(hnp.arrays(bool, setup.shape))
    np.testing.assert_array_equal(z.vindex[mask], expected[mask])
    np.testing.assert_array_equal(z.get_mask_selection(mask), expected[mask])
    value = data.draw(values(expected[mask].shape, setup.dtype))
    if data.draw(st.booleans()):
        z.vindex[mask] = value
    else:
        z.set_mask_selection(mask, value)
    expected[mask] = value
    check_stored(z, expected)


# -- blocks -----------------------------------------------------------------------------


@pytest.mark.parametrize("store_kind", STORES)
@SETTINGS
@given(data=st.data())
def test_block_read_and_write(make_store, store_kind, data):
    setup = data.draw(setups())
    z, expected = setup.create(make_store(store_kind))
    sel = data.draw(block_selections(setup.shape, setup.chunks))
    region = block_region(sel, setup.shape, setup.chunks)
    np.testing.assert_array_equal(z.blocks[sel], expected[region])
    np.testing.assert_array_equal(z.get_block_selection(sel), expected[region])
    value = data.draw(values(np.shape(expected[region]), setup.dtype))
    if data.draw(st.booleans()):
        z.blocks[sel] = value
    else:
        z.set_block_selection(sel, value)
    expected[region] = value
    check_stored(z, expected)


# -- square brackets dispatch like NumPy where zarr-python 2 does ------------------------


@SETTINGS
@given(data=st.data())
def test_square_brackets_with_one_array(data):
    """``z[...]`` with one integer or boolean array among slices selects orthogonally,
    which is NumPy's meaning too when there is a single array (integers beside it would
    make NumPy move the array's axis first; zarr stays orthogonal)."""
    setup = data.draw(setups(min_dims=1, min_side=1))
    z, expected = setup.create(zarr_core.MemoryStore())
    axis = data.draw(st.integers(0, len(setup.shape) - 1))
    sel = [data.draw(st.slices(n)) for n in setup.shape]
    n = setup.shape[axis]
    sel[axis] = data.draw(
        hnp.arrays(np.intp, data.draw(st.integers(0, 5)), elements=st.integers(-n, n - 1))
        | hnp.arrays(bool, (n,))
    )
    sel = tuple(sel)
    np.testing.assert_array_equal(z[sel], expected[sel])
    value = data.draw(values(expected[sel].shape, setup.dtype))
    z[sel] = value
    expected[sel] = value
    check_stored(z, expected)
