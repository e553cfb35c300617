"""The command reference of ``docs/cli.md``, generated from the commands' own help.

``python -m zarr_core.cli._docs docs/cli.md`` rewrites the part of the page after
:data:`START`; a test checks that the page matches what this module generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

START = "<!-- generated from --help by `python -m zarr_core.cli._docs docs/cli.md` -->"
WIDTH = 88
_HELP = ["-h", "--help"]


def _help(command: click.Command, name: str, parent: click.Context | None) -> str:
    ctx = click.Context(
        command, info_name=name, parent=parent, max_content_width=WIDTH, help_option_names=_HELP
    )
    ctx.terminal_width = WIDTH
    return command.get_help(ctx)


def reference() -> str:
    """The markdown reference: ``zarr-core --help`` and each command's ``--help``."""
    from zarr_core.cli import _COMMANDS, cli

    root = click.Context(
        cli, info_name="zarr-core", max_content_width=WIDTH, help_option_names=_HELP
    )
    root.terminal_width = WIDTH
    parts = [START, "", "## Reference", "", "```text", "$ zarr-core --help"]
    parts += [_help(cli, "zarr-core", None), "```", ""]
    for name in _COMMANDS:
        command = cli.get_command(root, name)
        parts += [f"### `zarr-core {name}`", "", "```text", f"$ zarr-core {name} --help"]
        parts += [_help(command, name, root), "```", ""]
    return "\n".join(parts)


def rewrite(page: Path) -> None:
    """Replace everything from :data:`START` on in ``page`` with :func:`reference`."""
    text = page.read_text()
    head = text.split(START)[0]
    page.write_text(head + reference())


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]))
