"""``zarr-core info``, ``tree``, ``ls`` and ``du``: looking at a hierarchy."""

from __future__ import annotations

import json
from typing import Any

import click

from zarr_core.cli._common import about, close_store, echo_json, human, open_node

_PATH = click.option("--path", "path", default=None, help="A node inside the hierarchy.")


def _is_array(node: Any) -> bool:
    return hasattr(node, "shape")


def _describe(node: Any) -> dict[str, Any]:
    """What ``info --json`` prints: the node's facts as JSON values."""
    facts: dict[str, Any] = {
        "name": node.name,
        "node_type": "array" if _is_array(node) else "group",
        "zarr_format": node.zarr_format,
        "attributes": dict(node.attrs),
    }
    if not _is_array(node):
        facts["arrays"] = sorted(node.array_keys())
        facts["groups"] = sorted(node.group_keys())
        return facts
    meta = node.metadata
    facts.update(
        shape=list(node.shape),
        chunks=list(node.chunks),
        dtype=str(node.dtype),
        fill_value=json.loads(meta.to_json()).get("fill_value"),
        nbytes=node.nbytes,
        nbytes_stored=node.nbytes_stored,
        nchunks=node.nchunks,
        nchunks_initialized=node.nchunks_initialized,
    )
    if node.zarr_format == 3:
        facts["codecs"] = node.codecs
    else:
        facts["compressor"] = meta.compressor
        facts["filters"] = meta.filters
    return facts


@click.command()
@click.argument("url")
@_PATH
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(url: str, path: str | None, as_json: bool) -> int:
    """Describe the array or group at URL (or at --path inside it)."""
    with about(url):
        node = open_node(url, path)
        try:
            if as_json:
                echo_json(_describe(node))
                return 0
            items = node.info_items()
        finally:
            close_store(node)
    width = max(len(name) for name, _ in items)
    for name, value in items:
        click.echo(f"{name.ljust(width)} : {value}")
    return 0


@click.command()
@click.argument("url")
@_PATH
@click.option("--level", type=click.IntRange(min=0), default=None, help="Levels to show.")
def tree(url: str, path: str | None, level: int | None) -> int:
    """Print the groups and arrays below URL as a tree."""
    import zarr_core

    with about(url):
        node = open_node(url, path)
        try:
            if _is_array(node):
                click.echo(f"{node.name} {node.shape} {node.dtype}")
            else:
                click.echo(str(zarr_core.tree(node, level=level)))
        finally:
            close_store(node)
    return 0


@click.command()
@click.argument("url")
@_PATH
def ls(url: str, path: str | None) -> int:
    """List the members of the group at URL: name, kind, shape, dtype."""
    with about(url):
        node = open_node(url, path)
        try:
            if _is_array(node):
                raise click.UsageError(f"{url}: {node.name} is an array, not a group")
            for name in sorted(node.keys()):
                child = node[name]
                if _is_array(child):
                    shape = "x".join(map(str, child.shape)) or "scalar"
                    click.echo(f"{name}\tarray\t{shape}\t{child.dtype}")
                else:
                    click.echo(f"{name}/\tgroup")
        finally:
            close_store(node)
    return 0


def _sizes(node: Any, rows: list[tuple[str, int, int]]) -> tuple[int, int]:
    """Append ``(name, stored, uncompressed)`` for ``node`` and below; return its totals."""
    if _is_array(node):
        stored, raw = node.nbytes_stored, node.nbytes
    else:
        stored = raw = 0
        position = len(rows)
        for name in sorted(node.keys()):
            child_stored, child_raw = _sizes(node[name], rows)
            stored += child_stored
            raw += child_raw
        # a group's row comes before its members', like du's own output reversed
        rows.insert(position, (node.name, stored, raw))
        return stored, raw
    rows.append((node.name, stored, raw))
    return stored, raw


@click.command()
@click.argument("url")
@_PATH
@click.option("--bytes", "exact", is_flag=True, help="Exact byte counts, not human units.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def du(url: str, path: str | None, exact: bool, as_json: bool) -> int:
    """Stored and uncompressed bytes of every node below URL.

    A group's figures add up its members' arrays (chunks and array metadata).
    """
    rows: list[tuple[str, int, int]] = []
    with about(url):
        node = open_node(url, path)
        try:
            _sizes(node, rows)
        finally:
            close_store(node)
    if as_json:
        echo_json([{"path": p, "stored": s, "uncompressed": u} for p, s, u in rows])
        return 0
    show = str if exact else human
    stored_width = max(len("stored"), *(len(show(s)) for _, s, _ in rows))
    raw_width = max(len("uncompressed"), *(len(show(u)) for _, _, u in rows))
    click.echo(f"{'stored'.rjust(stored_width)}  {'uncompressed'.rjust(raw_width)}  path")
    for name, stored, raw in rows:
        click.echo(f"{show(stored).rjust(stored_width)}  {show(raw).rjust(raw_width)}  {name}")
    return 0
