"""``zarr-core convert``: re-encode, rechunk, shard or unshard, change format.

Data go block by block (whole destination chunks of about 64 MiB, see
:func:`zarr_core.api.convenience.data_blocks`), so memory stays bounded whatever the array's
size. The destination's marker (:mod:`zarr_core.cli._marker`) records the blocks done,
so ``--resume`` continues an interrupted conversion from the next block.
"""

from __future__ import annotations

import resource
import sys
import time
from typing import Any

import click

from zarr_core.cli._common import (
    EXIT_USAGE,
    CommandError,
    about,
    close_store,
    human,
    open_node,
    open_pinned_store,
    parse_shape,
    redact,
)
from zarr_core.cli._marker import MARKER, clear_marker, read_marker, refusal, write_marker
from zarr_core.storage.keys import join_path, normalize_path

_SHARDING = "sharding_indexed"


def parse_compressor(text: str) -> Any:
    """``none``, ``zstd[:LEVEL]``, ``gzip[:LEVEL]``, ``zlib[:LEVEL]``, ``lz4``,
    ``blosc[:CNAME[:CLEVEL[:SHUFFLE]]]`` -> a numcodecs codec (or None)."""
    import numcodecs

    name, *args = text.lower().split(":")
    try:
        if name == "none" and not args:
            return None
        if name in ("zstd", "gzip", "zlib") and len(args) <= 1:
            codec = {"zstd": numcodecs.Zstd, "gzip": numcodecs.GZip, "zlib": numcodecs.Zlib}
            return codec[name](int(args[0])) if args else codec[name]()
        if name == "lz4" and not args:
            return numcodecs.LZ4()
        if name == "blosc" and len(args) <= 3:
            cname = args[0] if args else "lz4"
            if cname not in numcodecs.blosc.list_compressors():
                raise ValueError(f"blosc has no compressor {cname!r}")
            clevel = int(args[1]) if len(args) > 1 else 5
            shuffle = int(args[2]) if len(args) > 2 else numcodecs.Blosc.SHUFFLE
            return numcodecs.Blosc(cname=cname, clevel=clevel, shuffle=shuffle)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: {exc}", param_hint="--compressor") from None
    raise click.BadParameter(
        f"{text!r} is not one of none, zstd[:LEVEL], gzip[:LEVEL], zlib[:LEVEL], lz4, "
        "blosc[:CNAME[:CLEVEL[:SHUFFLE]]]",
        param_hint="--compressor",
    )


class _Settings:
    """What the command line asks to change; ``None`` keeps the source's."""

    def __init__(
        self,
        zarr_format: int | None,
        chunks: tuple[int, ...] | None,
        shards: tuple[int, ...] | str | None,
        compressor: Any,
    ):
        self.zarr_format = zarr_format
        self.chunks = chunks
        self.shards = shards  # a shape, "none" (unshard) or None (keep)
        self.compressor = compressor  # a codec, None (no compression) or "keep"

    def creation_kwargs(self, source: Any, fmt: int) -> dict[str, Any]:
        """``create()`` arguments for the copy of ``source`` in format ``fmt``."""
        from zarr_core.api.convenience import _zarr_to_zarr

        codecs = source.codecs if source.zarr_format == 3 else None
        chunks, shards = tuple(source.chunks), None
        if codecs and codecs[0]["name"] == _SHARDING:
            # the inner chunks and codecs are what the data are encoded with
            source = _Unsharded(source)
            chunks, shards = source.chunks, chunks
        kws = _zarr_to_zarr(source, fmt, {})
        if self.compressor != "keep":
            for name in ("codecs", "compressor"):
                kws.pop(name, None)
            kws["compressor"] = self.compressor
        ndim = len(source.shape)
        # the new shapes apply to the arrays they fit; others keep their own
        if self.chunks is not None and len(self.chunks) == ndim:
            chunks = self.chunks
        if self.shards == "none" or fmt == 2:
            shards = None
        elif isinstance(self.shards, tuple) and len(self.shards) == ndim:
            shards = self.shards
        if shards is not None:
            _check_shards(source, chunks, shards)
            kws["shards"] = shards
        attrs = dict(source.attrs)
        names = source.dimension_names
        if fmt == 2 and names is not None and all(isinstance(n, str) for n in names):
            attrs.setdefault("_ARRAY_DIMENSIONS", list(names))
        kws.update(chunks=chunks, attributes=attrs, zarr_format=fmt)
        kws.setdefault("dtype", source.dtype)
        return kws


class _Unsharded:
    """A sharded array seen as its inner chunks and codecs, so that translating its
    encoding (to format 2, or into other shards) keeps the codecs inside the shards."""

    def __init__(self, array: Any):
        inner = array.codecs[0]["configuration"]
        self._array = array
        self.chunks = tuple(inner["chunk_shape"])
        self.codecs = list(inner["codecs"])
        self.metadata = array.metadata.update(chunk_shape=self.chunks, codecs=self.codecs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._array, name)


def _check_shards(source: Any, chunks: tuple[int, ...], shards: tuple[int, ...]) -> None:
    if any(s % c for s, c in zip(shards, chunks)):
        raise click.BadParameter(
            f"shards {shards} of {source.name} must be multiples of its chunk shape {chunks}",
            param_hint="--shards",
        )


def _nodes(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """``(relative path, node)`` for ``node`` and everything below it, parents first."""
    found = [(path, node)]
    if not hasattr(node, "shape"):
        for name in sorted(node.keys()):
            found += _nodes(node[name], join_path(path, name))
    return found


class _Conversion:
    """One run: the source URL, the destination, its marker document and the progress
    made."""

    def __init__(self, src: str, target: Any, target_path: str, marker: dict, bar: Any):
        self.src = src
        self.target = target
        self.target_path = target_path
        self.marker = marker
        self.bar = bar
        self.arrays = self.groups = self.nbytes = 0

    def group(self, path: str, source: Any, fmt: int) -> None:
        import zarr_core

        group = zarr_core.open_group(
            self.target, mode="a", path=join_path(self.target_path, path), zarr_format=fmt
        )
        group.attrs.put(dict(source.attrs))
        self.groups += 1

    def array(self, path: str, source: Any, kwargs: dict[str, Any]) -> None:
        import zarr_core
        from zarr_core.api.convenience import block_nbytes, data_blocks

        done = self.marker["done"].get(path)
        where = join_path(self.target_path, path)
        if done == "all":
            return
        if done is None:
            # overwrite: an interrupted run may have created it before recording it
            dest = zarr_core.create(
                source.shape, store=self.target, path=where, overwrite=True, **kwargs
            )
            done = 0
            self._record(path, 0)
        else:
            dest = zarr_core.open_array(self.target, mode="r+", path=where)
        if not source.shape:
            dest[()] = self._read(source, ())
        for index, selection in enumerate(data_blocks(dest)):
            size = block_nbytes(dest, selection)
            if index >= done:
                dest[selection] = self._read(source, selection)
                self._record(path, index + 1)
                self.nbytes += size
            self.bar.update(size)
        self._record(path, "all")
        self.arrays += 1

    def _read(self, source: Any, selection: Any) -> Any:
        # a corrupt source chunk or a lost source server is the source's error, not DST's
        with about(self.src):
            return source[selection]

    def _record(self, path: str, done: int | str) -> None:
        self.marker["done"][path] = done
        write_marker(self.target, self.target_path, self.marker)


def _format(asked: int | None, pinned: int | None, source: int, dst: str) -> int:
    """The Zarr format to write: ``--format``, else the one DST pins (N5 holds format 2
    only; a ``|zarr3:`` stage asks for 3), else the source's.

    Decided before anything is written, so a format DST cannot hold leaves it untouched
    rather than marked incomplete.
    """
    if asked is not None and pinned is not None and asked != pinned:
        raise click.BadParameter(
            f"{redact(dst)} takes Zarr format {pinned} only, not {asked}", param_hint="--format"
        )
    return asked or pinned or source


def _peak_rss() -> int:
    """The process's peak resident memory so far, in bytes.

    Linux's ``VmHWM`` first: ``ru_maxrss`` survives ``exec``, so a process started by a
    big parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS reports bytes


@click.command()
@click.argument("src")
@click.argument("dst")
@click.option("--path", default="", help="The node to convert inside SRC (default: all).")
@click.option("--dest-path", default="", help="Where to put it inside DST (default: root).")
@click.option(
    "--format", "zarr_format", type=click.Choice(["2", "3"]), help="Zarr format to write."
)
@click.option(
    "--chunks", metavar="C0,C1,..", help="New chunk shape for arrays of as many dimensions."
)
@click.option(
    "--shards",
    metavar="S0,S1,..|none",
    help="Shard shape (format 3) for arrays of as many dimensions, or none to unshard.",
)
@click.option("--compressor", metavar="SPEC", help="e.g. zstd:3, blosc:lz4:5, gzip, none.")
@click.option(
    "--if-exists",
    type=click.Choice(["raise", "replace"]),
    default="raise",
    show_default=True,
    help="When DST already holds a node.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted convert into DST.")
def convert(
    src: str,
    dst: str,
    path: str,
    dest_path: str,
    zarr_format: str | None,
    chunks: str | None,
    shards: str | None,
    compressor: str | None,
    if_exists: str,
    resume: bool,
) -> int:
    """Write SRC (or the node --path) to DST re-encoded: rechunked, (un)sharded,
    recompressed or in another Zarr format, in bounded memory.

    Data are decoded and written back in blocks of whole destination chunks of about
    64 MiB, so memory stays near that (plus one destination chunk and the source chunks
    a block touches) whatever the array's size; the peak is printed at the end. Options
    not given keep the source's settings, but for the format of a DST that holds one
    only (an N5 container: 2); --chunks and --shards apply to the arrays with as many
    dimensions as they have entries. DST carries a marker key
    (.zarr-core-incomplete) recording the blocks written until the conversion ends:
    rerun an interrupted one with --resume to continue from there.
    """
    from zarr_core.node.documents import check_no_node
    from zarr_core.progress import progress_bar

    settings = _Settings(
        int(zarr_format) if zarr_format else None,
        parse_shape(chunks, "--chunks") if chunks else None,
        "none" if shards == "none" else parse_shape(shards, "--shards") if shards else None,
        "keep" if compressor is None else parse_compressor(compressor),
    )
    if resume and if_exists == "replace":
        raise click.UsageError("--resume continues DST, --if-exists replace starts it again")
    started = time.perf_counter()
    target_path = normalize_path(dest_path)
    with about(src):
        source = open_node(src, path or None)
    try:
        with about(dst):
            target, pinned = open_pinned_store(dst, "a")
        try:
            fmt = _format(settings.zarr_format, pinned, source.zarr_format, dst)
            if fmt == 2 and isinstance(settings.shards, tuple):
                raise click.BadParameter(
                    "Zarr format 2 has no shards (add --format 3)", param_hint="--shards"
                )
            with about(src):
                nodes = _nodes(source)
                plans = {
                    p: settings.creation_kwargs(n, fmt) for p, n in nodes if hasattr(n, "shape")
                }
                total = sum(n.nbytes for p, n in nodes if p in plans)
            with about(dst):
                marker = read_marker(target, target_path)
                if marker is not None and not resume and if_exists != "replace":
                    raise CommandError(refusal(dst, marker))
                if marker is None or not resume:  # (--resume with no marker: a fresh start)
                    if if_exists == "replace":
                        target.rmdir(target_path)
                    else:
                        check_no_node(target, target_path)
                    marker = {"command": "convert", "source": redact(src), "done": {}}
                    write_marker(target, target_path, marker)
                elif marker.get("command") != "convert" or "done" not in marker:
                    raise CommandError(
                        f"{dst}: the marker {MARKER} is not from a convert "
                        f"({marker.get('command')!r}): cannot resume it",
                        EXIT_USAGE,
                    )
                with progress_bar(True, total, "convert", unit="B", unit_scale=True) as bar:
                    run = _Conversion(src, target, target_path, marker, bar)
                    for relative, node in nodes:
                        if relative in plans:
                            run.array(relative, node, plans[relative])
                        else:
                            run.group(relative, node, fmt)
                clear_marker(target, target_path)
        except KeyboardInterrupt:
            click.echo(
                f"zarr-core: convert interrupted: {redact(dst)} is marked incomplete "
                f"({MARKER}); rerun the same command with --resume to continue",
                err=True,
            )
            raise
        finally:
            target.close()
    finally:
        close_store(source)
    seconds = time.perf_counter() - started
    click.echo(
        f"converted {run.arrays} arrays, {run.groups} groups to Zarr format {fmt}: "
        f"{human(run.nbytes)} in {seconds:.1f} s; peak memory {human(_peak_rss())}"
    )
    return 0
