"""The plugin contract: the hooks a zarr-core plugin may implement.

A plugin is a module (or object) registered under the ``zarr_core`` entry-point group::

    [project.entry-points.zarr_core]
    sqlite = "zarr_core_sqlite.plugin"

Importing that module must be cheap: it only *declares* what it provides. The classes are
named by lazy ``"module:Class"`` references and imported the first time they are needed,
so heavy client libraries (redis, pymongo, azure, lmdb) are never imported by
``import zarr_core`` or by resolving an unrelated URL.

Implement hooks with the marker from :mod:`zarr_core.plugins`::

    from zarr_core.plugins import StoreSpec, hookimpl

    @hookimpl
    def zarr_core_stores():
        return [StoreSpec(name="sqlite", target="zarr_core_sqlite.store:SQLiteStore",
                          schemes=("sqlite",), suffixes=(".sqlite", ".sqlite3"),
                          description="SQLite database file")]

Hooks are called with keyword arguments; an implementation may accept any subset of
a hook's arguments, so new arguments can be added without breaking plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from zarr_core.plugins import CodecSpec, StoreSpec, TransformerSpec

PROJECT = "zarr_core"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def zarr_core_stores() -> list[StoreSpec]:
    """Declare the stores this plugin provides.

    Returns
    -------
    list of StoreSpec
        Each names a lazy ``"module:Class"`` target, the URL schemes and path suffixes
        it serves, whether it is a *root* (names a resource: ``sqlite://``, ``file://``)
        or an *adapter* (wraps the store of the previous URL-pipeline stage: ``zip:``),
        and a one-line description.

        A root class derives from :class:`zarr_core.storage.Store` (overriding its
        primitives, see :mod:`zarr_core.storage.base`) and implements the classmethod
        ``from_url(url, *, mode='a', **storage_options) -> Store``.

        An adapter class derives from :class:`zarr_core.storage.adapters.StoreAdapter`,
        sets ``consumes`` and implements the classmethod
        ``from_store(store, path, body, *, mode='a') -> tuple[Store, str]``.
    """


@hookspec
def zarr_core_codecs() -> list[CodecSpec]:
    """Declare Zarr v3 codecs (by v3 name) this plugin provides, as lazy targets.

    The target class derives from ``ArrayArrayCodec``, ``ArrayBytesCodec`` or
    ``BytesBytesCodec`` in :mod:`zarr_core.codecs.base` and implements the classmethod
    ``from_config(configuration, spec) -> Self``.
    """


@hookspec
def zarr_core_storage_transformers() -> list[TransformerSpec]:
    """Declare Zarr v3 storage transformers (by name) this plugin provides, as lazy targets.

    The target class derives from :class:`zarr_core.storage.transformers.StorageTransformer` and
    implements the classmethod
    ``from_config(configuration, array_metadata, store, path) -> Store``.
    """


@hookspec(firstresult=True)
def zarr_core_claim_store(path: str, mode: str) -> str | None:
    """Claim a path or URL that no scheme or suffix rule matched.

    Called only when resolution found nothing else (for example a directory holding an
    N5 ``attributes.json``). Return the *name* of one of this plugin's ``StoreSpec``
    entries to open it with, or ``None``. Must not open or modify anything; the first
    non-``None`` answer wins.
    """
