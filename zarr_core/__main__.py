"""``python -m zarr_core``: the ``zarr-core`` command line."""

import sys

from zarr_core.cli import main

sys.exit(main())
