"""The plugin registry: discovery, conflict rules, lookup and listing.

Plugins register under one entry-point group, ``zarr_core`` (see :mod:`zarr_core.plugins.hookspecs`
for the contract). Discovery happens on first use, not at ``import zarr_core``: the entry
points are read once, each plugin module is imported (they are cheap by contract) and its
declarations are collected into lookup tables. The classes a plugin declares are imported
only when a URL, codec or transformer needs them.

Rules
-----
* Core's own declarations (``memory:``, ``file:`` via fsspec, ``zarr2:``/``zarr3:``) are
  *fallbacks*: any plugin that claims the same name wins over them without a warning.
* When several plugins claim one name, an explicit setting wins
  (``zarr_core.config`` key ``plugins.stores`` / ``plugins.codecs`` /
  ``plugins.storage_transformers``, or ``ZARR_CORE_PLUGINS__STORES__<NAME>=<plugin>``).
  Without one, the plugin whose distribution name sorts first wins and a
  :class:`~zarr_core.errors.PluginConflictWarning` names both and the setting;
  with ``plugins.strict`` set it is an error instead.
* A plugin that fails to import breaks only the names it would have served; asking for
  those raises :class:`~zarr_core.errors.PluginLoadError` naming the distribution, with
  the real exception chained.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import pluggy

from zarr_core import config as _config
from zarr_core.errors import (
    PluginConflictWarning,
    PluginError,
    PluginLoadError,
    PluginNotFoundError,
)
from zarr_core.plugins import hookspecs
from zarr_core.plugins.known import KNOWN

ENTRY_POINT_GROUP = "zarr_core"
CORE_DISTRIBUTION = "zarr-core"

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)


@dataclass(frozen=True)
class StoreSpec:
    """A store declared by a plugin.

    Parameters
    ----------
    name
        Name of the store within its plugin (``"sqlite"``); the claim hook answers with it.
    target
        Lazy reference ``"module:Class"``; imported only when the store is used.
    schemes
        URL schemes served (``"sqlite"`` serves ``sqlite://...``; adapters ``"zip"``
        serve ``...|zip:``).
    suffixes
        Path suffixes recognised for plain paths (``".sqlite"``), lowercase, with the dot.
    kind
        ``"root"`` (names a resource) or ``"adapter"`` (wraps the previous stage's store).
    description
        One line shown by ``zarr-core plugins``.
    """

    name: str
    target: str
    schemes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    kind: Literal["root", "adapter"] = "root"
    description: str = ""


@dataclass(frozen=True)
class CodecSpec:
    """A Zarr v3 codec declared by a plugin (``name`` as written in ``zarr.json``)."""

    name: str
    target: str
    description: str = ""


@dataclass(frozen=True)
class TransformerSpec:
    """A Zarr v3 storage transformer declared by a plugin."""

    name: str
    target: str
    description: str = ""


@dataclass
class PluginInfo:
    """What one registered plugin provides, as shown by :func:`list_plugins`."""

    name: str
    distribution: str
    version: str
    module: str
    status: str = "ok"
    error: str | None = None
    stores: list[StoreSpec] = field(default_factory=list)
    codecs: list[CodecSpec] = field(default_factory=list)
    transformers: list[TransformerSpec] = field(default_factory=list)
    builtin: bool = False
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def schemes(self) -> list[str]:
        return sorted({s for spec in self.stores for s in spec.schemes})

    @property
    def suffixes(self) -> list[str]:
        return sorted({s for spec in self.stores for s in spec.suffixes})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (used by ``zarr-core plugins --json``)."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "status": self.status,
            "error": self.error,
            "builtin": self.builtin,
            "schemes": self.schemes,
            "suffixes": self.suffixes,
            "codecs": sorted(c.name for c in self.codecs),
            "storage_transformers": sorted(t.name for t in self.transformers),
            "stores": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "target": s.target,
                    "schemes": list(s.schemes),
                    "suffixes": list(s.suffixes),
                    "description": s.description,
                }
                for s in self.stores
            ],
        }


# A table entry: the plugin that declared it and the declaration itself.
_Entry = tuple[PluginInfo, Any]

# Kinds of lookup table -> config key holding explicit overrides.
_OVERRIDE_KEYS = {
    "scheme": "plugins.stores",
    "suffix": "plugins.stores",
    "codec": "plugins.codecs",
    "storage transformer": "plugins.storage_transformers",
}


def load_target(target: str, distribution: str = CORE_DISTRIBUTION) -> Any:
    """Import a lazy ``"module:attr"`` reference, naming the distribution on failure."""
    module_name, _, attr = target.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    except Exception as exc:
        raise PluginLoadError(distribution, target, exc) from exc
    return obj


class PluginRegistry:
    """Registered plugins and the lookup tables built from their declarations.

    Parameters
    ----------
    autoload
        Read the ``zarr_core`` entry-point group on first use. Tests pass ``False`` and
        register plugin objects directly with :meth:`register`.
    """

    def __init__(self, autoload: bool = True):
        self._autoload = autoload
        self._lock = threading.RLock()
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._plugins: dict[str, PluginInfo] = {}
        self._loaded = False
        self._tables: dict[str, dict[str, list[_Entry]]] | None = None
        self._warned: set[tuple[str, str]] = set()
        self._classes: dict[tuple[str, str], Any] = {}

    # -- registration -----------------------------------------------------------------
    def register(
        self,
        plugin: object,
        name: str | None = None,
        distribution: str | None = None,
        version: str = "",
        builtin: bool = False,
    ) -> PluginInfo:
        """Register a plugin object (module or instance holding hook implementations)."""
        with self._lock:
            name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
            if name in self._plugins:
                raise PluginError(f"a plugin named {name!r} is already registered")
            self._pm.register(plugin, name=name)
            self._pm.check_pending()
            info = PluginInfo(
                name=name,
                distribution=distribution or name,
                version=version,
                module=getattr(plugin, "__name__", type(plugin).__module__),
                builtin=builtin,
            )
            self._collect(plugin, info)
            self._plugins[name] = info
            self._tables = None
            return info

    def unregister(self, name: str) -> None:
        """Remove a registered plugin by name."""
        with self._lock:
            self._plugins.pop(name)
            plugin = self._pm.get_plugin(name)
            if plugin is not None:
                self._pm.unregister(plugin)
            self._tables = None
            self._classes.clear()

    def _collect(self, plugin: object, info: PluginInfo) -> None:
        callers = {hc.name: hc for hc in self._pm.get_hookcallers(plugin) or ()}
        for hook, attr, spec_type in (
            ("zarr_core_stores", "stores", StoreSpec),
            ("zarr_core_codecs", "codecs", CodecSpec),
            ("zarr_core_storage_transformers", "transformers", TransformerSpec),
        ):
            if hook not in callers:
                continue
            impl = getattr(plugin, hook)
            try:
                specs = list(impl() or ())
                bad = [s for s in specs if not isinstance(s, spec_type)]
                if bad:
                    raise TypeError(f"{hook} returned {bad[0]!r}, expected {spec_type.__name__}")
            except Exception as exc:
                info.status = "error"
                info.error = f"{hook}: {type(exc).__name__}: {exc}"
                info.exception = exc
                continue
            getattr(info, attr).extend(specs)

    def _record_failure(self, name: str, distribution: str, version: str, exc: Exception) -> None:
        self._plugins[name] = PluginInfo(
            name=name,
            distribution=distribution,
            version=version,
            module="?",
            status="error",
            error=f"{type(exc).__name__}: {exc}",
            exception=exc,
        )

    def load(self) -> None:
        """Register the core built-ins and, with autoload, every entry-point plugin (once)."""
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            from importlib.metadata import version

            from zarr_core.plugins import builtin

            self.register(
                builtin,
                name="core",
                distribution=CORE_DISTRIBUTION,
                version=version(CORE_DISTRIBUTION),
                builtin=True,
            )
            if self._autoload:
                self._load_entry_points()

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
        for ep in eps:
            dist = ep.dist.name if ep.dist is not None else ep.value.split(":")[0]
            version = ep.dist.version if ep.dist is not None else ""
            if ep.name in self._plugins:
                # Two distributions exporting one entry-point name: keep the first, say so.
                warnings.warn(
                    f"entry point {ep.name!r} of {dist!r} ignored: a plugin of that name is "
                    f"already registered by {self._plugins[ep.name].distribution!r}",
                    PluginConflictWarning,
                    stacklevel=2,
                )
                continue
            try:
                module = ep.load()
            except Exception as exc:
                self._record_failure(ep.name, dist, version, PluginLoadError(dist, ep.value, exc))
                self._plugins[ep.name].exception.__cause__ = exc
                continue
            try:
                self.register(module, name=ep.name, distribution=dist, version=version)
            except Exception as exc:
                self._record_failure(ep.name, dist, version, exc)

    # -- lookup tables ----------------------------------------------------------------
    def _build_tables(self) -> dict[str, dict[str, list[_Entry]]]:
        self.load()
        with self._lock:
            if self._tables is not None:
                return self._tables
            tables: dict[str, dict[str, list[_Entry]]] = {k: {} for k in _OVERRIDE_KEYS}
            tables["store"] = {}
            for info in self._plugins.values():
                for spec in info.stores:
                    tables["store"].setdefault(f"{info.name}:{spec.name}", []).append((info, spec))
                    for scheme in spec.schemes:
                        tables["scheme"].setdefault(scheme.lower(), []).append((info, spec))
                    for suffix in spec.suffixes:
                        tables["suffix"].setdefault(suffix.lower(), []).append((info, spec))
                for spec in info.codecs:
                    tables["codec"].setdefault(spec.name, []).append((info, spec))
                for spec in info.transformers:
                    tables["storage transformer"].setdefault(spec.name, []).append((info, spec))
            self._tables = tables
            return tables

    def _choose(self, kind: str, key: str, entries: list[_Entry]) -> _Entry:
        if len(entries) == 1:
            return entries[0]
        override = (_config.get(_OVERRIDE_KEYS[kind], {}) or {}).get(key)
        if override:
            for entry in entries:
                if override in (entry[0].name, entry[0].distribution):
                    return entry
            names = ", ".join(sorted(e[0].distribution for e in entries))
            raise PluginError(
                f"{_OVERRIDE_KEYS[kind]}[{key!r}] = {override!r} names none of the plugins "
                f"providing the {kind} {key!r}: {names}"
            )
        plugins = [e for e in entries if not e[0].builtin] or entries
        if len(plugins) == 1:
            return plugins[0]
        plugins = sorted(plugins, key=lambda e: (e[0].distribution, e[0].name))
        names = " and ".join(repr(e[0].distribution) for e in plugins)
        message = (
            f"the {kind} {key!r} is provided by {names}; using {plugins[0][0].distribution!r}. "
            f"Choose explicitly with zarr_core.config.set({{'{_OVERRIDE_KEYS[kind]}': "
            f"{{'{key}': '<distribution>'}}}}) or the environment variable "
            f"ZARR_CORE_{_OVERRIDE_KEYS[kind].upper().replace('.', '__')}__{key.upper()}"
        )
        if _config.get("plugins.strict", False):
            raise PluginError(message)
        if (kind, key) not in self._warned:
            self._warned.add((kind, key))
            warnings.warn(message, PluginConflictWarning, stacklevel=4)
        return plugins[0]

    def lookup(self, kind: str, key: str, store_kind: str | None = None) -> _Entry | None:
        """The (plugin, declaration) serving ``key`` in table ``kind``, or None.

        ``store_kind`` (``"root"`` or ``"adapter"``) keeps only store declarations of that
        kind, so that one name can serve both a root store and an adapter (``zip://x.zip``
        and ``...|zip:``) without the two counting as a conflict.
        """
        entries = self._build_tables()[kind].get(
            key if kind in ("codec", "storage transformer") else key.lower()
        )
        if entries and store_kind is not None:
            entries = [e for e in entries if e[1].kind == store_kind]
        if not entries:
            return None
        return self._choose(kind, key, entries)

    def require(self, kind: str, key: str, store_kind: str | None = None) -> _Entry:
        """Like :meth:`lookup`, raising a typed error that says what to install."""
        entry = self.lookup(kind, key, store_kind)
        if entry is not None:
            return entry
        distribution = KNOWN[kind].get(key.lower() if kind in ("scheme", "suffix") else key)
        failed = self._failed_distribution(distribution)
        if failed is not None:
            raise failed
        raise PluginNotFoundError(kind, key, distribution, self.names(kind))

    def refuse_fallback(self, kind: str, key: str) -> None:
        """Raise instead of falling back to a default when a plugin failed to load.

        A broken plugin's declarations are unknown (its module did not import), so any
        scheme or suffix no loaded plugin serves may be one it would have served: opening
        it with fsspec or as a directory could silently put data in the wrong place.
        """
        self.load()
        broken = [info for info in self._plugins.values() if info.status == "error"]
        if broken:
            names = ", ".join(repr(info.distribution) for info in broken)
            raise PluginLoadError(
                broken[0].distribution,
                broken[0].name,
                broken[0].exception or PluginError(broken[0].error or "failed"),
                hint=(
                    f"no loaded plugin serves the {kind} {key!r} and the plugin(s) {names} "
                    f"failed to load, so it may be theirs; fix or uninstall them (see "
                    f"`zarr-core plugins`)"
                ),
            ) from broken[0].exception

    def _failed_distribution(self, distribution: str | None) -> BaseException | None:
        for info in self._plugins.values():
            if info.status == "error" and info.distribution == distribution:
                return info.exception
        return None

    def names(self, kind: str) -> list[str]:
        """Every name in table ``kind`` (``"scheme"``, ``"suffix"``, ``"codec"``, ...)."""
        return sorted(self._build_tables()[kind])

    def load_class(self, entry: _Entry, base: tuple[type, ...]) -> Any:
        """Import (once) the class a declaration points to, checking that it derives from
        one of ``base`` (the contract the caller needs it to keep)."""
        info, spec = entry
        cache_key = (info.name, spec.target)
        cls = self._classes.get(cache_key)
        if cls is None:
            cls = load_target(spec.target, info.distribution)
            if not (isinstance(cls, type) and issubclass(cls, base)):
                names = " or ".join(f"{b.__module__}.{b.__name__}" for b in base)
                raise PluginLoadError(
                    info.distribution,
                    spec.target,
                    TypeError(f"{spec.name!r} must be a class derived from {names}, got {cls!r}"),
                )
            self._classes[cache_key] = cls
        return cls

    def claim(self, path: str, mode: str) -> _Entry | None:
        """Ask the claim hook which store should open ``path``."""
        self.load()
        for impl in reversed(self._pm.hook.zarr_core_claim_store.get_hookimpls()):
            answer = impl.function(
                **{k: v for k, v in {"path": path, "mode": mode}.items() if k in impl.argnames}
            )
            if answer is None:
                continue
            entries = self._build_tables()["store"].get(f"{impl.plugin_name}:{answer}")
            if not entries:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} claimed {path!r} with the unknown store "
                    f"name {answer!r}"
                )
            return entries[0]
        return None

    def plugins(self) -> list[PluginInfo]:
        """Every registered plugin (including failed ones), core first."""
        self.load()
        return sorted(self._plugins.values(), key=lambda p: (not p.builtin, p.name))


_registry: PluginRegistry | None = None
_registry_lock = threading.Lock()


def get_registry() -> PluginRegistry:
    """The process-wide registry (created, not yet loaded, on first call)."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = PluginRegistry()
    return _registry


def set_registry(registry: PluginRegistry | None) -> PluginRegistry | None:
    """Replace the process-wide registry (for tests); returns the previous one."""
    global _registry
    previous, _registry = _registry, registry
    return previous


def refresh() -> None:
    """Forget discovered plugins so the next lookup re-reads the entry points."""
    set_registry(None)


def list_plugins() -> list[PluginInfo]:
    """Every registered plugin with what it provides and whether it loaded."""
    return get_registry().plugins()
