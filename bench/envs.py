"""The implementations the benchmarks compare and the environments they run in.

zarr-core runs in the interpreter that runs the benchmark (./.venv); the peers run in
./.peers, made by bench/setup.sh: zp3 (zarr-python 3 and tensorstore, Python 3.12),
zarrs (zarr-python 3 with the zarrs pipeline, the same Python) and zp2 (zarr-python 2.18).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / ".peers"
ZARR_CORE = Path(sys.executable)
ZP3 = PEERS / "zp3" / "bin" / "python"
ZP2 = PEERS / "zp2" / "bin" / "python"
ZARRS = PEERS / "zarrs" / "bin" / "python"


@dataclass(frozen=True)
class Implementation:
    """One implementation: ``worker`` is its IMPL name in worker.py."""

    worker: str
    python: Path
    formats: tuple[int, ...]
    # the distributions whose versions name it: the first is the label, the others follow
    distributions: tuple[str, ...]

    def describe(self) -> tuple[str, str]:
        """(label with the installed versions, the interpreter's Python version)."""
        code = (
            "import json, sys; from importlib.metadata import version; "
            f"print(json.dumps([sys.version.split()[0], *map(version, {self.distributions!r})]))"
        )
        out = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True)
        python, *versions = json.loads(out.stdout)
        names = {"zarr": "zarr-python", "zarr-core": "zarr-core"}
        first, *rest = (
            f"{names.get(d, d)} {v}" for d, v in zip(self.distributions, versions, strict=True)
        )
        return (f"{first} ({', '.join(rest)})" if rest else first), python


# The order in which every round runs them (alternating, so machine noise spreads evenly).
IMPLEMENTATIONS = [
    Implementation("zarr_core", ZARR_CORE, (2, 3), ("zarr-core",)),
    Implementation("zarr", ZP3, (2, 3), ("zarr",)),
    Implementation("zarrs", ZARRS, (2, 3), ("zarrs", "zarr")),
    Implementation("tensorstore", ZP3, (2, 3), ("tensorstore",)),
    Implementation("zarr", ZP2, (2,), ("zarr",)),
]
