"""The plugin registry (moved here from zarr_core/plugins.py; see registry)."""

from zarr_core.plugins.registry import *  # noqa: F403
from zarr_core.plugins.registry import __all__  # noqa: F401
