"""The chunk engine: a selection's chunks fetched, decoded and placed, or encoded and
stored, batched and on the thread pool (DESIGN.md sections 2 and 7).

It sees an array only through a :class:`~zarr_core.engine.chunk_io.ChunkIO` value (the
chunk store, codec pipeline, grid, dtype and fill value), never the ``Array`` object.
"""
