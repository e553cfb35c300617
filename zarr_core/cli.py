"""The ``zarr-core`` command line (also ``python -m zarr_core``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from zarr_core.plugins import list_plugins, which

__all__ = ["main"]


def _plugins_table() -> str:
    rows = [
        (
            "plugin",
            "distribution",
            "version",
            "status",
            "schemes",
            "suffixes",
            "codecs/transformers",
        )
    ]
    for info in list_plugins():
        extras = [c.name for c in info.codecs] + [t.name for t in info.transformers]
        rows.append(
            (
                info.name,
                info.distribution,
                info.version or "-",
                info.status if info.error is None else f"error: {info.error}",
                ",".join(info.schemes) or "-",
                ",".join(info.suffixes) or "-",
                ",".join(extras) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _cmd_plugins(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps([info.as_dict() for info in list_plugins()], indent=2))
    else:
        print(_plugins_table())
    return 0


def _cmd_which(args: argparse.Namespace) -> int:
    result = which(args.url)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for stage in result["stages"]:
            print(
                f"{stage['segment']!r}: {stage['kind']} {stage['target']} "
                f"(plugin {stage['plugin']} from {stage['distribution']}, by {stage['how']})"
            )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="zarr-core", description="zarr-core utilities")
    commands = parser.add_subparsers(dest="command", required=True)
    plugins = commands.add_parser("plugins", help="list installed plugins")
    plugins.add_argument("--json", action="store_true", help="print JSON instead of a table")
    plugins.set_defaults(func=_cmd_plugins)
    which_cmd = commands.add_parser("which", help="show which plugin would open a URL")
    which_cmd.add_argument("url")
    which_cmd.add_argument("--json", action="store_true", help="print JSON")
    which_cmd.set_defaults(func=_cmd_which)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # a CLI prints the typed error's message, not a traceback
        print(f"zarr-core: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
