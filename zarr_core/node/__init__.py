"""Arrays, groups and their attributes: the node layer (DESIGN.md section 2).

``documents`` reads and writes node metadata documents in either format, ``base`` holds
what arrays and groups share, ``array`` and ``group`` the two node types. Chunk data goes
through ``zarr_core.engine`` with a :class:`~zarr_core.engine.ChunkIO` the array builds
from its metadata.
"""
