"""Compatibility both ways with zarr-python 2.18, for stores it has a class for.

zarr-python 2.18 writes a hierarchy of groups and arrays with attributes (:data:`CASE`,
:data:`DATA`: four codecs, both dimension separators, a NaN fill value, text, regions
never written) through its own store class, and zarr-core reads identical values;
zarr-core writes the same hierarchy (Zarr format 2) and zarr-python reads it
identically. zarr-python runs in an interpreter of its own, the *peer* (its version
conflicts with ours), with the script ``_zp2_peer.py`` that ships next to this module.

Usage (a store plugin's ``tests/test_<name>_interop.py``)::

    from zarr_core.testing.compat import PeerStore, ZarrPython2CompatTests

    class TestZarrPython2(ZarrPython2CompatTests):
        peer_store = PeerStore("SQLiteStore")  # zarr.SQLiteStore(path) in the peer
        suffix = ".sqldb"

        def store_url(self, path):
            return f"sqlite:///{path}"

The peer is ``$ZARR_CORE_PEERS/zp2/bin/python``, ``ZARR_CORE_PEERS`` being ``.peers``
unless set, relative to pytest's rootdir (zarr-core's ``bash scripts/test.sh`` creates
it there). It needs ``zarr==2.18.*``, ``numcodecs`` and whatever the peer store imports.
Override the ``zp2_python`` fixture to find it some other way. A missing peer fails the
tests, never skips them: a skipped compatibility test checked nothing.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import zarr_core
from zarr_core.testing._zp2_peer import build, describe, npz_name

__all__ = [
    "CASE",
    "DATA",
    "PEER_SCRIPT",
    "PeerStore",
    "ZarrPython2CompatTests",
    "check",
    "core_read",
    "core_write",
    "expected",
    "peer_python",
    "run_peer",
]

#: The script the peer runs (see its docstring for the command line).
PEER_SCRIPT = Path(__file__).resolve().with_name("_zp2_peer.py")

#: The hierarchy both sides write: groups, their attributes and arrays (JSON, for the peer).
CASE: dict = {
    "groups": ["g", "g/sub"],
    "group_attrs": {
        "": {"title": "compatibility", "nested": {"a": [1, 2.5, None], "b": True}},
        "g": {"unicode": "üñï", "empty": {}},
        "g/sub": {},
    },
    "arrays": {
        "g/ints": {
            "chunks": [10, 7],
            "fill_value": 0,
            "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1},
            "dimension_separator": ".",
            "attrs": {"units": "m", "scale": [1, 2]},
            "written": [37, 23],
        },
        "floats": {
            "chunks": [8],
            "fill_value": math.nan,
            "compressor": {"id": "zlib", "level": 1},
            "dimension_separator": ".",
            "attrs": {},
            "written": [20],  # the chunks past 20 stay missing and read as the fill value
        },
        "g/sub/nested": {
            "chunks": [5, 5],
            "fill_value": 3,
            "compressor": None,
            "dimension_separator": "/",
            "attrs": {"k": 1},
            "written": [20, 20],
        },
        "g/text": {
            "chunks": [3],
            "fill_value": None,
            "compressor": {"id": "zstd", "level": 1},
            "object_codec": {"id": "vlen-utf8"},
            "dimension_separator": ".",
            "attrs": {"kind": "text"},
            "written": [7],
        },
    },
}
#: The values of :data:`CASE`'s arrays, by path.
DATA: dict[str, np.ndarray] = {
    "g/ints": np.arange(37 * 23, dtype="<i4").reshape(37, 23) * 3 - 100,
    "floats": np.linspace(0, 1, 50),
    "g/sub/nested": (np.arange(400) % 251).astype("u1").reshape(20, 20),
    "g/text": np.array(["", "a", "üñï", "hello", "x" * 100, "b", "c"]),
}


@dataclass(frozen=True)
class PeerStore:
    """How zarr-python 2.18 opens the store: ``zarr.<name>(path, **kwargs, **objects)``.

    Parameters
    ----------
    name : str
        The store class in zarr-python 2.18's ``zarr`` namespace, e.g. ``"SQLiteStore"``.
    kwargs : dict
        Keyword arguments that JSON can carry.
    objects : dict
        Keyword arguments that are Python objects, each named ``"module:attribute"`` and
        imported in the peer, e.g. ``{"open": "dbm.dumb:open"}``.
    location_keyword : str, optional
        Pass the location (see ``ZarrPython2CompatTests.location``) as this keyword rather
        than as the first positional argument, e.g. ``"prefix"`` for ``RedisStore``.
    """

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)
    location_keyword: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "kwargs": self.kwargs,
                "objects": self.objects,
                "location_keyword": self.location_keyword,
            }
        )


def peer_python(name: str, root: str | os.PathLike[str] = ".", *, hint: str | None = None) -> Path:
    """The interpreter of the peer environment ``name``; fails the calling test if missing.

    Parameters
    ----------
    name : str
        The environment's directory under the peers directory (``"zp2"``).
    root : path-like
        What a relative ``ZARR_CORE_PEERS`` is relative to (pytest's rootdir in the kit).
    hint : str, optional
        How to create the environment, for the failure message.

    Returns
    -------
    pathlib.Path
        ``<root>/$ZARR_CORE_PEERS/<name>/bin/python`` (``ZARR_CORE_PEERS``: ``.peers``).
    """
    python = Path(root) / os.environ.get("ZARR_CORE_PEERS", ".peers") / name / "bin" / "python"
    if not python.exists():
        hint = hint or (
            "create it (zarr-core's `bash scripts/test.sh` does), set ZARR_CORE_PEERS to the "
            "directory holding it, or override the fixture that asks for it"
        )
        pytest.fail(f"peer interpreter {python} is missing; {hint}", pytrace=False)
    return python


def run_peer(python: str | os.PathLike[str], *args: Any, timeout: float = 240) -> None:
    """Run :data:`PEER_SCRIPT` with ``python``; a failure fails the test with its stderr."""
    proc = subprocess.run(
        [str(python), str(PEER_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr


def expected(path: str) -> np.ndarray:
    """What a reader sees of array ``path``: the written region, the fill value elsewhere."""
    spec, values = CASE["arrays"][path], DATA[path]
    written = tuple(slice(0, n) for n in spec["written"])
    out = np.full_like(values, spec["fill_value"] if spec["fill_value"] is not None else "")
    out[written] = values[written]
    return out


def core_write(url: str, storage_options: dict[str, Any] | None = None) -> None:
    """Write :data:`CASE` with zarr-core (Zarr format 2) to the store at ``url``."""
    root = zarr_core.open_group(
        url, mode="w", zarr_format=2, storage_options=dict(storage_options or {})
    )
    build(root, CASE, {npz_name(p): v for p, v in DATA.items()})
    root.store.close()


def core_read(
    url: str, storage_options: dict[str, Any] | None = None
) -> tuple[dict, dict[str, np.ndarray]]:
    """What zarr-core finds at ``url``, described as :func:`check` expects it."""
    root = zarr_core.open_group(url, mode="r", storage_options=dict(storage_options or {}))
    try:
        return describe(root, zarr_core.Array)
    finally:
        root.store.close()


def check(found: dict, arrays: dict[str, np.ndarray]) -> None:
    """Assert that what a reader found (see ``describe``) is exactly :data:`CASE`."""
    assert sorted(found["groups"]) == sorted(CASE["groups"])
    assert json.dumps(found["group_attrs"], sort_keys=True) == json.dumps(
        CASE["group_attrs"], sort_keys=True
    )
    assert sorted(found["arrays"]) == sorted(CASE["arrays"])
    for path, spec in CASE["arrays"].items():
        got = found["arrays"][path]
        assert got["chunks"] == spec["chunks"], path
        assert got["attrs"] == spec["attrs"], path
        want = expected(path)
        assert got["dtype"] == ("object" if spec.get("object_codec") else str(want.dtype)), path
        np.testing.assert_array_equal(arrays[npz_name(path)], want, err_msg=path)


class ZarrPython2CompatTests:
    """Compatibility both ways with zarr-python 2.18 (see the module docstring).

    Subclasses set :attr:`peer_store` and :attr:`suffix` and implement :meth:`store_url`;
    :attr:`storage_options` go to zarr-core along with the URL.
    """

    #: How zarr-python 2.18 opens the store.
    peer_store: ClassVar[PeerStore]
    #: Suffix of the database files the tests create.
    suffix: ClassVar[str] = ".db"
    #: Passed to ``zarr_core.open_group`` with the URL.
    storage_options: ClassVar[dict[str, Any]] = {}

    def store_url(self, path: Path) -> str:
        """The URL zarr-core opens the store at ``path`` (a :meth:`location`) by."""
        raise NotImplementedError

    def location(self, tmp_path: Path, name: str) -> Any:
        """Where one test's store lives: a file in ``tmp_path`` by default; networked stores
        return a name unique to the test (a key prefix, a database name)."""
        return tmp_path / f"{name}{self.suffix}"

    @pytest.fixture
    def zp2_python(self, request: pytest.FixtureRequest) -> Path:
        """The peer's interpreter (see the module docstring); override to find it elsewhere."""
        return peer_python("zp2", request.config.rootpath)

    def test_zarr_python_2_writes_zarr_core_reads(self, zp2_python, tmp_path):
        case_dir = tmp_path / "case"
        case_dir.mkdir()
        (case_dir / "case.json").write_text(json.dumps(CASE))
        np.savez(case_dir / "data.npz", **{npz_name(p): v for p, v in DATA.items()})
        db = self.location(tmp_path, "by-zarr-python")
        run_peer(zp2_python, "write", self.peer_store.to_json(), case_dir, db)
        check(*core_read(self.store_url(db), self.storage_options))

    def test_zarr_core_writes_zarr_python_2_reads(self, zp2_python, tmp_path):
        db = self.location(tmp_path, "by-zarr-core")
        core_write(self.store_url(db), self.storage_options)
        run_peer(zp2_python, "read", self.peer_store.to_json(), db, tmp_path / "out")
        found = json.loads((tmp_path / "out" / "case.json").read_text())
        with np.load(tmp_path / "out" / "data.npz") as data:
            check(found, dict(data))
