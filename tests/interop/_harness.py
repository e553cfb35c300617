"""Running the peer implementations and comparing what each side read.

One exchange per peer: we write every "core -> peer" case with zarr-core, then a single
peer process reads those and writes every "peer -> core" case (each subprocess costs
about a second, so cases are batched), then each test compares one case. Readers on
both sides report the same things: the whole array, an optional region, the fill value,
the attributes and the dimension names.
"""

from __future__ import annotations

import json
import subprocess
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest

import zarr_core
from tests.interop._cases import ArrayCase, TreeCase

__all__ = [
    "Peer",
    "Exchange",
    "run_exchange",
    "core_write",
    "core_read",
    "core_write_tree",
    "core_read_tree",
    "check_read",
    "check_absent_chunks",
    "check_tree",
    "verify_core_to_peer",
    "verify_peer_to_core",
    "verify_tree_core_to_peer",
    "verify_tree_peer_to_core",
    "params",
]

PEER_SCRIPTS = Path(__file__).resolve().parent / "peer_scripts"
# Generous: the whole batch normally takes a few seconds.
PEER_TIMEOUT = 240


@dataclass(frozen=True)
class Peer:
    """Another implementation: its interpreter and the script that drives it."""

    label: str
    python: Path
    script: str


def _region(region: Any) -> tuple:
    return (Ellipsis,) if region is None else tuple(slice(a, b) for a, b in region)


# ------------------------------------------------------------------ zarr-core side


def _dtype_arg(case: ArrayCase) -> Any:
    if case.object is None:
        return case.data.dtype
    return {"str": str, "bytes": bytes}.get(case.object, case.object)


def core_write(case: ArrayCase, path: Path) -> None:
    """Create ``case`` with zarr-core at ``path`` and write its data."""
    kwargs: dict[str, Any] = {
        "shape": case.data.shape,
        "chunks": case.chunks,
        "dtype": _dtype_arg(case),
        "fill_value": case.fill_value,
        "store": str(path),
        "zarr_format": case.fmt,
    }
    # The numcodecs-style arguments apply to format 3 as well (translated to codecs).
    if case.compressor != "default":
        kwargs["compressor"] = (
            None if case.compressor is None else numcodecs.get_codec(dict(case.compressor))
        )
    if case.filters:
        kwargs["filters"] = [numcodecs.get_codec(dict(f)) for f in case.filters]
    kwargs["order"] = case.order
    if case.fmt == 2:
        if case.object_codec:
            kwargs["object_codec"] = numcodecs.get_codec(dict(case.object_codec))
        if case.dimension_separator:
            kwargs["dimension_separator"] = case.dimension_separator
    else:
        if case.codecs is not None:
            kwargs["codecs"] = [dict(c) for c in case.codecs]
        if case.chunk_key_encoding is not None:
            kwargs["chunk_key_encoding"] = case.chunk_key_encoding
        if case.dimension_names is not None:
            kwargs["dimension_names"] = list(case.dimension_names)
    if case.write_empty_chunks is not None:
        kwargs["write_empty_chunks"] = case.write_empty_chunks
    arr = zarr_core.create(**kwargs)
    if case.attributes:
        arr.attrs.update(case.attributes)
    if case.write_data:
        sel = _region(case.region)
        arr[sel] = case.data[sel]


def core_read(case: ArrayCase, path: Path) -> tuple[dict, dict]:
    """Open ``path`` with zarr-core; report what a peer script reports."""
    # partial_decompress: the region (cutting through chunks) decodes only the blosc
    # blocks it needs from frames the peer wrote.
    arr = zarr_core.open_array(str(path), mode="r", zarr_format=case.fmt, partial_decompress=True)
    names = arr.dimension_names
    meta = {
        "dtype": str(arr.dtype),
        "shape": list(arr.shape),
        "attrs": arr.attrs.asdict(),
        "dimension_names": None if names is None else list(names),
    }
    region = case.region_to_read
    arrays = {
        "data": arr[...],
        "region": None if region is None else arr[_region(region)],
        "fill": arr.fill_value,
    }
    return meta, arrays


def core_write_tree(case: TreeCase, path: Path) -> None:
    """Create the hierarchy of ``case`` with zarr-core, through the Group API."""
    root = zarr_core.open_group(str(path), mode="w", zarr_format=case.fmt)
    for node in case.nodes:
        # Paths from the root: a missing parent must be created by the library.
        if node["path"] == "":
            target = root
        elif node["kind"] == "group":
            target = root.create_group(node["path"])
        else:
            data = np.array(node["data"], dtype=node["dtype"])
            target = root.array(node["path"], data, chunks=tuple(node["chunks"]))
        if node["attrs"]:
            target.attrs.update(node["attrs"])


def core_read_tree(case: TreeCase, path: Path) -> dict[str, dict]:
    """Walk a hierarchy with zarr-core: ``{path: {kind, attrs, (dtype, chunks, data)}}``."""
    return describe_tree(zarr_core.open_group(str(path), mode="r", zarr_format=case.fmt))


def describe_tree(root: Any) -> dict[str, dict]:
    """``{path: {kind, attrs, (dtype, chunks, data)}}`` of an opened zarr-core group."""
    tree: dict[str, dict] = {"": {"kind": "group", "attrs": root.attrs.asdict()}}

    def walk(group: Any, prefix: str) -> None:
        for name, child in group.groups():
            tree[prefix + name] = {"kind": "group", "attrs": child.attrs.asdict()}
            walk(child, prefix + name + "/")
        for name, arr in group.arrays():
            tree[prefix + name] = {
                "kind": "array",
                "attrs": arr.attrs.asdict(),
                "dtype": arr.dtype.str,
                "chunks": list(arr.chunks),
                "data": np.asarray(arr[...]).tolist(),
            }

    walk(root, "")
    return tree


# ------------------------------------------------------------------ the exchange


@dataclass
class Exchange:
    """The outcome of one peer run: where everything is, and the peer's results."""

    peer: Peer
    root: Path
    core_errors: dict[str, str] = field(default_factory=dict)
    log: str = ""

    @property
    def out(self) -> Path:
        return self.root / "results"

    def core_path(self, case: ArrayCase | TreeCase) -> Path:
        """Where zarr-core wrote ``case`` for the peer to read."""
        return self.root / "core" / case.id

    def peer_path(self, case: ArrayCase | TreeCase) -> Path:
        """Where the peer wrote ``case`` for zarr-core to read."""
        return self.root / "peer" / case.id

    def core_wrote(self, case: ArrayCase | TreeCase) -> None:
        """Fail if zarr-core could not write ``case`` (so the peer had nothing to read)."""
        error = self.core_errors.get(case.id)
        if error:
            pytest.fail(f"zarr-core failed to write {case.id}:\n{error}", pytrace=False)

    def result(self, op: str, case: ArrayCase | TreeCase) -> dict:
        """The peer's report for ``op`` on ``case``; fails with the peer's traceback."""
        path = self.out / f"{op}-{case.id}.json"
        if not path.exists():
            pytest.fail(f"{self.peer.label} left no result for {op} {case.id}; log:\n{self.log}")
        result = json.loads(path.read_text())
        if result["error"]:
            pytest.fail(
                f"{self.peer.label} failed to {op} {case.id}:\n{result['error']}", pytrace=False
            )
        return result

    def arrays(self, op: str, case: ArrayCase) -> dict[str, Any]:
        """The arrays the peer saved for ``op`` on ``case`` (``data``, ``region``, ``fill``)."""
        with np.load(self.out / f"{op}-{case.id}.npz", allow_pickle=True) as f:
            arrays = {k: f[k] for k in f.files}
        arrays.setdefault("region", None)
        arrays["fill"] = arrays["fill"][()] if "fill" in arrays else None
        return arrays


def run_exchange(
    peer: Peer,
    root: Path,
    *,
    to_peer: Sequence[ArrayCase] = (),
    from_peer: Sequence[ArrayCase] = (),
    trees_to_peer: Sequence[TreeCase] = (),
    trees_from_peer: Sequence[TreeCase] = (),
) -> Exchange:
    """Write ``to_peer`` with zarr-core, then run the peer once to read them and to write
    ``from_peer``. Per-case failures are recorded, not raised; a crashed peer process is
    raised (every test of the exchange errors with its output)."""
    exchange = Exchange(peer, root)
    entries: list[dict] = []
    for case in to_peer:
        path = exchange.core_path(case)
        try:
            core_write(case, path)
        except Exception:
            exchange.core_errors[case.id] = traceback.format_exc()
            continue
        entries.append(_entry("read", case, path))
    for case in trees_to_peer:
        path = exchange.core_path(case)
        try:
            core_write_tree(case, path)
        except Exception:
            exchange.core_errors[case.id] = traceback.format_exc()
            continue
        entries.append(_entry("read_tree", case, path))
    inputs = root / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for case in from_peer:
        entry = _entry("write", case, exchange.peer_path(case))
        entry["npz"] = str(inputs / f"{case.id}.npz")
        arrays = {"data": case.data}
        if case.fill_value is not None:
            arrays["fill"] = np.array(case.fill_value, dtype=object)
        with open(entry["npz"], "wb") as f:
            np.savez(f, **arrays)
        entries.append(entry)
    for case in trees_from_peer:
        entry = _entry("write_tree", case, exchange.peer_path(case))
        entry["nodes"] = list(case.nodes)
        entry["consolidated"] = case.consolidated
        entries.append(entry)

    job = root / "job.json"
    job.write_text(json.dumps({"out": str(exchange.out), "entries": entries}))
    proc = subprocess.run(
        [str(peer.python), str(PEER_SCRIPTS / peer.script), str(job)],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT,
        cwd=root,
    )
    exchange.log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"{peer.label} ({peer.script}) crashed:\n{exchange.log}")
    return exchange


def _entry(op: str, case: ArrayCase | TreeCase, path: Path) -> dict:
    entry: dict[str, Any] = {
        "op": op,
        "id": f"{op}-{case.id}",
        "path": str(path),
        "format": case.fmt,
    }
    if isinstance(case, ArrayCase):
        entry.update(
            chunks=list(case.chunks),
            compressor=case.compressor,
            filters=None if case.filters is None else list(case.filters),
            order=case.order,
            dimension_separator=case.dimension_separator,
            object_codec=case.object_codec,
            object=case.object,
            codecs=None if case.codecs is None else list(case.codecs),
            chunk_key_encoding=case.chunk_key_encoding,
            dimension_names=None if case.dimension_names is None else list(case.dimension_names),
            attributes=case.attributes,
            region=case.region,
            read_region=case.region_to_read,
            write_data=case.write_data,
            write_empty_chunks=case.write_empty_chunks,
        )
    return entry


# ------------------------------------------------------------------ comparisons


def _json(value: Any) -> str:
    # Text comparison: NaN attributes compare equal, and 1 vs 1.0 do not.
    return json.dumps(value, sort_keys=True)


def assert_same_array(
    actual: Any, expected: np.ndarray, *, exact_byteorder: bool, what: str
) -> None:
    """Shape, dtype and every element of ``actual`` equal ``expected`` (NaN == NaN).

    ``exact_byteorder=False`` accepts the other byte order: Zarr v3 keeps the byte order
    in the ``bytes`` codec, not in the data type, and tensorstore always returns native.
    """
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind == "O":
        # zarr-python 3 returns variable-length strings as NumPy's StringDType.
        assert actual.dtype.kind in "OT", f"{what}: dtype {actual.dtype}, expected object"
        for index in np.ndindex(expected.shape):
            got, want = actual[index], expected[index]
            if isinstance(want, np.ndarray):
                assert isinstance(got, np.ndarray), f"{what}[{index}]: {got!r} != {want!r}"
                assert got.dtype == want.dtype, f"{what}[{index}]: {got.dtype} != {want.dtype}"
                np.testing.assert_array_equal(got, want, err_msg=f"{what}[{index}]")
            else:
                assert type(got) is type(want) and got == want, (
                    f"{what}[{index}]: {got!r} != {want!r}"
                )
        return
    if exact_byteorder:
        assert actual.dtype == expected.dtype, (
            f"{what}: dtype {actual.dtype!r} != {expected.dtype!r}"
        )
    else:
        assert actual.dtype.newbyteorder("<") == expected.dtype.newbyteorder("<"), (
            f"{what}: dtype {actual.dtype!r} != {expected.dtype!r} (any byte order)"
        )
        actual = actual.astype(expected.dtype)  # same values, so the comparison is strict
    _assert_values(actual, expected, what)


def _assert_values(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    if expected.dtype.names is not None:
        for name in expected.dtype.names:
            _assert_values(actual[name], expected[name], f"{what}[{name!r}]")
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what, strict=True)
        if expected.dtype.kind in "fc":
            # assert_array_equal takes -0.0 == 0.0; the sign is data too.
            for part in ("real", "imag") if expected.dtype.kind == "c" else ("real",):
                got, want = getattr(actual, part), getattr(expected, part)
                mask = ~np.isnan(want)
                np.testing.assert_array_equal(
                    np.signbit(got[mask]), np.signbit(want[mask]), err_msg=f"{what}: sign of zero"
                )


def check_read(
    case: ArrayCase,
    meta: dict,
    arrays: dict,
    *,
    reader: str,
    exact_byteorder: bool,
    attrs: bool = True,
    unnamed_dimension: Any = None,
) -> None:
    """What ``reader`` reported for ``case`` matches what was written.

    Parameters
    ----------
    attrs
        Compare attributes (tensorstore has no attributes API).
    unnamed_dimension
        How the reader reports a dimension without a name (tensorstore: ``""``).
    """
    what = f"{reader} reading {case.id}"
    assert_same_array(arrays["data"], case.data, exact_byteorder=exact_byteorder, what=what)
    region = case.region_to_read
    if region is not None:
        expected = case.data[_region(region)]
        assert_same_array(
            arrays["region"], expected, exact_byteorder=exact_byteorder, what=f"{what} (region)"
        )
    if attrs:
        assert _json(meta["attrs"]) == _json(case.attributes), f"{what}: attributes differ"
    _check_fill(arrays["fill"], case, what)
    names = case.dimension_names
    if names is not None:
        names = [unnamed_dimension if n is None else n for n in names]
    assert meta["dimension_names"] == names, f"{what}: dimension names"


def _check_fill(actual: Any, case: ArrayCase, what: str) -> None:
    expected = case.fill_value
    if expected is None or case.data.dtype.kind == "O":
        assert actual == expected, f"{what}: fill value {actual!r} != {expected!r}"
        return
    dtype = case.data.dtype
    assert actual is not None, f"{what}: no fill value, expected {expected!r}"
    got = np.asarray(actual, dtype=dtype)
    want = np.asarray(expected, dtype=dtype)
    if dtype.names is not None:
        assert got.tobytes() == want.tobytes(), f"{what}: fill value {got!r} != {want!r}"
    else:
        np.testing.assert_array_equal(got, want, err_msg=f"{what}: fill value", strict=True)


def check_absent_chunks(case: ArrayCase, path: Path, writer: str) -> None:
    """The chunks ``case`` never writes (or writes only as fill) were not stored."""
    for index in case.absent_chunks:
        key = case.chunk_key(index)
        assert not (path / key).is_file(), f"{writer} stored chunk {key!r} of {case.id}"


def check_tree(actual: dict, case: TreeCase, reader: str) -> None:
    """The hierarchy ``reader`` walked matches ``case``: same nodes, kinds, attributes,
    array dtypes, chunks and contents."""
    expected = case.expected()
    assert sorted(actual) == sorted(expected), f"{reader}: nodes of {case.id}"
    for path in expected:
        assert _json(actual[path]) == _json(expected[path]), f"{reader}: node {path!r}"


# ------------------------------------------------------------------ test bodies


def verify_core_to_peer(
    exchange: Exchange,
    case: ArrayCase,
    *,
    exact_byteorder: bool,
    attrs: bool = True,
    unnamed_dimension: Any = None,
) -> None:
    """The peer read exactly what zarr-core wrote (see :func:`check_read`)."""
    exchange.core_wrote(case)
    check_absent_chunks(case, exchange.core_path(case), "zarr-core")
    if case.expect_codecs is not None:
        doc = json.loads((exchange.core_path(case) / "zarr.json").read_text())
        names = tuple(c["name"] for c in doc["codecs"])
        assert names == case.expect_codecs, f"zarr-core wrote the codecs {names} for {case.id}"
    meta = exchange.result("read", case)
    check_read(
        case,
        meta,
        exchange.arrays("read", case),
        reader=exchange.peer.label,
        exact_byteorder=exact_byteorder,
        attrs=attrs,
        unnamed_dimension=unnamed_dimension,
    )


def verify_peer_to_core(exchange: Exchange, case: ArrayCase, *, exact_byteorder: bool) -> None:
    """zarr-core reads exactly what the peer wrote."""
    exchange.result("write", case)
    path = exchange.peer_path(case)
    check_absent_chunks(case, path, exchange.peer.label)
    meta, arrays = core_read(case, path)
    check_read(case, meta, arrays, reader="zarr-core", exact_byteorder=exact_byteorder)


def verify_tree_core_to_peer(exchange: Exchange, case: TreeCase) -> None:
    """The peer sees the hierarchy zarr-core wrote."""
    exchange.core_wrote(case)
    check_tree(exchange.result("read_tree", case)["tree"], case, exchange.peer.label)


def verify_tree_peer_to_core(exchange: Exchange, case: TreeCase) -> None:
    """zarr-core sees the hierarchy the peer wrote."""
    exchange.result("write_tree", case)
    check_tree(core_read_tree(case, exchange.peer_path(case)), case, "zarr-core")


# ------------------------------------------------------------------ parametrisation


def params(cases: Sequence[ArrayCase | TreeCase], xfail: dict[str, str] | None = None) -> list[Any]:
    """``pytest.param`` per case, id'd by the case, strict-xfailed per ``xfail`` (id -> reason)."""
    xfail = dict(xfail or {})
    out = []
    for case in cases:
        reason = xfail.pop(case.id, None)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    assert not xfail, f"xfail entries for unknown cases: {sorted(xfail)}"
    return out
