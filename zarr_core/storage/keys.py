"""The one key validator every store uses, and path normalisation for user input.

Store keys are relative, ``/``-separated strings: no empty, ``.`` or ``..`` segment, no
backslash, no NUL, no leading or trailing ``/``, valid UTF-8 (no lone surrogates, which
every other store would fail to encode). A key that passes cannot name anything
outside a store's root when joined to it, which is what file-backed stores rely on.
User-facing ``path=`` arguments are more forgiving (see :func:`normalize_path`).
"""

from __future__ import annotations

from zarr_core.errors import InvalidKeyError

__all__ = ["validate_key", "dir_prefix", "normalize_path", "join_path"]


def validate_key(key: object) -> str:
    """Return ``key`` if it is a valid store key, else raise :class:`InvalidKeyError`.

    Kept to a handful of ``str`` operations: it runs on every chunk key.
    """
    if type(key) is not str:
        if not isinstance(key, str):
            raise InvalidKeyError(key, "keys must be str")
        key = str(key)
    if not key:
        raise InvalidKeyError(key, "empty key")
    if key[0] == "/":
        raise InvalidKeyError(key, "absolute keys (leading '/') are not allowed")
    if "\\" in key:
        raise InvalidKeyError(key, "backslashes are not allowed; use '/' as the separator")
    if "\x00" in key:
        raise InvalidKeyError(key, "NUL characters are not allowed")
    if not key.isascii():
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidKeyError(key, "not valid UTF-8 (a lone surrogate)") from None
    if key[-1] == "/" or "//" in key:
        raise InvalidKeyError(key, "empty path segment")
    if "." in key:
        wrapped = f"/{key}/"
        if "/./" in wrapped or "/../" in wrapped:
            raise InvalidKeyError(key, "'.' and '..' segments are not allowed")
    return key


def dir_prefix(path: str) -> str:
    """The prefix of every key under the directory ``path``, for listing by prefix.

    ``"a/b"`` and ``"/a/b/"`` give ``"a/b/"``, the root (``""`` or ``"/"``) gives ``""``;
    ``path`` without its surrounding slashes must be a valid key (see
    :func:`validate_key`), so a backend never matches ``"../"`` literally.
    """
    path = path.strip("/")
    return validate_key(path) + "/" if path else ""


def normalize_path(path: str | bytes | None) -> str:
    """Normalise a user-supplied node path: ``"/a//b/"`` -> ``"a/b"``, ``None`` -> ``""``.

    Backslashes become ``/`` and repeated or surrounding slashes are dropped, as zarr-python
    does; ``.`` and ``..`` segments are refused rather than resolved, so a path can never
    climb out of the hierarchy it is given.
    """
    if path is None:
        return ""
    if isinstance(path, bytes):
        path = path.decode("ascii")
    if not isinstance(path, str):
        path = str(path)
    segments = [s for s in path.replace("\\", "/").split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise InvalidKeyError(path, "'.' and '..' segments are not allowed in a path")
    if any("\x00" in s for s in segments):
        raise InvalidKeyError(path, "NUL characters are not allowed")
    return "/".join(segments)


def join_path(*parts: str) -> str:
    """Join normalised path parts with ``/``, skipping empty ones."""
    return "/".join(p for p in parts if p)
