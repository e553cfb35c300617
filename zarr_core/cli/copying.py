"""``zarr-core cp``: copy a hierarchy or node between URLs, stored keys as they are."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Iterable
from typing import Any

import click

from zarr_core.cli._common import (
    EXIT_USAGE,
    CommandError,
    about,
    open_raw_store,
    redact,
)
from zarr_core.cli._marker import MARKER, clear_marker, read_marker, refusal, write_marker
from zarr_core.storage.keys import normalize_path
from zarr_core.storage.wrapper import WrapperStore

# the documents that make a path a node: kept with any key selected below them
_DOCUMENTS = (".zgroup", ".zarray", ".zattrs", "zarr.json")


def _paths(relative: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b", "a/b/c"]``: a glob naming any of them selects the key."""
    parts = relative.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def select_keys(
    keys: Iterable[str], prefix: str, includes: tuple[str, ...], excludes: tuple[str, ...]
) -> list[str]:
    """The keys under ``prefix`` that the globs select.

    A glob matches a node path or key relative to ``prefix`` (``*`` crosses ``/``); a
    key is selected when it or a node above it matches an include (any, without
    includes) and none matches an exclude. With includes, the metadata documents of
    the nodes above a selected key come too, so the copy is a readable hierarchy.
    """
    keys = [k for k in keys if k[len(prefix) :] != MARKER]

    def hit(globs: tuple[str, ...], relative: str) -> bool:
        return any(fnmatch.fnmatchcase(p, g) for p in _paths(relative) for g in globs)

    chosen = [
        k
        for k in keys
        if (not includes or hit(includes, k[len(prefix) :])) and not hit(excludes, k[len(prefix) :])
    ]
    if not includes:
        return chosen
    available = set(keys)
    wanted = set(chosen)
    for key in chosen:
        parents = _paths(key[len(prefix) :])[:-1]
        for parent in ["", *parents]:
            for name in _DOCUMENTS:
                doc = f"{prefix}{parent}/{name}" if parent else f"{prefix}{name}"
                if doc in available and not hit(excludes, doc[len(prefix) :]):
                    wanted.add(doc)
    return [k for k in keys if k in wanted]


def _check_free(dst: str, target: Any, keys: list[str], prefix: str, target_path: str) -> None:
    """Refuse before writing anything when a key to copy is in the destination."""
    dest_prefix = target_path + "/" if target_path else ""
    existing = set(target.list_prefix(dest_prefix))
    for key in keys:
        if dest_prefix + key[len(prefix) :] in existing:
            raise CommandError(
                f"{dst}: key {dest_prefix + key[len(prefix) :]!r} exists already: "
                "pass --if-exists skip or --if-exists replace"
            )


class _Named(WrapperStore):
    """``store``, whose read errors name ``url``: copy_store reads the source and writes
    the destination in one call, and an error must name the URL it came from."""

    def __init__(self, store: Any, url: str):
        super().__init__(store)
        self.url = url

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        with about(self.url):
            return super()._get_many(keys)


def _check_encoding(dst: str, source: Any, target: Any) -> None:
    """Refuse to copy stored chunks into a store that expects them encoded otherwise.

    A store that translates metadata (an N5 container presents its ``attributes.json``
    as ``.zarray``) also wants its own chunk encoding (N5 blocks have a header): chunks
    from another kind of store, copied as they are, would all be unreadable there.
    """
    if target.translates_metadata and not source.translates_metadata:
        raise CommandError(
            f"{dst} holds another format's layout (it translates Zarr metadata, as an N5 "
            "container does), so chunks copied into it as they are would not be readable "
            "there: use zarr-core convert, which re-encodes them",
            EXIT_USAGE,
        )


@click.command()
@click.argument("src")
@click.argument("dst")
@click.option("--path", default="", help="The node to copy inside SRC (default: all).")
@click.option("--dest-path", default="", help="Where to put it inside DST (default: root).")
@click.option("--include", multiple=True, metavar="GLOB", help="Copy only what matches.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Leave out what matches.")
@click.option(
    "--if-exists",
    type=click.Choice(["raise", "skip", "replace"]),
    default="raise",
    show_default=True,
    help="For keys already in DST.",
)
@click.option("--dry-run", is_flag=True, help="Only print what would be copied.")
@click.option("--resume", is_flag=True, help="Continue an interrupted copy into DST.")
@click.option("-v", "--verbose", is_flag=True, help="Print one line per key.")
def cp(
    src: str,
    dst: str,
    path: str,
    dest_path: str,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    if_exists: str,
    dry_run: bool,
    resume: bool,
    verbose: bool,
) -> int:
    """Copy the hierarchy at SRC (or the node --path) to DST, on any two backends.

    Stored keys are copied as they are (nothing is decoded), in batches. Globs match
    node paths and keys relative to --path, e.g. --include 'temps/*' --exclude '*/.zattrs'.

    DST carries a marker key (.zarr-core-incomplete) until the copy ends: if it is
    interrupted, rerun with --resume to copy only the keys not there yet.
    """
    from zarr_core.api.convenience import copy_store
    from zarr_core.node.documents import node_kind

    if resume and if_exists != "raise":
        raise click.UsageError("--resume skips the keys already copied: drop --if-exists")
    source_path, target_path = normalize_path(path), normalize_path(dest_path)
    prefix = source_path + "/" if source_path else ""
    with about(src):
        source = open_raw_store(src, "r")
    try:
        with about(src):
            if node_kind(source, source_path)[0] is None:
                raise CommandError(
                    f"{src}: no Zarr array or group at {source_path or '/'!r}", EXIT_USAGE
                )
            keys = select_keys(source.list_prefix(prefix), prefix, include, exclude)
        with about(dst):
            target = open_raw_store(dst, "a")
        try:
            _check_encoding(dst, source, target)
            with about(dst):
                marker = read_marker(target, target_path)
                if marker is not None and not resume and if_exists != "replace":
                    raise CommandError(refusal(dst, marker))
                if if_exists == "raise" and not resume:
                    _check_free(dst, target, keys, prefix, target_path)
                if not dry_run:
                    started = {"command": "cp", "source": redact(src), "started": time.time()}
                    write_marker(target, target_path, marker or started)
                copied, skipped, nbytes = copy_store(
                    _Named(source, src),
                    target,
                    source_path=source_path,
                    dest_path=target_path,
                    if_exists="skip" if resume else if_exists,
                    dry_run=dry_run,
                    log=click.echo if verbose or dry_run else None,
                    progress=True,
                    keys=keys,
                )
                if not dry_run:
                    clear_marker(target, target_path)
        except KeyboardInterrupt:
            if not dry_run:
                click.echo(
                    f"zarr-core: cp interrupted: {redact(dst)} is marked incomplete "
                    f"({MARKER}); rerun the same command with --resume to finish",
                    err=True,
                )
            raise
        finally:
            target.close()
    finally:
        source.close()
    if not (verbose or dry_run):
        what = "keys" if not resume else "keys (resumed)"
        click.echo(f"copied {copied:,} {what}, skipped {skipped:,}, {nbytes:,} bytes")
    return 0
