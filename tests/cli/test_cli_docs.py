"""docs/cli.md's reference is the commands' own ``--help``, regenerated."""

from __future__ import annotations

from pathlib import Path

from zarr_core.cli._docs import START, reference

PAGE = Path(__file__).parents[2] / "docs" / "cli.md"


def test_reference_matches_the_help():
    text = PAGE.read_text()
    assert START in text
    assert text.split(START)[1] == reference().split(START)[1], (
        "docs/cli.md is out of date: run python -m zarr_core.cli._docs docs/cli.md"
    )


def test_every_command_has_a_section():
    from zarr_core.cli import _COMMANDS

    text = PAGE.read_text()
    for name in _COMMANDS:
        assert f"### `zarr-core {name}`" in text
        assert f"$ zarr-core {name} --help\nUsage: zarr-core {name} [OPTIONS]" in text
