"""Lazy names: exports of a package that live in submodules imported on first access, and
old module paths that keep working after a module moved.

Plugin packages use it so that plugin discovery, which imports ``<package>.plugin`` and so
the package itself, never imports a store module or its client library::

    from zarr_core.lazy import lazy_exports

    __all__ = ["SQLiteStore"]
    __getattr__, __dir__ = lazy_exports(__name__, {"SQLiteStore": "zarr_core_sqlite.store"})
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports", "module_aliases"]


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


class _ModuleAliases:
    """Serves ``import old.name`` with the module now at ``new.name`` (the same object).

    A meta path finder and loader by protocol, not by subclassing ``importlib.abc``,
    whose import (it brings ``importlib.resources``, ``tempfile``, ``pathlib``...) would
    cost every ``import zarr_core`` several milliseconds.
    """

    def __init__(self, aliases: Mapping[str, str]):
        self.aliases = dict(aliases)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.aliases:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> Any:
        return importlib.import_module(self.aliases[spec.name])

    def exec_module(self, module: Any) -> None:
        """Nothing to run: the module was imported under its new name."""


def module_aliases(aliases: Mapping[str, str]) -> None:
    """Keep the old dotted names of moved modules importable: ``aliases`` maps each old
    name to the new one, and ``import old`` (or unpickling a class recorded under it)
    returns the module at the new name."""
    sys.meta_path.append(_ModuleAliases(aliases))
