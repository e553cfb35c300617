"""Errors and warnings of zarr-core-n5."""

from __future__ import annotations

from zarr_core.errors import MetadataError

__all__ = [
    "N5AttributeWarning",
    "N5MetadataError",
    "N5TensorstoreWarning",
    "N5UnsupportedError",
]


class N5MetadataError(MetadataError):
    """An N5 ``attributes.json`` is invalid, or Zarr metadata cannot be expressed in N5."""


class N5UnsupportedError(N5MetadataError):
    """An N5 feature zarr-core does not read (``string``/``object`` data, varlength blocks)."""


class N5AttributeWarning(UserWarning):
    """A user attribute uses a name N5 reserves for dataset metadata; it was not stored."""


class N5TensorstoreWarning(UserWarning):
    """A user attribute would make the dataset unreadable by tensorstore's ``n5`` driver."""
