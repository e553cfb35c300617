"""A writer process for the durability tests: it writes until it is killed.

Usage: python _writer.py MODE PATH

MODE ``new``:     create the archive, then write an array over and over, never closing.
MODE ``append``:  reopen an existing archive holding array ``a`` and rewrite it over and
                  over with increasing values, flushing (then pausing) after each pass;
                  after each flush it prints ``flushed VALUE SHA256`` (the file's hash).
MODE ``compact``: rewrite every chunk once and close, stopping for good just before the
                  compacted copy replaces the archive.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

from zarr_core_zip import ZipStore
from zarr_core_zip import store as store_module

import zarr_core


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "new":
        store = ZipStore(path, mode="w")
        array = zarr_core.zeros((400, 400), chunks=(10, 10), dtype="i4", store=store, path="a")
        print("writing", flush=True)
        value = 1
        while True:
            array[...] = value
            value += 1
    elif mode == "append":
        store = ZipStore(path, mode="a")
        array = zarr_core.open_array(store, path="a", mode="r+")
        print("writing", flush=True)
        value = int(array[0, 0]) + 1
        while True:
            for row in range(0, array.shape[0], 10):
                array[row : row + 10] = value
            store.flush()
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            print("flushed", value, digest, flush=True)
            # A pause with the archive complete, so that some kills land in that state.
            time.sleep(0.05)
            value += 1
    elif mode == "compact":
        store = ZipStore(path, mode="a")
        array = zarr_core.open_array(store, path="a", mode="r+")
        array[...] = int(array[0, 0]) + 1

        def stop(*args: object) -> None:
            print("replacing", flush=True)
            time.sleep(600)

        store_module.os.replace = stop
        store.close()


if __name__ == "__main__":
    main()
