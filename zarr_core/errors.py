"""Typed errors raised by zarr-core.

Every error names the key, path, field or plugin involved, so that a user can act on the
message alone. Errors subclass the builtin exception a caller would naturally catch
(``KeyError`` for missing keys, ``ValueError`` for bad input, ``ImportError`` for missing
plugins) so that code written against zarr-python 2.x keeps working.
"""

from __future__ import annotations

__all__ = [
    "install_hint",
    "ZarrCoreError",
    "ReadOnlyError",
    "InvalidKeyError",
    "ContainsArrayError",
    "ContainsGroupError",
    "ArrayNotFoundError",
    "GroupNotFoundError",
    "PathNotFoundError",
    "NodeNotFoundError",
    "MetadataError",
    "UnknownExtensionError",
    "BadCompressorError",
    "MetaArrayError",
    "CodecError",
    "CorruptChunkError",
    "UnsafeDecodeError",
    "PluginError",
    "PluginNotFoundError",
    "PluginLoadError",
    "PluginConflictWarning",
    "URLPipelineError",
    "StorageOptionsError",
    "BoundsCheckError",
    "ShapeMismatchError",
    "IndexSelectionError",
    "StoreBackendError",
    "StoreConnectionError",
    "StoreTimeoutError",
    "StoreAuthenticationError",
    "InvalidStoreError",
    "FilesystemUnavailableError",
    "InvalidSizeError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "ValueConversionError",
    "StoreClosedError",
]


def install_hint(distribution: str) -> str:
    """How to get a first-party plugin distribution, as a message tail (``"; ..."``).

    The plugins are not on a package index yet: the source-tree route is named too (with
    this checkout's path when zarr-core runs from one).
    """
    from pathlib import Path

    name = distribution.removeprefix("zarr-core-")
    checkout = Path(__file__).resolve().parents[1] / "plugins" / name
    source = str(checkout) if checkout.is_dir() else f"<zarr-core source checkout>/plugins/{name}"
    return f"; install it with: pip install {distribution} (or, from source: pip install {source})"


def _shorten(text: str, limit: int) -> str:
    # values in messages are the user's own data, which may be huge
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ZarrCoreError(Exception):
    """Base class of every error raised by zarr-core."""


class InvalidArgumentError(ZarrCoreError, ValueError):
    """An argument's value is not one the call accepts (a mode, a shape, chunks, a URL).

    The message names the argument and what it accepts.
    """


class ArgumentTypeError(ZarrCoreError, TypeError):
    """An argument of the wrong type, or one that does not apply to the call."""


class ValueConversionError(ZarrCoreError, ValueError, TypeError):
    """A value assigned to an array does not convert to the array's data type.

    NumPy raises ``ValueError`` or ``TypeError`` (or ``OverflowError``) depending on the
    value; this error is both of the first two, so either ``except`` keeps working.
    """

    def __init__(self, value: object, dtype: object, path: str, cause: BaseException):
        self.value = value
        self.dtype = dtype
        self.path = path
        super().__init__(
            f"cannot store {_shorten(repr(value), 60)} in array {'/' + path!r} of data type "
            f"{dtype}: {type(cause).__name__}: {_shorten(str(cause), 120)}"
        )


class StoreClosedError(ZarrCoreError, ValueError):
    """An operation on a store that was closed (a ``ValueError``, as for a closed file)."""

    def __init__(self, store: object):
        self.store = store
        super().__init__(f"operation on a closed store: {store!r}; open a new one to go on")


class ReadOnlyError(ZarrCoreError, PermissionError):
    """A write was attempted on a store, array, group or attribute set opened read-only."""

    def __init__(self, what: str, key: str | None = None):
        self.key = key
        where = f" (key {key!r})" if key is not None else ""
        super().__init__(f"{what} is read-only{where}; reopen it with mode='r+' or 'a' to write")


class InvalidKeyError(ZarrCoreError, ValueError):
    """A store key is not a valid relative ``/``-separated key."""

    def __init__(self, key: object, reason: str):
        self.key = key
        self.reason = reason
        super().__init__(f"invalid store key {key!r}: {reason}")


class _NodeError(ZarrCoreError):
    """A node was (or was not) where an operation expected.

    ``store`` is named in the message (its ``repr`` names the file, directory or URL);
    ``hint`` says what to do instead; ``prefix`` replaces the class's own wording.
    """

    def __init__(
        self,
        path: str = "",
        store: object = None,
        hint: str | None = None,
        prefix: str | None = None,
    ):
        self.path = path
        self.store = store
        self.hint = hint
        shown = path if path else "/ (root)"
        where = f" in {store!r}" if store is not None else ""
        tail = f"; {hint}" if hint else ""
        super().__init__(f"{prefix or self.message_prefix()} at path {shown!r}{where}{tail}")

    def message_prefix(self) -> str:
        raise NotImplementedError

    def __reduce__(self) -> tuple:
        # rebuilt from the message, not the store (which may not pickle): errors cross
        # process boundaries (multiprocessing, dask workers)
        return (_restore_node_error, (type(self), self.args[0], self.path))


def _restore_node_error(cls: type[_NodeError], message: str, path: str) -> _NodeError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.path = path
    error.store = None
    error.hint = None
    return error


class ContainsArrayError(_NodeError, ValueError):
    """An array already exists where a new node was to be created."""

    def message_prefix(self) -> str:
        return "an array already exists"


class ContainsGroupError(_NodeError, ValueError):
    """A group already exists where a new node was to be created."""

    def message_prefix(self) -> str:
        return "a group already exists"


# The not-found errors are ValueErrors, as in zarr-python 2.x (``except ValueError``
# keeps working), and KeyErrors, as a missing member of a mapping is.
class ArrayNotFoundError(_NodeError, KeyError, ValueError):
    """No array exists at the requested path."""

    def message_prefix(self) -> str:
        return "no array found"

    __str__ = Exception.__str__


class GroupNotFoundError(_NodeError, KeyError, ValueError):
    """No group exists at the requested path."""

    def message_prefix(self) -> str:
        return "no group found"

    __str__ = Exception.__str__


class PathNotFoundError(_NodeError, KeyError, ValueError):
    """Nothing (neither array nor group) exists at the requested path."""

    def message_prefix(self) -> str:
        return "nothing found"

    __str__ = Exception.__str__


NodeNotFoundError = PathNotFoundError


class MetadataError(ZarrCoreError, ValueError):
    """Metadata is missing, not valid JSON, or violates the Zarr specification."""

    def __init__(self, message: str, key: str | None = None, field: str | None = None):
        self.key = key
        self.field = field
        parts = []
        if key is not None:
            parts.append(f"in {key!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        prefix = (" ".join(parts) + ": ") if parts else ""
        super().__init__(prefix + message)


class UnknownExtensionError(MetadataError):
    """A Zarr v3 extension (codec, data type, transformer, ...) that must be understood is unknown."""

    def __init__(
        self,
        kind: str,
        name: str,
        key: str | None = None,
        distribution: str | None = None,
    ):
        self.kind = kind
        self.name = name
        self.distribution = distribution
        hint = install_hint(distribution) if distribution else ""
        super().__init__(f"unknown {kind} {name!r} (must be understood){hint}", key=key)


class BadCompressorError(ZarrCoreError, ValueError):
    """The ``compressor`` argument is not a codec."""

    def __init__(self, compressor: object, reason: str | None = None):
        self.compressor = compressor
        super().__init__(
            f"bad compressor {compressor!r}: "
            + (reason or "expected a numcodecs codec object, None or 'none'")
        )


class MetaArrayError(ZarrCoreError, TypeError):
    """``meta_array=`` named an array type other than NumPy's (zarr-core returns NumPy)."""

    def __init__(self, meta_array: object):
        self.meta_array = meta_array
        kind = type(meta_array)
        super().__init__(
            f"meta_array of type {kind.__module__}.{kind.__qualname__} is not supported: "
            "zarr-core reads into NumPy arrays only; pass meta_array=None (or a NumPy array) "
            "and convert the result yourself (e.g. cupy.asarray(z[...]))"
        )


class CodecError(ZarrCoreError, ValueError):
    """A codec could not be found, configured or applied."""


class CorruptChunkError(CodecError):
    """A stored chunk failed to decode (checksum mismatch, truncated or invalid data)."""

    def __init__(self, key: str, cause: str):
        self.key = key
        super().__init__(f"chunk {key!r} is corrupt: {cause}")


class UnsafeDecodeError(CodecError):
    """Decoding would run arbitrary code (the ``pickle`` codec) without an explicit opt-in."""

    def __init__(self, codec_id: str, key: str | None = None):
        self.codec_id = codec_id
        where = f" of {key!r}" if key else ""
        super().__init__(
            f"decoding the {codec_id!r} codec{where} can execute arbitrary code; if you trust "
            f"the data, opt in with zarr_core.config.set({{'array.allow_pickle': True}}), the "
            f"environment variable ZARR_CORE_ARRAY__ALLOW_PICKLE=1, or allow_pickle=True"
        )


class PluginError(ZarrCoreError):
    """Base class of plugin registry errors."""


class PluginNotFoundError(PluginError, ValueError):
    """No installed plugin handles a URL scheme, path suffix, codec or transformer."""

    def __init__(
        self,
        kind: str,
        name: str,
        distribution: str | None = None,
        installed: list[str] | tuple[str, ...] = (),
    ):
        self.kind = kind
        self.name = name
        self.distribution = distribution
        self.installed = tuple(installed)
        if distribution:
            hint = install_hint(distribution)
        else:
            hint = "; no known zarr-core plugin provides it"
        listing = ", ".join(self.installed) if self.installed else "(none)"
        plural = "suffixes" if kind == "suffix" else f"{kind}s"
        super().__init__(
            f"no installed plugin provides the {kind} {name!r}{hint}. "
            f"Installed {plural}: {listing}. See `zarr-core plugins`."
        )


class PluginLoadError(PluginError, ImportError):
    """A plugin (or the object it points to) failed to import."""

    def __init__(
        self, distribution: str, target: str, cause: BaseException, hint: str | None = None
    ):
        self.distribution = distribution
        self.target = target
        super().__init__(
            f"the plugin distribution {distribution!r} failed to load {target!r}: "
            f"{type(cause).__name__}: {cause}" + (f"; {hint}" if hint else "")
        )


class PluginConflictWarning(UserWarning):
    """Two plugins claim the same name and no explicit setting chose between them."""


class URLPipelineError(ZarrCoreError, ValueError):
    """A URL or URL pipeline (``root|adapter:...``) could not be parsed or resolved."""

    def __init__(self, url: str, segment: str, reason: str):
        self.url = url
        self.segment = segment
        super().__init__(f"in URL {url!r}, segment {segment!r}: {reason}")


class StorageOptionsError(ZarrCoreError, TypeError):
    """``storage_options`` were given that the chosen store does not accept."""


class BoundsCheckError(ZarrCoreError, IndexError):
    """An index is out of bounds for an array dimension."""

    def __init__(self, index: object, dim: int, size: int):
        self.index = index
        self.dim = dim
        super().__init__(f"index {index!r} is out of bounds for dimension {dim} with size {size}")


class ShapeMismatchError(ZarrCoreError, ValueError):
    """Assigned data cannot be broadcast to the shape of the selection."""

    def __init__(self, value_shape: tuple[int, ...], selection_shape: tuple[int, ...]):
        self.value_shape = value_shape
        self.selection_shape = selection_shape
        super().__init__(
            f"cannot assign a value of shape {value_shape} to a selection of shape "
            f"{selection_shape}"
        )


class IndexSelectionError(ZarrCoreError, IndexError):
    """A selection is not supported by the indexing mode it was used with."""


class StoreBackendError(ZarrCoreError, OSError):
    """A store's backend (a server, a service, a database) failed an operation.

    ``server`` names where the backend is (``host:port``, an account, a file), ``operation``
    what was asked (``"get"``, ``"set"``, ``"list"``, ...), ``key`` the key involved if any;
    the client library's exception is chained as ``__cause__``. Nothing is half-written
    when this is raised: a store raises it only where the write it reports did not land.
    """

    def __init__(
        self,
        server: str,
        operation: str,
        key: str | None = None,
        reason: str | BaseException | None = None,
        hint: str | None = None,
    ):
        self.server = server
        self.operation = operation
        self.key = key
        where = f" of key {key!r}" if key else ""
        why = ""
        if isinstance(reason, BaseException):
            why = f": {type(reason).__name__}: {reason}"
        elif reason:
            why = f": {reason}"
        super().__init__(
            f"{operation}{where} failed on {server}{why}" + (f"; {hint}" if hint else "")
        )

    def __str__(self) -> str:  # OSError would format (errno, strerror) otherwise
        return self.args[0]


class InvalidStoreError(ZarrCoreError, TypeError):
    """An object given as ``store=`` is neither a path, URL, Store nor a mapping."""


class FilesystemUnavailableError(ZarrCoreError, ImportError):
    """The fsspec file system a URL needs is not installed (``s3fs``, ``gcsfs``, ...)."""

    def __init__(self, url: str, cause: BaseException):
        self.url = url
        super().__init__(f"cannot open {url!r}: {cause}")


class StoreConnectionError(StoreBackendError, ConnectionError):
    """The backend cannot be reached, or the connection dropped mid-operation."""


class StoreTimeoutError(StoreBackendError, TimeoutError):
    """The backend did not answer in time."""


class StoreAuthenticationError(StoreBackendError, PermissionError):
    """The backend refused the credentials (or there were none)."""


class InvalidSizeError(ZarrCoreError, ValueError):
    """A cache size (a number of bytes, or a string such as ``"1GB"``) that is not one."""
