"""xarray: read datasets with ``xr.open_dataset(url, engine="zarr_core")``, write them with
:func:`to_zarr`, on any zarr-core store.

The layout is xarray's own Zarr layout, so what either side writes the other reads:

* a dataset is a group; each variable an array of the group, with its attributes;
* dimension names are the ``_ARRAY_DIMENSIONS`` attribute in Zarr format 2 and the
  ``dimension_names`` metadata in format 3;
* format 2 uses the array's ``fill_value`` as the CF ``_FillValue`` (xarray's default for
  format 2); format 3 keeps them apart: ``_FillValue`` is an attribute (xarray's encoding of
  it: base64 for floats), the array's ``fill_value`` is NaN for floats;
* CF encodings (``scale_factor``/``add_offset``, times, ``coordinates``) are applied by
  xarray's own coders, on reading (``decode_cf`` and friends, as ``open_dataset`` takes them)
  and on writing.

Variables are read lazily through xarray's ``BackendArray`` (basic, orthogonal and
vectorised indexing map to zarr-core's ``[]``, ``oindex`` and ``vindex``); ``chunks=`` gives
Dask arrays.

This module imports xarray; zarr-core imports it only when it is used (xarray's plugin
discovery, ``zarr_core.xarray``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import xarray as xr
from xarray import conventions
from xarray.backends.common import AbstractDataStore, BackendArray, BackendEntrypoint
from xarray.backends.store import StoreBackendEntrypoint
from xarray.backends.zarr import FillValueCoder, encode_zarr_attr_value
from xarray.core import indexing
from xarray.core.utils import FrozenDict

import zarr_core
from zarr_core.errors import InvalidArgumentError, ZarrCoreError

__all__ = ["ZarrCoreBackendEntrypoint", "to_zarr", "open_dataset"]

DIMENSION_KEY = "_ARRAY_DIMENSIONS"


class DimensionsMissingError(ZarrCoreError, KeyError):
    """An array of the group has no dimension names, so it cannot be an xarray variable."""

    def __str__(self) -> str:
        return str(self.args[0])


def _dimensions(array: Any) -> tuple[str, ...]:
    if array.zarr_format == 3:
        names = array._node.meta.dimension_names
        if names is not None and all(n is not None for n in names):
            return tuple(names)
    dims = array.attrs.get(DIMENSION_KEY)
    if dims is None:
        raise DimensionsMissingError(
            f"the array {array.path!r} in {array.store!r} has no dimension names "
            f"({'dimension_names' if array.zarr_format == 3 else DIMENSION_KEY}); xarray "
            f"needs one per axis"
        )
    return tuple(dims)


class ZarrCoreArray(BackendArray):
    """A lazily read zarr-core array (xarray's ``BackendArray``)."""

    def __init__(self, array: Any):
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, indexing.BasicIndexer):
            method = self.array.__getitem__
        elif isinstance(key, indexing.VectorizedIndexer):
            method = self.array.vindex.__getitem__
        else:
            method = self.array.oindex.__getitem__
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.VECTORIZED, lambda k: np.asarray(method(k))
        )


class ZarrCoreDataStore(AbstractDataStore):
    """A zarr-core group seen as an xarray data store (read only)."""

    def __init__(self, group: Any):
        self.group = group

    def get_variables(self):
        return FrozenDict((name, self._variable(array)) for name, array in self.group.arrays())

    def _variable(self, array: Any):
        dims = _dimensions(array)
        attrs = {k: v for k, v in array.attrs.asdict().items() if k != DIMENSION_KEY}
        encoding = {"chunks": array.chunks, "preferred_chunks": dict(zip(dims, array.chunks))}
        if array.zarr_format == 2:
            if array.fill_value is not None:
                attrs["_FillValue"] = array.fill_value
        else:
            encoding["fill_value"] = array.fill_value
            if "_FillValue" in attrs:
                attrs["_FillValue"] = FillValueCoder.decode(attrs["_FillValue"], array.dtype)
        data = indexing.LazilyIndexedArray(ZarrCoreArray(array))
        return xr.Variable(dims, data, attrs, encoding)

    def get_attrs(self):
        return FrozenDict(
            (k, v) for k, v in self.group.attrs.asdict().items() if not k.lower().startswith("_nc")
        )

    def close(self) -> None:
        self.group.store.close()


def _open_group(url: Any, group: str | None, consolidated: bool | None, storage_options: Any):
    if consolidated is None:
        try:
            return zarr_core.open_consolidated(
                url, mode="r", path=group, storage_options=storage_options
            )
        except (KeyError, ValueError):  # no consolidated metadata: read the documents
            pass
    if consolidated:
        return zarr_core.open_consolidated(
            url, mode="r", path=group, storage_options=storage_options
        )
    return zarr_core.open_group(url, mode="r", path=group, storage_options=storage_options)


class ZarrCoreBackendEntrypoint(BackendEntrypoint):
    """``xr.open_dataset(url, engine="zarr_core")``: any zarr-core URL, path or store."""

    description = "Open Zarr (format 2 or 3) data from any zarr-core store"
    url = "https://github.com/zarr-core/zarr-core"
    open_dataset_parameters = (
        "filename_or_obj",
        "drop_variables",
        "group",
        "consolidated",
        "storage_options",
        "mask_and_scale",
        "decode_times",
        "decode_timedelta",
        "concat_characters",
        "decode_coords",
        "use_cftime",
    )

    def open_dataset(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        group: str | None = None,
        consolidated: bool | None = None,
        storage_options: dict[str, Any] | None = None,
        mask_and_scale: bool = True,
        decode_times: Any = True,
        decode_timedelta: Any = None,
        concat_characters: bool = True,
        decode_coords: Any = True,
        use_cftime: bool | None = None,
    ):
        root = _open_group(filename_or_obj, group, consolidated, storage_options)
        return StoreBackendEntrypoint().open_dataset(
            ZarrCoreDataStore(root),
            mask_and_scale=mask_and_scale,
            decode_times=decode_times,
            concat_characters=concat_characters,
            decode_coords=decode_coords,
            drop_variables=drop_variables,
            use_cftime=use_cftime,
            decode_timedelta=decode_timedelta,
        )

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        return False  # only when asked for: engine="zarr_core"


def open_dataset(url: Any, **kwargs: Any):
    """``xr.open_dataset(url, engine="zarr_core", **kwargs)``."""
    return xr.open_dataset(url, engine="zarr_core", **kwargs)


def to_zarr(
    dataset: Any,
    url: Any,
    *,
    mode: str = "w-",
    group: str | None = None,
    zarr_format: int | None = None,
    consolidated: bool = True,
    encoding: dict[str, dict[str, Any]] | None = None,
    storage_options: dict[str, Any] | None = None,
) -> Any:
    """Write an xarray ``Dataset`` as xarray's Zarr layout into any zarr-core store.

    Parameters
    ----------
    dataset
        The dataset (Dask-backed variables are computed block by block).
    url
        Where: a path, URL or store.
    mode
        ``"w-"`` (fail if something is there) or ``"w"`` (replace).
    group
        The group to write the dataset into.
    zarr_format
        2 or 3 (default: zarr-core's default, 3).
    consolidated
        Consolidate the metadata afterwards (``xr.open_zarr`` reads it in one request).
    encoding
        Per variable: ``chunks``, ``compressor`` / ``compressors``, ``filters``,
        ``dtype``, ``fill_value`` (format 3), plus CF encodings (``scale_factor``, ``units``,
        ...), as for ``Dataset.to_zarr``.

    Returns
    -------
    zarr_core.Group
        The group written.
    """
    if mode not in ("w", "w-"):
        raise InvalidArgumentError(
            f"to_zarr writes new datasets: mode must be 'w' or 'w-', got {mode!r}"
        )
    encoding = {k: dict(v) for k, v in (encoding or {}).items()}
    dataset = dataset.copy(deep=False)
    for name, options in encoding.items():
        dataset[name].encoding.update(options)
    variables, attrs = conventions.encode_dataset_coordinates(dataset)
    variables, attrs = conventions.cf_encoder(variables, attrs)
    root = zarr_core.open_group(
        url, mode=mode, path=group, zarr_format=zarr_format, storage_options=storage_options
    )
    fmt = root.zarr_format
    root.attrs.update({k: encode_zarr_attr_value(v) for k, v in attrs.items()})
    for name, variable in variables.items():
        var_attrs = {k: encode_zarr_attr_value(v) for k, v in variable.attrs.items()}
        options = variable.encoding
        fill_value = var_attrs.pop("_FillValue", None) if fmt == 2 else None
        if fmt == 3:
            fill_value = options.get("fill_value")
            if fill_value is None and variable.dtype.kind == "f":
                fill_value = np.nan  # xarray's default for floats in format 3
            if "_FillValue" in var_attrs and var_attrs["_FillValue"] is not None:
                var_attrs["_FillValue"] = FillValueCoder.encode(
                    variable.attrs["_FillValue"], variable.dtype
                )
        create = {
            "shape": variable.shape,
            "dtype": variable.dtype,
            "chunks": options.get("chunks") or _chunks_of(variable),
            "fill_value": fill_value,
        }
        for key in ("compressor", "compressors", "filters"):
            if key in options:
                create[key] = options[key]
        if fmt == 3:
            create["dimension_names"] = list(variable.dims)
        else:
            var_attrs[DIMENSION_KEY] = list(variable.dims)
        if variable.dtype.kind in "OUS" and fmt == 2 and "object_codec" not in create:
            create["dtype"] = str if variable.dtype.kind in "OU" else variable.dtype
        array = root.create_dataset(name, **create)
        array.attrs.update(var_attrs)
        _write(array, variable.data)
    if consolidated:
        zarr_core.consolidate_metadata(root.store, path=root.path)
    return root


def _chunks_of(variable: Any) -> Any:
    chunks = getattr(variable, "chunks", None)
    if chunks:  # a Dask-backed variable: its first block per dimension
        return tuple(c[0] for c in chunks)
    return True  # zarr-core's automatic chunking


def _write(array: Any, data: Any) -> None:
    if hasattr(data, "dask"):
        import dask.array as da

        da.store(data, array, lock=False)
    elif array.ndim == 0:
        array[()] = np.asarray(data)
    else:
        array[...] = np.asarray(data)
