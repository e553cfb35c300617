"""The codec pipeline: chunk arrays to stored bytes and back, one chunk or a batch.

One class serves both formats. A Zarr v3 ``codecs`` list maps onto it directly. A Zarr
v2 ``filters`` + ``compressor`` pair becomes the same three stages: without filters,
``order`` ``F`` is a ``transpose`` and the dtype's own byte order a ``bytes`` codec (so v2
reads take the same fast paths as v3); with filters, :class:`NumcodecsFilterChain` runs
them exactly as zarr-python 2 does. The compressor is the bytes->bytes stage.

Batches are where the speed is. For a fixed-size array->bytes codec (``bytes``) behind
``zstd``, every frame is decoded by one ``multi_decompress_to_buffer`` call into one
``(n, *chunk_shape)`` block; ``blosc`` decodes straight into the rows of such a block,
on the thread pool when chunks are large. Other chains run stage by stage over the batch.
When a batch fails, the chunks are decoded one by one to name the corrupt one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from zarr_core.codecs.base import (
    ArrayArrayCodec,
    ArrayBytesCodec,
    BytesBytesCodec,
    BytesLike,
    ChunkBatch,
    ChunkSpec,
    Codec,
    to_bytes,
)
from zarr_core.codecs.bytes_codec import BytesCodec
from zarr_core.codecs.compressors import BloscCodec, GzipCodec, ZstdCodec
from zarr_core.codecs.numcodecs_wrap import (
    OBJECT_CODEC_IDS,
    NumcodecsFilterChain,
    NumcodecsV2Compressor,
    numcodecs_codec_class,
    unknown_numcodec,
)
from zarr_core.codecs.partial import RowReader, row_reader_for
from zarr_core.codecs.registry import get_codec_class
from zarr_core.codecs.transpose import TransposeCodec
from zarr_core.config import get as config_get
from zarr_core.errors import (
    CodecError,
    CorruptChunkError,
    MetadataError,
    UnsafeDecodeError,
)
from zarr_core.pools import parallel_map

__all__ = ["CodecPipeline"]

#: Codec ids whose decoding can run arbitrary code.
UNSAFE_IDS = frozenset({"pickle"})

# Decoded bytes per batch-decoder call of decode_batch_into: small enough for the
# decoder's own output to be still in cache when it is copied out (10,000 chunks of
# 4 KB read in 0.08 s in parts of 128 or 256 chunks, 0.09-0.16 s in one call).
_INTO_PART_BYTES = 512 * 1024


def _truthy(value: Any) -> bool:
    # Environment variables arrive as strings; "0"/"false" must not enable anything.
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _numcodecs_ids(codec: Codec) -> list[str]:
    if isinstance(codec, NumcodecsFilterChain):
        return [f.codec_id for f in codec.filters]
    return [codec.codec_id] if hasattr(codec, "codec_id") else []


class CodecPipeline:
    """A validated codec chain for chunks described by one :class:`ChunkSpec`.

    Build it with :meth:`from_v3` or :meth:`from_v2`.

    Parameters
    ----------
    array_array, array_bytes, bytes_bytes
        The three stages, in encode order.
    spec
        The decoded chunk: shape, dtype, fill value, object kind.
    allow_pickle
        Decode ``pickle`` without the ``array.allow_pickle`` setting.
    zarr_format
        2 or 3: which metadata the chain came from.
    """

    def __init__(
        self,
        array_array: Sequence[ArrayArrayCodec],
        array_bytes: ArrayBytesCodec,
        bytes_bytes: Sequence[BytesBytesCodec],
        spec: ChunkSpec,
        *,
        allow_pickle: bool = False,
        zarr_format: Literal[2, 3] = 3,
    ):
        self.spec = spec
        self.allow_pickle = allow_pickle
        self.zarr_format = zarr_format
        self._aa: list[tuple[ArrayArrayCodec, ChunkSpec]] = []
        current = spec
        for codec in array_array:
            self._aa.append((codec, current))
            current = codec.resolve(current)
        self._ab = array_bytes
        self._ab_spec = current
        self._bb = list(bytes_bytes)
        self._ab_size: int | None = None
        if array_bytes.is_fixed_size and not current.dtype.hasobject and current.nbytes > 0:
            self._ab_size = array_bytes.compute_encoded_size(current.nbytes)
        # The most each bytes->bytes codec may decode to (None: no bound is known), so
        # that no stored value can make a decoder allocate more than the chunk implies.
        self._bb_decode = list(
            reversed(list(zip(self._bb, _decode_limits(self._ab_bound(), self._bb))))
        )
        self._unsafe = next(
            (i for c in self.codecs for i in _numcodecs_ids(c) if i in UNSAFE_IDS), None
        )
        # The compressor that can decode straight into a chunk's memory, for chains whose
        # stored bytes are the chunk's own memory (see decode_into); else None.
        self._into: BytesBytesCodec | None = None
        if (
            not self._aa
            and isinstance(array_bytes, BytesCodec)
            and len(self._bb) == 1
            and self._ab_size is not None
            and array_bytes.stored_dtype(current.dtype) == current.dtype
            and type(self._bb[0]).decode_into is not BytesBytesCodec.decode_into
        ):
            self._into = self._bb[0]
        #: Decodes runs of stored rows from parts of a blosc frame, for chains that lay
        #: rows out contiguously and compress them with blosc alone; else None.
        self.row_reader: RowReader | None = row_reader_for(
            spec.shape, spec.dtype, [c for c, _ in self._aa], array_bytes, self._bb, self.decode
        )

    def _ab_bound(self) -> int | None:
        """The most bytes the array->bytes codec's output can have, if known."""
        if self._ab_size is not None:
            return self._ab_size
        current = self._ab_spec
        if isinstance(self._ab, NumcodecsFilterChain) and not current.dtype.hasobject:
            # v2 filters on fixed-size elements: none widens an element beyond 16 bytes
            # (astype/fixedscaleoffset to complex128 at most) or adds more than a few
            # checksum bytes.
            return current.size * max(16, current.dtype.itemsize) + _SLACK
        return None

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_v3(
        cls,
        codecs: Sequence[Mapping[str, Any] | str],
        spec: ChunkSpec,
        key_hint: str = "",
        *,
        allow_pickle: bool = False,
    ) -> CodecPipeline:
        """Build from a Zarr v3 ``codecs`` list.

        Parameters
        ----------
        codecs
            ``{"name": ..., "configuration": {...}}`` objects (or bare names).
        spec
            The decoded chunk.
        key_hint
            The metadata key, for error messages.
        allow_pickle
            See :class:`CodecPipeline`.

        Raises
        ------
        MetadataError
            If the chain is not ``array->array*, array->bytes, bytes->bytes*`` or a
            configuration is invalid; names the position (``codecs[i]``).
        UnknownExtensionError
            If no built-in codec or installed plugin provides a name.
        """
        key = key_hint or None
        if isinstance(codecs, str | bytes | Mapping) or not codecs:
            raise MetadataError(
                "codecs must be a non-empty list with exactly one array->bytes codec",
                key=key,
                field="codecs",
            )
        aa: list[ArrayArrayCodec] = []
        ab: ArrayBytesCodec | None = None
        bb: list[BytesBytesCodec] = []
        current = spec
        for i, entry in enumerate(codecs):
            field = f"codecs[{i}]"
            name, configuration = _parse_v3_entry(entry, key, field)
            codec_cls = get_codec_class(name, key=key)
            if issubclass(codec_cls, ArrayArrayCodec) and ab is not None:
                problem = f"array->array codec {name!r} must come before the array->bytes codec {ab.name!r}"
            elif issubclass(codec_cls, ArrayBytesCodec) and ab is not None:
                problem = f"{name!r} is a second array->bytes codec after {ab.name!r}; a chain has exactly one"
            elif issubclass(codec_cls, BytesBytesCodec) and ab is None:
                problem = f"bytes->bytes codec {name!r} needs an array->bytes codec (such as 'bytes') before it"
            else:
                problem = None
            if problem:
                raise MetadataError(problem, key=key, field=field)
            try:
                codec = codec_cls.from_config(configuration, current)
            except MetadataError:
                raise
            except Exception as exc:
                raise MetadataError(str(exc), key=key, field=field) from exc
            if isinstance(codec, ArrayArrayCodec):
                aa.append(codec)
                current = codec.resolve(current)
            elif isinstance(codec, ArrayBytesCodec):
                ab = codec
            else:
                bb.append(codec)
        if ab is None:
            raise MetadataError(
                "the chain has no array->bytes codec; it needs exactly one (e.g. {'name': 'bytes'})",
                key=key,
                field="codecs",
            )
        return cls(aa, ab, bb, spec, allow_pickle=allow_pickle, zarr_format=3)

    @classmethod
    def from_v2(
        cls,
        compressor: Mapping[str, Any] | None,
        filters: Sequence[Mapping[str, Any]] | None,
        spec: ChunkSpec,
        order: Literal["C", "F"] = "C",
        *,
        allow_pickle: bool = False,
        key_hint: str = "",
    ) -> CodecPipeline:
        """Build from Zarr v2 ``compressor``, ``filters`` and ``order``.

        Parameters
        ----------
        compressor, filters
            numcodecs configurations (``{"id": ..., ...}``) or ``None``.
        spec
            The decoded chunk; its dtype carries the byte order.
        order
            ``"C"`` or ``"F"``: element layout inside a stored chunk.
        allow_pickle, key_hint
            See :meth:`from_v3`.

        Raises
        ------
        MetadataError
            For an invalid configuration, an unknown codec id, or an object array whose
            first filter is not an object codec.
        """
        key = key_hint or None
        if order not in ("C", "F"):
            raise MetadataError(f"order must be 'C' or 'F', got {order!r}", key=key, field="order")
        filters = list(filters or [])
        for i, config in enumerate([*filters, compressor]):
            if config is not None and not (
                isinstance(config, Mapping) and isinstance(config.get("id"), str)
            ):
                field = f"filters[{i}]" if i < len(filters) else "compressor"
                raise MetadataError(
                    f"a codec configuration must be an object with a string 'id', got {config!r}",
                    key=key,
                    field=field,
                )
        if spec.dtype.hasobject and (not filters or filters[0]["id"] not in OBJECT_CODEC_IDS):
            raise MetadataError(
                "an object array needs an object codec as its first filter (one of "
                f"{', '.join(sorted(OBJECT_CODEC_IDS))}); got filters "
                f"{[f['id'] for f in filters]}",
                key=key,
                field="filters",
            )
        aa: list[ArrayArrayCodec] = []
        try:
            if filters:
                ab: ArrayBytesCodec = NumcodecsFilterChain.from_config(
                    {"filters": filters, "order": order}, spec
                )
            else:
                if order == "F" and len(spec.shape) > 1:
                    aa.append(TransposeCodec(range(len(spec.shape) - 1, -1, -1)))
                ab = BytesCodec(None)  # the v2 dtype already says the byte order
        except CodecError as exc:
            raise MetadataError(str(exc), key=key, field="filters") from exc
        try:
            bb = [] if compressor is None else [_v2_compressor(compressor, spec, not filters)]
        except CodecError as exc:
            raise MetadataError(str(exc), key=key, field="compressor") from exc
        return cls(aa, ab, bb, spec, allow_pickle=allow_pickle, zarr_format=2)

    # ------------------------------------------------------------------ introspection

    @property
    def codecs(self) -> tuple[Codec, ...]:
        """Every codec, in encode order."""
        return (*(c for c, _ in self._aa), self._ab, *self._bb)

    @property
    def array_bytes_codec(self) -> ArrayBytesCodec:
        """The chain's array->bytes codec."""
        return self._ab

    def to_json(self) -> list[dict[str, Any]]:
        """The v3 ``codecs`` list, with every default chosen at creation filled in.

        Raises
        ------
        CodecError
            For a pipeline built from v2 metadata, which has no v3 codec list.
        """
        if self.zarr_format != 3:
            raise CodecError("a pipeline built from Zarr v2 metadata has no v3 codec list")
        return [c.to_json() for c in self.codecs]

    def compute_encoded_size(self) -> int:
        """Size in bytes of every encoded chunk, for chains of fixed-size codecs only.

        Raises
        ------
        CodecError
            If a codec's output size depends on the data.
        """
        if self._ab_size is None:
            raise CodecError(
                f"codec {self._ab.name!r} does not produce a fixed-size output for {self._ab_spec.dtype}"
            )
        size = self._ab_size
        for codec in self._bb:
            size = codec.compute_encoded_size(size)
        return size

    def __repr__(self) -> str:
        names = ", ".join(repr(c) for c in self.codecs)
        return f"CodecPipeline([{names}], shape={self.spec.shape}, dtype={self.spec.dtype})"

    # ------------------------------------------------------------------ single chunks

    def _check_unsafe(self, key: str) -> None:
        if self._unsafe and not (self.allow_pickle or _truthy(config_get("array.allow_pickle"))):
            raise UnsafeDecodeError(self._unsafe, key or None)

    def decode(self, data: BytesLike, key: str = "") -> np.ndarray:
        """Decode one stored chunk.

        Parameters
        ----------
        data
            The stored value.
        key
            Its store key, for error messages.

        Returns
        -------
        numpy.ndarray
            A writable array of the chunk's shape and dtype (for v2 order ``F`` its
            memory is in Fortran order).

        Raises
        ------
        CorruptChunkError
            If any codec fails (bad checksum, truncated or invalid data).
        UnsafeDecodeError
            If the chain contains ``pickle`` and decoding it was not allowed.
        """
        self._check_unsafe(key)
        stage: Codec = self._ab
        try:
            buf = data
            for codec, limit in self._bb_decode:
                stage = codec
                buf = codec.decode(buf) if limit is None else codec.decode_bounded(buf, limit)
            stage = self._ab
            arr = self._ab.decode(buf, self._ab_spec)
            for codec, spec in reversed(self._aa):
                stage = codec
                arr = codec.decode(arr, spec)
            if arr.shape != self.spec.shape:
                raise ValueError(f"decoded shape {arr.shape}, expected {self.spec.shape}")
        except UnsafeDecodeError:
            raise
        except Exception as exc:
            raise CorruptChunkError(key, f"{stage.name}: {type(exc).__name__}: {exc}") from exc
        return arr if arr.flags.writeable else arr.copy(order="K")

    @property
    def decodes_into(self) -> bool:
        """Whether :meth:`decode_into` decodes without an intermediate copy."""
        return self._into is not None

    def decode_into(self, data: BytesLike, out: np.ndarray, key: str = "") -> None:
        """Decode one stored chunk into ``out``, a writable C-contiguous array of the
        chunk's shape and dtype.

        Where the chain allows (fixed-size elements stored in native byte order and C
        layout, one compressor able to decode into a buffer: ``zstd``, ``blosc``) the
        compressor writes into ``out`` itself; otherwise this decodes and copies. A
        reader reusing one ``out`` for many chunks then touches no new memory per chunk.

        Raises
        ------
        CorruptChunkError, UnsafeDecodeError
            As :meth:`decode`.
        """
        into = self._into
        if into is not None:
            try:
                if into.decode_into(data, out.reshape(-1).view(np.uint8)):
                    return
            except Exception as exc:
                raise CorruptChunkError(key, f"{into.name}: {type(exc).__name__}: {exc}") from exc
        out[...] = self.decode(data, key)

    def decode_batch_into(
        self, datas: Sequence[BytesLike], out: np.ndarray, keys: Sequence[str] | None = None
    ) -> None:
        """Decode many stored chunks into the rows of ``out``, a writable C-contiguous
        ``(n, *chunk_shape)`` array of the chunk dtype (chunk ``i`` into ``out[i]``).

        Where :meth:`decode_into` can write into the caller's memory, the compressor's
        batch decoder writes every chunk into ``out`` at once; otherwise this decodes
        the batch and copies. A reader whose output is the chunks laid end to end (a
        whole 1-d array, or chunks spanning every axis but the first) passes its output
        and saves a pass over the data.

        Raises
        ------
        CorruptChunkError, UnsafeDecodeError
            As :meth:`decode_batch` (``out`` may then hold part of the batch).
        """
        n = len(datas)
        if self._into is not None and n > 1:
            flat = out.reshape(n, -1).view(np.uint8)
            step = max(2, _INTO_PART_BYTES // max(1, self._ab_size or 1))
            parts = [(start, min(n, start + step)) for start in range(0, n, step)]
            # Parts of about _INTO_PART_BYTES, on the codec pool: each decoder's own buffer
            # stays in cache on its way into ``out``, and the first touches of a fresh
            # output's pages (costly page faults) are spread over the pool's threads.
            done = parallel_map(lambda part: self._part_into(datas, flat, *part), parts, True)
            if all(done):
                return
        decoded = self.decode_batch(datas, keys)
        if isinstance(decoded, np.ndarray):
            out[...] = decoded
        else:
            for i, chunk in enumerate(decoded):
                out[i] = chunk

    def _part_into(
        self, datas: Sequence[BytesLike], flat: np.ndarray, start: int, stop: int
    ) -> bool:
        """Decode ``datas[start:stop]`` into those rows of ``flat`` with the compressor's
        batch decoder; False where it cannot (or any of them is corrupt: the caller's
        slower path then names the culprit)."""
        try:
            if stop - start < 2:
                return self._into.decode_into(datas[start], flat[start])
            rows = self._into.decode_batch_fixed(datas[start:stop], self._ab_size, flat[start:stop])
        except Exception:
            return False
        return rows is not None

    def _prepare(self, chunk: Any) -> np.ndarray:
        arr = np.asarray(chunk)
        if arr.shape != self.spec.shape:
            raise CodecError(f"a chunk of shape {arr.shape} was given; expected {self.spec.shape}")
        if arr.dtype != self.spec.dtype:
            return arr.astype(self.spec.dtype)
        if arr.dtype.kind == "O" and not arr.flags.writeable:
            # numcodecs' object codecs (VLenBytes) refuse read-only input, such as the
            # broadcast views the engine passes for whole-chunk writes.
            return arr.copy()
        return arr

    def encode(self, chunk: np.ndarray) -> bytes:
        """Encode one chunk array (of the chunk's full shape) to the bytes to store.

        Raises
        ------
        CodecError
            If the chunk has the wrong shape or a codec rejects it (e.g. a non-string
            element for ``vlen-utf8``).
        """
        arr = self._prepare(chunk)
        stage: Codec = self._ab
        try:
            for codec, _ in self._aa:
                stage = codec
                arr = codec.encode(arr)
            stage = self._ab
            buf = self._ab.encode(arr)
            for codec in self._bb:
                stage = codec
                buf = codec.encode(buf)
            return to_bytes(buf)
        except CodecError:
            raise
        except Exception as exc:
            raise CodecError(f"codec {stage.name!r} could not encode a chunk: {exc}") from exc

    # ------------------------------------------------------------------ batches

    def decode_batch(
        self, datas: Sequence[BytesLike], keys: Sequence[str] | None = None
    ) -> ChunkBatch:
        """Decode many stored chunks at once.

        Parameters
        ----------
        datas
            The stored values.
        keys
            Their store keys, for error messages.

        Returns
        -------
        numpy.ndarray or list of numpy.ndarray
            Chunk ``i`` is ``result[i]`` either way: one writable ``(n, *chunk_shape)``
            array when the chain allows decoding into one block (and chunks are not
            0-d), else a list.

        Raises
        ------
        CorruptChunkError
            Naming the first chunk that fails to decode.
        UnsafeDecodeError
            As :meth:`decode`.
        """
        n = len(datas)
        if keys is None:
            keys = [""] * n
        elif len(keys) != n:
            raise ValueError(f"{n} chunks but {len(keys)} keys")
        if n == 0:
            return np.empty((0, *self.spec.shape), dtype=self.spec.dtype)
        self._check_unsafe(keys[0])
        try:
            return self._decode_batch(datas)
        except UnsafeDecodeError:
            raise
        except Exception:
            # Decoding one by one finds the culprit and raises its exact error.
            return [self.decode(d, k) for d, k in zip(datas, keys)]

    def _decode_batch(self, datas: Sequence[BytesLike]) -> ChunkBatch:
        bufs: Sequence[BytesLike] = datas
        arrs: ChunkBatch | None = None
        if self._ab_size is not None and self._bb:
            for codec, limit in self._bb_decode[:-1]:
                bufs = codec.decode_batch(bufs, limit)
            rows = self._bb[0].decode_batch_fixed(bufs, self._ab_size)
            if rows is None:
                bufs = self._bb[0].decode_batch(bufs, self._ab_size)
            else:
                arrs = self._ab.decode_stacked(rows, self._ab_spec)
                if arrs is None:
                    bufs = list(rows)
        else:
            for codec, limit in self._bb_decode:
                bufs = codec.decode_batch(bufs, limit)
        if arrs is None:
            arrs = self._ab.decode_batch(bufs, self._ab_spec)
        for codec, spec in reversed(self._aa):
            arrs = codec.decode_batch(arrs, spec)
        shape = self.spec.shape
        if isinstance(arrs, np.ndarray):
            if arrs.shape != (len(datas), *shape):
                raise ValueError(f"batch decoded to shape {arrs.shape}")
            if not arrs.flags.writeable:
                arrs = arrs.copy(order="K")
            # Indexing a stacked batch of 0-d chunks would give scalars, not arrays.
            return arrs if shape else [arrs[i, ...] for i in range(len(arrs))]
        if len(arrs) != len(datas) or any(a.shape != shape for a in arrs):
            raise ValueError("a chunk decoded to the wrong shape")
        return [a if a.flags.writeable else a.copy(order="K") for a in arrs]

    def encode_batch(self, chunks: Sequence[np.ndarray] | np.ndarray) -> list[bytes]:
        """Encode many chunks at once.

        Parameters
        ----------
        chunks
            A list of chunk arrays, or one ``(n, *chunk_shape)`` array.

        Returns
        -------
        list of bytes
            The values to store, in order.

        Raises
        ------
        CodecError
            As :meth:`encode`.
        """
        if isinstance(chunks, np.ndarray):
            if chunks.shape[1:] != self.spec.shape:
                raise CodecError(
                    f"a batch of shape {chunks.shape} was given; expected (n, *{self.spec.shape})"
                )
            arrs: ChunkBatch = (
                chunks if chunks.dtype == self.spec.dtype else chunks.astype(self.spec.dtype)
            )
        else:
            arrs = [self._prepare(c) for c in chunks]
        if len(arrs) == 0:
            return []
        stage: Codec = self._ab
        try:
            for codec, _ in self._aa:
                stage = codec
                arrs = codec.encode_batch(arrs)
            stage = self._ab
            bufs = self._ab.encode_batch(arrs)
            for codec in self._bb:
                stage = codec
                bufs = codec.encode_batch(bufs)
            return [to_bytes(b) for b in bufs]
        except CodecError:
            raise
        except Exception as exc:
            raise CodecError(f"codec {stage.name!r} could not encode a chunk: {exc}") from exc


# Bytes any compressor may add to incompressible input, and then some: zstd adds about
# n/256 + 64, bz2 n/100 + 600, gzip, lz4 and blosc less.
_SLACK = 4096


def _decode_limits(size: int | None, bb: Sequence[BytesBytesCodec]) -> list[int | None]:
    """For each bytes->bytes codec (encode order), the most bytes it may decode to.

    ``size`` bounds the array->bytes output, which is the first codec's input; each
    codec's output then bounds the next one's input: exactly for fixed-size codecs
    (checksums), with a compressor's worst-case expansion otherwise.
    """
    limits = []
    for codec in bb:
        limits.append(size)
        if size is not None:
            if codec.is_fixed_size:
                size = codec.compute_encoded_size(size)
            else:
                size = size + size // 8 + _SLACK
    return limits


def _parse_v3_entry(entry: Any, key: str | None, field: str) -> tuple[str, Mapping[str, Any]]:
    if isinstance(entry, str):  # v3.1 short-hand for a codec without configuration
        return entry, {}
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        raise MetadataError(
            f"a codec must be an object with a string 'name', got {entry!r}", key=key, field=field
        )
    unknown = set(entry) - {"name", "configuration", "must_understand"}
    if unknown:
        raise MetadataError(
            f"unknown member(s) {sorted(unknown)} in codec {entry['name']!r}", key=key, field=field
        )
    configuration = entry.get("configuration", {})
    if not isinstance(configuration, Mapping):
        raise MetadataError(
            f"the configuration of codec {entry['name']!r} must be an object, got {configuration!r}",
            key=key,
            field=field,
        )
    return entry["name"], configuration


def _v2_compressor(config: Mapping[str, Any], spec: ChunkSpec, plain: bool) -> BytesBytesCodec:
    """The bytes->bytes codec for a v2 ``compressor`` config.

    zstd, gzip and (when no filter changed the element size) blosc map to the native
    codecs, which batch; anything else runs through numcodecs.
    """
    codec_id = config["id"]
    rest = {k: v for k, v in config.items() if k != "id"}
    if codec_id == "zstd" and rest.keys() <= {"level", "checksum"}:
        return ZstdCodec(rest.get("level", 0), rest.get("checksum", False))
    if codec_id == "gzip" and rest.keys() <= {"level"}:
        return GzipCodec(rest.get("level", 1))
    if (
        codec_id == "blosc"
        and plain
        and rest.keys() <= {"cname", "clevel", "shuffle", "blocksize", "typesize"}
    ):
        # numcodecs takes the typesize from the array it is given: the chunk's dtype here.
        return BloscCodec.from_numcodecs_config(rest, typesize=spec.dtype.itemsize)
    codec_cls = numcodecs_codec_class(f"numcodecs.{codec_id}", NumcodecsV2Compressor)
    if codec_cls is None:
        raise unknown_numcodec(codec_id, "compressor")
    return codec_cls(rest, spec)
