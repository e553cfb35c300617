"""Run by zarr-python 2.18 or 3.x (their own interpreters) for the compatibility tests.

    python _peer_zip.py write OUTDIR          write this version's zip archives into OUTDIR
    python _peer_zip.py read ARCHIVE... OUT   read each archive, describe it in OUT (JSON)

Both commands describe every node of an archive the same way: its kind, its attributes
and, for arrays, its data (saved as .npy next to the JSON).
"""

from __future__ import annotations

import json
import sys
import warnings
import zipfile
from pathlib import Path

import numcodecs
import numpy as np
import zarr

V2 = zarr.__version__.startswith("2")


def describe(archive: Path, out: Path) -> dict:
    """Every node of ``archive``: {path: {"kind", "attrs", "npy"}}."""
    store = (
        zarr.ZipStore(str(archive), mode="r") if V2 else zarr.storage.ZipStore(archive, mode="r")
    )
    root = zarr.open(store=store, mode="r")
    nodes = {}

    def visit(path: str, node) -> None:
        entry = {
            "kind": "array" if isinstance(node, zarr.Array) else "group",
            "attrs": dict(node.attrs),
        }
        if entry["kind"] == "array":
            npy = out / f"{archive.stem}--{path.replace('/', '--') or 'root'}.npy"
            np.save(npy, node[...])
            entry["npy"] = npy.name
        nodes[path] = entry

    visit("", root)
    if isinstance(root, zarr.Group):
        if V2:
            root.visititems(visit)
        else:
            for path, node in root.members(max_depth=None):
                visit(path, node)
    store.close()
    return nodes


def write_v2_archives(out: Path) -> list[Path]:
    array_path = out / "zp2-array.zip"
    with zarr.ZipStore(str(array_path), mode="w") as store:
        z = zarr.zeros(
            (20, 30), chunks=(7, 8), dtype="f8", store=store, compressor=numcodecs.Zstd(level=3)
        )
        z[...] = np.arange(600, dtype="f8").reshape(20, 30) / 7
        z.attrs.update({"units": "m", "list": [1, 2, 3]})
    group_path = out / "zp2-group.zip"
    with (
        warnings.catch_warnings(),
        zarr.ZipStore(str(group_path), mode="w", compression=zipfile.ZIP_DEFLATED) as store,
    ):
        # Writes that overlap chunk boundaries rewrite chunks: duplicate entries, the
        # last of which is the value (zipfile warns about each).
        warnings.simplefilter("ignore", UserWarning)
        root = zarr.group(store=store)
        root.attrs["title"] = "zarr-python 2"
        a = root.zeros("a", shape=(50,), chunks=(10,), dtype="i2")
        a[5:15] = 1
        a[10:25] = 2
        b = root.create_group("sub").full(
            "b", shape=(4, 5, 6), chunks=(2, 2, 2), dtype="u1", fill_value=7
        )
        b[1:3, 1:4, :] = np.arange(36, dtype="u1").reshape(2, 3, 6)
        b.attrs["nested"] = {"deep": True}
    nested_path = out / "zp2-nested.zip"
    with zarr.ZipStore(str(nested_path), mode="w", dimension_separator="/") as store:
        z = zarr.array(np.arange(64, dtype="<i4").reshape(8, 8), chunks=(3, 3), store=store)
    return [array_path, group_path, nested_path]


def write_v3_archives(out: Path) -> list[Path]:
    paths = []
    for fmt in (2, 3):
        path = out / f"zp3-v{fmt}.zip"
        store = zarr.storage.ZipStore(
            path, mode="w", compression=zipfile.ZIP_DEFLATED if fmt == 3 else zipfile.ZIP_STORED
        )
        root = zarr.group(
            store=store, zarr_format=fmt, attributes={"title": f"zarr-python 3, format {fmt}"}
        )
        x = root.create_array("x", shape=(30,), chunks=(4,), dtype="f4", attributes={"units": "s"})
        x[...] = np.linspace(0, 1, 30, dtype="f4")
        y = root.create_group("g").create_array(
            "y", shape=(9, 11), chunks=(4, 4), dtype="i8", fill_value=-1
        )
        y[2:7, 3:10] = np.arange(35).reshape(5, 7)
        store.close()
        paths.append(path)
    return paths


def main() -> None:
    command = sys.argv[1]
    if command == "write":
        out = Path(sys.argv[2])
        archives = write_v2_archives(out) if V2 else write_v3_archives(out)
        # The writer's own reading of what it wrote: the reference for the other side.
        for archive in archives:
            (out / f"{archive.stem}.json").write_text(json.dumps(describe(archive, out)))
        print(json.dumps([a.name for a in archives]))
    elif command == "read":
        *archives, out = (Path(p) for p in sys.argv[2:])
        for archive in archives:
            (out / f"{archive.stem}.json").write_text(json.dumps(describe(archive, out)))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
