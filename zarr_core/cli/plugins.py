"""``zarr-core plugins`` and ``zarr-core which``."""

from __future__ import annotations

import json

import click

from zarr_core.cli._common import about, echo_json, redact


def _table() -> str:
    from zarr_core.plugins import list_plugins

    rows = [("plugin", "distribution", "version", "status", "schemes", "suffixes", "codecs")]
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
    return "\n".join(
        "  ".join([cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]).rstrip()
        for row in rows
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> int:
    """List the installed plugins: schemes, suffixes, codecs and load status."""
    from zarr_core.plugins import list_plugins

    if as_json:
        echo_json([info.as_dict() for info in list_plugins()])
    else:
        click.echo(_table())
    return 0


@click.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def which(url: str, as_json: bool) -> int:
    """Show which plugin would open each stage of URL, and why."""
    from zarr_core.storage.resolve import which as resolve_which

    with about(url):
        result = resolve_which(url)
    if as_json:
        click.echo(redact(json.dumps(result, indent=2)))
        return 0
    for stage in result["stages"]:
        click.echo(
            redact(
                f"{stage['segment']!r}: {stage['kind']} {stage['target']} "
                f"(plugin {stage['plugin']} from {stage['distribution']}, by {stage['how']})"
            )
        )
    return 0
