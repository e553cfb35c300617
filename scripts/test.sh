#!/usr/bin/env bash
# Install everything the test suite needs (core, every plugin, test tools, servers) into
# ./.venv and run the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh

ensure_venv
install_project ".[test]" all
ensure_peers
ensure_sysdbm
ensure_servers
"$VENV/bin/python" -m ruff check zarr_core plugins tests bench scripts
"$VENV/bin/python" -m ruff format --check --quiet zarr_core plugins tests bench scripts
# The directory plugin installed alone with the core, in its own environment.
"$VENV/bin/python" -m tox -q -e plugin-directory
# Everything together (last, so its summary closes the output).
"$VENV/bin/python" -m pytest tests plugins/*/tests docs "$@"
