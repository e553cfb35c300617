"""Decompression bombs: a chunk that expands far beyond its declared size fails fast.

Each case stores, as chunk 0 of a 400-byte-chunk array, a value that a compressor
expands to 1.5 GiB. A child process limits its address space to what it uses plus
512 MiB (``RLIMIT_AS``) and reads the array three ways (a batch read of two chunks, a
point read, a partial write that must read the chunk): each must raise
``CorruptChunkError`` naming the key, quickly, where an unbounded decoder runs out of
memory. The child also checks that the limit is real (a 1 GiB allocation fails) and
that the intact chunk 1 still reads.

Bombs are built without compressing 1.5 GiB each: the formats that allow it hold many
identical streams (gzip members, bz2 and xz streams, zstd frames); zlib, blosc and lz4
get one big stream.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numcodecs
import numpy as np
import pytest
import zstandard

import zarr_core
from zarr_core.codecs.crc32c_codec import crc32c

BOMB = 3 * 2**29  # 1.5 GiB decoded
PIECE = 2**24  # 16 MiB: one stream of the repeated formats
CHUNK = 100  # int32 elements: 400 bytes per chunk
TIMEOUT = 120
FAST = 10.0  # seconds one bounded failure may take on a busy machine


def _repeated(stream: bytes) -> bytes:
    return stream * (BOMB // PIECE)


def _zlib_bomb() -> bytes:
    # After a full flush deflate starts afresh, so every further flush of the same input
    # compresses identically: one header, one segment repeated, the end, the checksum.
    zeros = bytes(PIECE)
    c = zlib.compressobj(9)
    head = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    segment = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()[:-4]
    adler = ((BOMB % 65521) << 16) | 1  # Adler-32 of zeros: a = 1, b = n mod 65521
    return head + segment * (BOMB // PIECE - 1) + end + adler.to_bytes(4, "big")


def _with_crc32c(data: bytes) -> bytes:
    return data + crc32c(data).to_bytes(4, "little")


def _zstd_sized_bomb() -> bytes:
    """One frame whose header states the 1.5 GiB it decodes to."""
    cctx = zstandard.ZstdCompressor(level=1, write_content_size=True)
    chunker = cctx.chunker(size=BOMB, chunk_size=2**20)
    zeros = bytes(PIECE)
    parts = [b"".join(chunker.compress(zeros)) for _ in range(BOMB // PIECE)]
    return b"".join(parts) + b"".join(chunker.finish())


BOMBS = {
    "zlib": _zlib_bomb,
    "gzip": lambda: _repeated(gzip.compress(bytes(PIECE), mtime=0)),
    "bz2": lambda: _repeated(bz2.compress(bytes(PIECE))),
    "lzma": lambda: _repeated(lzma.compress(bytes(PIECE), preset=0)),
    "zstd-frames": lambda: _repeated(
        zstandard.ZstdCompressor(level=1, write_content_size=False).compress(bytes(PIECE))
    ),
    "zstd-sized": _zstd_sized_bomb,
    # behind a checksum the bomb carries a valid CRC-32C: only its size gives it away
    "zstd-frames+crc32c": lambda: _with_crc32c(BOMBS["zstd-frames"]()),
    "blosc": lambda: numcodecs.Blosc(cname="lz4").encode(np.zeros(BOMB, dtype="u1")),
    "lz4": lambda: numcodecs.LZ4().encode(np.zeros(BOMB, dtype="u1")),
}

_BYTES = {"name": "bytes", "configuration": {"endian": "little"}}
# case -> (bomb, create() keywords)
CASES = {
    "v2-zlib": ("zlib", dict(zarr_format=2, compressor=numcodecs.Zlib())),
    "v2-gzip": ("gzip", dict(zarr_format=2, compressor=numcodecs.GZip())),
    "v2-bz2": ("bz2", dict(zarr_format=2, compressor=numcodecs.BZ2())),
    "v2-lzma": ("lzma", dict(zarr_format=2, compressor=numcodecs.LZMA())),
    "v2-zstd": ("zstd-frames", dict(zarr_format=2, compressor=numcodecs.Zstd())),
    "v2-zstd-sized": ("zstd-sized", dict(zarr_format=2, compressor=numcodecs.Zstd())),
    "v2-blosc": ("blosc", dict(zarr_format=2, compressor=numcodecs.Blosc())),
    "v2-lz4": ("lz4", dict(zarr_format=2, compressor=numcodecs.LZ4())),
    # with a filter, blosc runs through numcodecs rather than the native codec
    "v2-delta-blosc": (
        "blosc",
        dict(zarr_format=2, compressor=numcodecs.Blosc(), filters=[numcodecs.Delta("<i4")]),
    ),
    "v3-gzip": ("gzip", dict(zarr_format=3, codecs=[_BYTES, {"name": "gzip"}])),
    "v3-zstd": ("zstd-frames", dict(zarr_format=3, codecs=[_BYTES, {"name": "zstd"}])),
    "v3-zstd-sized": ("zstd-sized", dict(zarr_format=3, codecs=[_BYTES, {"name": "zstd"}])),
    "v3-blosc": ("blosc", dict(zarr_format=3, codecs=[_BYTES, {"name": "blosc"}])),
    "v3-zstd-crc32c": (
        "zstd-frames+crc32c",
        dict(zarr_format=3, codecs=[_BYTES, {"name": "zstd"}, {"name": "crc32c"}]),
    ),
    **{
        f"v3-numcodecs.{name}": (
            bomb,
            dict(zarr_format=3, codecs=[_BYTES, {"name": f"numcodecs.{name}"}]),
        )
        for name, bomb in [
            ("zlib", "zlib"),
            ("gzip", "gzip"),
            ("bz2", "bz2"),
            ("lzma", "lzma"),
            ("zstd", "zstd-frames"),
            ("blosc", "blosc"),
            ("lz4", "lz4"),
        ]
    },
}

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    import zarr_core
    from zarr_core.errors import CorruptChunkError

    path, key = sys.argv[1], sys.argv[2]
    z = zarr_core.open_array(path, mode="r+")
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + 2**29, used + 2**29))
    report = {}
    try:
        np.ones(2**30, dtype="u1")
        report["limit"] = "not enforced"
    except MemoryError:
        report["limit"] = "enforced"
    report["intact"] = z[CHUNK:].tolist() == list(range(CHUNK))
    ops = {
        "batch read": lambda: z[:],
        "point read": lambda: z[5],
        "partial write": lambda: z.__setitem__(5, 1),
    }
    for name, op in ops.items():
        start = time.monotonic()
        try:
            op()
            outcome = {"raised": None}
        except CorruptChunkError as exc:
            outcome = {"raised": "CorruptChunkError", "key": exc.key, "message": str(exc)}
        except BaseException as exc:
            outcome = {"raised": type(exc).__name__, "message": str(exc)[:300]}
        outcome["seconds"] = time.monotonic() - start
        report[name] = outcome
    print(json.dumps(report))
    """
).replace("CHUNK", str(CHUNK))


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each bomb built once, in a file (the children read them from the store)."""
    root = tmp_path_factory.mktemp("bombs")
    made = {}
    for name in sorted({bomb for bomb, _ in CASES.values()}):
        made[name] = root / name
        made[name].write_bytes(BOMBS[name]())
    return made


def test_bombs_really_expand(bombs: dict[str, Path]) -> None:
    """The bombs are what they claim: valid streams decoding to 1.5 GiB (checked in
    pieces, so this process never holds them decoded)."""
    data = bombs["zlib"].read_bytes()
    d = zlib.decompressobj()
    total = 0
    while data:
        total += len(d.decompress(data, PIECE))
        data = d.unconsumed_tail
    assert d.eof and total == BOMB
    assert zstandard.frame_content_size(bombs["zstd-sized"].read_bytes()) == BOMB
    assert int.from_bytes(bombs["blosc"].read_bytes()[4:8], "little") == BOMB
    assert int.from_bytes(bombs["lz4"].read_bytes()[:4], "little") == BOMB
    for name, stream in [("gzip", gzip.decompress), ("bz2", bz2.decompress)]:
        one = bombs[name].read_bytes()[: len(bombs[name].read_bytes()) // (BOMB // PIECE)]
        assert stream(one) == bytes(PIECE)


@pytest.mark.parametrize("case", CASES)
def test_bomb_fails_fast_under_a_memory_limit(
    case: str, bombs: dict[str, Path], tmp_path: Path
) -> None:
    bomb, kwargs = CASES[case]
    path = str(tmp_path / "data.zarr")
    z = zarr_core.create(2 * CHUNK, chunks=CHUNK, dtype="<i4", store=path, **kwargs)
    z[:] = np.concatenate([np.zeros(CHUNK, dtype="<i4"), np.arange(CHUNK, dtype="<i4")])
    key = "0" if kwargs["zarr_format"] == 2 else "c/0"
    z.store[key] = bombs[bomb].read_bytes()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, path, key],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={"MALLOC_ARENA_MAX": "2", "PATH": "/usr/bin:/bin", "ZARR_CORE_CONCURRENCY": "1"},
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["limit"] == "enforced" and report["intact"] is True
    for op in ("batch read", "point read", "partial write"):
        outcome = report[op]
        assert outcome["raised"] == "CorruptChunkError", (op, outcome)
        assert outcome["key"] == key
        assert f"chunk {key!r} is corrupt" in outcome["message"]
        assert "decompression bomb" in outcome["message"], (op, outcome["message"])
        assert outcome["seconds"] < FAST, (op, outcome)
