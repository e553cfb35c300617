"""Where zarr-core meets other libraries: Dask (:mod:`.dask`) and xarray (:mod:`.xarray`).

Each module imports its library when used, never at ``import zarr_core``.
"""
