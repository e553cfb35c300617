"""The user-facing functions of the zarr-python 2.x API: creating and opening arrays and
groups, the convenience functions (save, load, copy, tree), consolidated metadata and
format conversion. The top of the layer stack (DESIGN.md section 2): it builds on
``zarr_core.node`` and below, and nothing below imports it."""
