"""Translate selections on a chunked N-d array into per-chunk projections.

Pure NumPy, with no knowledge of stores or codecs. An indexer is built from a
selection, the array shape and the (regular) chunk shape, and yields one
`ChunkProjection` per chunk touched; `zarr_core.indexing.projection` documents how an
engine applies them for reads and writes. Modes:

``basic``       integers, slices (any non-zero step), Ellipsis -- `BasicIndexer`
``orthogonal``  per-axis integers, slices, 1-d integer or boolean arrays -- `OrthogonalIndexer`
``coordinate``  broadcast integer arrays, one per dimension (points) -- `CoordinateIndexer`
``mask``        a boolean array of the array's shape -- `MaskIndexer`
``block``       integers and step-1 slices over the chunk grid -- `BlockIndexer`

`classify_selection` and `classify_vindex` pick the mode for ``z[...]`` and
``z.vindex[...]``; `pop_fields` and `check_fields` handle structured-dtype fields.
"""

from zarr_core.indexing._dims import (
    ChunkDimProjection,
    DimIndexer,
    IntArrayDimIndexer,
    IntDimIndexer,
    SliceDimIndexer,
)
from zarr_core.indexing._normalize import normalize_integer
from zarr_core.indexing.basic import BasicIndexer
from zarr_core.indexing.block import BlockIndexer
from zarr_core.indexing.coordinate import CoordinateIndexer, MaskIndexer
from zarr_core.indexing.dispatch import classify_selection, classify_vindex, make_indexer
from zarr_core.indexing.fields import check_fields, pop_fields
from zarr_core.indexing.grid import check_grid, chunk_extent, grid_shape
from zarr_core.indexing.orthogonal import OrthogonalIndexer
from zarr_core.indexing.projection import (
    ChunkProjection,
    Indexer,
    expand_for_write,
    is_total_slice,
)

__all__ = [
    "BasicIndexer",
    "BlockIndexer",
    "ChunkDimProjection",
    "ChunkProjection",
    "CoordinateIndexer",
    "DimIndexer",
    "Indexer",
    "IntArrayDimIndexer",
    "IntDimIndexer",
    "MaskIndexer",
    "OrthogonalIndexer",
    "SliceDimIndexer",
    "check_fields",
    "check_grid",
    "chunk_extent",
    "classify_selection",
    "classify_vindex",
    "expand_for_write",
    "grid_shape",
    "is_total_slice",
    "make_indexer",
    "normalize_integer",
    "pop_fields",
]
