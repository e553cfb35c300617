"""Convert array metadata between Zarr v2 and v3 (the documents only, not the chunks).

Codec mapping:

* v2 ``order="F"`` <-> a leading ``transpose`` with order ``[n-1, ..., 0]``.
* the dtype's byte order <-> ``bytes`` ``endian``; ``vlen-utf8``/``vlen-bytes`` object
  codecs (v2 first filter) <-> the v3 array->bytes codecs of the same name.
* ``blosc``, ``gzip``, ``zstd`` and ``crc32c`` (checksum at the end) <-> the standard v3
  codecs; any other numcodecs id <-> ``numcodecs.<id>``, as zarr-python 3 names them.
  v3 blosc needs ``typesize`` and a shuffle name: v2's auto shuffle (-1) becomes
  bit-shuffle for 1-byte items and byte-shuffle otherwise, as blosc itself decides.
* Chunk keys: v2 -> v3 uses the ``v2`` chunk key encoding, so chunks stay where they are.
  v3 -> v2 keeps the separator; with the ``default`` encoding the keys lose their
  ``c/`` prefix, so whoever converts a stored array must move its chunks.
* Dimension names travel as xarray's ``_ARRAY_DIMENSIONS`` attribute in v2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zarr_core.errors import MetadataError
from zarr_core.metadata.chunk_keys import ChunkKeyEncoding
from zarr_core.metadata.dtypes import v3_from_numpy
from zarr_core.metadata.v2 import ArrayMetadataV2
from zarr_core.metadata.v3 import ArrayMetadataV3

__all__ = ["v2_to_v3", "v3_to_v2"]

_SHUFFLE_NAMES = ("noshuffle", "shuffle", "bitshuffle")
_NUMCODECS_PREFIX = "numcodecs."
_ARRAY_TO_BYTES = frozenset(("bytes", "vlen-utf8", "vlen-bytes", "sharding_indexed"))
# numcodecs ids that take and return bytes; in a v2 filter list they follow the
# array->bytes step in v3. Any other filter is treated as array->array.
_BYTES_CODEC_IDS = frozenset(
    (
        "adler32",
        "base64",
        "blosc",
        "bz2",
        "crc32",
        "crc32c",
        "fletcher32",
        "gzip",
        "jenkins_lookup3",
        "lz4",
        "lzma",
        "shuffle",
        "zlib",
        "zstd",
    )
)
_DIMENSIONS_ATTRIBUTE = "_ARRAY_DIMENSIONS"


def _options(config: dict) -> dict:
    return {k: v for k, v in config.items() if k != "id"}


def _bytes_codec_to_v3(config: dict, typesize: int) -> dict:
    codec_id = config["id"]
    if codec_id == "blosc":
        shuffle = config.get("shuffle", 1)
        if shuffle == -1:
            shuffle = 2 if typesize == 1 else 1
        return {
            "name": "blosc",
            "configuration": {
                "cname": config.get("cname", "lz4"),
                "clevel": config.get("clevel", 5),
                "shuffle": _SHUFFLE_NAMES[shuffle],
                "typesize": typesize,
                "blocksize": config.get("blocksize", 0),
            },
        }
    if codec_id == "gzip":
        return {"name": "gzip", "configuration": {"level": config.get("level", 1)}}
    if codec_id == "zstd":
        options = {"level": config.get("level", 0), "checksum": config.get("checksum", False)}
        return {"name": "zstd", "configuration": options}
    if codec_id == "crc32c" and config.get("location", "end") == "end":
        return {"name": "crc32c"}
    return {"name": _NUMCODECS_PREFIX + codec_id, "configuration": _options(config)}


def _bytes_codec_to_v2(codec: dict, key: str | None) -> dict:
    name, config = codec["name"], codec.get("configuration", {})
    if name == "blosc":
        shuffle = config.get("shuffle", "noshuffle")
        if shuffle not in _SHUFFLE_NAMES:
            raise MetadataError(f"unknown blosc shuffle {shuffle!r}", key=key, field="codecs")
        return {
            "id": "blosc",
            "cname": config.get("cname", "lz4"),
            "clevel": config.get("clevel", 5),
            "shuffle": _SHUFFLE_NAMES.index(shuffle),
            "blocksize": config.get("blocksize", 0),
        }
    if name in ("gzip", "zstd"):
        return {"id": name, **config}
    if name == "crc32c":
        return {"id": "crc32c", "location": "end"}
    return _numcodecs_to_v2(codec, key)


def _numcodecs_to_v2(codec: dict, key: str | None) -> dict:
    name = codec["name"]
    if not name.startswith(_NUMCODECS_PREFIX):
        raise MetadataError(
            f"the codec {name!r} has no Zarr v2 equivalent; keep zarr_format=3",
            key=key,
            field="codecs",
        )
    return {"id": name[len(_NUMCODECS_PREFIX) :], **codec.get("configuration", {})}


def _encoded_itemsize(dtype: np.dtype, array_filters: list[dict]) -> int:
    """Item size of the buffer the bytes codecs see (what v2 blosc takes as typesize)."""
    size = dtype.itemsize
    for config in array_filters:
        target = config.get("astype") or config.get("encode_dtype")
        if target is not None:
            size = np.dtype(target).itemsize
        elif config["id"] == "packbits":
            size = 1
    return size


def _dimension_names(attributes: dict, ndim: int) -> list[str] | None:
    names = attributes.get(_DIMENSIONS_ATTRIBUTE)
    if isinstance(names, list) and len(names) == ndim and all(isinstance(n, str) for n in names):
        return names
    return None


def v2_to_v3(
    meta: ArrayMetadataV2,
    attributes: dict | None = None,
    *,
    dimension_names: list[str | None] | None = None,
) -> ArrayMetadataV3:
    """The v3 metadata of an array stored with the given v2 metadata.

    Parameters
    ----------
    meta
        The ``.zarray`` contents.
    attributes
        The ``.zattrs`` contents.
    dimension_names
        Names for the v3 ``dimension_names``; by default taken from the xarray
        ``_ARRAY_DIMENSIONS`` attribute when it fits.

    Raises
    ------
    MetadataError
        If v3 cannot express the array (object codecs other than vlen-utf8/vlen-bytes,
        array filters after bytes filters, dtypes without a v3 type).
    """
    key = meta.source_key
    attributes = dict(attributes or {})
    data_type, endian = v3_from_numpy(meta.dtype, object_kind=meta.object_kind, key=key)
    filters = list(meta.filters or [])
    codecs: list[dict] = []
    ndim = len(meta.shape)
    if meta.order == "F" and ndim > 1:
        codecs.append({"name": "transpose", "configuration": {"order": list(range(ndim))[::-1]}})
    if meta.dtype.kind == "O":
        # v3_from_numpy has made sure this is vlen-utf8 or vlen-bytes.
        array_to_bytes = {"name": filters.pop(0)["id"], "configuration": {}}
    elif endian is None:
        array_to_bytes = {"name": "bytes"}
    else:
        array_to_bytes = {"name": "bytes", "configuration": {"endian": endian}}
    split = next((i for i, f in enumerate(filters) if f["id"] in _BYTES_CODEC_IDS), len(filters))
    array_filters, bytes_filters = filters[:split], filters[split:]
    late = [f["id"] for f in bytes_filters if f["id"] not in _BYTES_CODEC_IDS]
    if late:
        raise MetadataError(
            f"the array filters {late} follow a bytes filter, which v3 cannot express",
            key=key,
            field="filters",
        )
    codecs += [
        {"name": _NUMCODECS_PREFIX + f["id"], "configuration": _options(f)} for f in array_filters
    ]
    codecs.append(array_to_bytes)
    typesize = 1 if meta.dtype.kind == "O" else _encoded_itemsize(meta.dtype, array_filters)
    bytes_codecs = bytes_filters + ([meta.compressor] if meta.compressor else [])
    codecs += [_bytes_codec_to_v3(c, typesize) for c in bytes_codecs]
    if dimension_names is None:
        dimension_names = _dimension_names(attributes, ndim)
    return ArrayMetadataV3(
        shape=meta.shape,
        data_type=data_type,
        chunk_shape=meta.chunks,
        codecs=codecs,
        fill_value=meta.fill_value,
        chunk_key_encoding=ChunkKeyEncoding("v2", meta.dimension_separator),
        attributes=attributes,
        dimension_names=dimension_names,
        source_key=key,
    )


def v3_to_v2(meta: ArrayMetadataV3) -> tuple[ArrayMetadataV2, dict[str, Any]]:
    """The v2 ``.zarray`` and ``.zattrs`` contents for an array with the given v3 metadata.

    Returns
    -------
    metadata, attributes
        ``attributes`` gains ``_ARRAY_DIMENSIONS`` when all dimension names are strings.

    Raises
    ------
    MetadataError
        If v2 cannot express the array: storage transformers, sharding, a transpose
        other than the full reversal, or v3 codecs without a numcodecs equivalent.
    """
    key = meta.source_key
    if meta.storage_transformers:
        raise MetadataError(
            "Zarr v2 has no storage transformers", key=key, field="storage_transformers"
        )
    ndim = len(meta.shape)
    names = [c["name"] for c in meta.codecs]
    position = next((i for i, n in enumerate(names) if n in _ARRAY_TO_BYTES), None)
    if position is None or names[position] == "sharding_indexed":
        what = "sharding" if position is not None else "a chain without bytes/vlen codec"
        raise MetadataError(
            f"Zarr v2 cannot express {what}; keep zarr_format=3", key=key, field="codecs"
        )
    before = list(meta.codecs[:position])
    order = "C"
    if before and before[0]["name"] == "transpose":
        permutation = list(before.pop(0).get("configuration", {}).get("order", []))
        if permutation == list(range(ndim))[::-1]:
            order = "F"
        elif permutation != list(range(ndim)):
            raise MetadataError(
                f"Zarr v2 can only express a full reversal transpose, not {permutation}",
                key=key,
                field="codecs",
            )
    filters = [_numcodecs_to_v2(c, key) for c in before]
    array_to_bytes = meta.codecs[position]
    dtype = meta.dtype
    if array_to_bytes["name"] == "bytes":
        endian = array_to_bytes.get("configuration", {}).get("endian", "little")
        dtype = dtype.newbyteorder("<" if endian == "little" else ">")
    elif filters:
        raise MetadataError(
            "array filters before a vlen codec cannot be expressed in v2", key=key, field="codecs"
        )
    else:
        filters.append({"id": array_to_bytes["name"]})
    bytes_codecs = [_bytes_codec_to_v2(c, key) for c in meta.codecs[position + 1 :]]
    compressor = bytes_codecs.pop() if bytes_codecs else None
    attributes = dict(meta.attributes)
    if meta.dimension_names is not None and all(isinstance(n, str) for n in meta.dimension_names):
        attributes.setdefault(_DIMENSIONS_ATTRIBUTE, list(meta.dimension_names))
    meta2 = ArrayMetadataV2(
        shape=meta.shape,
        chunks=meta.chunk_shape,
        dtype=dtype,
        compressor=compressor,
        fill_value=meta.fill_value,
        order=order,
        filters=(filters + bytes_codecs) or None,
        dimension_separator=meta.chunk_key_encoding.separator,
        source_key=key,
    )
    return meta2, attributes
