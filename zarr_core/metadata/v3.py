"""Zarr v3 ``zarr.json`` documents for arrays and groups.

Extension points (data type, chunk grid, chunk key encoding) are resolved here; codecs and
storage transformers are only checked for shape and kept as JSON objects, because other
layers resolve them. Unknown top-level members must be objects marked
``"must_understand": false``; they are kept and written back unchanged.

Documents are written like zarr-python 3: indent 2, ASCII-only, members in zarr-python's
order, ``attributes`` and ``storage_transformers`` always present (``[]`` when empty; both
zarr-python and tensorstore read it), ``dimension_names`` only when set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

import numpy as np

from zarr_core.errors import MetadataError, UnknownExtensionError
from zarr_core.metadata._json import dump_document, load_document
from zarr_core.metadata._validate import (
    check_dict,
    check_format,
    check_ndim,
    check_same_length,
    extension_members,
    int_tuple,
    require,
)
from zarr_core.metadata.chunk_keys import ChunkKeyEncoding
from zarr_core.metadata.dtypes import (
    ObjectKind,
    normalize_v3_data_type,
    numpy_from_v3,
    v3_object_kind,
)
from zarr_core.metadata.fill_value import (
    decode_fill_value_v3,
    default_fill_value,
    encode_fill_value_v3,
    normalize_fill_value,
)
from zarr_core.metadata.protocol import ArrayDocument

__all__ = ["ArrayMetadataV3", "GroupMetadataV3", "parse_node_v3"]

_ARRAY_REQUIRED = (
    "shape",
    "data_type",
    "chunk_grid",
    "chunk_key_encoding",
    "fill_value",
    "codecs",
)
_ARRAY_MEMBERS = frozenset(
    ("zarr_format", "node_type", "attributes", "dimension_names", "storage_transformers")
    + _ARRAY_REQUIRED
)
# consolidated_metadata has no "name" and is the documented exception (zarr-specs #373).
_GROUP_MEMBERS = frozenset(("zarr_format", "node_type", "attributes", "consolidated_metadata"))
_EXTENSION_KEYS = frozenset(("name", "configuration", "must_understand"))


def _extension_object(item: Any, field: str, key: str | None) -> dict:
    """A codec or transformer entry in object form (a bare name becomes ``{"name": ...}``)."""
    if isinstance(item, str):
        return {"name": item}
    if (
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and item.keys() <= _EXTENSION_KEYS
        and isinstance(item.get("configuration", {}), dict)
        and isinstance(item.get("must_understand", True), bool)
    ):
        return item
    raise MetadataError(
        f"expected a name or {{'name', 'configuration'?, 'must_understand'?}}, got {item!r}",
        key=key,
        field=field,
    )


def _extension_list(value: Any, field: str, key: str | None) -> list[dict]:
    if not isinstance(value, (list, tuple)):
        raise MetadataError(f"expected a list, got {value!r}", key=key, field=field)
    return [_extension_object(item, field, key) for item in value]


def _regular_chunk_shape(value: Any, key: str | None) -> Any:
    """The ``chunk_shape`` of a ``chunk_grid`` member (only ``regular`` grids exist)."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        if value.get("must_understand", True) is not True:
            raise MetadataError(
                "'must_understand' may not be false for a chunk grid", key=key, field="chunk_grid"
            )
        name, config = value["name"], value.get("configuration")
    elif isinstance(value, str):
        name, config = value, None
    else:
        raise MetadataError(f"expected an object, got {value!r}", key=key, field="chunk_grid")
    if name != "regular":
        raise UnknownExtensionError("chunk grid", name, key=key)
    if not isinstance(config, dict) or "chunk_shape" not in config:
        raise MetadataError(
            "the regular grid needs a configuration with 'chunk_shape'", key=key, field="chunk_grid"
        )
    return config["chunk_shape"]


def _bytes_endian(codecs: list) -> str:
    """Byte order of the array->bytes codec (looking inside sharding); ``little`` if unset."""
    for codec in codecs:
        if isinstance(codec, str):
            name, config = codec, {}
        elif isinstance(codec, dict) and isinstance(codec.get("configuration", {}), dict):
            name, config = codec.get("name"), codec.get("configuration", {})
        else:
            continue  # malformed inner codecs are the codec layer's to report
        if name == "bytes":
            return config.get("endian", "little")
        if name == "sharding_indexed" and isinstance(config.get("codecs"), list):
            return _bytes_endian(config["codecs"])
    return "little"


def _check_extra_members(extra: dict, standard: frozenset[str], key: str | None) -> None:
    clash = extra.keys() & standard
    if clash:
        raise MetadataError(f"extra members shadow standard ones: {sorted(clash)}", key=key)
    extension_members(extra, frozenset(), key)


@dataclass(frozen=True, eq=False)
class ArrayMetadataV3(ArrayDocument):
    """The contents of an array's ``zarr.json``.

    Parameters
    ----------
    shape
        Array shape.
    data_type
        The v3 ``data_type`` JSON (see :func:`~zarr_core.metadata.dtypes.v3_from_numpy`);
        it is stored in the normalised form that is written.
    chunk_shape
        Chunk shape of the regular chunk grid.
    codecs
        The codec chain as JSON objects (bare names are turned into ``{"name": ...}``).
    fill_value
        Decoded fill value or a Python value convertible to one; ``None`` picks zero
        (``""``/``b""`` for strings/bytes).
    chunk_key_encoding
        A :class:`ChunkKeyEncoding` (JSON is accepted too); default ``c/``-keys.
    attributes
        User attributes.
    dimension_names
        One name (or ``None``) per dimension, or ``None``.
    storage_transformers
        Storage transformer entries as JSON objects.
    extra_members
        Unknown top-level members marked ``"must_understand": false``, kept verbatim.
    source_key
        The store key the document was read from; only used in error messages.

    Attributes
    ----------
    dtype
        NumPy dtype of ``data_type`` in native byte order (the ``bytes`` codec holds the
        stored byte order); the object dtype for ``string`` and ``bytes``.
    """

    shape: tuple[int, ...]
    data_type: str | dict
    chunk_shape: tuple[int, ...]
    codecs: list[dict]
    fill_value: Any = None
    chunk_key_encoding: ChunkKeyEncoding = field(default_factory=ChunkKeyEncoding)
    attributes: dict = field(default_factory=dict)
    dimension_names: tuple[str | None, ...] | None = None
    storage_transformers: list[dict] = field(default_factory=list)
    extra_members: dict[str, dict] = field(default_factory=dict)
    source_key: str | None = field(default=None, kw_only=True, repr=False)
    dtype: np.dtype = field(init=False)

    zarr_format: ClassVar[Literal[3]] = 3
    node_type: ClassVar[Literal["array"]] = "array"
    # Chunks are always C order in v3; a v2 "F" layout is a transpose codec instead.
    order: ClassVar[Literal["C"]] = "C"

    def __post_init__(self) -> None:
        key = self.source_key
        set_ = object.__setattr__
        set_(self, "shape", int_tuple(self.shape, minimum=0, field="shape", key=key))
        set_(
            self, "chunk_shape", int_tuple(self.chunk_shape, minimum=1, field="chunk_grid", key=key)
        )
        check_same_length(self.shape, self.chunk_shape, "chunk_grid", key)
        data_type = normalize_v3_data_type(self.data_type, key=key)
        set_(self, "data_type", data_type)
        set_(self, "dtype", numpy_from_v3(data_type, key=key))
        check_ndim(self.shape, "shape", key)
        codecs = _extension_list(self.codecs, "codecs", key)
        if not codecs:
            raise MetadataError("must contain an array->bytes codec", key=key, field="codecs")
        set_(self, "codecs", codecs)
        transformers = _extension_list(self.storage_transformers, "storage_transformers", key)
        set_(self, "storage_transformers", transformers)
        if not isinstance(self.chunk_key_encoding, ChunkKeyEncoding):
            cke = ChunkKeyEncoding.from_json(self.chunk_key_encoding, key=key)
            set_(self, "chunk_key_encoding", cke)
        check_dict(self.attributes, "attributes", key)
        if self.dimension_names is not None:
            names = self.dimension_names
            if not (
                isinstance(names, (list, tuple))
                and all(n is None or isinstance(n, str) for n in names)
            ):
                raise MetadataError(
                    f"expected a list of strings or nulls, got {names!r}",
                    key=key,
                    field="dimension_names",
                )
            set_(self, "dimension_names", tuple(names))
            check_same_length(self.shape, self.dimension_names, "dimension_names", key)
        _check_extra_members(self.extra_members, _ARRAY_MEMBERS, key)
        if self.fill_value is None:
            fill = default_fill_value(self.dtype, self.object_kind)
        else:
            fill = normalize_fill_value(
                self.fill_value, self.dtype, object_kind=self.object_kind, key=key
            )
        set_(self, "fill_value", fill)

    @classmethod
    def from_json(cls, data: bytes | str | dict, key: str | None = None) -> Self:
        """Parse an array ``zarr.json`` document.

        Parameters
        ----------
        data
            JSON text (bytes or str) or the parsed dict.
        key
            Store key of the document, named in error messages.

        Raises
        ------
        UnknownExtensionError
            For an unknown data type, chunk grid or chunk key encoding, or an unknown
            member not marked ``"must_understand": false``.
        MetadataError
            For anything malformed, naming the key and field.
        """
        doc = load_document(data, key)
        check_format(doc, 3, key)
        if doc.get("node_type") != "array":
            raise MetadataError(
                f"expected 'array', got {doc.get('node_type')!r}", key=key, field="node_type"
            )
        require(doc, _ARRAY_REQUIRED, key)
        extra = extension_members(doc, _ARRAY_MEMBERS, key)
        codecs = _extension_list(doc["codecs"], "codecs", key)
        fill_value = decode_fill_value_v3(
            doc["fill_value"], doc["data_type"], endian=_bytes_endian(codecs), key=key
        )
        return cls(
            shape=doc["shape"],
            data_type=doc["data_type"],
            chunk_shape=_regular_chunk_shape(doc["chunk_grid"], key),
            codecs=codecs,
            fill_value=fill_value,
            chunk_key_encoding=ChunkKeyEncoding.from_json(doc["chunk_key_encoding"], key=key),
            attributes=doc.get("attributes", {}),
            dimension_names=doc.get("dimension_names"),
            storage_transformers=doc.get("storage_transformers") or [],
            extra_members=extra,
            source_key=key,
        )

    def to_json(self) -> bytes:
        """The ``zarr.json`` document, laid out as zarr-python 3 writes it."""
        doc: dict[str, Any] = {
            "shape": list(self.shape),
            "data_type": self.data_type,
            "chunk_grid": {
                "name": "regular",
                "configuration": {"chunk_shape": list(self.chunk_shape)},
            },
            "chunk_key_encoding": self.chunk_key_encoding.to_json(),
            "fill_value": encode_fill_value_v3(
                self.fill_value, self.data_type, key=self.source_key
            ),
            "codecs": self.codecs,
            "attributes": self.attributes,
        }
        if self.dimension_names is not None:
            doc["dimension_names"] = list(self.dimension_names)
        doc["zarr_format"] = 3
        doc["node_type"] = "array"
        doc["storage_transformers"] = self.storage_transformers
        doc.update(self.extra_members)
        return dump_document(doc, indent=2, sort_keys=False, key=self.source_key)

    @property
    def chunks(self) -> tuple[int, ...]:
        """The chunk shape (same as ``chunk_shape``; the name v2 and the array API use)."""
        return self.chunk_shape

    @property
    def object_kind(self) -> ObjectKind | None:
        """``"string"``/``"bytes"`` for the variable-length data types, else ``None``."""
        return v3_object_kind(self.data_type)


@dataclass(frozen=True)
class GroupMetadataV3:
    """The contents of a group's ``zarr.json``.

    Parameters
    ----------
    attributes
        User attributes.
    consolidated_metadata
        zarr-python's inline consolidated metadata member, as parsed JSON (``None`` if
        absent). Interpreting it is the consolidated-metadata layer's job.
    extra_members
        Unknown members marked ``"must_understand": false``, kept verbatim.
    source_key
        The store key the document was read from; only used in error messages.
    """

    attributes: dict = field(default_factory=dict)
    consolidated_metadata: dict | None = None
    extra_members: dict[str, dict] = field(default_factory=dict)
    source_key: str | None = field(default=None, kw_only=True, repr=False, compare=False)

    zarr_format: ClassVar[Literal[3]] = 3
    node_type: ClassVar[Literal["group"]] = "group"

    def __post_init__(self) -> None:
        key = self.source_key
        check_dict(self.attributes, "attributes", key)
        if self.consolidated_metadata is not None:
            check_dict(self.consolidated_metadata, "consolidated_metadata", key)
        _check_extra_members(self.extra_members, _GROUP_MEMBERS, key)

    @classmethod
    def from_json(cls, data: bytes | str | dict, key: str | None = None) -> Self:
        """Parse a group ``zarr.json`` document (see :meth:`ArrayMetadataV3.from_json`)."""
        doc = load_document(data, key)
        check_format(doc, 3, key)
        if doc.get("node_type") != "group":
            raise MetadataError(
                f"expected 'group', got {doc.get('node_type')!r}", key=key, field="node_type"
            )
        return cls(
            attributes=doc.get("attributes", {}),
            consolidated_metadata=doc.get("consolidated_metadata"),
            extra_members=extension_members(doc, _GROUP_MEMBERS, key),
            source_key=key,
        )

    def to_json(self) -> bytes:
        """The ``zarr.json`` document, laid out as zarr-python 3 writes it."""
        doc: dict[str, Any] = {"attributes": self.attributes, "zarr_format": 3}
        if self.consolidated_metadata is not None:
            doc["consolidated_metadata"] = self.consolidated_metadata
        doc["node_type"] = "group"
        doc.update(self.extra_members)
        return dump_document(doc, indent=2, sort_keys=False, key=self.source_key)


def parse_node_v3(
    data: bytes | str | dict, key: str | None = None
) -> ArrayMetadataV3 | GroupMetadataV3:
    """Parse any v3 ``zarr.json``, dispatching on ``node_type``.

    Raises
    ------
    MetadataError
        If ``node_type`` is missing or is neither ``"array"`` nor ``"group"``.
    """
    doc = load_document(data, key)
    node_type = doc.get("node_type")
    if node_type == "array":
        return ArrayMetadataV3.from_json(doc, key)
    if node_type == "group":
        return GroupMetadataV3.from_json(doc, key)
    raise MetadataError(
        f"expected 'array' or 'group', got {node_type!r}", key=key, field="node_type"
    )
