"""The ``zarr-core`` command line (also ``python -m zarr_core``).

Each command group lives in its own module and is imported only when one of its
commands runs, so ``zarr-core --help`` loads click and nothing heavy.

Exit statuses: 0 success, 1 findings (``verify``) or a failed operation, 2 usage errors
(bad options, a URL or node that is not there), 130 interrupted.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

__all__ = ["main", "cli"]

# name -> (module, function, one-line help): the help is here so that listing the
# commands needs no import of their modules.
_COMMANDS = {
    "plugins": ("plugins", "plugins", "List the installed plugins (a table, or --json)."),
    "which": ("plugins", "which", "Show which plugin opens each stage of a URL."),
    "info": ("inspecting", "info", "Describe an array or group."),
    "tree": ("inspecting", "tree", "Print the hierarchy as a tree."),
    "ls": ("inspecting", "ls", "List the members of a group."),
    "du": ("inspecting", "du", "Stored and uncompressed bytes per node."),
    "cp": ("copying", "cp", "Copy a hierarchy or node between URLs, key by key."),
    "convert": ("converting", "convert", "Re-encode, rechunk, (un)shard or change format."),
    "consolidate": ("checking", "consolidate", "Consolidate a group's metadata."),
    "verify": ("checking", "verify", "Read and decode every chunk; report bad ones."),
}


class _LazyGroup(click.Group):
    """A click group whose commands are imported when they are invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module, name, _ = _COMMANDS[cmd_name]
        return getattr(importlib.import_module(f"zarr_core.cli.{module}"), name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry[2]) for name, entry in _COMMANDS.items()])


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
@click.option(
    "--storage-options",
    metavar="JSON",
    help="Options for every URL with a scheme (s3://, az://, redis://...), e.g. "
    "'{\"anon\": true}'.",
)
@click.option(
    "-o",
    "--storage-option",
    "pairs",
    multiple=True,
    metavar="[SCHEME:]KEY=VALUE",
    help="One storage option (repeatable); with SCHEME: only for the URLs of the store that "
    "scheme names, e.g. -o az:connection_string=... -o s3:anon=true. VALUE is JSON if it "
    "parses, else text.",
)
@click.version_option(package_name="zarr-core", prog_name="zarr-core")
@click.pass_context
def cli(
    ctx: click.Context, debug: bool, storage_options: str | None, pairs: tuple[str, ...]
) -> None:
    """Inspect, copy, convert and check Zarr hierarchies on any zarr-core backend.

    URL is anything zarr-core opens: a path (dir, x.zip, x.sqlite, x.lmdb, x.n5), a URL
    (sqlite:///x.db, s3://bucket/x, redis://host/0?prefix=p, mongodb://host/db/coll,
    az://container/prefix) or a URL pipeline (x.zip|zip:inner/, s3://bucket/x|cache:).
    """
    from zarr_core.cli._common import Options

    ctx.obj = Options.parse(debug, storage_options, pairs)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0, 1 (findings or a failed operation), 2 (usage error) or 130 (interrupted).
    """
    from zarr_core.cli._common import run

    args = list(sys.argv[1:] if argv is None else argv)
    return run(cli, args)
