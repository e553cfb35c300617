"""The package layout's promises: old module paths keep working, and ``import zarr_core``
stays light (the layering itself is checked by ``lint-imports`` in the test command)."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

import zarr_core

MOVED = {
    "zarr_core.array": "zarr_core.node.array",
    "zarr_core.group": "zarr_core.node.group",
    "zarr_core.attrs": "zarr_core.node.attrs",
    "zarr_core.base_node": "zarr_core.node.base",
    "zarr_core.keywords": "zarr_core.node.keywords",
    "zarr_core.creation": "zarr_core.node.creation",
    "zarr_core.chunk_cache": "zarr_core.engine.chunk_cache",
    "zarr_core.lru": "zarr_core.engine.lru",
    "zarr_core.convenience": "zarr_core.api.convenience",
    "zarr_core.hierarchy": "zarr_core.api.hierarchy",
    "zarr_core.convert": "zarr_core.api.convert",
    "zarr_core.consolidated": "zarr_core.api.consolidated",
    "zarr_core.hookspecs": "zarr_core.plugins.hookspecs",
    "zarr_core._builtin": "zarr_core.plugins.builtin",
    "zarr_core._known_plugins": "zarr_core.plugins.known",
    "zarr_core.transformers": "zarr_core.storage.transformers",
}


def _fresh(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_module_path_imports_the_moved_module(old):
    # In a fresh interpreter, so that the old name is looked up for the first time.
    new = MOVED[old]
    code = f"import importlib as i; print(i.import_module({old!r}) is i.import_module({new!r}))"
    assert _fresh(code) == "True"


def test_old_module_paths_do_not_hide_the_functions_of_the_same_name():
    code = (
        "import zarr_core, zarr_core.array, zarr_core.group, zarr_core.convert\n"
        "from zarr_core.array import Array\n"
        "print(callable(zarr_core.array), zarr_core.array.__module__, Array.__module__,"
        " zarr_core.group.__module__, zarr_core.convert.__module__)"
    )
    assert _fresh(code) == (
        "True zarr_core.node.creation zarr_core.node.array zarr_core.api.hierarchy "
        "zarr_core.api.convert"
    )


def test_old_paths_that_are_now_packages_keep_their_names():
    # zarr_core.node and zarr_core.engine name layer packages now; what was imported from
    # the old modules is found in the modules they became.
    from zarr_core.engine.transfer import read  # noqa: F401
    from zarr_core.node.documents import load_node  # noqa: F401


def test_from_imports_of_old_paths_work():
    code = (
        "from zarr_core.creation import zeros\n"
        "from zarr_core.convenience import copy, tree\n"
        "from zarr_core.consolidated import consolidate_metadata\n"
        "from zarr_core.hierarchy import open_group\n"
        "from zarr_core.hookspecs import zarr_core_stores\n"
        "print(zeros.__module__, open_group.__module__)"
    )
    assert _fresh(code) == "zarr_core.node.creation zarr_core.api.hierarchy"


def test_a_pickle_naming_an_old_module_loads():
    z = zarr_core.array(np.arange(6), chunks=3)
    data = pickle.dumps(z, protocol=2)
    # as pickled before the move: the class recorded under its old module
    old = data.replace(b"zarr_core.node.array", b"zarr_core.array")
    assert b"zarr_core.array\n" in old or b"zarr_core.array" in old
    assert type(pickle.loads(old)) is type(z)


def test_import_zarr_core_imports_no_codec_node_or_plugin_module():
    loaded = _fresh(
        "import sys, zarr_core; print(' '.join(sorted(m for m in sys.modules "
        "if m.startswith(('numcodecs', 'zarr_core.node', 'zarr_core.api', 'zarr_core.codecs',"
        " 'zarr_core.engine', 'zarr_core.plugins', 'zarr_core_', 'pluggy', 'fsspec')))))"
    )
    assert loaded == ""


def test_lazy_names_resolve_to_their_modules():
    assert zarr_core.Array is importlib.import_module("zarr_core.node.array").Array
    assert zarr_core.open_consolidated.__module__ == "zarr_core.api.consolidated"
    assert "Array" in dir(zarr_core)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        zarr_core.nonexistent  # noqa: B018


def test_subpackages_and_moved_modules_are_attributes_of_zarr_core():
    code = (
        "import zarr_core\n"
        "print(zarr_core.plugins.list_plugins()[0].name, zarr_core.creation.__name__,"
        " zarr_core.storage.__name__)"
    )
    assert _fresh(code) == "core zarr_core.node.creation zarr_core.storage"
