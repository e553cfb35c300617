"""Parsing store URLs, including URL pipelines.

A URL pipeline is a ``|``-separated chain, the syntax of the url-pipeline proposal
(github.com/jbms/url-pipeline) that tensorstore and zarrs implement::

    s3://bucket/data.zip|zip:inner/path/|zarr3:

The first segment is the *root*: a plain path, a ``scheme://`` URL, an fsspec chain
(``simplecache::s3://...``) or a bare ``scheme:``. Every following segment is an
*adapter* ``name:body`` applied to the result of the stage before it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from zarr_core.errors import ArgumentTypeError, InvalidArgumentError, URLPipelineError

__all__ = ["Segment", "local_path", "parse_url", "split_scheme"]

# At least two characters, so that a Windows drive ("C://") is not a scheme.
_SCHEME_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://")
_BARE_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+):$")
_ADAPTER = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Segment:
    """One stage of a URL pipeline.

    Attributes
    ----------
    kind
        ``"path"`` (plain path), ``"url"`` (``scheme://``), ``"fsspec"`` (an ``a::b`` chain)
        or ``"adapter"``.
    scheme
        Lower-cased scheme or adapter name; ``None`` for plain paths.
    body
        The segment without its scheme: for URLs the whole URL, for adapters the text
        after ``name:``, for paths the path.
    text
        The segment as written.
    """

    kind: str
    scheme: str | None
    body: str
    text: str


def split_scheme(url: str) -> tuple[str | None, str]:
    """``"sqlite:///x.db"`` -> ``("sqlite", "/x.db")``; plain paths -> ``(None, path)``."""
    match = _SCHEME_URL.match(url)
    if match:
        return match.group(1).lower(), url[match.end() :]
    return None, url


def local_path(
    url: str, scheme: str, *, suffix: str = ".db", names: str = "database", bare: str | None = None
) -> str:
    """The local path that a ``scheme:///relative`` or ``scheme:////absolute`` URL names.

    This is the form SQLAlchemy gives SQLite URLs, for stores over one local file or
    directory: ``scheme://`` is followed by an empty host, so a third slash starts a
    relative path (``sqlite:///data.db`` is ``data.db``) and a fourth an absolute one
    (``sqlite:////abs/data.db`` is ``/abs/data.db``). Anything else is a plain path and
    returned as it is. ``~`` is expanded; there is no percent-decoding.

    Parameters
    ----------
    url : str
        The URL or plain path a store's ``from_url`` was given.
    scheme : str
        The store's scheme, lower case (``"sqlite"``); matched case-insensitively.
    suffix : str
        The file suffix used in the error message's examples (``".db"``).
    names : str
        What the path names, for the error messages (``"database"``, ``"environment"``).
    bare : str or None
        What ``scheme://`` and ``scheme:///`` (no path) mean, e.g. ``":memory:"``;
        ``None`` makes them an error.

    Returns
    -------
    str
        The path, ``~`` expanded, relative paths left relative.

    Raises
    ------
    ValueError
        If the URL names a host (``scheme://data.db``, two slashes) or no path at all.

    Examples
    --------
    >>> local_path("sqlite:///data.db", "sqlite")
    'data.db'
    >>> local_path("sqlite:////abs/data.db", "sqlite")
    '/abs/data.db'
    >>> local_path("sqlite://", "sqlite", bare=":memory:")
    ':memory:'
    """
    path = url
    prefix = scheme + "://"
    if url[: len(prefix)].lower() == prefix:
        rest = url[len(prefix) :]
        if not rest.startswith("/") and not (rest == "" and bare is not None):
            raise InvalidArgumentError(
                f"{url!r} names a host; write {scheme}:///relative{suffix} or "
                f"{scheme}:////abs/path{suffix}"
            )
        path = rest[1:] or bare or ""
    if not path:
        raise InvalidArgumentError(f"{url!r} names no {names}")
    return os.path.expanduser(path)


def _root(url: str, text: str) -> Segment:
    if not text:
        raise URLPipelineError(url, text, "the pipeline has no root (nothing before '|')")
    if "::" in text:
        first = text.split("::", 1)[0]
        return Segment("fsspec", first.lower(), text, text)
    scheme, _ = split_scheme(text)
    if scheme is not None:
        return Segment("url", scheme, text, text)
    bare = _BARE_SCHEME.match(text)
    if bare:
        return Segment("url", bare.group(1).lower(), f"{bare.group(1)}://", text)
    return Segment("path", None, text, text)


def parse_url(url: str) -> list[Segment]:
    """Split a URL (pipeline) into its stages, raising :class:`URLPipelineError` if malformed."""
    if not isinstance(url, str):
        raise ArgumentTypeError(f"expected a URL string, got {type(url).__name__}")
    texts = url.split("|")
    segments = [_root(url, texts[0])]
    for text in texts[1:]:
        if not text:
            raise URLPipelineError(url, text, "empty stage (two '|' in a row or a trailing '|')")
        match = _ADAPTER.match(text)
        if match is None:
            raise URLPipelineError(
                url, text, "an adapter stage must look like 'name:' or 'name:path'"
            )
        if match.group(2).startswith("//"):
            raise URLPipelineError(
                url, text, "only the first stage may be a 'scheme://' URL; adapters are 'name:...'"
            )
        segments.append(Segment("adapter", match.group(1).lower(), match.group(2), text))
    return segments
