"""Output layout and structured dtypes as zarr-python 2.18 gives them (issue 11, item 3).

The same selections run in zarr-python 2.18 (the ``zp2`` peer interpreter) and here, on
arrays each wrote itself and on the arrays zarr-python wrote; every result must agree
in shape, memory order (``order="F"`` arrays return F-ordered output) and bytes:

* ``order="F"`` output layout, for every kind of selection;
* a structured field that is itself a subarray (``("bar", "f4", (3, 2))``), read and
  written;
* a structured ``fill_value`` given as raw bytes (``b""`` is all zeros), stored as
  zarr-python 2 stores it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import textwrap

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import MetadataError, ShapeMismatchError
from zarr_core.testing.compat import peer_python

SHAPE, CHUNKS = (6, 8, 4), (4, 3, 4)
SUB = [("foo", "<i8"), ("bar", "<f4", (3, 2))]
PAIR = [("a", "<i4"), ("b", "<f8")]

# Shared by both sides: builds the arrays with ``make(name, **kwargs)`` and describes
# every selection; ``zarr`` is zarr-python 2.18 in the peer and ``zarr_core`` here.
_SCENARIO = textwrap.dedent(
    """
    import hashlib, json
    import numpy as np

    SHAPE, CHUNKS = (6, 8, 4), (4, 3, 4)
    SUB = [("foo", "<i8"), ("bar", "<f4", (3, 2))]
    PAIR = [("a", "<i4"), ("b", "<f8")]


    def describe(a):
        a = np.asarray(a)
        return [list(a.shape), bool(a.flags.f_contiguous), bool(a.flags.c_contiguous),
                str(a.dtype), hashlib.sha1(a.tobytes(order="C")).hexdigest()]


    def build(make):
        f = make("f", shape=SHAPE, chunks=CHUNKS, dtype="<i4", order="F")
        f[...] = np.arange(192, dtype="<i4").reshape(SHAPE)
        s = make("s", shape=5, chunks=2, dtype=SUB)
        s["bar"] = 1.5
        s[3] = (7, np.arange(6, dtype="<f4").reshape(3, 2))
        make("z", shape=3, chunks=2, dtype=PAIR, fill_value=b"")
        make("p", shape=3, chunks=2, dtype=PAIR, fill_value=b"\\x01\\x00\\x00\\x00")


    def selections(open_):
        f, s, z, p = (open_(n) for n in "fszp")
        return {
            "F all": f[...],
            "F slice": f[1:5, 2:7],
            "F int": f[2],
            "F int middle": f[:, 3],
            "F steps": f[::2, ::3],
            "F orthogonal": f.oindex[[0, 2], :, [1, 3]],
            "F coordinates": f.vindex[[[0, 1], [2, 3]], [[1, 2], [3, 4]], [[0, 1], [2, 3]]],
            "F mask": f.vindex[np.arange(192).reshape(SHAPE) % 5 == 0],
            "F block": f.blocks[0],
            "F basic method": f.get_basic_selection((slice(None), 1)),
            "F row": f[1, 2],
            "sub field": s["bar"],
            "sub field rows": s[1:4, "bar"],
            "sub field point": s[3, "bar"],
            "sub field orthogonal": s.get_orthogonal_selection([0, 3], fields="bar"),
            "sub other field": s["foo"],
            "sub both fields": s.get_orthogonal_selection([3, 4], fields=["foo", "bar"]),
            "sub whole": s[...],
            "fill b''": z[...],
            "fill bytes": p[...],
        }


    def fill_values(open_):
        return {n: json.loads(open_(n).store[n + "/.zarray"])["fill_value"] for n in "zp"}
    """
)

_PEER = _SCENARIO + textwrap.dedent(
    """
    import sys
    import zarr

    root = sys.argv[1]
    store = zarr.DirectoryStore(root)
    build(lambda name, **kw: zarr.create(store=store, path=name, **kw))
    open_ = lambda name: zarr.open_array(store, path=name, mode="r")
    print(json.dumps({
        "selections": {k: describe(v) for k, v in selections(open_).items()},
        "fill_values": fill_values(open_),
    }))
    """
)

_ours: dict = {}
exec(compile(_SCENARIO, "<scenario>", "exec"), _ours)  # the same scenario, run here


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> dict:
    """What zarr-python 2.18 returns, and the directory its arrays are in."""
    root = tmp_path_factory.mktemp("zp2") / "data.zarr"
    python = peer_python("zp2", pytestconfig.rootpath)
    proc = subprocess.run(
        [str(python), "-c", _PEER, str(root)], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr
    return {"root": root, **json.loads(proc.stdout.strip().splitlines()[-1])}


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict:
    store = zarr_core.open_store(tmp_path_factory.mktemp("core") / "data.zarr", mode="w")
    _ours["build"](lambda name, **kw: zarr_core.create(store=store, path=name, zarr_format=2, **kw))
    open_ = lambda name: zarr_core.open_array(store, path=name, mode="r")  # noqa: E731
    return {
        "selections": {k: _ours["describe"](v) for k, v in _ours["selections"](open_).items()},
        "fill_values": _ours["fill_values"](open_),
    }


CASES = [
    "F all",
    "F slice",
    "F int",
    "F int middle",
    "F steps",
    "F orthogonal",
    "F coordinates",
    "F mask",
    "F block",
    "F basic method",
    "F row",
    "sub field",
    "sub field rows",
    "sub field point",
    "sub field orthogonal",
    "sub other field",
    "sub both fields",
    "sub whole",
    "fill b''",
    "fill bytes",
]


@pytest.mark.parametrize("case", CASES)
def test_same_result_as_zarr_python_2(case: str, peer: dict, ours: dict) -> None:
    assert ours["selections"][case] == peer["selections"][case]


@pytest.mark.parametrize("case", CASES)
def test_reading_what_zarr_python_2_wrote(case: str, peer: dict) -> None:
    store = zarr_core.open_store(peer["root"], mode="r")
    found = _ours["selections"](lambda n: zarr_core.open_array(store, path=n, mode="r"))
    assert _ours["describe"](found[case]) == peer["selections"][case]


def test_fill_values_stored_as_zarr_python_2_stores_them(peer: dict, ours: dict) -> None:
    assert (
        ours["fill_values"]
        == peer["fill_values"]
        == {
            "z": "AAAAAAAAAAAAAAAA",
            "p": "AQAAAAAAAAAAAAAA",
        }
    )


def test_f_order_output_fills_missing_chunks() -> None:
    z = zarr_core.full((5, 7), 3, chunks=(2, 3), dtype="u2", order="F", zarr_format=2)
    z[0, 0] = 9
    out = z[...]
    assert out.flags.f_contiguous and out[0, 0] == 9 and (out.ravel()[1:] == 3).all()


def test_subarray_field_writes_take_the_field_shape() -> None:
    z = zarr_core.zeros(4, chunks=3, dtype=SUB, zarr_format=2)
    z[1:3, "bar"] = np.arange(12, dtype="f4").reshape(2, 3, 2)
    z.set_orthogonal_selection([0], [[[9, 9], [9, 9], [9, 9]]], fields="bar")
    assert z["bar"].tolist() == [
        [[9, 9], [9, 9], [9, 9]],
        [[0, 1], [2, 3], [4, 5]],
        [[6, 7], [8, 9], [10, 11]],
        [[0, 0], [0, 0], [0, 0]],
    ]
    assert z["foo"].tolist() == [0, 0, 0, 0]
    with pytest.raises(ShapeMismatchError, match=r"\(2, 3, 2\)"):
        z[1:3, "bar"] = np.zeros((2, 2))


def test_structured_fill_bytes_longer_than_an_element_are_refused() -> None:
    with pytest.raises(MetadataError, match=r"field 'fill_value': fill value of 13 bytes for"):
        zarr_core.full(3, fill_value=b"\1" * 13, chunks=2, dtype=PAIR, zarr_format=2)


def test_scenario_hash_is_stable() -> None:
    """``describe`` hashes C-order bytes, so layout never changes a hash, only flags."""
    a = np.arange(6).reshape(2, 3)
    d_c, d_f = _ours["describe"](a), _ours["describe"](np.asfortranarray(a))
    assert d_c[4] == d_f[4] == hashlib.sha1(a.tobytes()).hexdigest()
    assert (d_c[1], d_c[2], d_f[1], d_f[2]) == (False, True, True, False)
