"""Malformed or oversized metadata gives a ``MetadataError`` naming the key and field.

Every document is opened (and, where it opens, read and written) in a child process
under a memory limit (``RLIMIT_AS`` = what it uses + 512 MiB) and a timeout, so that a
document making us allocate without bound fails the test rather than the machine. A
legal chunk shape far larger than the array (``shape=[100], chunks=[2**40]``) must read
missing chunks as fill values without allocating a chunk, and refuse by name what would
need a whole chunk.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import zarr_core
from zarr_core.errors import MetadataError

TIMEOUT = 120
DEEP = 100_000  # nesting levels


def _v2(**changes: object) -> bytes:
    doc = {
        "zarr_format": 2,
        "shape": [100],
        "chunks": [10],
        "dtype": "<i4",
        "compressor": None,
        "fill_value": 0,
        "order": "C",
        "filters": None,
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def _v3(chunks: list[int] | None = None, **changes: object) -> bytes:
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [100],
        "data_type": "int32",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks or [10]}},
        "chunk_key_encoding": {"name": "default"},
        "fill_value": 0,
        "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def _nested(prefix: bytes) -> bytes:
    return prefix + b"[" * DEEP + b"]" * DEEP + b"}"


# case -> (key, document, field named (None: only the key), words of the message)
MALFORMED = {
    "v2-nested-json": (
        ".zarray",
        _nested(b'{"zarr_format": 2, "shape": '),
        None,
        "nested too deeply",
    ),
    "v3-nested-json": (
        "zarr.json",
        _nested(b'{"zarr_format": 3, "node_type": "array", "attributes": '),
        None,
        "nested too deeply",
    ),
    "v2-nested-attrs": (".zattrs", _nested(b'{"a": '), None, "nested too deeply"),
    "v2-300-dimensions": (
        ".zarray",
        _v2(shape=[1] * 300, chunks=[1] * 300),
        "shape",
        "300 dimensions, more than the 64",
    ),
    "v3-300-dimensions": (
        "zarr.json",
        _v3(shape=[1] * 300, chunks=[1] * 300),
        "shape",
        "300 dimensions, more than the 64",
    ),
    "v2-2**62-byte-dtype": (".zarray", _v2(dtype=f"|V{2**62}"), "dtype", "invalid dtype"),
    "v2-2**62-byte-string": (".zarray", _v2(dtype=f"|S{2**62}"), "dtype", "invalid dtype"),
    "v2-2**62-byte-field": (
        ".zarray",
        _v2(dtype=[["a", f"|S{2**62}"]]),
        "dtype",
        "invalid dtype",
    ),
    "v3-2**62-byte-raw": (
        "zarr.json",
        _v3(data_type=f"r{2**62 * 8}"),
        "data_type",
        "NumPy cannot represent",
    ),
    "v3-2**62-byte-string": (
        "zarr.json",
        _v3(data_type={"name": "fixed_length_utf32", "configuration": {"length_bytes": 2**62}}),
        "data_type",
        "NumPy cannot represent",
    ),
    "v3-2**62-byte-bytes": (
        "zarr.json",
        _v3(data_type={"name": "raw_bytes", "configuration": {"length_bytes": 2**62}}),
        "data_type",
        "NumPy cannot represent",
    ),
    "v3-raw-5000-digit-bits": (
        "zarr.json",
        _v3(data_type="r" + "8" * 5000),
        "data_type",
        "NumPy cannot represent",
    ),
}

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    import zarr_core
    from zarr_core.errors import MetadataError
    from zarr_core.storage import MemoryStore

    with open(sys.argv[1]) as f:
        cases = json.load(f)
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + 2**29, used + 2**29))
    report = {}
    for name, (key, doc) in cases.items():
        store = MemoryStore()
        if key == ".zattrs":
            store[".zarray"] = json.dumps({
                "zarr_format": 2, "shape": [4], "chunks": [2], "dtype": "<i4",
                "compressor": None, "fill_value": 0, "order": "C", "filters": None,
            }).encode()
        store[key] = doc.encode("latin-1")
        start = time.monotonic()
        try:
            z = zarr_core.open_array(store, mode="r")
            z.attrs.asdict()
            z[(0,) * z.ndim]
            outcome = {"raised": None}
        except MetadataError as exc:
            outcome = {"raised": "MetadataError", "key": exc.key, "field": exc.field,
                       "message": str(exc)}
        except BaseException as exc:
            outcome = {"raised": type(exc).__name__, "message": str(exc)[:300]}
        outcome["seconds"] = time.monotonic() - start
        report[name] = outcome
    print(json.dumps(report))
    """
)


def _run_child(script: str, tmp_path: Path, *args: str) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={"MALLOC_ARENA_MAX": "2", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def malformed_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("malformed")
    cases = tmp / "cases.json"
    cases.write_text(
        json.dumps({n: (k, d.decode("latin-1")) for n, (k, d, *_) in MALFORMED.items()})
    )
    return _run_child(_CHILD, tmp, str(cases))


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_metadata_is_a_metadata_error(case: str, malformed_report: dict) -> None:
    key, _, field, words = MALFORMED[case]
    outcome = malformed_report[case]
    assert outcome["raised"] == "MetadataError", outcome
    assert outcome["key"] == key and outcome["field"] == field
    assert f"in {key!r}" in outcome["message"] and words in outcome["message"]
    if field is not None:
        assert f"field {field!r}" in outcome["message"]
    assert outcome["seconds"] < 10, outcome


def test_64_dimensions_still_work() -> None:
    z = zarr_core.create((1,) * 64, chunks=(1,) * 64, dtype="u1", zarr_format=2)
    z[(0,) * 64] = 3
    assert z[(0,) * 64] == 3
    with pytest.raises(MetadataError, match=r"field 'shape': 65 dimensions"):
        zarr_core.create((1,) * 65, chunks=(1,) * 65, dtype="u1", zarr_format=3)


# --- chunks far larger than the array --------------------------------------------------

_HUGE_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    import numpy as np
    import zarr_core
    from zarr_core.errors import MetadataError

    fmt, chunk, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + 2**29, used + 2**29))
    z = zarr_core.create(100, chunks=chunk, dtype="<i4", zarr_format=fmt, store=path)
    report = {"point": int(z[5]), "all": z[:].tolist() == [0] * 100}

    def attempt(name, op):
        try:
            op()
            report[name] = {"raised": None}
        except MetadataError as exc:
            report[name] = {"raised": "MetadataError", "key": exc.key, "field": exc.field,
                            "message": str(exc)}
        except BaseException as exc:
            report[name] = {"raised": type(exc).__name__, "message": str(exc)[:300]}

    attempt("point write", lambda: z.__setitem__(5, 1))
    attempt("full write", lambda: z.__setitem__(slice(None), 1))
    # a stored chunk (written by someone else: its content does not matter here)
    z.store["0" if fmt == 2 else "c/0"] = b"\\0" * 1000
    attempt("stored read", lambda: z[5])
    print(json.dumps(report))
    """
)


@pytest.mark.parametrize("chunk", [2**40, 2**31], ids=["2**40", "2**31"])
def test_chunks_far_larger_than_the_shape(tmp_path: Path, zarr_format: int, chunk: int) -> None:
    """2**31 int32 (8 GiB) fits some machines, but not this child's 512 MiB headroom."""
    report = _run_child(_HUGE_CHILD, tmp_path, str(zarr_format), str(chunk), "data.zarr")
    assert report["point"] == 0 and report["all"] is True  # missing chunks: no allocation
    key = ".zarray" if zarr_format == 2 else "zarr.json"
    field = "chunks" if zarr_format == 2 else "chunk_grid"
    for op in ("point write", "full write", "stored read"):
        outcome = report[op]
        assert outcome["raised"] == "MetadataError", (op, outcome)
        assert outcome["key"] == key and outcome["field"] == field
        assert (
            f"a chunk of shape ({chunk},) takes {chunk * 4 / 2**30:.1f} GiB" in outcome["message"]
        )
        assert "more than this process can allocate" in outcome["message"]
        assert "at most the array's shape (100,)" in outcome["message"]
