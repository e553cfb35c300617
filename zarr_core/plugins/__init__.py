"""The plugin registry: what plugin authors import, and what finds their plugins.

``hookspecs`` is the contract (the hooks a plugin implements), ``registry`` the
discovery, conflict rules and lookup, ``builtin`` core's own declarations (registered
exactly like a plugin's) and ``known`` the first-party plugins' install hints. This
layer knows no store, codec or transformer class: callers pass the base class a
declaration's target must derive from.
"""

from zarr_core.plugins.registry import (
    ENTRY_POINT_GROUP,
    CodecSpec,
    PluginInfo,
    PluginRegistry,
    StoreSpec,
    TransformerSpec,
    get_registry,
    hookimpl,
    list_plugins,
    load_target,
    refresh,
    set_registry,
)

__all__ = [
    "hookimpl",
    "StoreSpec",
    "CodecSpec",
    "TransformerSpec",
    "PluginInfo",
    "PluginRegistry",
    "get_registry",
    "set_registry",
    "list_plugins",
    "refresh",
    "load_target",
    "ENTRY_POINT_GROUP",
]
