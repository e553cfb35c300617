"""The ``cache:`` URL-pipeline stage: ``…|cache:[path][?max_size=1GB&max_age=60&dir=~/c]``."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from zarr_core.engine.lru import parse_size
from zarr_core.storage.keys import normalize_path
from zarr_core_cache.errors import CacheConfigError

__all__ = ["CacheOptions", "DEFAULT_MAX_SIZE", "parse_stage"]

#: Budget of a ``cache:`` stage that names none: bounded, as a URL is typed casually.
DEFAULT_MAX_SIZE = "1GB"
_OPTIONS = ("max_size", "max_age", "dir")


@dataclass(frozen=True)
class CacheOptions:
    """What a ``cache:`` stage asks for."""

    path: str
    max_size: int | None
    max_age_seconds: float | str
    directory: str | None


def parse_stage(url_body: str) -> CacheOptions:
    """Read the body of a ``cache:`` stage (the text after ``cache:``)."""
    path, _, query = url_body.partition("?")
    options: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        if name not in _OPTIONS:
            raise CacheConfigError(
                f"the cache: stage does not take the option {name!r}; it takes "
                f"{', '.join(_OPTIONS)} (e.g. cache:?max_size=1GB&max_age=3600&dir=~/.cache/zarr)"
            )
        options[name] = value
    max_age: float | str = "infinity"
    if options.get("max_age", "infinity") != "infinity":
        try:
            max_age = float(options["max_age"])
        except ValueError:
            raise CacheConfigError(
                f"the cache: stage option max_age must be seconds or 'infinity', got "
                f"{options['max_age']!r}"
            ) from None
    directory = options.get("dir")
    return CacheOptions(
        path=normalize_path(path),
        max_size=parse_size(options.get("max_size", DEFAULT_MAX_SIZE), "cache: max_size"),
        max_age_seconds=max_age,
        directory=os.path.expanduser(directory) if directory else None,
    )


def namespace(store: Any) -> str:
    """A directory name for the cache of ``store`` inside a shared cache directory.

    Derived from the store's ``repr`` (which names its URL or path), so the same source
    reopened later finds its cache again and two sources never share entries.
    """
    return hashlib.sha256(repr(store).encode()).hexdigest()[:24]
