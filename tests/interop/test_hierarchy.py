"""Hierarchies with attributes and consolidated metadata, and format conversion, against
zarr-python 3.4.2 and 2.18.7, both directions.

* zarr-core writes a hierarchy and consolidates its metadata; each peer opens it with
  ``open_consolidated`` and must see the same tree, attributes and data. In the
  ``only`` variant every per-node document below the root is deleted first, so the
  peer can only have read them from the consolidated document.
* Each peer writes and consolidates a hierarchy; zarr-core opens it with
  ``open_consolidated``, reading all metadata in one store call (counted), and must
  see the same tree. The ``only`` variant deletes the per-node documents again.
* zarr-core converts hierarchies written by one peer to the other format (into another
  directory, and in place) and the peer that reads that format checks the result.

Plain (non-consolidated) trees in each direction are covered by test_zarr_python3.py
and test_zarr_python2.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

import zarr_core
from tests.interop._cases import TreeCase, tree_cases
from tests.interop._harness import (
    PEER_SCRIPTS,
    PEER_TIMEOUT,
    check_tree,
    core_write_tree,
    describe_tree,
)
from zarr_core.testing.counting import CountingStore

pytestmark = pytest.mark.interop

_DOCUMENTS = frozenset(("zarr.json", ".zarray", ".zgroup", ".zattrs"))
VARIANTS = ("full", "only")


def _cases(fmt: int) -> list[TreeCase]:
    """The shared hierarchies ("tree": nested groups with every kind of attribute;
    "implicit-parents": nodes whose parents the writer has to create)."""
    return [c for c in tree_cases(fmt) if not c.consolidated]


CONSOLIDATED = {fmt: [replace(c, consolidated=True) for c in _cases(fmt)] for fmt in (2, 3)}
# What each peer reads and writes: zarr-python 2.18 knows format 2 only.
PEER_FORMATS = {"zp3": (2, 3), "zp2": (2,)}


def _strip_documents(root: Path) -> None:
    """Delete every node document below the root of the hierarchy in ``root``."""
    for path in root.rglob("*"):
        if path.is_file() and path.name in _DOCUMENTS and path.parent != root:
            path.unlink()


def _copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


# ---------------------------------------------------------------- running the peers


def _run(python: Path, script: str, root: Path, entries: list[dict]) -> dict[str, dict]:
    """Run one peer job; results by entry id (each ``{"error": ..., ...}``)."""
    out = root / "results"
    job = root / "job.json"
    root.mkdir(parents=True, exist_ok=True)
    job.write_text(json.dumps({"out": str(out), "entries": entries}))
    proc = subprocess.run(
        [str(python), str(PEER_SCRIPTS / script), str(job)],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT,
        cwd=root,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script} crashed:\n{proc.stdout}{proc.stderr}")
    return {e["id"]: json.loads((out / f"{e['id']}.json").read_text()) for e in entries}


def _write_entry(case: TreeCase, path: Path) -> dict:
    return {
        "op": "write_tree",
        "id": f"write-{path.name}",
        "path": str(path),
        "format": case.fmt,
        "nodes": list(case.nodes),
        "consolidated": case.consolidated,
    }


def _read_entry(entry_id: str, case: TreeCase, path: Path, consolidated: bool) -> dict:
    return {
        "op": "read_tree",
        "id": entry_id,
        "path": str(path),
        "format": case.fmt,
        "consolidated": consolidated,
    }


# ---------------------------------------------------------------- zarr-core side


# ---------------------------------------------------------------- the exchange


@dataclass
class Hierarchies:
    root: Path
    #: (peer, entry id) -> the peer's result
    results: dict[tuple[str, str], dict] = field(default_factory=dict)
    #: peer -> the directories it wrote, by case id and consolidation
    written: dict[str, dict[str, Path]] = field(default_factory=dict)
    #: failures of zarr-core's own writes and conversions, by id
    core_errors: dict[str, str] = field(default_factory=dict)

    def peer_result(self, peer: str, entry_id: str) -> dict:
        result = self.results.get((peer, entry_id))
        if result is None:
            error = self.core_errors.get(entry_id)
            pytest.fail(f"zarr-core failed before {peer} could read {entry_id}:\n{error}")
        if result["error"]:
            pytest.fail(f"{peer} failed on {entry_id}:\n{result['error']}", pytrace=False)
        return result


def _core_consolidated(ex: Hierarchies, case: TreeCase) -> dict[str, Path]:
    """zarr-core writes and consolidates ``case``; the full and stripped copies."""
    full = ex.root / "core" / case.id
    core_write_tree(case, full)
    zarr_core.consolidate_metadata(str(full))
    only = _copy(full, ex.root / "core-only" / case.id)
    _strip_documents(only)
    return {"full": full, "only": only}


def _convert(ex: Hierarchies, source: Path, fmt: int) -> dict[str, Path]:
    """zarr-core converts the peer-written ``source`` to ``fmt``: into a new directory,
    and in place (on a copy)."""
    into = ex.root / f"converted-to-v{fmt}" / source.name
    zarr_core.convert(str(source), fmt, dest=str(into))
    in_place = _copy(source, ex.root / f"converted-in-place-to-v{fmt}" / source.name)
    zarr_core.convert(str(in_place), fmt)
    return {"dest": into, "in-place": in_place}


@pytest.fixture(scope="module")
def hierarchies(zp3_env: Path, zp2_env: Path, tmp_path_factory: pytest.TempPathFactory):
    ex = Hierarchies(tmp_path_factory.mktemp("hierarchies"))
    envs = {"zp3": zp3_env, "zp2": zp2_env}

    # 1. zarr-core writes consolidated hierarchies of both formats.
    core_dirs: dict[str, dict[str, Path]] = {}
    for fmt in (2, 3):
        for case in CONSOLIDATED[fmt]:
            try:
                core_dirs[case.id] = _core_consolidated(ex, case)
            except Exception as exc:  # reported by the tests of this case
                ex.core_errors[case.id] = repr(exc)

    # 2. Each peer writes hierarchies: consolidated (for zarr-core to open) and plain
    # (for zarr-core to convert to the other format).
    for peer, script in (("zp3", "zp3_peer.py"), ("zp2", "zp2_peer.py")):
        entries, written = [], {}
        for fmt in PEER_FORMATS[peer]:
            for case in CONSOLIDATED[fmt] + _cases(fmt):
                suffix = "-consolidated" if case.consolidated else ""
                path = ex.root / peer / f"{case.id}{suffix}"
                written[f"{case.id}{suffix}"] = path
                entries.append(_write_entry(case, path))
        for entry_id, result in _run(
            envs[peer], script, ex.root / f"{peer}-write", entries
        ).items():
            ex.results[(peer, entry_id)] = result
        ex.written[peer] = written

    # 3. zarr-core converts: zarr-python 2's format 2 trees to 3, zarr-python 3's format
    # 3 trees to 2, plain and consolidated.
    conversions: dict[str, dict[str, Path]] = {}
    for peer, fmt_from, fmt_to in (("zp2", 2, 3), ("zp3", 3, 2)):
        for name, path in ex.written[peer].items():
            if not name.startswith(f"v{fmt_from}-"):
                continue
            try:
                conversions[f"{peer}:{name}"] = _convert(ex, path, fmt_to)
            except Exception as exc:
                ex.core_errors[f"{peer}:{name}"] = repr(exc)

    # 4. Each peer reads what zarr-core wrote or converted.
    for peer in ("zp3", "zp2"):
        entries = []
        for fmt in PEER_FORMATS[peer]:
            for case in CONSOLIDATED[fmt]:
                for variant, path in core_dirs.get(case.id, {}).items():
                    entries.append(_read_entry(f"{case.id}-{variant}", case, path, True))
        reader_format = 3 if peer == "zp3" else 2
        source_peer = "zp2" if peer == "zp3" else "zp3"
        for key, paths in conversions.items():
            if not key.startswith(source_peer + ":"):
                continue
            name = key.split(":", 1)[1]
            case = _case_for(name, reader_format)
            for mode, path in paths.items():
                entry_id = f"converted-{name}-{mode}"
                entries.append(_read_entry(entry_id, case, path, name.endswith("-consolidated")))
        for entry_id, result in _run(
            envs[peer], "hierarchy_peer.py", ex.root / f"{peer}-read", entries
        ).items():
            ex.results[(peer, entry_id)] = result
    return ex


def _case_for(name: str, fmt: int) -> TreeCase:
    """The case a written directory's name stands for, in format ``fmt``."""
    base = name.removesuffix("-consolidated").split("-", 1)[1]
    return next(c for c in _cases(fmt) if c.name == base)


def _params(formats: Sequence[int]) -> list[Any]:
    return [
        pytest.param(case, variant, id=f"{case.id}-{variant}")
        for fmt in formats
        for case in CONSOLIDATED[fmt]
        for variant in VARIANTS
    ]


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize(("case", "variant"), _params(PEER_FORMATS["zp3"]))
def test_core_consolidated_to_zarr_python3(hierarchies: Hierarchies, case, variant) -> None:
    """zarr-python 3 opens zarr-core's consolidated metadata and sees the same tree."""
    result = hierarchies.peer_result("zp3", f"{case.id}-{variant}")
    check_tree(result["tree"], case, "zarr-python 3.4.2 (open_consolidated)")


@pytest.mark.parametrize(("case", "variant"), _params(PEER_FORMATS["zp2"]))
def test_core_consolidated_to_zarr_python2(hierarchies: Hierarchies, case, variant) -> None:
    """zarr-python 2.18 opens zarr-core's consolidated metadata and sees the same tree."""
    result = hierarchies.peer_result("zp2", f"{case.id}-{variant}")
    check_tree(result["tree"], case, "zarr-python 2.18.7 (open_consolidated)")


def _peer_consolidated(hierarchies: Hierarchies, peer: str, case: TreeCase) -> Path:
    name = f"{case.id}-consolidated"
    hierarchies.peer_result(peer, f"write-{name}")
    return hierarchies.written[peer][name]


def _check_core_reads(path: Path, case: TreeCase, variant: str, reader: str) -> None:
    if variant == "only":
        path = _copy(path, path.with_name(path.name + "-only"))
        _strip_documents(path)
    store = CountingStore(zarr_core.open_store(str(path), mode="r"))
    root = zarr_core.open_consolidated(store, mode="r")
    assert len(store.calls) == 1, f"opening read the store {len(store.calls)} times: {store.calls}"
    assert root.zarr_format == case.fmt
    check_tree(describe_tree(root), case, reader)
    assert store.calls_touching(_DOCUMENTS) == store.calls[:1], "metadata read after opening"


@pytest.mark.parametrize(("case", "variant"), _params(PEER_FORMATS["zp3"]))
def test_zarr_python3_consolidated_to_core(hierarchies: Hierarchies, case, variant) -> None:
    """zarr-core opens zarr-python 3's consolidated metadata with one store read."""
    path = _peer_consolidated(hierarchies, "zp3", case)
    _check_core_reads(path, case, variant, "zarr-core reading zarr-python 3.4.2")


@pytest.mark.parametrize(("case", "variant"), _params(PEER_FORMATS["zp2"]))
def test_zarr_python2_consolidated_to_core(hierarchies: Hierarchies, case, variant) -> None:
    """zarr-core opens zarr-python 2.18's consolidated metadata with one store read."""
    path = _peer_consolidated(hierarchies, "zp2", case)
    _check_core_reads(path, case, variant, "zarr-core reading zarr-python 2.18.7")


def _conversion_params(fmt_from: int) -> list[Any]:
    return [
        pytest.param(
            case, consolidated, mode, id=f"{case.id}{'-consolidated' * consolidated}-{mode}"
        )
        for case in _cases(fmt_from)
        for consolidated in (False, True)
        for mode in ("dest", "in-place")
    ]


def _check_conversion(
    hierarchies: Hierarchies, reader: str, case: TreeCase, consolidated: bool, mode: str, fmt: int
) -> None:
    name = f"{case.id}{'-consolidated' if consolidated else ''}"
    result = hierarchies.peer_result(reader, f"converted-{name}-{mode}")
    check_tree(result["tree"], replace(case, fmt=fmt), f"{reader} reading the converted {name}")


@pytest.mark.parametrize(("case", "consolidated", "mode"), _conversion_params(2))
def test_zarr_python2_tree_converted_to_v3(
    hierarchies: Hierarchies, case, consolidated, mode
) -> None:
    """A format 2 tree from zarr-python 2.18, converted to format 3 by zarr-core, reads
    the same in zarr-python 3 (through consolidated metadata if the source had it)."""
    _check_conversion(hierarchies, "zp3", case, consolidated, mode, 3)


@pytest.mark.parametrize(("case", "consolidated", "mode"), _conversion_params(3))
def test_zarr_python3_tree_converted_to_v2(
    hierarchies: Hierarchies, case, consolidated, mode
) -> None:
    """A format 3 tree from zarr-python 3, converted to format 2 by zarr-core, reads the
    same in zarr-python 2.18 (through consolidated metadata if the source had it)."""
    _check_conversion(hierarchies, "zp2", case, consolidated, mode, 2)
