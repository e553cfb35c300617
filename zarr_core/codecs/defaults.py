"""Codec choices for new arrays, and numcodecs objects translated to Zarr v3 codecs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numcodecs.abc import Codec as NumcodecsCodec

from zarr_core.codecs.base import ChunkSpec
from zarr_core.codecs.bytes_codec import endian_of
from zarr_core.codecs.compressors import SHUFFLE_NAMES
from zarr_core.codecs.numcodecs_wrap import ARRAY_ARRAY_IDS, OBJECT_CODEC_IDS
from zarr_core.codecs.pipeline import CodecPipeline
from zarr_core.config import get as config_get
from zarr_core.errors import BadCompressorError, CodecError

__all__ = ["default_v3_codecs", "default_v2_compressor", "v3_codecs_from_numcodecs"]

CodecLike = NumcodecsCodec | Mapping[str, Any]

# zarr-python 2's default: Blosc() with lz4, level 5, byte shuffle.
_V2_DEFAULT = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
# zarr-python 3's default compressor.
_V3_DEFAULT = {"id": "zstd", "level": 0, "checksum": False}
_VLEN = {"string": "vlen-utf8", "bytes": "vlen-bytes"}


def _configured_compressor() -> dict[str, Any] | None:
    configured = config_get("array.default_compressor")
    if configured is None:
        return None
    return _numcodecs_config(configured, "array.default_compressor")


def _numcodecs_config(codec: Any, where: str) -> dict[str, Any]:
    if isinstance(codec, NumcodecsCodec):
        return codec.get_config()
    if isinstance(codec, Mapping) and isinstance(codec.get("id"), str):
        return dict(codec)
    if where == "compressor":
        raise BadCompressorError(codec)
    raise CodecError(f"{where}: expected a numcodecs codec or its config, got {codec!r}")


def default_v2_compressor(dtype: npt.DTypeLike) -> dict[str, Any] | None:
    """The ``compressor`` of a new v2 array: ``array.default_compressor`` if set, else
    zarr-python 2's Blosc (lz4, level 5, byte shuffle).

    Parameters
    ----------
    dtype
        The array's dtype. zarr-python 2 uses one default for every dtype, and so do we;
        the parameter mirrors :func:`default_v3_codecs`.
    """
    return _configured_compressor() or dict(_V2_DEFAULT)


def default_v3_codecs(
    dtype: npt.DTypeLike, object_kind: Literal["string", "bytes"] | None = None
) -> list[dict[str, Any]]:
    """The ``codecs`` of a new v3 array, as zarr-python 3 chooses them.

    ``bytes`` (little-endian where it matters, whatever the dtype's order) or, for strings and bytes, ``vlen-utf8`` /
    ``vlen-bytes``, then ``zstd`` level 0, or the compressor ``array.default_compressor``
    names.

    Parameters
    ----------
    dtype
        The array's dtype.
    object_kind
        For object dtypes: ``"string"`` or ``"bytes"``.

    Raises
    ------
    CodecError
        For an object dtype without a usable ``object_kind``.
    """
    # zarr-python 3 stores new arrays little-endian whatever the dtype's byte order.
    little = np.dtype(dtype).newbyteorder("<")
    compressor = _configured_compressor() or _V3_DEFAULT
    return v3_codecs_from_numcodecs(compressor, None, little, object_kind=object_kind)


def v3_codecs_from_numcodecs(
    compressor: CodecLike | None,
    filters: Sequence[CodecLike] | None,
    dtype: npt.DTypeLike,
    order: Literal["C", "F"] = "C",
    *,
    ndim: int = 1,
    object_kind: Literal["string", "bytes"] | None = None,
) -> list[dict[str, Any]]:
    """Translate v2-style ``compressor``/``filters`` arguments into a v3 ``codecs`` list.

    ``Blosc``, ``GZip`` and ``Zstd`` become the standard ``blosc``/``gzip``/``zstd``
    codecs (blosc's ``typesize`` from the dtype, AUTOSHUFFLE resolved to bit-shuffle for
    one-byte elements, byte-shuffle otherwise), ``VLenUTF8``/``VLenBytes`` become
    ``vlen-utf8``/``vlen-bytes``, any other codec ``numcodecs.<id>``. ``order="F"`` adds a
    reversing ``transpose`` first; a big-endian dtype gives ``bytes`` with ``endian: big``.

    Parameters
    ----------
    compressor
        A numcodecs codec (or config dict), or ``None`` for no compression.
    filters
        numcodecs codecs (or config dicts) applied before the compressor.
    dtype
        The array's dtype.
    order
        ``"C"`` or ``"F"``.
    ndim
        Number of array dimensions (needed for ``order="F"``).
    object_kind
        For object dtypes without a vlen filter: ``"string"`` or ``"bytes"``.

    Returns
    -------
    list of dict
        The v3 codecs, validated, with every default filled in.

    Raises
    ------
    BadCompressorError
        If ``compressor`` is not a codec.
    CodecError
        If something cannot be expressed in v3 (pickle, JSON, msgpack, vlen-array,
        categorize: use ``zarr_format=2``).
    """
    dtype = np.dtype(dtype)
    if order not in ("C", "F"):
        raise CodecError(f"order must be 'C' or 'F', got {order!r}")
    array_array: list[dict[str, Any]] = []
    array_bytes: dict[str, Any] | None = None
    bytes_bytes: list[dict[str, Any]] = []
    if order == "F" and ndim > 1:
        array_array.append(
            {"name": "transpose", "configuration": {"order": list(range(ndim))[::-1]}}
        )
    for i, codec in enumerate(filters or []):
        config = _numcodecs_config(codec, f"filters[{i}]")
        codec_id = config["id"]
        if codec_id in _VLEN.values():
            if i != 0:
                raise CodecError(f"filters[{i}]: {codec_id!r} must be the first filter")
            array_bytes = {"name": codec_id, "configuration": {}}
        elif codec_id in OBJECT_CODEC_IDS:
            raise CodecError(
                f"filters[{i}]: the object codec {codec_id!r} cannot be expressed in Zarr v3, "
                "which stores only strings and bytes in object arrays; use zarr_format=2"
            )
        elif codec_id in ARRAY_ARRAY_IDS:
            array_array.append(_numcodecs_v3(config))
        else:
            bytes_bytes.append(_compressor_v3(config))
    if compressor is not None:
        bytes_bytes.append(_compressor_v3(_numcodecs_config(compressor, "compressor")))
    is_object = dtype.hasobject or dtype.kind == "T"
    if array_bytes is None:
        if is_object:
            kind = object_kind or ("string" if dtype.kind == "T" else None)
            if kind not in _VLEN:
                raise CodecError(
                    "Zarr v3 stores object arrays only as variable-length strings or bytes: "
                    "pass object_kind='string' or 'bytes' (or a VLenUTF8/VLenBytes filter); "
                    "use zarr_format=2 with an object codec for other Python objects"
                )
            array_bytes = {"name": _VLEN[kind], "configuration": {}}
        else:
            endian = endian_of(dtype)
            array_bytes = {"name": "bytes"}
            if endian is not None:
                array_bytes["configuration"] = {"endian": endian}
    codecs = [*array_array, array_bytes, *bytes_bytes]
    kind = {name: kind for kind, name in _VLEN.items()}.get(array_bytes["name"])
    spec = ChunkSpec((1,) * max(ndim, 1), dtype, object_kind=kind)
    # Building the pipeline validates the chain and fills in what depends on the dtype
    # (blosc typesize and shuffle, numcodecs filter dtypes).
    return CodecPipeline.from_v3(codecs, spec).to_json()


def _numcodecs_v3(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"numcodecs.{config['id']}",
        "configuration": {k: v for k, v in config.items() if k != "id"},
    }


def _compressor_v3(config: dict[str, Any]) -> dict[str, Any]:
    codec_id = config["id"]
    if codec_id == "blosc":
        blosc = {k: config[k] for k in ("cname", "clevel", "blocksize", "typesize") if k in config}
        shuffle = config.get("shuffle", 1)
        if shuffle != -1:  # AUTOSHUFFLE: leave it to the blosc codec, which decides by typesize
            names = {v: k for k, v in SHUFFLE_NAMES.items()}
            if shuffle not in names:
                raise CodecError(f"blosc shuffle must be -1, 0, 1 or 2, got {shuffle!r}")
            blosc["shuffle"] = names[shuffle]
        blosc.setdefault("cname", "lz4")
        blosc.setdefault("clevel", 5)
        return {"name": "blosc", "configuration": blosc}
    if codec_id == "gzip":
        return {"name": "gzip", "configuration": {"level": config.get("level", 1)}}
    if codec_id == "zstd":
        return {
            "name": "zstd",
            "configuration": {
                "level": config.get("level", 0),
                "checksum": config.get("checksum", False),
            },
        }
    return _numcodecs_v3(config)
