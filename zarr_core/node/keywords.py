"""Arguments of the zarr-python 2.x API and what zarr-core makes of them.

They are checked here once, so that ``Array``, ``create``, ``open_array``, ``group``,
``open_group`` and ``load`` accept them alike:

* ``zarr_version`` is the 2.x spelling of ``zarr_format``;
* ``meta_array`` chose the array type returned by reads (CuPy, ...): zarr-core returns
  NumPy arrays only, so a NumPy array (or ``numpy.ndarray`` itself) is accepted and any
  other type is refused with :class:`~zarr_core.errors.MetaArrayError`;
* ``partial_decompress`` asked zarr-python 2 to decompress only part of a Blosc chunk
  from an FSStore. zarr-core does that for any store and both formats when the chain is
  ``transpose``/``bytes`` + ``blosc`` (v2: a blosc compressor without filters): it
  fetches the frame's header and block offsets, then only the blocks holding the rows a
  read needs (from stores without byte ranges it reads the whole value but still decodes
  only those blocks). ``True`` does it whenever a read needs less than a whole chunk,
  ``False`` never, ``"auto"`` when it saves work; ``None`` follows the
  ``array.partial_decompress`` setting, ``"auto"`` by default (see
  :func:`zarr_core.engine.transfer.partial_decompress_mode`);
* ``compression``/``compression_opts`` (h5py style) and ``compressor="none"`` or ``[]``
  name a compressor or none.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from zarr_core.errors import BadCompressorError, InvalidArgumentError, MetaArrayError

__all__ = ["merge_format", "check_meta_array", "compressor_argument", "as_store"]


def merge_format(zarr_format: int | None, zarr_version: int | None) -> int | None:
    """The format named by ``zarr_format`` or its 2.x alias ``zarr_version`` (or None)."""
    if zarr_format is not None and zarr_version is not None and zarr_format != zarr_version:
        raise InvalidArgumentError(
            f"zarr_format={zarr_format} and zarr_version={zarr_version} disagree"
        )
    fmt = zarr_format if zarr_format is not None else zarr_version
    if fmt is not None and fmt not in (2, 3):
        raise InvalidArgumentError(f"zarr_format must be 2 or 3, got {fmt!r}")
    return fmt


def check_meta_array(meta_array: Any) -> None:
    """Accept ``None``, a NumPy array or ``numpy.ndarray``; refuse any other array type."""
    if meta_array is None or meta_array is np.ndarray or isinstance(meta_array, np.ndarray):
        return
    raise MetaArrayError(meta_array)


def compressor_argument(
    compressor: Any, compression: Any = None, compression_opts: Any = None
) -> Any:
    """The ``compressor=`` value meant by the 2.x and h5py spellings.

    ``"none"`` and an empty list or tuple mean no compressor (``None``), as in
    zarr-python 2. ``compression`` is a numcodecs codec id (or codec, or ``"none"``)
    and ``compression_opts`` its argument: a level, a tuple of positional arguments or
    a dict of keyword arguments. Given both, ``compressor`` wins with a warning, as in
    zarr-python 2.
    """
    if compression is not None:
        if compressor != "default":
            warnings.warn(
                "'compression' keyword argument overridden by 'compressor'",
                UserWarning,
                stacklevel=3,
            )
        else:
            compressor = _from_compression(compression, compression_opts)
    if isinstance(compressor, str) and compressor == "none":
        return None
    if isinstance(compressor, list | tuple) and not compressor:
        return None
    return compressor


def _from_compression(compression: Any, options: Any) -> Any:
    if hasattr(compression, "get_config"):
        return compression
    if compression in ("none", "default"):
        return compression
    from numcodecs.registry import codec_registry

    if not isinstance(compression, str) or compression not in codec_registry:
        known = ", ".join(sorted(codec_registry))
        raise BadCompressorError(
            compression, f"compression= takes a numcodecs codec id (one of {known}) or 'none'"
        )
    cls = codec_registry[compression]
    try:
        if isinstance(options, dict):
            return cls(**options)
        if isinstance(options, list | tuple):
            return cls(*options)
        return cls() if options is None else cls(options)
    except (TypeError, ValueError) as exc:
        raise BadCompressorError(
            compression, f"compression_opts={options!r} do not fit it: {exc}"
        ) from exc


def as_store(store: Any, read_only: bool = False) -> Any:
    """A :class:`~zarr_core.storage.Store` for ``store`` as ``Array(store)`` and
    ``Group(store)`` take it in 2.x: a Store as is, else whatever
    :func:`~zarr_core.open_store` accepts (a plain dict, a path, a URL)."""
    from zarr_core.storage.base import Store
    from zarr_core.storage.resolve import open_store

    if isinstance(store, Store):
        return store
    return open_store(store, mode="r" if read_only else "a")
