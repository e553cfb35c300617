"""Codec base classes: the contract every built-in and plugin codec follows.

A Zarr v3 codec chain is zero or more array->array codecs, exactly one array->bytes
codec, then zero or more bytes->bytes codecs. Encoding runs the chain left to right,
decoding right to left. :class:`~zarr_core.codecs.pipeline.CodecPipeline` drives it.

Contract for codec authors (plugins register their classes under a v3 name)
---------------------------------------------------------------------------
Subclass exactly one of :class:`ArrayArrayCodec`, :class:`ArrayBytesCodec` or
:class:`BytesBytesCodec` and provide:

``name`` (class attribute)
    The v3 codec name, e.g. ``"sharding_indexed"``.
``from_config(configuration, spec)`` (classmethod)
    Build the codec from the ``configuration`` object of the metadata (``{}`` when the
    metadata has none). ``spec`` is the :class:`ChunkSpec` of the data entering the codec
    on the encode side: for array->array and array->bytes codecs the array they receive;
    for bytes->bytes codecs the array that entered the array->bytes codec (so that e.g.
    ``blosc`` can pick its ``typesize``). Raise :class:`~zarr_core.errors.CodecError` for
    an invalid configuration; the pipeline adds the codec's position and the metadata key.
``to_json()``
    ``{"name": ..., "configuration": {...}}``, complete enough that ``from_config`` on it
    rebuilds an equal codec (fill in defaults chosen at creation, such as ``typesize``).
``encode`` / ``decode``
    array->array: ``encode(chunk) -> ndarray`` and ``decode(chunk, spec) -> ndarray``;
    array->bytes: ``encode(chunk) -> bytes-like`` and ``decode(data, spec) -> ndarray``;
    bytes->bytes: ``encode(data) -> bytes-like`` and ``decode(data) -> bytes-like``.
    In ``decode``, ``spec`` describes the array to return (shape and dtype, i.e. the
    decoded side of this codec). Arrays received may be non-contiguous views; bytes-like
    inputs are any C-contiguous object with the buffer protocol (``bytes``,
    ``bytearray``, ``memoryview``, NumPy arrays of any dtype, meaning their raw memory):
    :func:`byte_view` turns any of them into a flat byte ``memoryview`` without copying.
    Outputs may share memory with inputs.
    Raise any exception on invalid input: the pipeline reports it as
    :class:`~zarr_core.errors.CorruptChunkError` naming the chunk key.

Optional:

``resolve(spec)``
    How the array spec changes through an array->array codec (``transpose`` permutes the
    shape, a cast changes the dtype). The default returns ``spec`` unchanged.
``compute_encoded_size(n)`` with ``is_fixed_size = True``
    The encoded size in bytes for an input of ``n`` bytes, for codecs whose output size
    depends only on their input size (``bytes``, ``crc32c``). Sharding uses it to size
    its index.
``encode_batch`` / ``decode_batch``
    Batched variants; the defaults loop over the single-chunk methods. Override them
    when one call can do better than many (a C batch API, a thread pool).
``BytesBytesCodec.decode_batch_fixed`` / ``ArrayBytesCodec.decode_stacked``
    Decode a batch of equal-size chunks into one block (see their docstrings).
``BytesBytesCodec.decode_bounded(data, max_size)``
    Decode without ever producing more than ``max_size`` bytes (the pipeline passes the
    size the chunk's metadata implies). Compressors must override it, stopping early
    (a streaming decompressor with a maximum output, or a size stated in a header);
    the default decodes and then checks.

Codecs must be safe to share between threads: keep per-thread state (compression
contexts) out of the instance or in thread-local storage.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self, TypeAlias

import numpy as np

from zarr_core.codecs.bounded import check_size
from zarr_core.errors import CodecError
from zarr_core.pools import parallel_map

__all__ = [
    "ChunkSpec",
    "Codec",
    "ArrayArrayCodec",
    "ArrayBytesCodec",
    "BytesBytesCodec",
    "BytesLike",
    "ChunkBatch",
    "byte_view",
    "exportable",
    "nbytes_of",
    "to_bytes",
    "items_are_large",
]

#: Any C-contiguous object exporting the buffer protocol.
BytesLike: TypeAlias = bytes | bytearray | memoryview | np.ndarray

#: A batch of decoded chunks: one array of shape ``(n, *chunk_shape)`` holding chunk ``i``
#: at index ``i``, or a list of ``n`` arrays. Both index and iterate the same way.
ChunkBatch: TypeAlias = np.ndarray | list[np.ndarray]

# Below this many bytes per item a thread hand-off costs more than the work it moves.
PARALLEL_MIN_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class ChunkSpec:
    """What a chunk looks like at one point of a codec chain.

    Parameters
    ----------
    shape
        Chunk shape (``()`` for 0-d arrays).
    dtype
        NumPy dtype of the elements; object for variable-length strings or bytes.
    fill_value
        The array's fill value (informational; codecs may use it, e.g. sharding).
    object_kind
        For object dtypes, what the elements are: ``"string"`` or ``"bytes"``; ``None``
        otherwise or when unknown (v2 object codecs such as ``pickle`` accept anything).
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    fill_value: Any = None
    object_kind: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        object.__setattr__(self, "dtype", np.dtype(self.dtype))

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Size of the chunk's elements in bytes (meaningless for object dtypes)."""
        return self.size * self.dtype.itemsize

    def evolve(self, **changes: Any) -> ChunkSpec:
        """A copy with some fields replaced."""
        return replace(self, **changes)


def byte_view(data: BytesLike) -> memoryview:
    """A flat, unsigned-byte memoryview of ``data`` without copying."""
    if isinstance(data, np.ndarray):
        # Viewing as uint8 also covers dtypes the buffer protocol cannot export (datetime).
        return memoryview(data.reshape(-1, order="A").view(np.uint8))
    view = memoryview(data)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def nbytes_of(data: BytesLike) -> int:
    """Size of ``data`` in bytes."""
    if type(data) is bytes:
        return len(data)
    if isinstance(data, np.ndarray):
        return data.nbytes
    return memoryview(data).nbytes


def exportable(data: BytesLike) -> BytesLike:
    """``data`` itself when C libraries can read it through the buffer protocol, else a
    byte view (NumPy cannot export datetime arrays or non-C-contiguous memory)."""
    if isinstance(data, np.ndarray) and (data.dtype.kind in "Mm" or not data.flags.c_contiguous):
        return byte_view(data)
    return data


def to_bytes(data: BytesLike) -> bytes:
    """``data`` as an immutable ``bytes`` object (no copy when it already is one)."""
    if type(data) is bytes:
        return data
    if isinstance(data, np.ndarray):
        return data.tobytes(order="A")
    return memoryview(data).tobytes()


def check_config(name: str, configuration: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """Reject configuration members a codec does not define."""
    if not isinstance(configuration, Mapping):
        raise CodecError(
            f"codec {name!r}: the configuration must be a JSON object, got {configuration!r}"
        )
    unknown = sorted(set(configuration) - set(allowed))
    if unknown:
        expected = ", ".join(allowed) if allowed else "none"
        raise CodecError(
            f"codec {name!r}: unknown configuration member(s) {unknown} (expected: {expected})"
        )


class Codec(ABC):
    """Base of all codecs; see the module docstring for the contract."""

    #: The v3 codec name.
    name: ClassVar[str]
    #: ``"array->array"``, ``"array->bytes"`` or ``"bytes->bytes"``.
    kind: ClassVar[str]
    #: Whether :meth:`compute_encoded_size` is implemented.
    is_fixed_size: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def from_config(cls, configuration: Mapping[str, Any], spec: ChunkSpec) -> Self:
        """Build the codec from its metadata ``configuration`` for data shaped like ``spec``."""

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """The codec's metadata object: ``{"name": ..., "configuration": {...}}``."""

    def resolve(self, spec: ChunkSpec) -> ChunkSpec:
        """The spec of the encoded array for a decoded array described by ``spec``."""
        return spec

    def compute_encoded_size(self, n: int) -> int:
        """Encoded size in bytes for ``n`` input bytes (fixed-size codecs only)."""
        raise CodecError(f"codec {self.name!r} does not produce a fixed-size output")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_json().get('configuration', {})!r})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash((type(self), repr(self)))


class ArrayArrayCodec(Codec):
    """Transforms an array into another array (``transpose``, numcodecs filters)."""

    kind: ClassVar[str] = "array->array"

    @abstractmethod
    def encode(self, chunk: np.ndarray) -> np.ndarray:
        """Encode one chunk."""

    @abstractmethod
    def decode(self, chunk: np.ndarray, spec: ChunkSpec) -> np.ndarray:
        """Decode one chunk into an array described by ``spec``."""

    def encode_batch(self, chunks: ChunkBatch) -> ChunkBatch:
        """Encode several chunks (a stacked array or a list)."""
        return [self.encode(c) for c in chunks]

    def decode_batch(self, chunks: ChunkBatch, spec: ChunkSpec) -> ChunkBatch:
        """Decode several chunks (a stacked array or a list)."""
        return [self.decode(c, spec) for c in chunks]


class ArrayBytesCodec(Codec):
    """Serialises an array to bytes (``bytes``, ``vlen-utf8``, ``sharding_indexed``)."""

    kind: ClassVar[str] = "array->bytes"

    @abstractmethod
    def encode(self, chunk: np.ndarray) -> BytesLike:
        """Serialise one chunk."""

    @abstractmethod
    def decode(self, data: BytesLike, spec: ChunkSpec) -> np.ndarray:
        """Deserialise one chunk into an array described by ``spec``."""

    def encode_batch(self, chunks: ChunkBatch) -> list[BytesLike]:
        """Serialise several chunks (a stacked array or a list)."""
        return [self.encode(c) for c in chunks]

    def decode_batch(self, datas: Sequence[BytesLike], spec: ChunkSpec) -> ChunkBatch:
        """Deserialise several chunks."""
        return [self.decode(d, spec) for d in datas]

    def decode_stacked(self, rows: np.ndarray, spec: ChunkSpec) -> np.ndarray | None:
        """Deserialise ``n`` equal-size encodings held as the rows of a ``(n, nbytes)``
        uint8 array into one ``(n, *spec.shape)`` array, or return ``None`` if this codec
        cannot (the default). Only fixed-size codecs can."""
        return None


class BytesBytesCodec(Codec):
    """Transforms bytes into bytes (compressors, checksums)."""

    kind: ClassVar[str] = "bytes->bytes"

    @abstractmethod
    def encode(self, data: BytesLike) -> BytesLike:
        """Encode one chunk's bytes."""

    @abstractmethod
    def decode(self, data: BytesLike) -> BytesLike:
        """Decode one chunk's bytes."""

    def encode_batch(self, datas: Sequence[BytesLike]) -> list[BytesLike]:
        """Encode several chunks; large ones run on the shared thread pool."""
        return parallel_map(self.encode, datas, items_are_large(datas))

    def decode_bounded(self, data: BytesLike, max_size: int) -> BytesLike:
        """Decode one chunk's bytes, which must decode to at most ``max_size`` bytes.

        Codecs whose output can be larger than their input (compressors) override this
        to stop as soon as the output passes ``max_size``, so that a decompression bomb
        costs no more memory than a valid chunk; this default decodes, then checks.
        Raise any exception (a ``ValueError``) when the limit is passed.
        """
        out = self.decode(data)
        check_size(self.name, nbytes_of(out), max_size)
        return out

    def decode_batch(
        self, datas: Sequence[BytesLike], max_size: int | None = None
    ) -> list[BytesLike]:
        """Decode several chunks (each at most ``max_size`` bytes when given, see
        :meth:`decode_bounded`); large ones run on the shared thread pool."""
        if max_size is None:
            return parallel_map(self.decode, datas, items_are_large(datas))
        return parallel_map(
            lambda d: self.decode_bounded(d, max_size), datas, items_are_large(datas)
        )

    def decode_into(self, data: BytesLike, out: np.ndarray) -> bool:
        """Decode ``data`` straight into ``out`` (a writable 1-d uint8 array of the size
        it must decode to) and return True, or return False -- writing nothing -- when
        this codec has no such way or cannot tell that ``data`` decodes to exactly that
        size (the caller then decodes as usual, which reports any error). Raise on data
        this codec can tell is invalid. The default has no such way."""
        return False

    def decode_batch_fixed(
        self, datas: Sequence[BytesLike], size: int, out: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Decode chunks that must each decode to exactly ``size`` bytes into the rows of
        one writable ``(n, size)`` uint8 array -- ``out`` when given, else a new one --
        and return it, or return ``None`` when this codec has no faster way than
        :meth:`decode_batch` (the default). Raise if an item does not decode to ``size``
        bytes."""
        return None


def items_are_large(datas: Sequence[BytesLike]) -> bool:
    """Whether a batch is worth the thread pool (chunks of one array are similar in
    size, so the first one stands for all)."""
    return bool(datas) and nbytes_of(datas[0]) >= PARALLEL_MIN_BYTES
