"""Tests of zarr_core.indexing against NumPy.

Every indexer is checked by applying its projections to an array split into padded
chunks (the way the array engine does) and comparing with NumPy's result for the
equivalent selection, for reads and for writes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zarr_core.errors import BoundsCheckError, IndexSelectionError
from zarr_core.indexing import (
    BasicIndexer,
    BlockIndexer,
    CoordinateIndexer,
    IntArrayDimIndexer,
    IntDimIndexer,
    MaskIndexer,
    OrthogonalIndexer,
    SliceDimIndexer,
    check_fields,
    check_grid,
    chunk_extent,
    classify_selection,
    classify_vindex,
    expand_for_write,
    grid_shape,
    is_total_slice,
    make_indexer,
    normalize_integer,
    pop_fields,
)

SENTINEL = -1  # padding of edge chunks and initial output; array values are >= 0
FAST = settings(max_examples=400, deadline=None)

# -- applying projections, as the engine does ------------------------------------------


def to_chunks(a, chunks):
    store = {}
    for coords in np.ndindex(*grid_shape(a.shape, chunks)):
        chunk = np.full(chunks, SENTINEL, dtype=a.dtype)
        src = tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(coords, chunks, a.shape))
        chunk[tuple(slice(0, s.stop - s.start) for s in src)] = a[src]
        store[coords] = chunk
    return store


def from_chunks(store, shape, chunks):
    a = np.full(shape, SENTINEL, dtype=np.int64)
    for coords, chunk in store.items():
        dst = tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(coords, chunks, shape))
        inside = tuple(slice(0, s.stop - s.start) for s in dst)
        a[dst] = chunk[inside]
        padding = np.ones(chunks, dtype=bool)
        padding[inside] = False
        assert (chunk[padding] == SENTINEL).all(), "a write touched the padding of an edge chunk"
    return a


def projections(indexer):
    ps = list(indexer)
    assert len(ps) == indexer.nchunks
    assert len({p.chunk_coords for p in ps}) == len(ps), "a chunk was projected twice"
    return ps


def read(indexer, store):
    out = np.full(indexer.out_shape, SENTINEL, dtype=np.int64)
    for p in projections(indexer):
        v = store[p.chunk_coords][p.chunk_selection]
        if indexer.drop_axes:
            v = v.squeeze(axis=indexer.drop_axes)
        out[p.out_selection] = v
    return out.reshape(indexer.shape)


def write(indexer, store, value):
    value = np.broadcast_to(value, indexer.shape).reshape(indexer.out_shape)
    for p in projections(indexer):
        piece = expand_for_write(value[p.out_selection], indexer.drop_axes)
        store[p.chunk_coords][p.chunk_selection] = piece


def check_read_write(indexer, a, chunks, np_read, np_write):
    """Compare a read and a write through `indexer` with NumPy's.

    np_read(a) -> expected result; np_write(a, value) assigns value of shape
    `indexer.shape` in place.
    """
    expected = np.asarray(np_read(a))
    assert indexer.shape == expected.shape
    store = to_chunks(a, chunks)
    np.testing.assert_array_equal(read(indexer, store), expected)

    value = 10**6 + np.arange(expected.size, dtype=np.int64).reshape(expected.shape)
    write(indexer, store, value)
    written = a.copy()
    np_write(written, value)
    np.testing.assert_array_equal(from_chunks(store, a.shape, chunks), written)


# -- strategies ------------------------------------------------------------------------

MAX_DIM = {0: 0, 1: 24, 2: 10, 3: 6, 4: 4}


@st.composite
def shapes_and_chunks(draw, min_dims=0):
    ndim = draw(st.integers(min_dims, 4))
    shape = tuple(draw(st.integers(0, MAX_DIM[ndim])) for _ in range(ndim))
    chunks = tuple(draw(st.integers(1, n + 2)) for n in shape)
    return shape, chunks


def arange(shape):
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)


def maybe_numpy_int(i):
    return st.sampled_from([i, np.int64(i), np.int32(i), np.uint16(i) if i >= 0 else i])


def integers(n):
    return st.integers(-n, n - 1).flatmap(maybe_numpy_int)


def slices(n):
    bound = st.none() | st.integers(-n - 3, n + 3)
    step = st.none() | st.integers(-5, 5).filter(bool)
    return st.builds(slice, bound, bound, step)


def basic_items(n):
    return slices(n) | integers(n) if n else slices(n)


def int_arrays(n):
    elements = st.lists(st.integers(-n, n - 1), max_size=7) if n else st.just([])
    return elements.flatmap(
        lambda xs: st.sampled_from([xs, np.array(xs, dtype=np.intp), np.array(xs, dtype=np.int16)])
    )


def bool_arrays(n):
    return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda xs: np.array(xs, dtype=bool))


@st.composite
def with_ellipsis(draw, items):
    """Shorten a full per-dimension selection: drop trailing items or use an Ellipsis."""
    how = draw(st.sampled_from(["full", "truncate", "ellipsis"]))
    if how == "truncate":
        items = items[: draw(st.integers(0, len(items)))]
    elif how == "ellipsis":
        i = draw(st.integers(0, len(items)))
        j = draw(st.integers(i, len(items)))
        items = [*items[:i], Ellipsis, *items[j:]]
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


@st.composite
def basic_cases(draw):
    shape, chunks = draw(shapes_and_chunks())
    items = [draw(basic_items(n)) for n in shape]
    return shape, chunks, draw(with_ellipsis(items))


def expand(selection, ndim):
    """Test-side Ellipsis expansion, to build the NumPy equivalent."""
    items = list(selection) if isinstance(selection, tuple) else [selection]
    at = [i for i, item in enumerate(items) if item is Ellipsis]
    if at:
        i = at[0]
        items[i : i + 1] = [slice(None)] * (ndim - len(items) + 1)
    return items + [slice(None)] * (ndim - len(items))


@st.composite
def orthogonal_cases(draw):
    shape, chunks = draw(shapes_and_chunks())
    items = [draw(basic_items(n) | int_arrays(n) | bool_arrays(n)) for n in shape]
    return shape, chunks, draw(with_ellipsis(items))


def ix_of(items, shape):
    """NumPy np.ix_ equivalent of an orthogonal selection, and the integer axes."""
    index, drop = [], []
    for dim, (item, n) in enumerate(zip(items, shape)):
        if isinstance(item, slice):
            index.append(np.arange(n)[item])
        elif isinstance(item, (list, np.ndarray)):
            arr = np.asarray(item)
            index.append(np.flatnonzero(arr) if arr.dtype == bool else arr.astype(np.intp))
        else:
            index.append(np.array([int(item)]))
            drop.append(dim)
    return np.ix_(*index), tuple(drop)


@st.composite
def coordinate_cases(draw):
    shape, chunks = draw(shapes_and_chunks(min_dims=1))
    bshape = tuple(draw(st.lists(st.integers(0, 4), max_size=2)))
    if 0 in shape:
        # no valid coordinate exists: only empty selections are in bounds
        bshape = (*bshape, 0)
        return shape, chunks, tuple(np.zeros(bshape, dtype=np.intp) for _ in shape)
    items = []
    for n in shape:
        if draw(st.booleans()) and draw(st.booleans()):
            items.append(draw(integers(n)))
            continue
        # a shape that broadcasts to bshape: a suffix of it, some lengths replaced by 1
        k = draw(st.integers(0, len(bshape)))
        sub = tuple(b if draw(st.booleans()) else 1 for b in bshape[len(bshape) - k :])
        size = int(np.prod(sub))
        values = draw(st.lists(st.integers(-n, n - 1), min_size=size, max_size=size))
        arr = np.array(values, dtype=np.intp).reshape(sub)
        items.append(arr.tolist() if arr.ndim == 1 and draw(st.booleans()) else arr)
    return shape, chunks, tuple(items)


@st.composite
def mask_cases(draw):
    shape, chunks = draw(shapes_and_chunks(min_dims=1))
    size = int(np.prod(shape))
    bits = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    return shape, chunks, np.array(bits, dtype=bool).reshape(shape)


@st.composite
def block_cases(draw):
    shape, chunks = draw(shapes_and_chunks())
    items = []
    for nb in grid_shape(shape, chunks):
        bound = st.none() | st.integers(-nb - 2, nb + 2)
        s = st.builds(slice, bound, bound, st.sampled_from([None, 1]))
        items.append(draw(s | st.integers(-nb, nb - 1) if nb else s))
    return shape, chunks, draw(with_ellipsis(items))


def block_as_slices(items, shape, chunks):
    out = []
    for item, c, nb in zip(items, chunks, grid_shape(shape, chunks)):
        if isinstance(item, slice):
            start, stop, _ = item.indices(nb)
        else:
            start = item % nb
            stop = start + 1
        out.append(slice(start * c, max(start, stop) * c))
    return tuple(out)


# -- property tests against NumPy ------------------------------------------------------


@FAST
@given(basic_cases())
def test_basic_matches_numpy(case):
    shape, chunks, selection = case
    a = arange(shape)
    indexer = BasicIndexer(selection, shape, chunks)
    assert indexer.is_basic and indexer.drop_axes == ()

    def np_write(x, v):
        x[selection] = v

    check_read_write(indexer, a, chunks, lambda x: x[selection], np_write)


@FAST
@given(orthogonal_cases())
def test_orthogonal_matches_numpy_ix(case):
    shape, chunks, selection = case
    a = arange(shape)
    index, drop = ix_of(expand(selection, len(shape)), shape)
    indexer = OrthogonalIndexer(selection, shape, chunks)

    def np_read(x):
        return x[index].squeeze(axis=drop) if drop else x[index]

    def np_write(x, v):
        x[index] = np.expand_dims(v, drop)

    check_read_write(indexer, a, chunks, np_read, np_write)


@FAST
@given(coordinate_cases())
def test_coordinate_matches_numpy(case):
    shape, chunks, selection = case
    a = arange(shape)
    index = tuple(np.asarray(s, dtype=np.intp) if isinstance(s, list) else s for s in selection)
    indexer = CoordinateIndexer(selection, shape, chunks)
    assert indexer.out_shape == (int(np.prod(indexer.shape)),)

    def np_write(x, v):
        x[index] = v

    check_read_write(indexer, a, chunks, lambda x: x[index], np_write)


@FAST
@given(mask_cases())
def test_mask_matches_numpy(case):
    shape, chunks, mask = case
    a = arange(shape)
    indexer = MaskIndexer(mask, shape, chunks)

    def np_write(x, v):
        x[mask] = v

    check_read_write(indexer, a, chunks, lambda x: x[mask], np_write)


@FAST
@given(block_cases())
def test_block_matches_slices(case):
    shape, chunks, selection = case
    a = arange(shape)
    index = block_as_slices(expand(selection, len(shape)), shape, chunks)
    indexer = BlockIndexer(selection, shape, chunks)

    def np_write(x, v):
        x[index] = v

    check_read_write(indexer, a, chunks, lambda x: x[index], np_write)


@FAST
@given(basic_cases())
def test_basic_dim_indexers_describe_projections(case):
    shape, chunks, selection = case
    indexer = BasicIndexer(selection, shape, chunks)
    assert len(indexer.dim_indexers) == len(shape)
    assert indexer.nchunks == int(np.prod([d.nchunks for d in indexer.dim_indexers]))
    for d in indexer.dim_indexers:
        assert len(d.dim_chunk_ixs) == len(d.dim_chunk_sels) == len(d.dim_out_sels)
        for proj in d:
            if not d.drops:
                # output runs are increasing step-1 slices, even for negative steps
                assert (
                    proj.dim_out_sel.step is None and proj.dim_out_sel.start < proj.dim_out_sel.stop
                )
    grid = indexer.aligned_grid
    if grid is not None:
        # whole chunks, laid side by side in C order over the grid
        projections = list(indexer)
        assert len(projections) == int(np.prod(grid))
        first = projections[0].chunk_coords if projections else ()
        for i, p in enumerate(projections):
            extent = chunk_extent(p.chunk_coords, shape, chunks)
            assert is_total_slice(p.chunk_selection, extent)
            position = np.unravel_index(i, grid)
            assert tuple(c - f for c, f in zip(p.chunk_coords, first)) == tuple(position)


@FAST
@given(shapes_and_chunks(), st.data())
def test_total_slice_agrees_with_coverage(grid, data):
    shape, chunks = grid
    items = [data.draw(basic_items(n)) for n in chunks]
    selection = tuple(items)
    covered = np.zeros(chunks, dtype=bool)
    covered[selection] = True
    assert is_total_slice(selection, chunks) == bool(covered.all())


# -- dispatch --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selection", "shape", "mode"),
    [
        (slice(None), (5, 4), "basic"),
        ((1, slice(2, 3), Ellipsis), (5, 4, 3), "basic"),
        ((), (), "basic"),
        (Ellipsis, (), "basic"),
        (np.int64(2), (5,), "basic"),
        ((None, 1), (5, 4), "basic"),  # BasicIndexer reports the newaxis
        ([0, 2], (5,), "coordinate"),
        (np.array([[0, 2]]), (5,), "coordinate"),
        (([0, 2], [1, 3]), (5, 4), "coordinate"),
        ((1, [1, 3]), (5, 4), "coordinate"),
        (([0, 2],), (5,), "coordinate"),
        ([0, 2], (5, 4), "orthogonal"),
        (([0, 2], slice(None)), (5, 4), "orthogonal"),
        ((slice(None), [1, 3]), (5, 4), "orthogonal"),
        ((Ellipsis, [1, 3]), (5, 4, 3), "orthogonal"),
        ((0, slice(None), np.array([True, False, True])), (5, 4, 3), "orthogonal"),
        (np.array([True, False, True, False, True]), (5, 4), "orthogonal"),
        (([True, False, True, False, True], [0, 1]), (5, 4), "orthogonal"),
        (np.ones((5, 4), dtype=bool), (5, 4), "mask"),
        ((np.ones((5, 4), dtype=bool),), (5, 4), "mask"),
        (np.array([True, False]), (5,), "mask"),  # MaskIndexer reports the length
        ([True, False, True, False, True], (5,), "mask"),
    ],
)
def test_classify_selection(selection, shape, mode):
    assert classify_selection(selection, shape) == mode


@pytest.mark.parametrize(
    ("selection", "shape"),
    [
        (([0, 2], [1, 3]), (5, 4)),
        ((1, [1, 3]), (5, 4)),
        (([0, 2], slice(None)), (5, 4)),
        ((slice(1, None), [3, 0, 0]), (5, 4)),
        ([4, 0, 2], (5,)),
        (np.array([[0, 2], [1, 1]]), (5,)),
        (np.array([True, False, True, False, True]), (5, 4)),
        (np.arange(20).reshape(5, 4) % 3 == 0, (5, 4)),
    ],
)
def test_classified_selection_matches_numpy(selection, shape):
    """Where zarr's square-bracket dispatch and NumPy agree, the result is NumPy's."""
    a = arange(shape)
    chunks = (2,) * len(shape)
    indexer = make_indexer(classify_selection(selection, shape), selection, shape, chunks)
    np.testing.assert_array_equal(read(indexer, to_chunks(a, chunks)), a[selection])


def test_classify_selection_orthogonal_where_numpy_differs():
    # NumPy moves the broadcast axis of separated advanced indices first; zarr does not
    shape = (5, 4, 3)
    assert classify_selection((0, slice(None), [1, 2]), shape) == "orthogonal"
    indexer = OrthogonalIndexer((0, slice(None), [1, 2]), shape, (2, 2, 2))
    assert indexer.shape == (4, 2)


def test_classify_selection_errors():
    with pytest.raises(IndexSelectionError, match=r"several index arrays.*\.oindex.*\.vindex"):
        classify_selection(([0, 1], slice(None), [1, 2]), (5, 4, 3))
    with pytest.raises(IndexSelectionError, match=r"shape \(2, 2\).*2-dimensional.*vindex"):
        classify_selection(np.array([[0, 1], [1, 0]]), (5, 4))


def test_classify_vindex():
    assert classify_vindex(np.zeros((3, 4), dtype=bool)) == "mask"
    assert classify_vindex((np.zeros(3, dtype=bool),)) == "mask"
    assert classify_vindex([True, False]) == "mask"
    assert classify_vindex(([0, 1], [2, 3])) == "coordinate"
    assert classify_vindex([0, 1]) == "coordinate"


def test_make_indexer_modes():
    assert isinstance(make_indexer("basic", 0, (4,), (2,)), BasicIndexer)
    assert isinstance(make_indexer("orthogonal", [0], (4,), (2,)), OrthogonalIndexer)
    assert isinstance(make_indexer("coordinate", [0], (4,), (2,)), CoordinateIndexer)
    assert isinstance(make_indexer("mask", [True] * 4, (4,), (2,)), MaskIndexer)
    assert isinstance(make_indexer("block", 0, (4,), (2,)), BlockIndexer)
    with pytest.raises(ValueError, match="unknown indexing mode 'fancy'.*basic"):
        make_indexer("fancy", 0, (4,), (2,))


# -- projection conventions ------------------------------------------------------------


def test_basic_full_read_projections():
    indexer = BasicIndexer(slice(None), (10, 7), (4, 3))
    assert indexer.shape == (10, 7) and indexer.nchunks == 9 and indexer.aligned_grid == (3, 3)
    first, *_, last = list(indexer)
    assert first.chunk_coords == (0, 0)
    assert first.chunk_selection == (slice(0, 4), slice(0, 3))
    assert first.out_selection == (slice(0, 4), slice(0, 3))
    assert last.chunk_coords == (2, 2)
    assert last.chunk_selection == (slice(0, 2), slice(0, 1))
    assert last.out_selection == (slice(8, 10), slice(6, 7))


def test_negative_step_projection():
    indexer = BasicIndexer(slice(None, None, -3), (10,), (4,))
    assert [tuple(p) for p in indexer] == [
        ((2,), (slice(1, 0, -3),), (slice(0, 1),)),
        ((1,), (slice(2, 1, -3),), (slice(1, 2),)),
        ((0,), (slice(3, None, -3),), (slice(2, 4),)),
    ]


def test_integer_drops_axis_in_basic_mode():
    indexer = BasicIndexer((5, slice(1, 3)), (10, 7), (4, 3))
    assert indexer.shape == (2,) and indexer.drop_axes == ()
    (p,) = list(indexer)
    assert p.chunk_coords == (1, 0) and p.chunk_selection == (1, slice(1, 3))
    assert p.out_selection == (slice(0, 2),)
    assert indexer.aligned_grid is None


def test_zero_dimensional_array():
    for selection in [(), Ellipsis]:
        indexer = BasicIndexer(selection, (), ())
        assert indexer.shape == () and indexer.nchunks == 1
        assert list(indexer) == [((), (), ())]


def test_zero_length_dimension():
    indexer = BasicIndexer(slice(None), (0, 5), (3, 2))
    assert indexer.shape == (0, 5) and indexer.nchunks == 0 and list(indexer) == []


def test_orthogonal_single_array_uses_slices_for_integers():
    indexer = OrthogonalIndexer((1, slice(None), [2, 0]), (4, 3, 3), (2, 3, 3))
    assert indexer.shape == (3, 2) and indexer.drop_axes == (0,) and not indexer.is_basic
    (p,) = list(indexer)
    assert p.chunk_selection[0] == slice(1, 2)
    assert p.chunk_selection[1] == slice(0, 3)
    np.testing.assert_array_equal(p.chunk_selection[2], [2, 0])


def test_orthogonal_several_arrays_are_ix():
    indexer = OrthogonalIndexer(([3, 0], [1, 2]), (4, 4), (2, 2))
    assert indexer.nchunks == 4
    for p in indexer:
        assert all(isinstance(s, np.ndarray) for s in p.chunk_selection)
        assert p.chunk_selection[0].shape == (1, 1) and p.chunk_selection[1].shape == (1, 1)


def test_orthogonal_without_arrays_is_basic():
    indexer = OrthogonalIndexer((1, slice(None)), (4, 3), (2, 2))
    assert indexer.is_basic and indexer.drop_axes == () and indexer.shape == (3,)


def test_int_array_dim_indexer_groups_by_chunk():
    d = IntArrayDimIndexer(np.array([3, 1, 2, 7, 5]), 8, 4)
    # chunk numbers never decrease, so output runs stay slices
    assert d.dim_chunk_ixs == (0, 1)
    assert d.dim_out_sels == (slice(0, 3), slice(3, 5))
    np.testing.assert_array_equal(d.dim_chunk_sels[1], [3, 1])
    d = IntArrayDimIndexer(np.array([7, 1, 6, 1]), 8, 4)
    assert d.dim_chunk_ixs == (0, 1)
    np.testing.assert_array_equal(d.dim_out_sels[0], [1, 3])
    np.testing.assert_array_equal(d.dim_out_sels[1], [0, 2])


def test_slice_dim_indexer_large_step_skips_chunks():
    d = SliceDimIndexer(slice(1, None, 1000), 10**6, 10)
    assert d.nitems == 1000 and d.nchunks == 1000
    assert d.dim_chunk_ixs[:2] == (0, 100) and d.dim_chunk_sels[1] == slice(1, 2)


def test_int_dim_indexer():
    d = IntDimIndexer(9, 10, 4)
    assert d.drops and list(d) == [(2, 1, None)]


def test_coordinate_sorted_points_use_slices():
    indexer = CoordinateIndexer(([0, 1, 5, 6], [0, 0, 1, 1]), (8, 2), (4, 2))
    ps = list(indexer)
    assert [p.chunk_coords for p in ps] == [(0, 0), (1, 0)]
    assert [p.out_selection for p in ps] == [slice(0, 2), slice(2, 4)]
    np.testing.assert_array_equal(ps[1].chunk_selection[0], [1, 2])


def test_coordinate_unsorted_points_and_shape():
    indexer = CoordinateIndexer(([[5, 0], [6, 1]], 1), (8, 2), (4, 2))
    assert indexer.shape == (2, 2) and indexer.out_shape == (4,) and indexer.nchunks == 2
    ps = list(indexer)
    np.testing.assert_array_equal(ps[0].out_selection, [1, 3])
    np.testing.assert_array_equal(ps[1].out_selection, [0, 2])


def test_coordinate_duplicate_writes_last_wins():
    shape, chunks = (6,), (4,)
    selection = [5, 1, 5, 1, 2]
    store = to_chunks(np.zeros(shape, dtype=np.int64), chunks)
    write(CoordinateIndexer(selection, shape, chunks), store, np.arange(5) + 10)
    np.testing.assert_array_equal(from_chunks(store, shape, chunks), [0, 13, 14, 0, 0, 12])


def test_mask_indexer_shape():
    mask = np.zeros((3, 4), dtype=bool)
    mask[0, 1] = mask[2, 3] = True
    indexer = MaskIndexer(mask, (3, 4), (2, 2))
    assert indexer.shape == indexer.out_shape == (2,)
    assert [p.chunk_coords for p in indexer] == [(0, 0), (1, 1)]


def test_block_indexer_whole_blocks():
    indexer = BlockIndexer((1, slice(1, 3)), (10, 10), (3, 3))
    assert indexer.shape == (3, 6)
    assert [p.chunk_coords for p in indexer] == [(1, 1), (1, 2)]
    assert BlockIndexer(-1, (10,), (3,)).shape == (1,)
    assert BlockIndexer(slice(2, None), (10,), (3,)).shape == (4,)


def test_expand_for_write():
    piece = np.arange(6).reshape(2, 3)
    assert expand_for_write(piece, ()) is piece
    assert expand_for_write(piece, (0, 2)).shape == (1, 2, 1, 3)
    assert expand_for_write(5, (1,)) == 5


def test_is_total_slice():
    assert is_total_slice(Ellipsis, (3, 4))
    assert is_total_slice((slice(None), slice(0, 4)), (3, 4))
    assert is_total_slice((slice(None, None, -1), slice(0, 10)), (3, 4))
    assert is_total_slice(slice(None), (3, 4))
    assert is_total_slice((0, slice(None)), (1, 4))
    assert not is_total_slice((0, slice(None)), (2, 4))
    assert not is_total_slice((slice(0, 2), slice(None)), (3, 4))
    assert not is_total_slice((slice(None, None, 2),), (3,))
    assert not is_total_slice((np.arange(3),), (3,))
    assert not is_total_slice((slice(None),) * 3, (3, 4))


def test_grid_helpers():
    assert grid_shape((10, 0, 9), (3, 2, 9)) == (4, 0, 1)
    assert chunk_extent((3, 0), (10, 5), (3, 5)) == (1, 5)
    assert check_grid([np.int64(4)], [2]) == ((4,), (2,))
    assert check_grid((0,), (0,)) == ((0,), (0,))
    with pytest.raises(ValueError, match="one length per dimension"):
        check_grid((4, 4), (2,))
    with pytest.raises(ValueError, match="length < 1 in dimension 0"):
        check_grid((4,), (0,))
    with pytest.raises(ValueError, match="negative length in dimension 1"):
        check_grid((4, -1), (2, 2))


# -- errors ----------------------------------------------------------------------------


def test_normalize_integer():
    assert normalize_integer(-1, 5, 0) == 4
    assert normalize_integer(np.uint8(3), 5, 0) == 3
    with pytest.raises(
        BoundsCheckError, match="index 5 is out of bounds for dimension 2 with size 5"
    ):
        normalize_integer(5, 5, 2)
    with pytest.raises(BoundsCheckError, match="index -6 is out of bounds"):
        normalize_integer(-6, 5, 0)
    with pytest.raises(IndexSelectionError, match="expected an integer index in dimension 0"):
        normalize_integer(1.5, 5, 0)
    with pytest.raises(IndexSelectionError, match="expected an integer"):
        normalize_integer(True, 5, 0)


@pytest.mark.parametrize("cls", [BasicIndexer, OrthogonalIndexer, BlockIndexer])
def test_common_errors(cls):
    with pytest.raises(IndexSelectionError, match=r"newaxis \(None\) is not supported"):
        cls((None, 0), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="single Ellipsis"):
        cls((Ellipsis, Ellipsis), (4, 4), (2, 2))
    with pytest.raises(
        IndexSelectionError,
        match="too many indices for array: array is 2-dimensional, but 3 were indexed",
    ):
        cls((0, 0, 0), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="too many indices.*0-dimensional, but 1"):
        cls(slice(None), (), ())
    with pytest.raises(IndexSelectionError, match=r"slice step cannot be zero \(dimension 1\)"):
        cls((0, slice(None, None, 0)), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="slice start in dimension 0 must be an integer"):
        cls(slice(1.5, None), (4,), (2,))
    with pytest.raises(
        BoundsCheckError, match="index -5 is out of bounds for dimension 1 with size"
    ):
        cls((0, -5), (4, 4), (2, 2))


def test_basic_errors():
    with pytest.raises(
        IndexSelectionError, match=r"basic indexing in dimension 1.*list \[0, 1\].*\.oindex"
    ):
        BasicIndexer((0, [0, 1]), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="basic indexing in dimension 0.*float 1.5"):
        BasicIndexer(1.5, (4,), (2,))
    with pytest.raises(IndexSelectionError, match="basic indexing.*bool True"):
        BasicIndexer(True, (4,), (2,))
    with pytest.raises(
        BoundsCheckError, match="index 4 is out of bounds for dimension 0 with size 4"
    ):
        BasicIndexer(4, (4,), (2,))


def test_orthogonal_errors():
    with pytest.raises(
        IndexSelectionError, match=r"must be 1-dimensional.*shape \(1, 2\) in dimension 0"
    ):
        OrthogonalIndexer(np.array([[0, 1]]), (4, 4), (2, 2))
    with pytest.raises(
        IndexSelectionError,
        match="boolean array of length 3 does not match dimension 1 of length 4",
    ):
        OrthogonalIndexer((slice(None), [True, False, True]), (4, 4), (2, 2))
    with pytest.raises(
        BoundsCheckError, match="index 4 is out of bounds for dimension 1 with size 4"
    ):
        OrthogonalIndexer((slice(None), [0, 4, 9]), (4, 4), (2, 2))
    with pytest.raises(BoundsCheckError, match="index -5 is out of bounds for dimension 0"):
        OrthogonalIndexer(np.array([-5, 0]), (4,), (2,))
    with pytest.raises(IndexSelectionError, match="integer or boolean dtype.*float64"):
        OrthogonalIndexer([0.5, 1.0], (4,), (2,))
    with pytest.raises(IndexSelectionError, match="index list cannot be made into an array"):
        OrthogonalIndexer([[0, 1], [2]], (4,), (2,))
    with pytest.raises(IndexSelectionError, match="orthogonal indexing in dimension 0.*str 'a'"):
        OrthogonalIndexer(("a",), (4,), (2,))


def test_coordinate_errors():
    with pytest.raises(
        IndexSelectionError, match="one integer array per dimension.*2-dimensional but 1"
    ):
        CoordinateIndexer([0, 1], (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match=r"could not be broadcast.*\(2,\), \(3,\)"):
        CoordinateIndexer(([0, 1], [0, 1, 2]), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="boolean array in dimension 1"):
        CoordinateIndexer(([0, 1], [True, False, True, True]), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="coordinate indexing in dimension 1.*slice"):
        CoordinateIndexer(([0, 1], slice(None)), (4, 4), (2, 2))
    with pytest.raises(
        BoundsCheckError, match="index 7 is out of bounds for dimension 0 with size 4"
    ):
        CoordinateIndexer(([0, 7], [0, 1]), (4, 4), (2, 2))
    with pytest.raises(BoundsCheckError, match="index -9 is out of bounds for dimension 1"):
        CoordinateIndexer(([0, 1], -9), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="not supported on a 0-dimensional array"):
        CoordinateIndexer((), (), ())


def test_mask_errors():
    with pytest.raises(
        IndexSelectionError, match=r"mask of shape \(3,\) does not match the array shape \(4,\)"
    ):
        MaskIndexer(np.ones(3, dtype=bool), (4,), (2,))
    with pytest.raises(IndexSelectionError, match="needs a single boolean array.*int64"):
        MaskIndexer(np.ones(4, dtype=np.int64), (4,), (2,))
    with pytest.raises(IndexSelectionError, match="needs a single boolean array.*tuple"):
        MaskIndexer((np.ones(4, dtype=bool), np.ones(4, dtype=bool)), (4, 4), (2, 2))
    with pytest.raises(IndexSelectionError, match="not supported on a 0-dimensional array"):
        MaskIndexer(np.array(True), (), ())


def test_block_errors():
    with pytest.raises(
        IndexSelectionError, match="only supports slices with step 1, got step 2 in dimension 0"
    ):
        BlockIndexer(slice(None, None, 2), (10,), (3,))
    with pytest.raises(
        BoundsCheckError, match="index 4 is out of bounds for dimension 0 with size 4"
    ):
        BlockIndexer(4, (10,), (3,))
    with pytest.raises(IndexSelectionError, match="block indexing in dimension 0.*list"):
        BlockIndexer([0, 1], (10,), (3,))


# -- fields ----------------------------------------------------------------------------

STRUCT = np.dtype([("foo", "S3"), ("bar", "i4"), ("baz", "f8", (2,))])


@pytest.mark.parametrize(
    ("selection", "fields", "rest"),
    [
        ("foo", "foo", ()),
        (["foo", "baz"], ["foo", "baz"], ()),
        (("foo", slice(0, 2)), "foo", slice(0, 2)),
        ((slice(0, 2), "foo", "bar"), ["foo", "bar"], slice(0, 2)),
        ((["foo"], 1, 2), ["foo"], (1, 2)),
        (("foo",), "foo", ()),
        ((1, 2), None, (1, 2)),
        (slice(None), None, slice(None)),
        ([0, 1], None, [0, 1]),
    ],
)
def test_pop_fields(selection, fields, rest):
    assert pop_fields(selection) == (fields, rest)


def test_check_fields():
    assert check_fields(None, STRUCT) == STRUCT
    assert check_fields([], STRUCT) == STRUCT
    assert check_fields("bar", STRUCT) == np.dtype("i4")
    assert check_fields("baz", STRUCT) == np.dtype(("f8", (2,)))
    assert check_fields(["baz", "foo"], STRUCT) == np.dtype([("baz", "f8", (2,)), ("foo", "S3")])
    a = np.zeros(3, dtype=STRUCT)
    assert a[["bar", "foo"]].dtype.names == check_fields(["bar", "foo"], STRUCT).names


def test_check_fields_errors():
    with pytest.raises(
        IndexSelectionError,
        match=r"no field named 'qux'; the array's fields are \['foo', 'bar', 'baz'\]",
    ):
        check_fields("qux", STRUCT)
    with pytest.raises(IndexSelectionError, match="no field named 'nope'"):
        check_fields(["foo", "nope"], STRUCT)
    with pytest.raises(
        IndexSelectionError, match=r"cannot select fields 'foo'.*float64 is not structured"
    ):
        check_fields("foo", np.dtype("f8"))
    with pytest.raises(IndexSelectionError, match="must not repeat"):
        check_fields(["foo", "foo"], STRUCT)
    with pytest.raises(IndexSelectionError, match="string or a list of strings, got int"):
        check_fields(3, STRUCT)
