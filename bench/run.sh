#!/usr/bin/env bash
# Benchmarks: set up the comparison environments, then run every workload.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/setup.sh
.venv/bin/python bench/run.py "$@"
