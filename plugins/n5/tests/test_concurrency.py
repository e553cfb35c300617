"""N5Store under zarr-core's concurrency kits, and the n5: adapter under the adapter kit."""

from __future__ import annotations

import multiprocessing

from zarr_core_n5 import N5Container, N5Store

import zarr_core
from zarr_core.errors import ContainsArrayError
from zarr_core.storage import open_store
from zarr_core.testing.adapters import AdapterTests
from zarr_core.testing.concurrency import (
    CREATORS,
    ROUNDS,
    AtomicCreationTests,
    SeveralProcessesTests,
)


def _create_array(store, path: str, worker: int, barrier, results) -> None:
    # The kit's creator tells the winner by its fill value, which N5 does not have (it is
    # always 0): this one tells it by the chunk shape. Module level, for multiprocessing.
    barrier.wait(30)
    try:
        zarr_core.open_array(
            store, path=path, mode="w-", shape=(12,), chunks=(worker + 1,), dtype="i4"
        )
        results.put((worker, "created"))
    except ContainsArrayError:
        results.put((worker, "ContainsArrayError"))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((worker, f"{type(exc).__name__}: {exc}"))
    finally:
        store.close()


class TestSeveralProcesses(SeveralProcessesTests, AtomicCreationTests):
    def make_store(self, tmp_path):
        return N5Store(tmp_path / "c.n5")

    def test_mode_w_minus_has_exactly_one_winner(self, tmp_path):
        store = self.make_store(tmp_path)
        ctx = multiprocessing.get_context("fork")
        for round_ in range(ROUNDS):
            barrier, results = ctx.Barrier(CREATORS), ctx.Queue()
            procs = [
                ctx.Process(target=_create_array, args=(store, f"r{round_}", w, barrier, results))
                for w in range(CREATORS)
            ]
            for p in procs:
                p.start()
            outcomes = dict(results.get(timeout=120) for _ in procs)
            for p in procs:
                p.join(60)
            assert [p.exitcode for p in procs] == [0] * CREATORS
            winners = [w for w, o in outcomes.items() if o == "created"]
            assert len(winners) == 1, outcomes
            assert set(outcomes.values()) <= {"created", "ContainsArrayError"}, outcomes
            # The stored metadata is the winner's, not the last writer's.
            array = zarr_core.open_array(store, path=f"r{round_}", mode="r")
            assert array.chunks == (winners[0] + 1,)
        store.close()


class TestN5Adapter(AdapterTests):
    scheme = "n5"
    distribution = "zarr-core-n5"
    writable = True
    formats = (2,)  # an N5 container presents Zarr format 2 only

    def populate(self, root_url, tmp_path, build):
        root = open_store(root_url, mode="w")
        build(N5Container(root))
        assert "v2/a/attributes.json" in root  # N5 underneath, not Zarr documents
        root.close()
