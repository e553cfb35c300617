"""The DBM tests again under interpreters that have the implementations this one lacks.

pyenv's Pythons here were built without ``_gdbm`` and ``_dbm``, so ``dbm.gnu`` and
``dbm.ndbm`` are tested with Debian's ``/usr/bin/python3`` (``.peers/sysdbm``), and
``dbm.sqlite3``, new in 3.13, with pyenv's 3.13 (``.peers/py313dbm``). ``bash
scripts/test.sh`` creates both (``ensure_sysdbm`` in ``scripts/_env.sh``). Each run must
pass and must have run the implementations listed for it; a missing environment fails.
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from zarr_core.testing.compat import peer_python

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]

# environment under .peers -> implementations its tests must have run
ENVIRONMENTS = {
    "sysdbm": ("dbm.dumb", "dbm.gnu", "dbm.ndbm"),
    "py313dbm": ("dbm.dumb", "dbm.sqlite3"),
}


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_the_dbm_tests_pass_under_another_interpreter(name, tmp_path):
    python = peer_python(name, REPO, hint="`bash scripts/test.sh` creates it (ensure_sysdbm)")
    wanted = ENVIRONMENTS[name]
    report = tmp_path / "report.xml"
    proc = subprocess.run(
        [
            str(python), "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider",
            f"--ignore={Path(__file__).resolve()}",  # no recursion
            f"--junitxml={report}", f"--basetemp={tmp_path / 'tmp'}",
        ],
        cwd=REPO,
        env={**os.environ, "ZARR_CORE_DBM_EXPECT": ",".join(wanted)},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, f"{name}:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures")) == int(suite.get("errors")) == 0
    ran = [case.get("name") for case in suite.iter("testcase") if case.find("skipped") is None]
    for implementation in wanted:
        runs = [n for n in ran if f"[{implementation}" in n or f"-{implementation}" in n]
        assert len(runs) > 20, f"{name} ran only {len(runs)} tests of {implementation}"
