#!/usr/bin/env bash
# Install everything the test suite needs (core, every plugin, test tools, the peer
# implementations, the servers) and run the whole suite. Extra arguments go to pytest.
# May call apt-get (as root, or with sudo) for redis-server and Debian's dbm modules.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh

ensure_venv
install_project ".[test]" test
ensure_peers
ensure_sysdbm
ensure_servers
echo "checking: ruff" >&2
"$VENV/bin/python" -m ruff check zarr_core plugins tests bench scripts
"$VENV/bin/python" -m ruff format --check --quiet zarr_core plugins tests bench scripts
echo "checking: the layers of zarr_core (import-linter)" >&2
"$VENV/bin/lint-imports" --no-cache
# The directory plugin installed alone with the core, and the plugin template (which is
# never installed into ./.venv), each in an environment of its own.
"$VENV/bin/python" -m tox -q -e plugin-directory,template
# The documentation site, strictly: a broken link or reference fails the run.
echo "building the documentation site (mkdocs --strict)" >&2
NO_MKDOCS_2_WARNING=1 "$VENV/bin/python" -m mkdocs build --strict --quiet
# Everything together (last, so its summary closes the output).
"$VENV/bin/python" -m pytest tests plugins/[!_]*/tests docs "$@"
