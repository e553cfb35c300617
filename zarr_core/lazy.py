"""Lazy exports: names of a package that live in submodules imported on first access.

Plugin packages use it so that plugin discovery, which imports ``<package>.plugin`` and so
the package itself, never imports a store module or its client library::

    from zarr_core.lazy import lazy_exports

    __all__ = ["SQLiteStore"]
    __getattr__, __dir__ = lazy_exports(__name__, {"SQLiteStore": "zarr_core_sqlite.store"})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, importing ``exports[name]`` on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Exported name -> the module that defines it.
    """
    exports = dict(exports)

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
