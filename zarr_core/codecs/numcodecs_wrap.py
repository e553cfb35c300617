"""numcodecs codecs inside codec chains.

Two uses:

* Zarr v3 ``numcodecs.<id>`` codecs, named and classified as zarr-python 3 does: the
  filters ``delta``, ``fixedscaleoffset``, ``astype``, ``quantize``, ``bitround`` and
  ``packbits`` are array->array, ``pcodec`` and ``zfpy`` are array->bytes, every other id
  (compressors, ``shuffle``, checksums) is bytes->bytes.
* Zarr v2 ``filters``, which :class:`NumcodecsFilterChain` applies with zarr-python 2's
  exact semantics (object codecs, order ``F`` layout, the dtype view on decode).
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal

import numcodecs
import numpy as np
from numcodecs.abc import Codec as NumcodecsCodec

from zarr_core.codecs.base import (
    ArrayArrayCodec,
    ArrayBytesCodec,
    BytesBytesCodec,
    BytesLike,
    ChunkSpec,
    Codec,
    byte_view,
    items_are_large,
)
from zarr_core.codecs.bounded import (
    GZIP_WBITS,
    bz2_bounded,
    check_size,
    lzma_bounded,
    stated_size_blosc,
    stated_size_lz4,
    zlib_bounded,
)
from zarr_core.codecs.compressors import zstd_decompress_bounded
from zarr_core.errors import CodecError
from zarr_core.pools import parallel_map

__all__ = [
    "NumcodecsArrayArrayCodec",
    "NumcodecsArrayBytesCodec",
    "NumcodecsBytesBytesCodec",
    "NumcodecsFilterChain",
    "NumcodecsV2Compressor",
    "numcodecs_codec_class",
    "is_numcodecs_id",
    "get_numcodec",
    "unknown_numcodec",
    "ARRAY_ARRAY_IDS",
    "ARRAY_BYTES_IDS",
    "OBJECT_CODEC_IDS",
]

PREFIX = "numcodecs."
ARRAY_ARRAY_IDS = frozenset(
    {"delta", "fixedscaleoffset", "astype", "quantize", "bitround", "packbits"}
)
ARRAY_BYTES_IDS = frozenset({"pcodec", "zfpy"})
_CHECKSUM_IDS = frozenset({"crc32", "crc32c", "adler32", "fletcher32", "jenkins_lookup3"})
#: numcodecs codecs that turn Python objects into bytes or numbers (Zarr v2 object arrays).
OBJECT_CODEC_IDS = frozenset(
    {"vlen-utf8", "vlen-bytes", "vlen-array", "json2", "msgpack2", "pickle", "categorize"}
)
# Configuration members filled from the array's dtype when left out, as zarr-python 3 does.
_DTYPE_DEFAULTS = {
    "delta": "dtype",
    "fixedscaleoffset": "dtype",
    "quantize": "dtype",
    "astype": "decode_dtype",
}


def is_numcodecs_id(codec_id: str) -> bool:
    """Whether numcodecs has (or can load through an entry point) a codec ``codec_id``."""
    registry = numcodecs.registry
    return codec_id in registry.codec_registry or codec_id in registry.entries


def unknown_numcodec(codec_id: str, where: str) -> CodecError:
    """The error for a codec id numcodecs does not know."""
    return CodecError(
        f"{where}: numcodecs has no codec {codec_id!r}; install the package that registers "
        "it (numcodecs entry point group 'numcodecs.codecs')"
    )


def get_numcodec(config: Mapping[str, Any], where: str) -> NumcodecsCodec:
    """``numcodecs.get_codec(config)`` with errors that say which codec and where.

    Raises
    ------
    CodecError
        If the id is unknown or the configuration is rejected.
    """
    codec_id = config.get("id")
    if not isinstance(codec_id, str):
        raise CodecError(
            f"{where}: a numcodecs configuration needs a string 'id', got {dict(config)!r}"
        )
    if not is_numcodecs_id(codec_id):
        raise unknown_numcodec(codec_id, where)
    try:
        return numcodecs.get_codec(dict(config))
    except Exception as exc:
        raise CodecError(f"{where}: invalid configuration {dict(config)!r}: {exc}") from exc


class _NumcodecsV3(Codec):
    """A numcodecs codec under the v3 name ``numcodecs.<id>``."""

    codec_id: ClassVar[str]

    def __init__(self, config: Mapping[str, Any], spec: ChunkSpec):
        self.config = dict(config)
        self._spec = spec
        self._codec = get_numcodec({"id": self.codec_id, **self.config}, f"codec {self.name!r}")

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> _NumcodecsV3:
        config = {k: v for k, v in configuration.items() if k != "id"}
        if configuration.get("id", cls.codec_id) != cls.codec_id:
            raise CodecError(
                f"codec {cls.name!r}: configuration id {configuration['id']!r} does not match"
            )
        filled = _DTYPE_DEFAULTS.get(cls.codec_id)
        if filled is not None and config.get(filled) is None:
            config[filled] = spec.dtype.str
        if cls.codec_id == "shuffle" and config.get("elementsize") is None:
            config["elementsize"] = 1 if spec.dtype.hasobject else spec.dtype.itemsize
        return cls(config, spec)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "configuration": dict(self.config)}

    def __reduce__(self) -> tuple[Any, ...]:
        # The class is made at run time, so pickle rebuilds it from its name and kind.
        kind = next(k for k in _WRAPPERS if isinstance(self, k))
        return _rebuild, (self.name, kind, self.config, self._spec)


def _rebuild(name: str, kind: type[_NumcodecsV3], config: dict[str, Any], spec: ChunkSpec) -> Codec:
    cls = numcodecs_codec_class(name, kind)
    if cls is None:
        raise CodecError(f"numcodecs no longer provides {name!r}")
    return cls(config, spec)


def _as_spec(out: Any, spec: ChunkSpec) -> np.ndarray:
    out = np.asarray(out)
    if out.dtype != spec.dtype and out.dtype.itemsize == spec.dtype.itemsize:
        # numcodecs reinterprets (views) data as its configured dtype, e.g. a "<i4" delta
        # on ">i4" data; viewing, not casting, keeps encode and decode exact inverses.
        out = out.view(spec.dtype)
    return out.reshape(spec.shape).astype(spec.dtype, copy=False)


class NumcodecsArrayArrayCodec(_NumcodecsV3, ArrayArrayCodec):
    """A numcodecs filter (``numcodecs.delta``, ...) as an array->array codec."""

    def __init__(self, config: Mapping[str, Any], spec: ChunkSpec):
        super().__init__(config, spec)
        self._encoded = self.resolve(spec)

    def resolve(self, spec: ChunkSpec) -> ChunkSpec:
        if self.codec_id == "packbits":
            return spec.evolve(shape=(1 + math.ceil(spec.size / 8),), dtype=np.dtype("u1"))
        if self.codec_id == "astype":
            return spec.evolve(dtype=np.dtype(self.config["encode_dtype"]))
        if self.config.get("astype") is not None:  # delta, fixedscaleoffset, quantize
            return spec.evolve(dtype=np.dtype(self.config["astype"]))
        return spec

    def encode(self, chunk: np.ndarray) -> np.ndarray:
        # numcodecs flattens in memory order; C order is what the next codec expects.
        return _as_spec(self._codec.encode(np.asarray(chunk, order="C")), self._encoded)

    def decode(self, chunk: np.ndarray, spec: ChunkSpec) -> np.ndarray:
        out = self._codec.decode(np.asarray(chunk, order="C"))
        return _as_spec(out, spec)


class NumcodecsArrayBytesCodec(_NumcodecsV3, ArrayBytesCodec):
    """A numcodecs array serialiser (``numcodecs.pcodec``, ``numcodecs.zfpy``)."""

    def encode(self, chunk: np.ndarray) -> BytesLike:
        return self._codec.encode(np.asarray(chunk, order="C"))

    def decode(self, data: BytesLike, spec: ChunkSpec) -> np.ndarray:
        return _as_spec(self._codec.decode(data), spec)


class NumcodecsBytesBytesCodec(_NumcodecsV3, BytesBytesCodec):
    """A numcodecs compressor or checksum (``numcodecs.zlib``, ``numcodecs.crc32``, ...)."""

    def compute_encoded_size(self, n: int) -> int:
        if not self.is_fixed_size:
            return super().compute_encoded_size(n)
        return n + 4

    def encode(self, data: BytesLike) -> BytesLike:
        # Bytes, not the array an array->bytes codec may hand over: numcodecs blosc would
        # otherwise take its typesize from the itemsize (zarr-python 3 passes bytes too).
        return self._codec.encode(byte_view(data))

    def decode(self, data: BytesLike) -> BytesLike:
        return self._codec.decode(data)

    def decode_bounded(self, data: BytesLike, max_size: int) -> BytesLike:
        bounded = _BOUNDED.get(self.codec_id)
        if bounded is None:
            return super().decode_bounded(data, max_size)
        return bounded(self._codec, byte_view(data), max_size)

    def decode_batch(
        self, datas: Sequence[BytesLike], max_size: int | None = None
    ) -> list[BytesLike]:
        bounded = None if max_size is None else _BOUNDED.get(self.codec_id)
        if bounded is None:
            return super().decode_batch(datas, max_size)
        codec = self._codec  # looked up once per batch, not per chunk
        return parallel_map(
            lambda d: bounded(codec, d if type(d) is bytes else byte_view(d), max_size),
            datas,
            items_are_large(datas),
        )


def _stated(codec_id: str, stated_size: Callable[[bytes | memoryview], int]) -> _Bounded:
    """A bounded decoder for a compressor whose header states the decoded size: numcodecs
    allocates (and produces) exactly that, so checking it first is enough."""

    def decode(codec: NumcodecsCodec, view: bytes | memoryview, limit: int) -> BytesLike:
        size = stated_size(view)
        if size > limit:
            check_size(codec_id, size, limit)
        return codec.decode(view)

    return decode


# (numcodecs codec, the data as bytes or a byte memoryview, limit) -> decoded
_Bounded = Callable[[NumcodecsCodec, bytes | memoryview, int], BytesLike]
# numcodecs compressors decoded without producing more than the limit: the formats the
# standard library (or zstandard) streams with a maximum output are decoded here rather
# than by numcodecs, which has no such limit; the others state their size.
_BOUNDED: dict[str, _Bounded] = {
    "zlib": lambda codec, view, limit: zlib_bounded(view, limit),
    "gzip": lambda codec, view, limit: zlib_bounded(view, limit, GZIP_WBITS),
    "bz2": lambda codec, view, limit: bz2_bounded(view, limit),
    "lzma": lambda codec, view, limit: lzma_bounded(view, limit, codec.format, codec.filters),
    "zstd": lambda codec, view, limit: zstd_decompress_bounded(view, limit),
    "blosc": _stated("blosc", stated_size_blosc),
    "lz4": _stated("lz4", stated_size_lz4),
}


class NumcodecsV2Compressor(NumcodecsBytesBytesCodec):
    """A Zarr v2 ``compressor`` that no native codec replaces.

    It receives the array itself, as in zarr-python 2, so that numcodecs blosc takes its
    typesize from the (possibly filtered) array's itemsize.
    """

    def encode(self, data: BytesLike) -> BytesLike:
        return self._codec.encode(data)


_WRAPPERS = (
    NumcodecsV2Compressor,
    NumcodecsArrayArrayCodec,
    NumcodecsArrayBytesCodec,
    NumcodecsBytesBytesCodec,
)
_classes: dict[tuple[str, type[_NumcodecsV3]], type[_NumcodecsV3]] = {}


def numcodecs_codec_class(
    name: str, kind: type[_NumcodecsV3] | None = None
) -> type[_NumcodecsV3] | None:
    """The codec class for the v3 name ``numcodecs.<id>``, or ``None`` if numcodecs lacks it.

    Parameters
    ----------
    name
        ``"numcodecs."`` followed by a numcodecs codec id.
    kind
        One of the wrapper classes, to override the classification by id (a Zarr v2
        compressor is bytes->bytes whatever its id).
    """
    codec_id = name.removeprefix(PREFIX)
    if not name.startswith(PREFIX) or not is_numcodecs_id(codec_id):
        return None
    if kind is None:
        if codec_id in ARRAY_ARRAY_IDS:
            kind = NumcodecsArrayArrayCodec
        elif codec_id in ARRAY_BYTES_IDS:
            kind = NumcodecsArrayBytesCodec
        else:
            kind = NumcodecsBytesBytesCodec
    cls = _classes.get((codec_id, kind))
    if cls is None:
        cls = type(
            f"Numcodecs_{codec_id.replace('-', '_')}",
            (kind,),
            {
                "name": name,
                "codec_id": codec_id,
                "is_fixed_size": codec_id in _CHECKSUM_IDS,  # they append 4 bytes
                "__module__": __name__,
            },
        )
        _classes[codec_id, kind] = cls
    return cls


def _unpickle(data: BytesLike) -> Any:
    # CodecPipeline has already checked the user's opt-in for this array. numcodecs
    # (>= 0.16.5) also refuses unless a process-wide flag is set; flipping a global from
    # one array's setting would leak to every other thread, so unpickle here instead.
    return pickle.loads(byte_view(data))


class NumcodecsFilterChain(ArrayBytesCodec):
    """Zarr v2 ``filters`` as one array->bytes step, exactly as zarr-python 2 runs them.

    Decoding ``pickle`` is not guarded here: :class:`CodecPipeline` checks the opt-in.

    Encode lays the chunk out in ``order``, applies the filters in list order and hands
    the result (an array keeps its itemsize, which a following ``blosc`` uses) to the
    compressor. Decode applies them in reverse, views the result as the array's dtype
    (object arrays must come back as objects) and reshapes it in ``order``.

    Parameters
    ----------
    filters
        numcodecs codec objects.
    order
        ``"C"`` or ``"F"``: the element layout inside a stored chunk.
    """

    name: ClassVar[str] = "zarr-v2-filters"

    def __init__(self, filters: Sequence[NumcodecsCodec], order: Literal["C", "F"] = "C"):
        self.filters = list(filters)
        self.order = order

    @classmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> NumcodecsFilterChain:
        filters = [get_numcodec(f, "filters") for f in configuration.get("filters", [])]
        return cls(filters, configuration.get("order", "C"))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "configuration": {
                "filters": [f.get_config() for f in self.filters],
                "order": self.order,
            },
        }

    def encode(self, chunk: np.ndarray) -> BytesLike:
        data: Any = np.asarray(chunk, order=self.order)
        for f in self.filters:
            data = f.encode(data)
        if isinstance(data, np.ndarray):
            if data.dtype.hasobject:
                raise CodecError(
                    "the filters left Python objects: an object array needs an object codec "
                    f"(one of {sorted(OBJECT_CODEC_IDS)}) as its first filter"
                )
            return data.reshape(-1, order="A")
        return data

    def decode(self, data: BytesLike, spec: ChunkSpec) -> np.ndarray:
        chunk: Any = data
        for f in reversed(self.filters):
            chunk = _unpickle(chunk) if f.codec_id == "pickle" else f.decode(chunk)
        if spec.dtype.hasobject:
            if not (isinstance(chunk, np.ndarray) and chunk.dtype.hasobject):
                raise ValueError("the filters did not produce Python objects for an object array")
            if chunk.ndim > 1 and chunk.shape == spec.shape:
                # json2, msgpack2 and pickle restore the shape themselves, in logical order;
                # laying that out again in ``order``, as zarr-python 2 does, would transpose
                # an order-F chunk.
                return chunk
        else:
            chunk = np.frombuffer(byte_view(chunk), dtype=spec.dtype)
        return chunk.reshape(-1, order="A").reshape(spec.shape, order=self.order)
