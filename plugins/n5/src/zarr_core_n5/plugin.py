"""Declarations of the zarr-core-n5 plugin (cheap to import: no store code here)."""

from __future__ import annotations

import json
import os

from zarr_core.plugins import CodecSpec, StoreSpec, hookimpl


@hookimpl
def zarr_core_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            name="n5",
            target="zarr_core_n5.store:N5Store",
            schemes=("n5",),
            suffixes=(".n5",),
            description="an N5 container in a local directory, seen as a Zarr v2 hierarchy",
        ),
        StoreSpec(
            name="n5-container",
            target="zarr_core_n5.wrapper:N5Container",
            schemes=("n5",),
            kind="adapter",
            description="an N5 container held in any store, seen as a Zarr v2 hierarchy (…|n5:)",
        ),
    ]


@hookimpl
def zarr_core_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(
            name="n5_default",
            target="zarr_core_n5.v3codec:N5DefaultCodec",
            description="zarr-extensions n5_default: N5 default-mode blocks as Zarr v3 chunks",
        )
    ]


@hookimpl
def zarr_core_claim_store(path: str) -> str | None:
    """Claim a local directory whose root ``attributes.json`` holds an ``"n5"`` version."""
    if "://" in path or "::" in path:
        return None
    candidate = os.path.join(os.path.expanduser(path), "attributes.json")
    try:
        with open(candidate, "rb") as f:
            doc = json.loads(f.read(1 << 20))
    except (OSError, ValueError):
        return None
    return "n5" if isinstance(doc, dict) and isinstance(doc.get("n5"), str) else None
