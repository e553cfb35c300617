"""The first-party table in core agrees with what each plugin's ``plugin.py`` declares.

A plugin writes its names once, in its hook implementations; core's table
(:mod:`zarr_core.plugins.known`) only says which distribution to install for a name
nobody installed serves. This test loads every first-party plugin module through a
registry of its own and compares both ways.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

from zarr_core.plugins import ENTRY_POINT_GROUP, PluginRegistry
from zarr_core.plugins.known import KNOWN

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DIRS = sorted(
    p.parent for p in ROOT.glob("plugins/*/pyproject.toml") if p.parent.name != "_template"
)


def declared(plugin_dir: Path) -> tuple[str, dict[str, set[str]]]:
    """The distribution in ``plugin_dir`` and the names its plugin module declares."""
    project = tomllib.loads((plugin_dir / "pyproject.toml").read_text())["project"]
    (module_name,) = project["entry-points"][ENTRY_POINT_GROUP].values()
    registry = PluginRegistry(autoload=False)
    info = registry.register(
        importlib.import_module(module_name), name=plugin_dir.name, distribution=project["name"]
    )
    assert info.status == "ok", info.error
    return project["name"], {
        "scheme": set(info.schemes),
        "suffix": set(info.suffixes),
        "codec": {c.name for c in info.codecs},
        "storage transformer": {t.name for t in info.transformers},
    }


DECLARED = dict(declared(p) for p in PLUGIN_DIRS)


def test_there_are_plugins():
    assert "zarr-core-directory" in DECLARED


@pytest.mark.parametrize("plugin_dir", PLUGIN_DIRS, ids=lambda p: p.name)
def test_plugin_declarations_are_in_the_table(plugin_dir):
    distribution = f"zarr-core-{plugin_dir.name}"
    assert distribution in DECLARED
    for kind, names in DECLARED[distribution].items():
        for name in names:
            assert KNOWN[kind].get(name) == distribution, f"{kind} {name!r} of {distribution}"


def test_table_entries_point_at_the_plugin_that_declares_them():
    for kind, table in KNOWN.items():
        for name, distribution in table.items():
            assert distribution in DECLARED, f"{distribution} is not in plugins/"
            assert name in DECLARED[distribution][kind], (
                f"{kind} {name!r} is listed for {distribution}, which does not declare it"
            )
