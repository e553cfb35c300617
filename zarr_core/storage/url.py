"""Parsing store URLs, including URL pipelines.

A URL pipeline is a ``|``-separated chain, the syntax of the url-pipeline proposal
(github.com/jbms/url-pipeline) that tensorstore and zarrs implement::

    s3://bucket/data.zip|zip:inner/path/|zarr3:

The first segment is the *root*: a plain path, a ``scheme://`` URL, an fsspec chain
(``simplecache::s3://...``) or a bare ``scheme:``. Every following segment is an
*adapter* ``name:body`` applied to the result of the stage before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zarr_core.errors import URLPipelineError

__all__ = ["Segment", "parse_url", "split_scheme"]

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
        raise TypeError(f"expected a URL string, got {type(url).__name__}")
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
