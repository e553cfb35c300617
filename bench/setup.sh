#!/usr/bin/env bash
# Create the comparison environments under ./.peers: the ones the interop tests share
# (scripts/_env.sh's ensure_peers), then what only the benchmarks need, which the test
# command never installs (CI stays lean).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh

# ensure_bench_peers: zarr-python 3.4.2 with the zarrs 0.2.3 Rust codec pipeline in
# $PEERS/zarrs, on the same Python as $PEERS/zp3 (found by ensure_peers) so that the two
# zarr-python 3 rows differ only in the pipeline; and the remote-workload clients: s3fs
# and a moto S3 server for the driver and zarr-core (./.venv), s3fs and aiohttp (fsspec's
# http) for zarr-python 3. tensorstore brings its own http and s3 kvstores.
ensure_bench_peers() {
    local base
    if [ ! -x "$PEERS/zarrs/bin/python" ]; then
        base=$("$PEERS/zp3/bin/python" -c "import sys; print(sys._base_executable)")
        "$base" -m venv "$PEERS/zarrs"
    fi
    echo "installing the benchmark-only peers (zarrs 0.2.3; s3fs, moto) into $PEERS and $VENV" >&2
    quiet_pip "$PEERS/zarrs/bin/python" "zarr==3.4.2" "zarrs==0.2.3" "numcodecs>=0.16"
    quiet_pip "$PEERS/zp3/bin/python" "s3fs" "aiohttp"
    quiet_pip "$VENV/bin/python" "moto[server]>=5" "s3fs" "aiohttp"
}

ensure_venv
# zarr-core itself, once (the test command installs it with the test extras instead)
"$VENV/bin/python" -c "import zarr_core" 2>/dev/null || install_project "."
ensure_peers
ensure_bench_peers
# The peers are installed from wheels, which pip byte-compiles; zarr-core is installed
# editable, and where PYTHONDONTWRITEBYTECODE is set (as on these machines) every fresh
# process would compile its sources again (about 0.1 s here). Compile them once, as an
# installed wheel would be.
"$VENV/bin/python" -m compileall -q -j 0 zarr_core plugins/*/src >/dev/null
