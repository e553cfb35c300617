"""Loading and dumping of metadata documents (shared by the v2 and v3 modules)."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from zarr_core.errors import MetadataError


def load_document(data: bytes | bytearray | memoryview | str | dict, key: str | None) -> dict:
    """Parse a metadata document given as JSON text or an already parsed dict.

    Bare ``NaN``/``Infinity`` tokens are accepted because zarr-python writes them in
    attributes; everything else must be strict JSON.
    """
    if isinstance(data, dict):
        return data
    try:
        if isinstance(data, memoryview):
            data = data.tobytes()
        doc = json.loads(data)
    except (ValueError, TypeError) as e:
        raise MetadataError(f"not valid JSON: {e}", key=key) from None
    except RecursionError:
        # The C parser recurses once per nesting level: no document needs that many.
        raise MetadataError(
            f"JSON nested too deeply to parse (more than {sys.getrecursionlimit()} levels)",
            key=key,
        ) from None
    if not isinstance(doc, dict):
        raise MetadataError(f"expected a JSON object, got {type(doc).__name__}", key=key)
    return doc


def _to_builtin(value: Any) -> Any:
    # Users put NumPy scalars and arrays into attributes; zarr-python accepts them too.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"object of type {type(value).__name__} is not JSON serializable")


def dump_document(doc: dict, *, indent: int, sort_keys: bool, key: str | None = None) -> bytes:
    """Serialise a metadata document the way zarr-python does (ASCII-only JSON).

    Non-finite floats can only come from user attributes (fill values are always encoded
    as strings); they are written as bare ``NaN``/``Infinity`` tokens, as both zarr-python
    2 and 3 do, so that attribute values survive a round trip through zarr-python.
    """
    try:
        text = json.dumps(doc, indent=indent, sort_keys=sort_keys, default=_to_builtin)
    except (TypeError, ValueError) as e:
        raise MetadataError(f"cannot encode metadata as JSON: {e}", key=key) from None
    return text.encode("ascii")
