"""The first-party table in core agrees with what plugins/*/pyproject.toml declare."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from zarr_core._known_plugins import (
    KNOWN_CODECS,
    KNOWN_SCHEMES,
    KNOWN_STORAGE_TRANSFORMERS,
    KNOWN_SUFFIXES,
)

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DIRS = sorted(
    p.parent for p in ROOT.glob("plugins/*/pyproject.toml") if p.parent.name != "_template"
)
TABLES = {
    "schemes": KNOWN_SCHEMES,
    "suffixes": KNOWN_SUFFIXES,
    "codecs": KNOWN_CODECS,
    "storage_transformers": KNOWN_STORAGE_TRANSFORMERS,
}


def declared(plugin_dir: Path) -> tuple[str, dict]:
    data = tomllib.loads((plugin_dir / "pyproject.toml").read_text())
    return data["project"]["name"], data["tool"]["zarr-core"]


def test_there_are_plugins():
    assert any(p.name == "directory" for p in PLUGIN_DIRS)


@pytest.mark.parametrize("plugin_dir", PLUGIN_DIRS, ids=lambda p: p.name)
def test_plugin_declarations_are_in_the_table(plugin_dir):
    distribution, tool = declared(plugin_dir)
    assert distribution == f"zarr-core-{plugin_dir.name}"
    for field, table in TABLES.items():
        for name in tool.get(field, []):
            assert table.get(name) == distribution, f"{field} {name!r} of {distribution}"


def test_table_entries_point_at_the_plugin_that_declares_them():
    by_dist = dict(declared(p) for p in PLUGIN_DIRS)
    for field, table in TABLES.items():
        for name, distribution in table.items():
            if distribution in by_dist:  # entries of plugins not written yet are planned ones
                assert name in by_dist[distribution].get(field, []), (
                    f"{field} {name!r} is listed for {distribution} but its pyproject does not declare it"
                )


def test_installed_plugins_declare_what_their_pyproject_says():
    from zarr_core.plugins import list_plugins

    by_dist = dict(declared(p) for p in PLUGIN_DIRS)
    for info in list_plugins():
        if info.distribution not in by_dist:
            continue
        tool = by_dist[info.distribution]
        assert info.schemes == sorted(tool.get("schemes", [])), info.distribution
        assert info.suffixes == sorted(tool.get("suffixes", [])), info.distribution
        assert sorted(c.name for c in info.codecs) == sorted(tool.get("codecs", []))
        assert sorted(t.name for t in info.transformers) == sorted(
            tool.get("storage_transformers", [])
        )
