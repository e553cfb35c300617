#!/usr/bin/env bash
# Install zarr-core and every first-party plugin (editable) into ./.venv and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh

ensure_venv
install_project "."
"$VENV/bin/python" scripts/demo.py "$@"
