"""Zarr v3 storage transformers: the layer between an array's chunk keys and its store.

A storage transformer named in an array's ``storage_transformers`` metadata wraps the
store the array reads and writes chunks through. Transformers come from plugins (the
``zarr_core_storage_transformers`` hook); core only defines the contract and applies
them, in metadata order, the first one wrapping the raw store.

Transformer classes subclass :class:`StorageTransformer` and implement its
:meth:`~StorageTransformer.from_config`; the store they return is usually a
:class:`~zarr_core.storage.WrapperStore` subclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zarr_core.errors import PluginNotFoundError, UnknownExtensionError
from zarr_core.plugins import get_registry
from zarr_core.plugins.known import KNOWN_STORAGE_TRANSFORMERS
from zarr_core.storage.base import Store

__all__ = ["StorageTransformer", "apply_storage_transformers"]


class StorageTransformer:
    """Base class of Zarr v3 storage transformers provided by plugins."""

    @classmethod
    def from_config(
        cls, configuration: Mapping[str, Any], array_metadata: Any, store: Store, path: str
    ) -> Store:
        """The store an array with this transformer reads and writes its chunks through.

        Parameters
        ----------
        configuration
            The metadata entry's ``configuration``.
        array_metadata
            The array's v3 metadata.
        store, path
            The store below the transformer and the array's path in it; the returned
            store serves the array's chunk keys (``path`` + chunk key).

        Raises
        ------
        MetadataError
            For an invalid configuration.
        """
        raise NotImplementedError(f"{cls.__name__} must implement from_config")


def get_transformer_class(name: str) -> type[StorageTransformer]:
    """The class a plugin provides for the Zarr v3 storage transformer ``name``."""
    registry = get_registry()
    return registry.load_class(registry.require("storage transformer", name), (StorageTransformer,))


def _name(entry: dict) -> str:
    # The ZEP 2 draft wrote {"extension": <uri>, "type": ...}; the final form is {"name": ...}.
    name = entry.get("name") or entry.get("extension", "")
    return name.rstrip("/").split("/")[-2] if name.startswith("https://") else name


def apply_storage_transformers(meta: Any, store: Store, path: str, key: str = "") -> Store:
    """Wrap ``store`` in the transformers ``meta.storage_transformers`` lists."""
    for entry in getattr(meta, "storage_transformers", None) or ():
        name = _name(entry)
        try:
            cls = get_transformer_class(name)
        except PluginNotFoundError:
            raise UnknownExtensionError(
                "storage transformer",
                name,
                key=key,
                distribution=KNOWN_STORAGE_TRANSFORMERS.get(name),
            ) from None
        store = cls.from_config(entry.get("configuration", {}) or {}, meta, store, path)
    return store
