"""Turning whatever a user passes as ``store=`` into a Store: the one resolution loop.

Order for strings (see DESIGN.md section 4):

1. ``root|adapter:...`` pipelines are split into stages (:mod:`zarr_core.storage.url`).
2. The root stage: a ``scheme://`` URL goes to the root plugin for that scheme, else to
   :class:`~zarr_core.storage.fsspec_store.FSStore` if fsspec knows the protocol, else a
   :class:`~zarr_core.errors.PluginNotFoundError` naming the distribution to install.
   An fsspec chain (``simplecache::s3://...``) goes to FSStore. A plain path goes by its
   suffix (``.zip``, ``.sqlite``, ...), then the plugins' claim hook, then the ``file``
   scheme (the directory plugin, or FSStore on the local filesystem without it).
3. Each adapter stage wraps the result of the stage before it. Adapters that read a
   *value* (``zip:`` reads an archive) get the previous stage's store and the key of that
   value; a root URL followed by such an adapter is therefore opened at its parent, with
   its last segment as the key.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from zarr_core.errors import (
    InvalidArgumentError,
    InvalidStoreError,
    StorageOptionsError,
    URLPipelineError,
)
from zarr_core.plugins import get_registry
from zarr_core.storage.adapters import StoreAdapter
from zarr_core.storage.base import Store
from zarr_core.storage.keys import join_path, normalize_path
from zarr_core.storage.url import Segment, parse_url, split_scheme

__all__ = ["Resolved", "Stage", "plan", "which", "resolve", "open_store", "normalize_store_arg"]

FSSPEC_TARGET = "zarr_core.storage.fsspec_store:FSStore"


@dataclass
class Stage:
    """How one URL-pipeline segment will be opened (the answer of ``which``)."""

    segment: Segment
    how: str
    plugin: str
    distribution: str
    target: str
    kind: str
    entry: Any = None

    def as_dict(self) -> dict[str, str]:
        return {
            "segment": self.segment.text,
            "how": self.how,
            "plugin": self.plugin,
            "distribution": self.distribution,
            "target": self.target,
            "kind": self.kind,
        }


@dataclass
class Resolved:
    """A resolved ``store=`` argument: the store, a path inside it, and a pinned format."""

    store: Store
    path: str = ""
    zarr_format: int | None = None

    def __post_init__(self) -> None:
        # A store that can hold one format only (N5: 2) pins it like ``|zarr2:`` would.
        if self.zarr_format is None:
            self.zarr_format = self.store.native_zarr_format


def _stage(segment: Segment, how: str, entry: Any) -> Stage:
    info, spec = entry
    return Stage(segment, how, info.name, info.distribution, spec.target, spec.kind, entry)


def _fsspec_stage(segment: Segment) -> Stage:
    return Stage(segment, "fsspec", "core", "zarr-core", FSSPEC_TARGET, "root")


def _fsspec_knows(protocol: str) -> bool:
    import fsspec

    return protocol in fsspec.available_protocols()


def _plan_root(segment: Segment) -> Stage:
    registry = get_registry()
    if segment.kind == "fsspec":
        return _fsspec_stage(segment)
    if segment.kind == "url":
        entry = registry.lookup("scheme", segment.scheme, "root")
        if entry is not None:
            return _stage(segment, "scheme", entry)
        if registry.lookup("scheme", segment.scheme, "adapter") is not None:
            raise URLPipelineError(
                segment.text,
                segment.text,
                f"{segment.scheme!r} is an adapter; it cannot start a pipeline",
            )
        registry.refuse_fallback("scheme", segment.scheme)
        if _fsspec_knows(segment.scheme):
            return _fsspec_stage(segment)
        registry.require("scheme", segment.scheme)  # raises, naming what to install
    path = segment.body.rstrip("/\\").lower()
    suffix = os.path.splitext(path)[1]
    if suffix:
        entry = registry.lookup("suffix", suffix, "root")
        if entry is not None:
            return _stage(segment, "suffix", entry)
        from zarr_core.plugins.known import KNOWN_SUFFIXES

        if suffix in KNOWN_SUFFIXES:
            registry.require("suffix", suffix)
        if suffix != ".zarr":  # the format's own directory suffix is never a plugin's
            registry.refuse_fallback("suffix", suffix)
    entry = registry.claim(segment.body, "a")
    if entry is not None:
        return _stage(segment, "claim", entry)
    return _stage(segment, "default", registry.require("scheme", "file"))


def _plan_adapter(segment: Segment) -> Stage:
    registry = get_registry()
    entry = registry.lookup("scheme", segment.scheme, "adapter")
    if entry is None and registry.lookup("scheme", segment.scheme, "root") is not None:
        raise URLPipelineError(
            segment.text, segment.text, f"{segment.scheme!r} names a root store, not an adapter"
        )
    if entry is None:
        # Raises, naming the distribution to install.
        entry = registry.require("scheme", segment.scheme, "adapter")
    return _stage(segment, "scheme", entry)


def plan(url: str) -> list[Stage]:
    """Decide which plugin opens each stage of ``url``, importing no store class."""
    segments = parse_url(url)
    try:
        return [_plan_root(segments[0])] + [_plan_adapter(s) for s in segments[1:]]
    except URLPipelineError as exc:
        if exc.url != url:
            raise URLPipelineError(url, exc.segment, str(exc).split(": ", 1)[-1]) from exc
        raise


def which(url: str) -> dict[str, Any]:
    """Say which plugin would open ``url``, without opening or importing anything heavy.

    Returns
    -------
    dict
        One entry per URL-pipeline stage under ``"stages"``; each has the ``segment``,
        the ``plugin``, ``distribution``, ``target`` (``module:Class``) and how it was
        matched (``scheme``, ``suffix``, ``claim``, ``fsspec`` or ``default``).
    """
    return {"url": url, "stages": [stage.as_dict() for stage in plan(url)]}


def _load(stage: Stage) -> type:
    if stage.entry is None:
        from zarr_core.storage.fsspec_store import FSStore

        return FSStore
    base = StoreAdapter if stage.entry[1].kind == "adapter" else Store
    return get_registry().load_class(stage.entry, (base,))


def _split_parent(url: str) -> tuple[str, str]:
    """``"s3://b/dir/x.zip"`` -> ``("s3://b/dir", "x.zip")``; plain paths likewise."""
    scheme, rest = split_scheme(url)
    rest = rest.rstrip("/")
    head, _, tail = rest.rpartition("/")
    if not tail:
        raise URLPipelineError(url, url, "cannot tell which stored value the next stage reads")
    if not head:
        head = "/" if rest.startswith("/") else ("" if scheme else ".")
    return (f"{scheme}://{head}" if scheme else head), tail


def _open_pipeline(url: str, mode: str, storage_options: dict[str, Any]) -> Resolved:
    stages = plan(url)
    root, adapters = stages[0], stages[1:]
    root_cls = _load(root)
    adapter_classes = [_load(s) for s in adapters]
    path = ""
    root_url = root.segment.body
    if adapter_classes and adapter_classes[0].consumes == "value":
        root_url, path = _split_parent(root_url)
        # What opens the parent is decided by the parent: planned on the whole segment,
        # "data/x.zip|zip:" would go by its suffix to a store for the archive itself.
        root = _plan_root(parse_url(root_url)[0])
        root_cls = _load(root)
    store = root_cls.from_url(root_url, mode=mode, **storage_options)
    zarr_format = None
    for stage, cls in zip(adapters, adapter_classes):
        consumes = cls.consumes
        if consumes == "value" and not path:
            raise URLPipelineError(
                url,
                stage.segment.text,
                "this adapter reads a stored value, but the stage before it names none",
            )
        if consumes == "format":
            zarr_format = cls.zarr_format
            path = join_path(path, normalize_path(stage.segment.body))
            continue
        store, path = cls.from_store(store, path, stage.segment.body, mode=mode)
    return Resolved(store, path, zarr_format)


def resolve(
    store: Any = None,
    mode: str = "a",
    storage_options: dict[str, Any] | None = None,
) -> Resolved:
    """Resolve any ``store=`` argument to a :class:`Resolved` (store, path, pinned format).

    Accepts ``None`` (new :class:`MemoryStore`), a :class:`Store`, any mutable mapping
    (wrapped in :class:`KVStore`), an ``fsspec.FSMap``, an ``os.PathLike`` or a string path,
    URL or URL pipeline.
    """
    from zarr_core.storage.memory import KVStore, MemoryStore

    storage_options = dict(storage_options or {})
    if isinstance(store, os.PathLike):
        store = os.fspath(store)
    if isinstance(store, str):
        return _open_pipeline(store, mode, storage_options)
    if storage_options:
        raise StorageOptionsError(
            f"storage_options were given but the store is a {type(store).__name__}, not a "
            f"URL or path; pass the options to the store's constructor instead"
        )
    if store is None:
        return Resolved(MemoryStore())
    if isinstance(store, Store):
        return Resolved(store)
    try:
        from fsspec.mapping import FSMap
    except ImportError:  # pragma: no cover - fsspec is a dependency
        FSMap = ()
    if isinstance(store, FSMap):
        from zarr_core.storage.fsspec_store import FSStore

        return Resolved(FSStore(store.root, fs=store.fs, mode=mode))
    if isinstance(store, MutableMapping):
        return Resolved(KVStore(store))
    # Duck typing, as zarr-python 2 promises: any object with the mapping methods works;
    # one that cannot be written (no __setitem__) is opened read-only.
    if all(hasattr(store, m) for m in ("__getitem__", "__iter__", "__contains__")):
        writable = all(hasattr(store, m) for m in ("__setitem__", "__delitem__"))
        return Resolved(KVStore(store, read_only=not writable or mode == "r"))
    raise InvalidStoreError(
        f"cannot use a {type(store).__name__} as a store; expected a path, URL, Store, or an "
        f"object with the mapping methods (__getitem__, __setitem__, __delitem__, __iter__, "
        f"__contains__)"
    )


def open_store(
    store: Any = None,
    mode: str = "a",
    storage_options: dict[str, Any] | None = None,
) -> Store:
    """Open a store from a path, URL, URL pipeline, mapping or Store.

    A path inside the store that a URL pipeline names (``x.zip|zip:inner/``) is applied
    with a :class:`~zarr_core.storage.prefix.PrefixStore`. A format pinned by
    ``|zarr2:``/``|zarr3:`` matters only to nodes: pass the URL to ``zarr_core.open`` and
    friends, which use :func:`resolve`.
    """
    resolved = resolve(store, mode=mode, storage_options=storage_options)
    result = resolved.store
    if resolved.path:
        from zarr_core.storage.prefix import PrefixStore

        result = PrefixStore(result, resolved.path)
    return result


def normalize_store_arg(
    store: Any,
    storage_options: dict[str, Any] | None = None,
    mode: str = "r",
    *,
    zarr_version: int | None = None,
) -> Store:
    """zarr-python 2's spelling of :func:`open_store` (its argument order; ``zarr_version``
    is checked and otherwise has no effect: a store holds either format)."""
    if zarr_version not in (None, 2, 3):
        raise InvalidArgumentError(f"zarr_version must be 2 or 3, got {zarr_version!r}")
    return open_store(store, mode=mode, storage_options=storage_options)
