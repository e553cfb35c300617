import sys

from zarr_core.cli import main

sys.exit(main())
