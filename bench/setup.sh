#!/usr/bin/env bash
# Create the comparison environments (shared with the interop tests) under ./.peers.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
ensure_peers
