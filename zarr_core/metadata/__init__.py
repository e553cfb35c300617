"""Zarr v2 and v3 metadata documents: parse, validate, write and convert.

Nothing here touches a store: callers pass the bytes of ``.zarray``/``.zgroup``/
``.zattrs``/``zarr.json`` in and get bytes out.
"""

from zarr_core.metadata.chunk_keys import ChunkKeyEncoding
from zarr_core.metadata.convert import v2_to_v3, v3_to_v2
from zarr_core.metadata.dtypes import (
    ObjectKind,
    normalize_v3_data_type,
    numpy_from_v2,
    numpy_from_v3,
    v2_from_numpy,
    v2_object_kind,
    v3_data_type_name,
    v3_from_numpy,
    v3_object_kind,
)
from zarr_core.metadata.fill_value import (
    decode_fill_value_v2,
    decode_fill_value_v3,
    default_fill_value,
    encode_fill_value_v2,
    encode_fill_value_v3,
    normalize_fill_value,
)
from zarr_core.metadata.protocol import ArrayMetadata
from zarr_core.metadata.v2 import (
    ArrayMetadataV2,
    GroupMetadataV2,
    decode_attributes,
    encode_attributes,
)
from zarr_core.metadata.v3 import ArrayMetadataV3, GroupMetadataV3, parse_node_v3

__all__ = [
    "ArrayMetadata",
    "ArrayMetadataV2",
    "ArrayMetadataV3",
    "ChunkKeyEncoding",
    "GroupMetadataV2",
    "GroupMetadataV3",
    "ObjectKind",
    "decode_attributes",
    "decode_fill_value_v2",
    "decode_fill_value_v3",
    "default_fill_value",
    "encode_attributes",
    "encode_fill_value_v2",
    "encode_fill_value_v3",
    "normalize_fill_value",
    "normalize_v3_data_type",
    "numpy_from_v2",
    "numpy_from_v3",
    "parse_node_v3",
    "v2_from_numpy",
    "v2_object_kind",
    "v2_to_v3",
    "v3_data_type_name",
    "v3_from_numpy",
    "v3_object_kind",
    "v3_to_v2",
]
