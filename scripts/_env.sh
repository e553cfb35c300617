# Shared by scripts/demo.sh and scripts/test.sh: one virtual environment, one install rule.
VENV=${ZARR_CORE_VENV:-.venv}
PYTHON=${PYTHON:-python3}

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
}

# install_project CORE_SPEC WHICH: WHICH is "plugins" (first-party plugins) or "all"
# (also the plugin template, whose tests run in the suite).
install_project() {
    local args=(-e "$1")
    local dir
    for dir in plugins/*/; do
        dir=${dir%/}
        if [ "$(basename "$dir")" = "_template" ] && [ "$2" != "all" ]; then
            continue
        fi
        args+=(-e "$dir")
    done
    quiet_pip "$VENV/bin/python" "${args[@]}"
}

# The other Zarr implementations that interop tests and benchmarks compare against, each
# in its own environment because their versions conflict: zarr-python 3 with tensorstore
# (Python 3.12, which zarr 3.4 needs) and zarr-python 2.18.
PEERS=${ZARR_CORE_PEERS:-.peers}

ensure_peers() {
    local py312
    py312=$(command -v python3.12 || ls -d "$HOME"/.pyenv/versions/3.12*/bin/python 2>/dev/null | head -1 || true)
    if [ ! -x "$PEERS/zp3/bin/python" ]; then
        "${py312:-$PYTHON}" -m venv "$PEERS/zp3"
    fi
    if [ ! -x "$PEERS/zp2/bin/python" ]; then
        "$PYTHON" -m venv "$PEERS/zp2"
    fi
    quiet_pip "$PEERS/zp3/bin/python" "zarr==3.4.2" "tensorstore==0.1.86" "numcodecs>=0.16"
    quiet_pip "$PEERS/zp2/bin/python" "zarr==2.18.7" "numcodecs<0.16" "msgpack" "lmdb" "pytest"
}

# quiet_pip PYTHON ARGS...: pip install, showing the log only when it fails.
quiet_pip() {
    local python=$1
    shift
    local log
    log=$(mktemp)
    if ! "$python" -m pip install --quiet --disable-pip-version-check "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}
