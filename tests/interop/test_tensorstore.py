"""zarr-core <-> tensorstore 0.1.86: the ``zarr`` (format 2) and ``zarr3`` drivers, both ways.

tensorstore handles numeric and bool arrays only, so the cases are the numeric dtypes
(both byte orders, float16, complex), the compressors and codec chains it implements,
``order: F`` and ``transpose``, edge chunks, 0-d arrays, missing chunks with non-zero
and NaN fill values, chunk key encodings and dimension names. Every read covers the
whole array and a region that cuts through chunks.
"""

from __future__ import annotations

import pytest

from tests.interop._cases import NUMERIC_KINDS, ArrayCase, array_cases
from tests.interop._harness import (
    Exchange,
    Peer,
    params,
    run_exchange,
    verify_core_to_peer,
    verify_peer_to_core,
)

pytestmark = pytest.mark.interop

# tensorstore 0.1.86 limitations (documented or verified; not bugs in zarr-core):
# - data types: numeric and bool only in both drivers (zarr3 rejects string, bytes,
#   datetime, fixed-length strings; structured arrays open one field at a time only);
# - format 2 filters must be null (no delta/shuffle/fixedscaleoffset), and zarr3 has no
#   numcodecs.* codecs;
# - format 2 compressors: no lz4 or lzma ('"lz4" is not registered'), no zstd checksum.
UNSUPPORTED = {
    "struct",
    "filter:delta",
    "filter:fixedscaleoffset",
    "codec:numcodecs.delta",
    "compressor:lz4",
    "compressor:lzma",
}
# - NaN/Infinity in attributes: zarr-core (like zarr-python) writes them as bare NaN /
#   Infinity tokens, which are not JSON. tensorstore's strict parser then refuses the
#   whole zarr.json ("Invalid JSON"), so a v3 array with such attributes cannot be
#   opened at all. (Format 2 keeps attributes in .zattrs, which tensorstore never
#   reads, so v2-attributes-nonfinite stays in.)
# - format 2 zstd written through numcodecs: numcodecs' Zstd config always carries
#   "checksum" (false by default), and tensorstore rejects the member ("Object includes
#   extra members: checksum"), so it cannot open zstd arrays written by zarr-core or
#   zarr-python 2. (zarr-python 3 drops "checksum": false from v2 configs, so tensorstore
#   reads its arrays.) tensorstore writes {"id": "zstd", "level": N}, which we read.
NOT_READABLE_BY_TENSORSTORE = {
    "v3-attributes-nonfinite",
    "v2-codec-zstd",
    "v2-codec-zstd-checksum",
}
NOT_WRITABLE_BY_TENSORSTORE = {"v2-codec-zstd-checksum"}
# - no attributes API: attributes are not compared on reading, and it writes none
#   (cases with attributes only go from zarr-core to tensorstore).


def _supported(case: ArrayCase) -> bool:
    kinds = {f.removeprefix("kind:") for f in case.features if f.startswith("kind:")}
    return kinds <= NUMERIC_KINDS and not case.features & UNSUPPORTED


SUPPORTED = [c for fmt in (2, 3) for c in array_cases(fmt) if _supported(c)]
TO_PEER = [c for c in SUPPORTED if c.id not in NOT_READABLE_BY_TENSORSTORE]
FROM_PEER = [
    c
    for c in SUPPORTED
    if c.id not in NOT_WRITABLE_BY_TENSORSTORE and not c.features & {"attributes", "core-api-only"}
]

# case id -> reason (a zarr-core bug, with its reproduction in the reason)
XFAIL_CORE_TO_PEER: dict[str, str] = {}
XFAIL_PEER_TO_CORE: dict[str, str] = {}


@pytest.fixture(scope="module")
def exchange(tensorstore_peer: Peer, tmp_path_factory: pytest.TempPathFactory) -> Exchange:
    """Every case written by each side, and tensorstore's reads of ours (one process)."""
    return run_exchange(
        tensorstore_peer, tmp_path_factory.mktemp("ts"), to_peer=TO_PEER, from_peer=FROM_PEER
    )


@pytest.mark.parametrize("case", params(TO_PEER, XFAIL_CORE_TO_PEER))
def test_core_to_tensorstore(exchange: Exchange, case: ArrayCase) -> None:
    """tensorstore reads what zarr-core wrote (whole array and a region)."""
    # tensorstore returns native byte order and labels unnamed dimensions "".
    verify_core_to_peer(exchange, case, exact_byteorder=False, attrs=False, unnamed_dimension="")


@pytest.mark.parametrize("case", params(FROM_PEER, XFAIL_PEER_TO_CORE))
def test_tensorstore_to_core(exchange: Exchange, case: ArrayCase) -> None:
    """zarr-core reads what tensorstore wrote (whole array and a region)."""
    verify_peer_to_core(exchange, case, exact_byteorder=case.fmt == 2)
