"""``zarr-core consolidate`` and ``zarr-core verify``: maintaining a hierarchy."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import click
import numpy as np

from zarr_core.cli._common import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    CommandError,
    about,
    echo_json,
    open_raw_store,
)
from zarr_core.cli._marker import MARKER, marker_key, read_marker
from zarr_core.errors import CorruptChunkError, ZarrCoreError
from zarr_core.storage.keys import join_path, normalize_path

_BATCH = 256
# stages whose failure means the bytes changed after they were written
_CHECKSUMS = ("crc32c", "adler32", "fletcher32", "crc32", "jenkins_lookup3")


@click.command()
@click.argument("url")
@click.option("--path", default="", help="The group to consolidate (default: the root).")
def consolidate(url: str, path: str) -> int:
    """Gather the metadata of every node below the group at URL into one document."""
    import zarr_core

    with about(url):
        store = open_raw_store(url, "a")
        try:
            group = zarr_core.consolidate_metadata(store, path=normalize_path(path))
            members: list[str] = []
            group.visit(members.append)
        finally:
            store.close()
    click.echo(f"consolidated the metadata of {len(members)} nodes below {group.name}")
    return 0


@dataclass
class Finding:
    """One problem ``verify`` found."""

    kind: str  # corrupt, undecodable, missing, metadata, incomplete
    key: str
    detail: str


@dataclass
class Report:
    arrays: int = 0
    chunks: int = 0
    findings: list[Finding] = field(default_factory=list)


def _incomplete(report: Report, key: str, doc: dict | None) -> None:
    """Report the marker at ``key`` (once: the start of a walk may list it again)."""
    if any(f.kind == "incomplete" and f.key == key for f in report.findings):
        return
    command = (doc or {}).get("command", "command")
    report.findings.append(Finding("incomplete", key, f"an interrupted {command!r} left it"))


def _walk(store: Any, path: str, report: Report) -> Iterator[tuple[str, Any]]:
    """``(path, NodeMetadata)`` of every array at or below ``path``; metadata that does
    not parse, and the marker of an interrupted cp or convert into a group (``cp
    --dest-path``), become findings."""
    from zarr_core.node.documents import load_node, node_kind

    try:
        kind, fmt = node_kind(store, path)
        node = load_node(store, path, fmt) if kind else None
    except ZarrCoreError as exc:
        report.findings.append(Finding("metadata", path or "/", str(exc)))
        return
    if node is None:
        return
    if node.kind == "array":
        yield path, node
        return
    for name in store.listdir(path):
        child = join_path(path, name)
        if name == MARKER:
            _incomplete(report, child, read_marker(store, path))
        elif "." not in name[:1] and name != "zarr.json":
            yield from _walk(store, child, report)


def _classify(error: CorruptChunkError) -> str:
    return "corrupt" if any(name in str(error) for name in _CHECKSUMS) else "undecodable"


def _check_array(
    store: Any, path: str, node: Any, complete: bool, report: Report, bar: Any
) -> None:
    meta = node.meta
    grid = tuple(math.ceil(s / c) for s, c in zip(meta.shape, meta.chunks))
    expected = [join_path(path, node.chunk_key(c)) for c in np.ndindex(*grid)]
    listed = set(store.list_prefix(path + "/" if path else ""))
    if marker_key(path) in listed:  # a cp --path ARRAY --dest-path ... interrupted
        _incomplete(report, marker_key(path), read_marker(store, path))
    stored = [k for k in expected if k in listed]
    if complete:
        report.findings += [
            Finding("missing", k, "not stored (--complete)") for k in expected if k not in listed
        ]
    pipeline = node.pipeline()
    for start in range(0, len(stored), _BATCH):
        batch = stored[start : start + _BATCH]
        values = store.getitems(batch)
        for key in batch:
            if key not in values:
                report.findings.append(Finding("missing", key, "listed but cannot be read"))
                continue
            try:
                pipeline.decode(values[key], key)
            except CorruptChunkError as exc:
                # the message starts "chunk KEY is corrupt: ": the line names the key
                detail = str(exc).split(" is corrupt: ", 1)[-1]
                report.findings.append(Finding(_classify(exc), key, detail))
        report.chunks += len(batch)
        bar.update(len(batch))
    report.arrays += 1


@click.command()
@click.argument("url")
@click.option("--path", default="", help="Check only the node at this path.")
@click.option("--complete", is_flag=True, help="Expect every chunk of the grid to be stored.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def verify(url: str, path: str, complete: bool, as_json: bool) -> int:
    """Read and decode every stored chunk below URL; report the bad ones by key.

    Finds chunks that fail a checksum (corrupt), that no codec can decode
    (undecodable), that are listed but cannot be read or, with --complete, that are
    not stored (missing), node metadata that does not parse, and the marker an
    interrupted cp or convert leaves (incomplete). Exits 1 when it finds any.
    """
    from zarr_core.progress import progress_bar

    node_path = normalize_path(path)
    report = Report()
    with about(url):
        store = open_raw_store(url, "r")
        try:
            # an interrupted cp or convert into the node or a group above it (it may
            # have written no node yet, so the walk below cannot find its marker)
            parts = node_path.split("/") if node_path else []
            for depth in range(len(parts) + 1):
                where = "/".join(parts[:depth])
                marker = read_marker(store, where)
                if marker is not None:
                    _incomplete(report, marker_key(where), marker)
            arrays = list(_walk(store, node_path, report))
            if not arrays and not report.findings:
                raise CommandError(
                    f"{url}: no Zarr array or group at {node_path or '/'!r}", EXIT_USAGE
                )
            with progress_bar(True, None, "verify", unit="chunk") as bar:
                for array_path, node in arrays:
                    _check_array(store, array_path, node, complete, report, bar)
        finally:
            store.close()
    if as_json:
        echo_json(
            {
                "arrays": report.arrays,
                "chunks": report.chunks,
                "findings": [f.__dict__ for f in report.findings],
            }
        )
    else:
        for finding in report.findings:
            click.echo(f"{finding.kind}\t{finding.key}\t{finding.detail}")
        kinds = [f.kind for f in report.findings]
        counts = ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(kinds)) or "no problems"
        click.echo(f"checked {report.chunks:,} chunks in {report.arrays} arrays: {counts}")
    return EXIT_FINDINGS if report.findings else 0
