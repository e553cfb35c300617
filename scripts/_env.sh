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
    local log
    log=$(mktemp)
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}
