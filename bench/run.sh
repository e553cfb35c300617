#!/usr/bin/env bash
# Benchmarks: set up the comparison environments, then run every benchmark into one
# markdown document (stdout and bench/results/latest.md). Arguments go to bench/run.py
# (--quick, --repeat N, --workload NAME, --format 2|3, --store NAME, --backends,
# --write-docs); `--write-docs` only copies the last results into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
case " $* " in
*" --write-docs "* | *" -h "* | *" --help "*) ;;
*) bash bench/setup.sh ;;
esac
exec .venv/bin/python bench/run.py "$@"
