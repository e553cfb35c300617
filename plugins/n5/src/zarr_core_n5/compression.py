"""N5 block compressions: validation, numcodecs equivalents, compress and bounded decompress.

An N5 ``compression`` object is ``{"type": ..., <parameters>}``; the legacy key
``compressionType`` (N5 before 2.0) names the type alone. The stdlib handles gzip, bzip2
and xz; numcodecs handles blosc and zstd; ``lz4`` is the framing of Java's
``LZ4BlockOutputStream`` (:mod:`zarr_core_n5.lz4block`), not numcodecs' LZ4.

Decompression is bounded: the block header says how many bytes the payload decodes to,
and no decompressor is allowed to produce more (no decompression bombs).
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from zarr_core_n5.errors import N5MetadataError

__all__ = ["TYPES", "compress", "decompress", "from_numcodecs", "normalize", "to_numcodecs"]

#: The compression types zarr-core reads and writes, with their parameter defaults.
TYPES: dict[str, dict[str, Any]] = {
    "raw": {},
    "gzip": {"level": -1, "useZlib": False},
    "bzip2": {"blockSize": 9},
    "xz": {"preset": 6},
    "blosc": {"cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
    "zstd": {"level": 3},
    "lz4": {"blockSize": 65536},
}

_INT_RANGES = {
    ("gzip", "level"): (-1, 9),
    ("bzip2", "blockSize"): (1, 9),
    ("xz", "preset"): (0, 9),
    ("blosc", "clevel"): (0, 9),
    ("blosc", "shuffle"): (0, 2),
    ("blosc", "blocksize"): (0, 2**31 - 1),
    ("zstd", "level"): (-131072, 22),
    ("lz4", "blockSize"): (64, 2**25),
}
_BLOSC_CNAMES = ("blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd")


def normalize(attrs: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The compression of a dataset's attributes, validated, with defaults filled in.

    Accepts ``"compression": {...}`` and the legacy ``"compressionType": "..."``.
    Parameters a type does not define (``nbWorkers`` of n5-zstandard, ...) are kept.

    Raises
    ------
    N5MetadataError
        Naming ``where`` (the dataset's ``attributes.json``) and the bad field.
    """
    if "compression" in attrs:
        config = attrs["compression"]
        if not isinstance(config, Mapping) or not isinstance(config.get("type"), str):
            raise N5MetadataError(
                f"must be an object with a string 'type', got {config!r}",
                key=where,
                field="compression",
            )
        field = "compression"
    elif "compressionType" in attrs:  # N5 < 2.0: the type alone, default parameters
        config = {"type": attrs["compressionType"]}
        field = "compressionType"
    else:
        config = {"type": "raw"}  # Java N5 defaults to raw; so do z5py and tensorstore
        field = "compression"
    kind = config["type"]
    if kind not in TYPES:
        raise N5MetadataError(
            f"unsupported N5 compression type {kind!r}; zarr-core reads {', '.join(TYPES)}",
            key=where,
            field=field,
        )
    out = {"type": kind, **TYPES[kind], **{k: v for k, v in config.items() if k != "type"}}
    for (t, name), (low, high) in _INT_RANGES.items():
        if t == kind and not (type(out[name]) is int and low <= out[name] <= high):
            raise N5MetadataError(
                f"{kind} {name} must be an integer in [{low}, {high}], got {out[name]!r}",
                key=where,
                field=f"{field}.{name}",
            )
    if kind == "gzip" and type(out["useZlib"]) is not bool:
        raise N5MetadataError(
            f"useZlib must be true or false, got {out['useZlib']!r}",
            key=where,
            field=f"{field}.useZlib",
        )
    if kind == "blosc" and out["cname"] not in _BLOSC_CNAMES:
        raise N5MetadataError(
            f"unknown blosc cname {out['cname']!r}; expected one of {', '.join(_BLOSC_CNAMES)}",
            key=where,
            field=f"{field}.cname",
        )
    return out


# -- numcodecs configurations <-> N5 compressions ------------------------------------------
def from_numcodecs(config: Mapping[str, Any] | None, itemsize: int, where: str) -> dict:
    """The N5 compression equivalent to a Zarr v2 ``compressor`` (numcodecs) config.

    The mapping is zarr-python 2's: ``gzip``/``zlib`` -> ``gzip`` with ``useZlib``
    false/true, ``bz2`` -> ``bzip2``, ``lzma`` (xz format) -> ``xz``, ``blosc``, ``zstd``,
    ``lz4`` -> N5's ``lz4``, ``None`` -> ``raw``.

    Raises
    ------
    N5MetadataError
        For a compressor N5 cannot express, naming ``where`` and what it can.
    """
    if config is None:
        return {"type": "raw"}
    cid = config.get("id")
    rest = {k: v for k, v in config.items() if k != "id"}
    level = rest.get("level")
    if cid == "gzip":
        n5 = {"type": "gzip", "level": 1 if level is None else level, "useZlib": False}
    elif cid == "zlib":
        n5 = {"type": "gzip", "level": 1 if level is None else level, "useZlib": True}
    elif cid == "bz2":
        n5 = {"type": "bzip2", "blockSize": 1 if level is None else level}
    elif cid == "lzma" and rest.get("format", 1) == 1 and not rest.get("filters"):
        preset = rest.get("preset")
        n5 = {"type": "xz", "preset": 6 if preset is None else preset}
    elif cid == "blosc":
        shuffle = rest.get("shuffle", 1)
        if shuffle == -1:  # numcodecs AUTOSHUFFLE: bit-shuffle for bytes, else byte-shuffle
            shuffle = 2 if itemsize == 1 else 1
        n5 = {
            "type": "blosc",
            "cname": rest.get("cname", "lz4"),
            "clevel": rest.get("clevel", 5),
            "shuffle": shuffle,
            "blocksize": rest.get("blocksize", 0),
        }
    elif cid == "zstd":
        n5 = {"type": "zstd", "level": 0 if level is None else level}
    elif cid == "lz4":
        n5 = {"type": "lz4", "blockSize": 65536}
    else:
        raise N5MetadataError(
            f"N5 has no compression equivalent to the compressor {dict(config)!r}; use one "
            "of None, gzip, zlib, bz2, lzma (xz format), blosc, zstd or lz4",
            key=where,
            field="compressor",
        )
    return normalize({"compression": n5}, where)


def to_numcodecs(compression: Mapping[str, Any]) -> dict[str, Any] | None:
    """The numcodecs config closest to an N5 compression (for display and zarr-python 2).

    ``None`` for ``raw``; N5's ``lz4`` framing has no numcodecs codec and maps to
    ``{"id": "n5_lz4", ...}``, an id only this plugin reads.
    """
    kind = compression["type"]
    if kind == "raw":
        return None
    if kind == "gzip":
        level = 6 if compression["level"] == -1 else compression["level"]
        return {"id": "zlib" if compression["useZlib"] else "gzip", "level": level}
    if kind == "bzip2":
        return {"id": "bz2", "level": compression["blockSize"]}
    if kind == "xz":
        return {"id": "lzma", "format": 1, "check": -1, "preset": compression["preset"]}
    if kind == "blosc":
        keys = ("cname", "clevel", "shuffle", "blocksize")
        return {"id": "blosc", **{k: compression[k] for k in keys}}
    if kind == "zstd":
        return {"id": "zstd", "level": compression["level"]}
    return {"id": "n5_lz4", "blockSize": compression["blockSize"]}


# -- compress / decompress ------------------------------------------------------------------
def compress(compression: Mapping[str, Any], data: np.ndarray) -> bytes:
    """Compress the big-endian payload ``data`` (an array, so blosc sees its itemsize)."""
    kind = compression["type"]
    if kind == "raw":
        return data.tobytes()
    if kind == "gzip":
        level = compression["level"]
        # wbits 31 writes a gzip header (Java's GZIPOutputStream), 15 a zlib one.
        packer = zlib.compressobj(
            6 if level == -1 else level, zlib.DEFLATED, 15 if compression["useZlib"] else 31
        )
        return packer.compress(data) + packer.flush()
    if kind == "bzip2":
        return bz2.compress(data, compression["blockSize"])
    if kind == "xz":
        return lzma.compress(data, format=lzma.FORMAT_XZ, preset=compression["preset"])
    if kind == "lz4":
        from zarr_core_n5 import lz4block

        return lz4block.compress(memoryview(data).cast("B"), compression["blockSize"])
    return bytes(_numcodec(compression).encode(data))


def decompress(compression: Mapping[str, Any], payload: bytes | memoryview, nbytes: int) -> bytes:
    """Decompress a block payload that must decode to exactly ``nbytes`` bytes.

    Raises
    ------
    ValueError
        If the payload decodes to another size (or would decode to more).
    """
    kind = compression["type"]
    if kind == "raw":
        out = bytes(payload)
    elif kind == "gzip":
        # wbits 47 accepts both headers: files claiming one and holding the other exist.
        out = _bounded(zlib.decompressobj(47).decompress, payload, nbytes)
    elif kind == "bzip2":
        out = _bounded(bz2.BZ2Decompressor().decompress, payload, nbytes)
    elif kind == "xz":
        out = _bounded(lzma.LZMADecompressor().decompress, payload, nbytes)
    elif kind == "lz4":
        from zarr_core_n5 import lz4block

        out = lz4block.decompress(payload, nbytes)
    else:
        codec = _numcodec(compression)
        if kind == "blosc":
            _check_blosc_size(payload, nbytes)
        out = bytes(codec.decode(payload))
    if len(out) != nbytes:
        raise ValueError(
            f"the {kind} payload decodes to {len(out)} bytes, the block header says {nbytes}"
        )
    return out


def _bounded(decode: Callable[..., bytes], payload: Any, nbytes: int) -> bytes:
    # One byte more than expected is enough to tell "too long" without inflating a bomb.
    return decode(payload, nbytes + 1)


def _check_blosc_size(payload: Any, nbytes: int) -> None:
    # Blosc's own header holds the decoded size (bytes 4-7); refuse before allocating.
    if len(payload) >= 8:
        declared = int.from_bytes(bytes(payload[4:8]), "little")
        if declared != nbytes:
            raise ValueError(
                f"the blosc payload declares {declared} bytes, the block header says {nbytes}"
            )


_CODECS: dict[tuple, Any] = {}


def _numcodec(compression: Mapping[str, Any]) -> Any:
    key = tuple(sorted((k, v) for k, v in compression.items()))
    codec = _CODECS.get(key)
    if codec is None:
        import numcodecs

        if compression["type"] == "blosc":
            keys = ("cname", "clevel", "shuffle", "blocksize")
            codec = numcodecs.Blosc(**{k: compression[k] for k in keys})
        else:
            codec = numcodecs.Zstd(level=compression["level"])
        _CODECS[key] = codec
    return codec
