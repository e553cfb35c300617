"""The marker an interrupted ``cp`` or ``convert`` leaves in its destination.

A key ``.zarr-core-incomplete`` at the destination's root holds a small JSON document:
the command, its source and how far it got. It is written before the first byte of data
and deleted after the last, so a destination without it is complete; Zarr readers skip
it (it names no node). ``verify`` reports it, and a rerun refuses to start over it
unless given ``--resume`` (continue) or ``--if-exists replace`` (start again).
"""

from __future__ import annotations

import json
from typing import Any

from zarr_core.storage.keys import join_path

MARKER = ".zarr-core-incomplete"


def marker_key(path: str) -> str:
    return join_path(path, MARKER)


def read_marker(store: Any, path: str) -> dict | None:
    """The marker document under ``path``, or None when there is none."""
    key = marker_key(path)
    try:
        raw = store[key]
    except KeyError:
        return None
    try:
        doc = json.loads(bytes(raw))
    except ValueError:
        doc = None
    # an unreadable marker still marks the destination incomplete
    return doc if isinstance(doc, dict) else {"command": "unknown"}


def write_marker(store: Any, path: str, doc: dict) -> None:
    store[marker_key(path)] = json.dumps(doc, sort_keys=True).encode()


def clear_marker(store: Any, path: str) -> None:
    store.delitems([marker_key(path)])


def refusal(url: str, doc: dict) -> str:
    """Why a command will not start over an incomplete destination, and what to do."""
    return (
        f"{url} is marked incomplete by an interrupted {doc.get('command', 'command')!r} "
        f"(key {MARKER}): rerun with --resume to continue, or --if-exists replace to "
        "start again"
    )
