"""Show which DBM implementations this interpreter has (the tests run against each)."""

from __future__ import annotations

from zarr_core_dbm import available_implementations


def pytest_report_header(config) -> list[str]:
    found = available_implementations()
    lines = [f"dbm implementations tested: {', '.join(n for n, why in found.items() if not why)}"]
    lines += [f"dbm implementation absent here: {n} ({why})" for n, why in found.items() if why]
    return lines
