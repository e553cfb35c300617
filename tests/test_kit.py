"""The conformance kit fails stores that break the contract."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

BROKEN = {
    "delete_does_nothing": "def _delete(self, key):\n        self._mutable_mapping[key]",
    "no_key_validation": "def __getitem__(self, key):\n        return self._get(key)",
    "ranges_ignored": "def get_partial_values(self, key_ranges):\n        return [self._mutable_mapping.get(k) for k, _ in key_ranges]",
    "getitems_raises_on_missing": "def _get_many(self, keys):\n        return {k: self._mutable_mapping[k] for k in keys}",
    # Reversed on the way in and out: only reading the backend directly shows it.
    "symmetric_encoding_bug": "def _set(self, key, value):\n        self._mutable_mapping[key] = value[::-1]\n"
    "def _get(self, key):\n        return self._mutable_mapping[key][::-1]\n"
    "def _get_many(self, keys):\n        return {k: self._get(k) for k in keys if k in self._mutable_mapping}",
    "create_not_atomic": "def _set_if_not_exists(self, key, value):\n        self._set(key, value)\n        return True",
    "invalid_keys_listed": "def _keys(self):\n        return list(self._mutable_mapping)\n"
    "def _listed_ok(self, key):\n        return True",
}

KIT_HOOKS = """
    def backend_get(self, store, key):
        return store._mutable_mapping.get(key)

    def backend_set(self, store, key, value):
        store._mutable_mapping[key] = value
"""


@pytest.mark.parametrize("defect", sorted(BROKEN))
def test_kit_catches_broken_store(pytester, defect):
    method = textwrap.indent(BROKEN[defect], "    ")
    pytester.makepyfile(
        f"""
from zarr_core.storage import KVStore
from zarr_core.testing import StoreTests

class Broken(KVStore):
{method}

class TestBroken(StoreTests):
    persistent = False

    def make_store(self, tmp_path, read_only=False):
        return Broken({{}}, read_only=read_only)
{KIT_HOOKS}
"""
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, result.stdout.str()


def test_kit_passes_correct_store(pytester):
    pytester.makepyfile(
        """
from zarr_core.storage import KVStore
from zarr_core.testing import StoreTests

class TestKV(StoreTests):
    persistent = False

    def make_store(self, tmp_path, read_only=False):
        return KVStore({}, read_only=read_only)
"""
        + KIT_HOOKS
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 30 and "failed" not in outcomes, result.stdout.str()


def test_run_in_threads_runs_every_worker_and_reraises():
    from zarr_core.testing.concurrency import run_in_threads

    seen = []
    run_in_threads(seen.append, 5)
    assert sorted(seen) == [0, 1, 2, 3, 4]

    def fail_in_two(worker: int) -> None:
        seen.append(worker)
        assert worker != 2, "worker 2 failed"

    seen.clear()
    with pytest.raises(AssertionError, match="worker 2 failed"):
        run_in_threads(fail_in_two, 4)
    assert sorted(seen) == [0, 1, 2, 3]  # the others ran to the end


def test_kit_checks_persistence_a_store_denies(pytester, tmp_path):
    # A file-backed store that wrongly calls itself non-persistent, and forgets its data
    # on close: the test declares it persistent, so both are caught.
    pytester.makepyfile(
        """
import json, os
from zarr_core.storage import KVStore
from zarr_core.testing import StoreTests

class Forgetful(KVStore):
    is_persistent = False

class TestForgetful(StoreTests):
    persistent = True

    def make_store(self, tmp_path, read_only=False):
        return Forgetful({}, read_only=read_only)
"""
        + KIT_HOOKS
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert (
        "test_is_store FAILED" in out
        or "FAILED test_kit_checks_persistence_a_store_denies.py::TestForgetful::test_is_store"
        in out
    ), out
    assert "test_close_reopen" in out and result.parseoutcomes().get("failed", 0) >= 3, out
