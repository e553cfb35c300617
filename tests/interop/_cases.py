"""The arrays and hierarchies exchanged with other Zarr implementations.

A case is written by one side and read by the other, both ways where the peer can. Each
:class:`ArrayCase` holds the *complete* expected contents: when only ``region`` is
written, everything outside it already equals the fill value, so a reader that mishandles
missing chunks or fill values fails the comparison. Cases are described in the terms of
the Zarr documents (numcodecs configs for format 2, v3 codec dicts for format 3) so that
every implementation can build them from the same description.

Each test module picks the cases its peer supports through :attr:`ArrayCase.features`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ArrayCase",
    "TreeCase",
    "array_cases",
    "tree_cases",
    "NUMERIC_KINDS",
]

Region = tuple[tuple[int, int], ...]

#: dtype kinds every implementation here (tensorstore included) supports.
NUMERIC_KINDS = frozenset("biufc")


@dataclass(frozen=True, eq=False)
class ArrayCase:
    """One array, described independently of the library that writes it.

    ``compressor``/``filters``/``order``/``dimension_separator``/``object_codec`` are
    the format 2 members, ``codecs``/``chunk_key_encoding``/``dimension_names`` the format
    3 ones. ``compressor="default"`` and ``codecs=None`` leave the choice to the writer.
    A format 3 case with ``compressor``/``filters``/``order`` tests zarr-core's
    translation of those arguments into codecs (``expect_codecs``); only zarr-core
    writes it.
    """

    name: str
    fmt: int
    data: np.ndarray
    chunks: tuple[int, ...]
    fill_value: Any = 0
    compressor: dict | None | str = "default"
    filters: tuple[dict, ...] | None = None
    order: str = "C"
    dimension_separator: str | None = None
    object_codec: dict | None = None
    codecs: tuple[dict, ...] | None = None
    chunk_key_encoding: dict | None = None
    dimension_names: tuple[str | None, ...] | None = None
    attributes: dict = field(default_factory=dict)
    #: Write only this region (``((start, stop), ...)``); the rest stays missing.
    region: Region | None = None
    #: Also read this region, to check partial reads of what the other side wrote.
    read_region: Region | None = None
    #: ``False``: create the array but write nothing (every chunk missing).
    write_data: bool = True
    write_empty_chunks: bool | None = None
    #: Chunks (grid indices) that must not be stored, so the case really exercises
    #: missing chunks.
    absent_chunks: tuple[tuple[int, ...], ...] = ()
    #: The ``dtype`` shorthand for object arrays: ``"str"``, ``"bytes"`` or
    #: ``"array:<dtype>"`` (variable-length strings, bytes, numeric arrays).
    object: str | None = None
    #: Format 3 written from v2-style arguments (compressor/filters/order): the codec
    #: names zarr-core's ``zarr.json`` must list.
    expect_codecs: tuple[str, ...] | None = None

    @property
    def id(self) -> str:
        return f"v{self.fmt}-{self.name}"

    @property
    def region_to_read(self) -> Region | None:
        """``read_region``, or a region off the chunk boundaries for arrays of rank >= 1."""
        if self.read_region is not None or self.data.ndim == 0:
            return self.read_region
        return tuple((s // 3, min(s, max(s // 3 + 1, s - s // 4))) for s in self.data.shape)

    @property
    def features(self) -> frozenset[str]:
        """What a library must support to exchange this case (used to select cases)."""
        dtype = self.data.dtype
        kinds = {leaf.kind for leaf in _leaves(dtype)}
        out = {f"kind:{k}" for k in kinds}
        if dtype.names is not None:
            out.add("struct")
            fields = [dtype.fields[name][0] for name in dtype.names]
            if any(f.subdtype is not None for f in fields):
                out.add("struct-subarray")
            if any(f.names is not None for f in fields):
                out.add("struct-nested")
        if any(leaf.itemsize == 2 and leaf.kind == "f" for leaf in _leaves(dtype)):
            out.add("float16")
        if any(leaf.byteorder == ">" for leaf in _leaves(dtype)):
            out.add("big-endian")
        if self.object is not None:
            out.add(f"object:{self.object}")
        if self.object_codec is not None:
            out.add(f"object_codec:{self.object_codec['id']}")
        if isinstance(self.compressor, dict):
            out.add(f"compressor:{self.compressor['id']}")
        out.update(f"filter:{f['id']}" for f in self.filters or ())
        out.update(f"codec:{c['name']}" for c in self.codecs or ())
        if self.write_empty_chunks is not None:
            out.add("write_empty_chunks")
        if _has_nonfinite(self.attributes):
            out.add("nonfinite-attrs")
        if self.attributes:
            out.add("attributes")
        if self.data.ndim == 0:
            out.add("0-d")
        if self.fmt == 3 and (self.compressor != "default" or self.filters or self.order != "C"):
            # zarr-core's translation of v2-style arguments to v3 codecs; peers write the
            # same arrays from explicit codec chains in other cases.
            out.add("core-api-only")
        return frozenset(out)

    def chunk_key(self, index: tuple[int, ...]) -> str:
        """The store key (relative to the array) of the chunk at grid ``index``."""
        if self.fmt == 2:
            sep = self.dimension_separator or "."
            return sep.join(map(str, index)) if index else "0"
        cke = self.chunk_key_encoding or {"name": "default"}
        sep = cke.get("separator", cke.get("configuration", {}).get("separator"))
        if cke["name"] == "v2":
            sep = sep or "."
            return sep.join(map(str, index)) if index else "0"
        sep = sep or "/"
        return sep.join(["c", *map(str, index)])


@dataclass(frozen=True, eq=False)
class TreeCase:
    """A hierarchy: groups with attributes, nested, with small arrays in them.

    ``nodes`` lists parents before children; the root has the path ``""``.
    """

    name: str
    fmt: int
    nodes: tuple[dict, ...]
    #: The writer consolidates the metadata afterwards (zarr-python's .zmetadata for
    #: format 2, inline consolidated_metadata in the root zarr.json for format 3), as
    #: xarray does by default. zarr-core does not write it, so only peers write these.
    consolidated: bool = False

    @property
    def id(self) -> str:
        return f"v{self.fmt}-{self.name}"

    def expected(self) -> dict[str, dict]:
        """``{path: description}`` as the readers report it.

        A node's parents that are not listed are expected as groups without attributes:
        the writer has to create them (Zarr v3 has no implicit groups).
        """
        out: dict[str, dict] = {}
        for node in self.nodes:
            parts = node["path"].split("/")
            for k in range(1, len(parts)):
                out.setdefault("/".join(parts[:k]), {"kind": "group", "attrs": {}})
            desc = {"kind": node["kind"], "attrs": node["attrs"]}
            if node["kind"] == "array":
                desc.update(
                    dtype=np.dtype(node["dtype"]).str, chunks=node["chunks"], data=node["data"]
                )
            out[node["path"]] = desc
        return out


# ----------------------------------------------------------------------- data


def _leaves(dtype: np.dtype):
    if dtype.subdtype is not None:
        yield from _leaves(dtype.subdtype[0])
    elif dtype.names is not None:
        for name in dtype.names:
            yield from _leaves(dtype.fields[name][0])
    else:
        yield dtype


def _has_nonfinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_nonfinite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nonfinite(v) for v in value)
    return False


STRINGS = ["", "a", "hello", "ünïcödé", "☃" * 7, "x" * 70, "tab\tnew\nline", "0"]
BYTESTRINGS = [b"", b"\x00", b"abc", b"\xff\xfe\x00\x01", b"z" * 50, b"0"]


def ramp(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Deterministic contents that exercise each dtype's awkward values.

    Integers reach both ends of their range, floats include NaN, +-inf and -0.0,
    datetimes include NaT, strings include the empty string and non-ASCII text.
    """
    dtype = np.dtype(dtype)
    n = math.prod(shape)
    i = np.arange(n)
    if dtype.names is not None:
        out = np.zeros(n, dtype=dtype)
        for k, name in enumerate(dtype.names):
            sub = dtype.fields[name][0]
            base, sub_shape = sub.subdtype if sub.subdtype is not None else (sub, ())
            values = ramp((n, *sub_shape), base)
            # Shift each field so that fields do not hold the same values.
            out[name] = np.roll(values, k, axis=0)
        return out.reshape(shape)
    kind = dtype.kind
    if kind == "b":
        values = (i % 3) == 0
    elif kind in "iu":
        info = np.iinfo(dtype)
        values = ((i * 7919) % 251 - (125 if kind == "i" else 0)).astype(dtype)
        if n >= 2:
            values[0], values[-1] = info.min, info.max
    elif kind == "f":
        values = np.asarray(i * 0.25 - 3.0, dtype)
        specials = [np.nan, np.inf, -np.inf, -0.0]
        for k, s in enumerate(specials):
            if n > 4 * (k + 1):
                values[4 * (k + 1)] = s
    elif kind == "c":
        values = np.asarray(i * 0.5 + 1j * (3.0 - i), dtype)
        if n > 5:
            values[5] = complex(np.nan, 1.0)
            values[-1] = complex(np.inf, -np.inf)
    elif kind == "M":
        values = np.datetime64("2001-02-03T04:05:06", "ns") + i * np.timedelta64(123_456_789, "ns")
        values = values.astype(dtype)
        if n > 3:
            values[3] = np.datetime64("NaT")
    elif kind == "m":
        values = (i * 37 - 100).astype(dtype)
        if n > 3:
            values[3] = np.timedelta64("NaT")
    elif kind == "S":
        values = np.array([f"b{k}".encode()[: dtype.itemsize] for k in i], dtype)
    elif kind == "V":
        values = np.frombuffer(bytes(k % 256 for k in range(n * dtype.itemsize)), dtype).copy()
    elif kind == "U":
        values = np.array([("ü" + str(k) + "☃")[: dtype.itemsize // 4] for k in i], dtype)
    else:
        raise ValueError(f"no ramp for {dtype}")
    return np.asarray(values, dtype=dtype).reshape(shape)


def objects(shape: tuple[int, ...], pool: list) -> np.ndarray:
    """An object array cycling through ``pool``."""
    n = math.prod(shape)
    out = np.empty(n, dtype=object)
    for k in range(n):
        out[k] = pool[k % len(pool)]
    return out.reshape(shape)


def partial(data: np.ndarray, region: Region, fill: Any) -> np.ndarray:
    """``data`` inside ``region`` and ``fill`` elsewhere: what a region write leaves."""
    out = np.full(data.shape, fill, dtype=data.dtype)
    sel = tuple(slice(a, b) for a, b in region)
    out[sel] = data[sel]
    return out


# ----------------------------------------------------------------------- cases

# (7, 5) in chunks of (3, 2): a 3x3 grid whose last row and column are edge chunks.
# Writing rows 0:7 and columns 0:4 writes partial edge chunks in the last row and leaves
# the last chunk column (1 column wide) missing, so it must read as the fill value.
SHAPE, CHUNKS = (7, 5), (3, 2)
REGION: Region = ((0, 7), (0, 4))
MISSING = ((0, 2), (1, 2), (2, 2))
READ_REGION: Region = ((1, 6), (1, 5))

# (dtype, fill value): a non-zero fill where the type has one, so a reader that ignores
# the fill value (or decodes it wrongly) fails.
DTYPES_COMMON: list[tuple[str, Any]] = [
    ("|b1", True),
    ("|i1", -5),
    ("<i2", 300),
    ("<i4", -7),
    ("<i8", -(2**62)),
    ("|u1", 255),
    ("<u2", 65535),
    ("<u4", 7),
    # Above 2**63: has to survive JSON as an integer, not a float or a signed value.
    ("<u8", 2**64 - 1),
    ("<f2", 1.5),
    ("<f2", float("nan")),
    ("<f4", float("nan")),
    ("<f8", float("nan")),
    ("<f8", float("-inf")),
    # The sign of zero is part of the value (compared with signbit).
    ("<f8", -0.0),
    ("<c8", complex(1.5, -2.0)),
    ("<c16", complex(float("nan"), 1.0)),
    ("<M8[ns]", np.datetime64("NaT")),
    ("<M8[s]", np.datetime64("1999-12-31T23:59:59")),
    # A unit with a multiplier: v3 spells it scale_factor.
    ("<M8[10s]", np.datetime64("NaT")),
    ("<m8[ms]", np.timedelta64(-5, "ms")),
    ("|S6", b"zz"),
    ("<U3", "fé"),
    (">U2", "ß"),
    # Raw bytes: "raw_bytes" in v3 (zarr-python's name), base64 fill values.
    ("|V4", b"\x01\x00\xff\x7f"),
    (">i4", 12345),
    (">u8", 2**63 + 5),
    (">f8", float("inf")),
    (">c16", complex(0.5, 0.25)),
]
# Packed structured types. Subarray fields exist in format 2 only (the v3 struct type
# has no shapes); nested structs only in format 2 as well (zarr-python 3 does not nest).
STRUCT_V2 = [
    [("a", "<i4"), ("b", "<f8"), ("c", "|S3")],
    [("x", ">u2"), ("y", "<f4", (2, 2)), ("z", [("p", "|i1"), ("q", "<i8")])],
]
STRUCT_V3 = [
    [("a", "<i4"), ("b", "<f8"), ("c", "|u1")],
    [("t", "<M8[ms]"), ("s", "|S2"), ("f", "<f4")],
]


def _dtype_name(dtype: np.dtype, fill: Any) -> str:
    name = dtype.str.replace("<", "").replace("|", "").replace(">", "be-")
    name = name.replace("[", "-").replace("]", "")
    if isinstance(fill, float | complex) and not math.isfinite(abs(fill)):
        name += "-fill-" + ("nan" if fill != fill else "inf")
    elif isinstance(fill, float) and fill == 0 and math.copysign(1, fill) < 0:
        name += "-fill-negzero"
    return name


def _dtype_cases(fmt: int) -> list[ArrayCase]:
    cases = []
    for typestr, fill in DTYPES_COMMON:
        dtype = np.dtype(typestr)
        name = _dtype_name(dtype, fill if not isinstance(fill, complex) else fill.real)
        if any(c.name == name for c in cases):
            name += "-2"
        data = partial(ramp(SHAPE, dtype), REGION, fill)
        cases.append(
            ArrayCase(
                name=name,
                fmt=fmt,
                data=data,
                chunks=CHUNKS,
                fill_value=fill,
                region=REGION,
                read_region=READ_REGION,
                absent_chunks=MISSING,
            )
        )
    for k, fields in enumerate(STRUCT_V2 if fmt == 2 else STRUCT_V3):
        dtype = np.dtype(fields)
        # Non-zero in every field: the fill goes through base64 (v2) or a per-field
        # JSON object (v3).
        fill = (ramp((3,), dtype)[2:] if fmt == 2 else ramp((3,), dtype)[1:2])[0]
        cases.append(
            ArrayCase(
                name=f"struct-{k}",
                fmt=fmt,
                data=partial(ramp(SHAPE, dtype), REGION, fill),
                chunks=CHUNKS,
                fill_value=fill,
                region=REGION,
                read_region=READ_REGION,
                absent_chunks=MISSING,
            )
        )
    return cases


def _object_cases(fmt: int) -> list[ArrayCase]:
    # Variable-length elements are written in full: a region write would need a fill
    # value that every object codec can encode, and zarr-python 2 has none (None).
    shape, chunks = (5, 3), (2, 2)
    cases = [
        ArrayCase(
            name="vlen-str",
            fmt=fmt,
            data=objects(shape, STRINGS),
            chunks=chunks,
            fill_value="",
            object="str",
        ),
        ArrayCase(
            name="vlen-bytes",
            fmt=fmt,
            data=objects(shape, BYTESTRINGS),
            chunks=chunks,
            # Format 2 has no JSON form for a bytes fill: zarr-python 2 cannot write b""
            # ("bytes is not JSON serializable") and reads "" back as a str.
            fill_value=b"" if fmt == 3 else None,
            object="bytes",
        ),
    ]
    cases.append(
        ArrayCase(
            # Strings have a fill value too: missing chunks and the unwritten part of
            # partially written ones read as it.
            name="vlen-str-missing",
            fmt=fmt,
            data=partial(objects(SHAPE, STRINGS), REGION, "∅"),
            chunks=CHUNKS,
            fill_value="∅",
            object="str",
            region=REGION,
            absent_chunks=MISSING,
        )
    )
    if fmt == 2:
        cases.append(
            ArrayCase(
                name="vlen-str-order-F",
                fmt=fmt,
                data=objects(shape, STRINGS[::-1]),
                chunks=chunks,
                fill_value="",
                order="F",
                object="str",
            )
        )
    else:
        cases.append(
            ArrayCase(
                name="vlen-str-transpose",
                fmt=fmt,
                data=objects(shape, STRINGS[::-1]),
                chunks=chunks,
                fill_value="",
                codecs=(
                    {"name": "transpose", "configuration": {"order": [1, 0]}},
                    {"name": "vlen-utf8", "configuration": {}},
                    {"name": "gzip", "configuration": {"level": 1}},
                ),
                object="str",
            )
        )
    if fmt == 2:
        mixed = ["a", 1, 2.5, {"k": [1, 2]}, None, "☃", True]
        cases += [
            ArrayCase(
                name=f"object-{codec['id']}",
                fmt=fmt,
                data=objects(shape, mixed),
                chunks=chunks,
                fill_value=None,
                object_codec=codec,
            )
            for codec in (
                {"id": "json2", "encoding": "utf-8"},
                {"id": "msgpack2", "use_single_float": False, "use_bin_type": True, "raw": False},
            )
        ]
        ragged = [np.arange(k, dtype="<i8") - 2 for k in range(4)]
        cases.append(
            ArrayCase(
                name="object-vlen-array",
                fmt=fmt,
                data=objects(shape, ragged),
                chunks=chunks,
                fill_value=None,
                # The 'array:<dtype>' shorthand of zarr-python 2 (a VLenArray codec).
                object="array:i8",
            )
        )
    return cases


BLOSC = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
V2_COMPRESSORS: list[tuple[str, dict | None]] = [
    ("none", None),
    ("blosc-lz4-shuffle", BLOSC),
    ("blosc-zstd-bitshuffle", {**BLOSC, "cname": "zstd", "clevel": 3, "shuffle": 2}),
    ("blosc-blosclz-noshuffle", {**BLOSC, "cname": "blosclz", "shuffle": 0}),
    ("blosc-lz4hc-autoshuffle", {**BLOSC, "cname": "lz4hc", "shuffle": -1}),
    ("blosc-zlib", {**BLOSC, "cname": "zlib", "clevel": 1}),
    ("zlib", {"id": "zlib", "level": 4}),
    ("gzip", {"id": "gzip", "level": 5}),
    ("bz2", {"id": "bz2", "level": 9}),
    ("zstd", {"id": "zstd", "level": 3}),
    ("zstd-checksum", {"id": "zstd", "level": 1, "checksum": True}),
    ("lz4", {"id": "lz4", "acceleration": 1}),
    ("lzma", {"id": "lzma", "format": 1, "check": -1, "preset": None, "filters": None}),
]

BYTES_LE = {"name": "bytes", "configuration": {"endian": "little"}}
BYTES_BE = {"name": "bytes", "configuration": {"endian": "big"}}


def _v3_blosc(cname: str, shuffle: str, typesize: int, clevel: int = 5, blocksize: int = 0) -> dict:
    config = {"cname": cname, "clevel": clevel, "shuffle": shuffle, "typesize": typesize}
    return {"name": "blosc", "configuration": {**config, "blocksize": blocksize}}


V3_CHAINS: list[tuple[str, tuple[dict, ...]]] = [
    ("bytes-only", (BYTES_LE,)),
    ("blosc-lz4-shuffle", (BYTES_LE, _v3_blosc("lz4", "shuffle", 4))),
    ("blosc-zstd-bitshuffle", (BYTES_LE, _v3_blosc("zstd", "bitshuffle", 4, 3))),
    ("blosc-blosclz-noshuffle", (BYTES_LE, _v3_blosc("blosclz", "noshuffle", 4))),
    ("gzip", (BYTES_LE, {"name": "gzip", "configuration": {"level": 6}})),
    ("zstd", (BYTES_LE, {"name": "zstd", "configuration": {"level": 5, "checksum": False}})),
    (
        "zstd-checksum",
        (BYTES_LE, {"name": "zstd", "configuration": {"level": 1, "checksum": True}}),
    ),
    ("crc32c", (BYTES_LE, {"name": "crc32c"})),
    (
        "gzip-crc32c",
        (BYTES_LE, {"name": "gzip", "configuration": {"level": 1}}, {"name": "crc32c"}),
    ),
    (
        "big-endian-zstd-crc32c",
        (
            BYTES_BE,
            {"name": "zstd", "configuration": {"level": 0, "checksum": False}},
            {"name": "crc32c"},
        ),
    ),
]


def _codec_cases(fmt: int) -> list[ArrayCase]:
    # int32 over a (6, 5, 4) grid of (4, 3, 3) chunks: edge chunks in every dimension,
    # and values whose bytes shuffle/delta actually rearrange.
    shape, chunks = (6, 5, 4), (4, 3, 3)
    data = ramp(shape, "<i4")
    base = {"fmt": fmt, "data": data, "chunks": chunks, "fill_value": 0}
    # One 512 KiB chunk that blosc cuts into eight blocks: a region of 40 of its 512 rows
    # is read from one or two of them (partial decompression of the writer's frames).
    many_blocks = {
        "fmt": fmt,
        "name": "blosc-many-blocks",
        "data": np.sin(np.arange(512 * 256) / 50).astype("<f4").reshape(512, 256),
        "chunks": (512, 256),
        "read_region": ((100, 140), (3, 250)),
    }
    blocks = {**BLOSC, "blocksize": 16384}  # blosc widens it to 64 KiB (4-byte streams)
    cases = []
    if fmt == 2:
        for name, compressor in V2_COMPRESSORS:
            cases.append(ArrayCase(name=f"codec-{name}", compressor=compressor, **base))
        delta = {"id": "delta", "dtype": "<i4", "astype": "<i4"}
        cases += [
            ArrayCase(name="filter-delta-blosc", compressor=BLOSC, filters=(delta,), **base),
            ArrayCase(
                name="filter-delta-shuffle-zlib",
                compressor={"id": "zlib", "level": 1},
                filters=(delta, {"id": "shuffle", "elementsize": 4}),
                **base,
            ),
            ArrayCase(
                name="filter-fixedscaleoffset",
                fmt=fmt,
                data=np.round(np.linspace(-3.0, 3.0, 15), 1),  # finite: it quantises
                chunks=(5,),
                compressor=None,
                filters=(
                    {
                        "id": "fixedscaleoffset",
                        "offset": 0,
                        "scale": 10,
                        "dtype": "<f8",
                        "astype": "<i4",
                    },
                ),
            ),
            ArrayCase(name="order-F", order="F", compressor=BLOSC, **base),
            ArrayCase(compressor=blocks, **many_blocks),
            ArrayCase(
                name="order-F-2d-f8",
                fmt=fmt,
                data=partial(ramp(SHAPE, "<f8"), REGION, -1.0),
                chunks=CHUNKS,
                fill_value=-1.0,
                order="F",
                region=REGION,
                read_region=READ_REGION,
                absent_chunks=MISSING,
            ),
            ArrayCase(name="separator-slash", dimension_separator="/", **base),
            ArrayCase(
                name="separator-slash-missing",
                fmt=fmt,
                data=partial(ramp(SHAPE, "<u2"), REGION, 9),
                chunks=CHUNKS,
                fill_value=9,
                dimension_separator="/",
                region=REGION,
                read_region=READ_REGION,
                absent_chunks=MISSING,
            ),
        ]
    else:
        for name, chain in V3_CHAINS:
            cases.append(ArrayCase(name=f"codec-{name}", codecs=chain, **base))
        transpose = {"name": "transpose", "configuration": {"order": [2, 0, 1]}}
        cases += [
            ArrayCase(
                codecs=(BYTES_LE, _v3_blosc("lz4", "shuffle", 4, blocksize=16384)),
                **many_blocks,
            ),
            ArrayCase(
                name="transpose-201-blosc",
                codecs=(transpose, BYTES_LE, _v3_blosc("lz4", "shuffle", 4)),
                read_region=((1, 5), (2, 5), (0, 3)),
                **base,
            ),
            ArrayCase(
                name="transpose-F-2d-f8",
                fmt=fmt,
                data=partial(ramp(SHAPE, "<f8"), REGION, -1.0),
                chunks=CHUNKS,
                fill_value=-1.0,
                codecs=(
                    {"name": "transpose", "configuration": {"order": [1, 0]}},
                    BYTES_LE,
                    {"name": "zstd", "configuration": {"level": 0, "checksum": False}},
                ),
                region=REGION,
                read_region=READ_REGION,
                absent_chunks=MISSING,
            ),
            ArrayCase(
                name="filter-numcodecs-delta",
                codecs=(
                    {"name": "numcodecs.delta", "configuration": {"dtype": "<i4"}},
                    BYTES_LE,
                    {"name": "zstd", "configuration": {"level": 0, "checksum": False}},
                ),
                **base,
            ),
            # zarr-core's numcodecs-style arguments in format 3 (zarr-python 2 API).
            ArrayCase(
                name="api-order-F",
                order="F",
                expect_codecs=("transpose", "bytes", "zstd"),
                **base,
            ),
            ArrayCase(
                name="api-blosc-autoshuffle",
                compressor={**BLOSC, "cname": "zstd", "shuffle": -1},
                expect_codecs=("bytes", "blosc"),
                **base,
            ),
            ArrayCase(
                name="api-delta-filter",
                filters=({"id": "delta", "dtype": "<i4", "astype": "<i4"},),
                expect_codecs=("numcodecs.delta", "bytes", "zstd"),
                **base,
            ),
            ArrayCase(
                name="api-gzip-order-F",
                compressor={"id": "gzip", "level": 5},
                order="F",
                expect_codecs=("transpose", "bytes", "gzip"),
                **base,
            ),
            ArrayCase(
                name="cke-default-dot",
                chunk_key_encoding={"name": "default", "configuration": {"separator": "."}},
                **base,
            ),
            ArrayCase(
                name="cke-v2-dot",
                chunk_key_encoding={"name": "v2", "configuration": {"separator": "."}},
                **base,
            ),
            ArrayCase(
                name="cke-v2-slash-missing",
                fmt=fmt,
                data=partial(ramp(SHAPE, "<u2"), REGION, 9),
                chunks=CHUNKS,
                fill_value=9,
                chunk_key_encoding={"name": "v2", "configuration": {"separator": "/"}},
                region=REGION,
                read_region=READ_REGION,
                absent_chunks=MISSING,
            ),
        ]
    return cases


ATTRS = {
    "title": "interop ☃",
    "int": 42,
    "big": 2**53 + 1,
    "negative": -3,
    "float": 0.1,
    "flag": True,
    "nothing": None,
    "list": [1, "two", 3.5, [4, [5]], {"six": 6}],
    "nested": {"a": {"b": {"c": [True, False, None]}}, "empty": {}, "empty_list": []},
}
# NaN and infinities are not JSON; zarr-python writes them as bare NaN/Infinity tokens
# (Python's json default) and reads them back, but tensorstore's strict JSON parser
# refuses the whole document, so only cases for zarr-python carry them.
NONFINITE_ATTRS = {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf")}


def _layout_cases(fmt: int) -> list[ArrayCase]:
    cases = [
        ArrayCase(name="0d", fmt=fmt, data=np.array(3.25), chunks=()),
        # A 0-d array that was never written: its one chunk is missing.
        ArrayCase(
            name="0d-missing",
            fmt=fmt,
            data=np.array(-9, dtype="<i2"),
            chunks=(),
            fill_value=-9,
            write_data=False,
            absent_chunks=((),),
        ),
        ArrayCase(name="1d-edge", fmt=fmt, data=ramp((23,), "<i8"), chunks=(5,)),
        ArrayCase(
            # v2 "fill_value": null: missing chunks are undefined by the spec, and every
            # implementation reads zeros (v3 always has a fill value).
            name="fill-null-missing",
            fmt=fmt,
            data=partial(ramp((6,), "<i4"), ((0, 3),), 0),
            chunks=(3,),
            fill_value=None if fmt == 2 else 0,
            region=((0, 3),),
            absent_chunks=((1,),),
        ),
        # No elements, so no chunks at all.
        ArrayCase(name="empty-dimension", fmt=fmt, data=ramp((0, 3), "<f8"), chunks=(2, 2)),
        ArrayCase(name="1d-one-chunk-larger", fmt=fmt, data=ramp((3,), "<f4"), chunks=(10,)),
        ArrayCase(
            name="3d-edge-missing",
            fmt=fmt,
            data=partial(ramp((5, 6, 7), "<u4"), ((0, 4), (0, 6), (3, 7)), 17),
            chunks=(2, 4, 3),
            fill_value=17,
            region=((0, 4), (0, 6), (3, 7)),
            read_region=((1, 5), (3, 6), (0, 4)),
            absent_chunks=((2, 0, 0), (2, 1, 2), (0, 0, 0), (1, 1, 0)),
        ),
        ArrayCase(name="chunks-of-1", fmt=fmt, data=ramp((3, 4), "<i2"), chunks=(1, 1)),
        ArrayCase(
            # Big enough (about 470 KiB) for zarr-core to encode and decode chunks in
            # parallel; 20 chunks with edges, two of them never written.
            name="large-multichunk",
            fmt=fmt,
            data=partial(ramp((300, 200), "<f8"), ((0, 300), (0, 128)), 0.5),
            chunks=(64, 64),
            fill_value=0.5,
            region=((0, 300), (0, 128)),
            read_region=((50, 250), (60, 190)),
            absent_chunks=((0, 2), (4, 3)),
        ),
        ArrayCase(
            # Chunk (0, 1) holds only the fill value and must not be stored.
            name="write-empty-chunks-false",
            fmt=fmt,
            data=partial(ramp((4, 4), "<i4"), ((0, 4), (0, 2)), 5),
            chunks=(2, 2),
            fill_value=5,
            write_empty_chunks=False,
            absent_chunks=((0, 1), (1, 1)),
        ),
        ArrayCase(
            name="attributes",
            fmt=fmt,
            data=ramp((4,), "<i4"),
            chunks=(2,),
            attributes=ATTRS,
        ),
        ArrayCase(
            name="attributes-nonfinite",
            fmt=fmt,
            data=ramp((4,), "<i4"),
            chunks=(2,),
            attributes={**ATTRS, **NONFINITE_ATTRS},
        ),
    ]
    if fmt == 3:
        cases += [
            ArrayCase(
                name="dimension-names",
                fmt=fmt,
                data=ramp((2, 3, 4), "<f4"),
                chunks=(1, 2, 3),
                dimension_names=("z", "y", "x"),
            ),
            ArrayCase(
                # Attributes are set after creation: rewriting zarr.json keeps the names.
                name="dimension-names-attributes",
                fmt=fmt,
                data=ramp((3, 2), "<u1"),
                chunks=(2, 2),
                dimension_names=("row", "column"),
                attributes={"units": ["m", "s"]},
            ),
            ArrayCase(
                name="dimension-names-partial",
                fmt=fmt,
                data=ramp((2, 3), "<i4"),
                chunks=(2, 2),
                dimension_names=("time", None),
            ),
        ]
    return cases


def array_cases(fmt: int) -> list[ArrayCase]:
    """Every array case for Zarr format ``fmt``; test modules filter by features."""
    cases = _dtype_cases(fmt) + _object_cases(fmt) + _codec_cases(fmt) + _layout_cases(fmt)
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "case names must be unique"
    return cases


def tree_cases(fmt: int) -> list[TreeCase]:
    """Hierarchies for Zarr format ``fmt``."""
    nodes = (
        {"path": "", "kind": "group", "attrs": {"root": True, "nested": ATTRS["nested"]}},
        {"path": "a", "kind": "group", "attrs": {"level": 1, "title": "ä"}},
        {"path": "a/b", "kind": "group", "attrs": {"level": 2, "list": [1, [2, {"x": None}]]}},
        {"path": "a/b/c", "kind": "group", "attrs": dict(NONFINITE_ATTRS)},
        {
            "path": "a/b/values",
            "kind": "array",
            "attrs": {"units": "m", "scale": 0.5},
            "dtype": "<i4",
            "chunks": [2, 2],
            "data": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
        },
        {"path": "empty", "kind": "group", "attrs": {}},
        {
            "path": "top",
            "kind": "array",
            "attrs": {},
            "dtype": "<f8",
            "chunks": [4],
            "data": [0.5, -1.0, 2.25],
        },
    )
    implicit = (
        {"path": "", "kind": "group", "attrs": {}},
        {
            "path": "x/y/deep",
            "kind": "array",
            "attrs": {"where": "x/y"},
            "dtype": "|u1",
            "chunks": [1],
            "data": [255, 0],
        },
        {"path": "p/q/r", "kind": "group", "attrs": {"leaf": True}},
    )
    return [
        TreeCase(name="tree", fmt=fmt, nodes=nodes),
        TreeCase(name="implicit-parents", fmt=fmt, nodes=implicit),
        TreeCase(name="consolidated", fmt=fmt, nodes=nodes, consolidated=True),
    ]
