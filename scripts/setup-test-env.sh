#!/usr/bin/env bash
# Prepares everything the test suite needs that is not a Rust crate.
# Idempotent and quiet on success; safe to run before every test run.
#
#   - .venv/ (git-ignored, in the repo root) with requirements-test.txt:
#     boto3, botocore (whose API model the conformance test reads), the AWS CLI,
#     moto_server (benchmark comparison) and pytest.
#   - the Flink runtimes and the example jobs built against them.
#   - the remote runtime's tests: `ip` (iproute2) and curl, to build a test
#     network of namespaces for a standalone Flink cluster (installed with
#     apt-get when missing and running as root; the tests need root anyway).
#   - the web console's browser tests: Debian's chromium (/usr/bin/chromium;
#     installed with apt-get when missing and running as root) and
#     tests/console/node_modules (`npm ci`: playwright-core, which drives that
#     chromium and never downloads a browser of its own).
#
# Downloads are cached outside the clone, under ${XDG_CACHE_HOME:-~/.cache}/weir,
# so that a fresh clone (as CI makes) reuses them; a fresh machine fetches them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/weir"
export PIP_CACHE_DIR="$CACHE_ROOT/pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

VENV="$ROOT/.venv"
REQS="$ROOT/requirements-test.txt"
MARKER="$VENV/.weir-requirements.sha256"
PYTHON="${WEIR_PYTHON:-python3}"

die() {
    echo "setup-test-env: $*" >&2
    exit 1
}

# Runs a command quietly; on failure shows its output and gives up.
quiet() {
    local what="$1"
    shift
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        echo "setup-test-env: $what failed:" >&2
        tail -n 40 "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

# ---------------------------------------------------------------------------
# 1. Python virtualenv with the test requirements.
# ---------------------------------------------------------------------------
setup_python() {
    command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found; install Python 3.10+ (or set WEIR_PYTHON)"
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
        || die "Python 3.10+ is needed; '$PYTHON' is $("$PYTHON" --version 2>&1)"
    [ -f "$REQS" ] || die "missing $REQS"

    # The marker covers the requirements and the interpreter the venv was made with.
    local want
    want="$( { sha256sum "$REQS" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

    if [ -x "$VENV/bin/python" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$want" ] \
        && "$VENV/bin/python" -c 'import boto3, botocore, pytest' >/dev/null 2>&1; then
        return 0
    fi

    rm -rf "$VENV"
    mkdir -p "$PIP_CACHE_DIR"
    quiet "creating .venv with $PYTHON" "$PYTHON" -m venv "$VENV"

    # The registry mirror's responses carry no caching headers, so pip's own
    # HTTP cache stays empty; a wheelhouse per requirements hash (built once,
    # outside the clone) makes re-installs local. PIP_CACHE_DIR still caches
    # wheels built from source distributions.
    local house="$CACHE_ROOT/wheelhouse/$want"
    if [ -f "$house/.complete" ] \
        && "$VENV/bin/python" -m pip install --quiet --no-index --find-links "$house" -r "$REQS" >/dev/null 2>&1; then
        :
    else
        echo "setup-test-env: downloading Python test tools (wheelhouse: $house)" >&2
        mkdir -p "$CACHE_ROOT/wheelhouse"
        (
            # Other clones on this machine may share the wheelhouse.
            flock 9
            if [ ! -f "$house/.complete" ]; then
                rm -rf "$house" "$house.tmp"
                quiet "pip wheel -r requirements-test.txt" \
                    "$VENV/bin/python" -m pip wheel --quiet --progress-bar off -w "$house.tmp" -r "$REQS"
                touch "$house.tmp/.complete"
                mv "$house.tmp" "$house"
            fi
            # Wheelhouses of requirements nobody used for a month.
            find "$CACHE_ROOT/wheelhouse" -mindepth 1 -maxdepth 1 -type d -mtime +30 \
                ! -path "$house" -exec rm -rf {} + 2>/dev/null || true
        ) 9>"$CACHE_ROOT/wheelhouse/.lock"
        touch "$house"
        quiet "pip install -r requirements-test.txt (from $house)" \
            "$VENV/bin/python" -m pip install --quiet --progress-bar off --no-index --find-links "$house" -r "$REQS"
    fi
    [ -f "$(botocore_model)" ] || die "botocore did not install its kinesisanalyticsv2 model ($(botocore_model))"
    [ -x "$VENV/bin/aws" ] || die "the AWS CLI did not install (.venv/bin/aws missing)"
    echo "$want" >"$MARKER"
}

botocore_model() {
    "$VENV/bin/python" - <<'PY' 2>/dev/null || echo "$VENV/<botocore missing>"
import os, botocore
print(os.path.join(os.path.dirname(botocore.__file__),
                   "data", "kinesisanalyticsv2", "2018-05-23", "service-2.json.gz"))
PY
}

# ---------------------------------------------------------------------------
# 2. Flink runtimes and the example jobs built against them.
#    `weir runtime install` fetches each distribution from PyPI once into
#    "$WEIR_RUNTIMES_DIR" (default: the shared cache, outside the clone) and
#    reuses it afterwards; the examples are compiled per Flink version into
#    target/examples/<version>/ (fast when up to date): every example, so also
#    getting-started.jar and getting-started-bundled.jar, and the Python
#    example's zip. Installing also builds the service's runtime library
#    (<runtimes dir>/lib/), which needs javac, and each runtime's Python
#    environment (PyFlink from PyPI into <runtimes dir>/<version>-python3.<m>/,
#    about 700 MB and a minute each, once).
# ---------------------------------------------------------------------------
TEST_RUNTIMES=(FLINK-1_20 FLINK-2_2)

setup_flink_runtimes() {
    command -v java >/dev/null 2>&1 || die "java not found: Flink needs a JDK (OpenJDK 17)"
    command -v javac >/dev/null 2>&1 || die "javac not found: the example jobs are compiled with it"
    export WEIR_RUNTIMES_DIR="${WEIR_RUNTIMES_DIR:-$CACHE_ROOT/runtimes}"
    quiet "building weir" cargo build -q --bin weir
    # Where cargo put the binary (CARGO_TARGET_DIR may move it out of the tree).
    weir="${CARGO_TARGET_DIR:-target}/debug/weir"
    quiet "installing Flink runtimes ${TEST_RUNTIMES[*]} with PyFlink" \
        "$weir" runtime install --python "${TEST_RUNTIMES[@]}"
    local runtime home version
    for runtime in "${TEST_RUNTIMES[@]}"; do
        home="$("$weir" runtime home "$runtime")"
        version="$("$weir" runtime list | awk -v r="$runtime" '$1 == r { print $2 }')"
        [ -d "$home" ] || die "runtime $runtime is not installed at '$home'"
        quiet "building the example jobs for Flink $version" \
            scripts/build-examples.sh "$home" "target/examples/$version"
    done
}

# ---------------------------------------------------------------------------
# 3. The web console's end-to-end tests: Debian's chromium and playwright-core.
#    npm's cache lives beside the others; `npm ci` runs only when
#    node_modules does not match package-lock.json (and the node version).
# ---------------------------------------------------------------------------
CONSOLE_TESTS="$ROOT/tests/console"
CONSOLE_MARKER="$CONSOLE_TESTS/node_modules/.weir-lock.sha256"

setup_console_tests() {
    local chromium="${WEIR_CHROMIUM:-/usr/bin/chromium}"
    if [ ! -x "$chromium" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "setup-test-env: installing Debian's chromium (for the console tests)" >&2
            quiet "apt-get update" apt-get update
            quiet "apt-get install chromium" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y --no-install-recommends chromium fonts-dejavu-core
        else
            die "$chromium is missing: install Debian's chromium (sudo apt-get install chromium) for the console tests"
        fi
        [ -x "$chromium" ] || die "chromium installed, but $chromium is still missing"
    fi

    command -v node >/dev/null 2>&1 || die "node not found: the console tests need Node.js 18+ and npm (apt-get install nodejs npm)"
    command -v npm >/dev/null 2>&1 || die "npm not found: the console tests need npm (apt-get install npm)"
    node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' \
        || die "Node.js 18+ is needed for the console tests; node is $(node --version)"

    local want
    want="$( { sha256sum "$CONSOLE_TESTS/package-lock.json" | cut -d' ' -f1; node --version; } | sha256sum | cut -d' ' -f1)"
    if [ -f "$CONSOLE_MARKER" ] && [ "$(cat "$CONSOLE_MARKER")" = "$want" ] \
        && [ -f "$CONSOLE_TESTS/node_modules/playwright-core/package.json" ]; then
        return 0
    fi
    mkdir -p "$CACHE_ROOT/npm"
    (
        cd "$CONSOLE_TESTS"
        # Never a browser download: the tests use Debian's chromium.
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 quiet "npm ci in tests/console" \
            npm ci --cache "$CACHE_ROOT/npm" --prefer-offline --no-audit --no-fund --loglevel=error
    )
    echo "$want" >"$CONSOLE_MARKER"
}

# ---------------------------------------------------------------------------
# 4. The remote runtime's end-to-end tests: network namespaces (`ip netns`)
#    for the hosts of a standalone Flink cluster, and curl for its REST API.
# ---------------------------------------------------------------------------
setup_netns_tests() {
    local missing=()
    command -v ip >/dev/null 2>&1 || missing+=(iproute2)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup-test-env: installing ${missing[*]} (for the remote runtime's tests)" >&2
        quiet "apt-get update" apt-get update
        quiet "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "${missing[@]}"
    else
        die "${missing[*]} missing: the remote runtime's tests need them (and root, for network namespaces)"
    fi
}

setup_python
setup_flink_runtimes
setup_console_tests
setup_netns_tests
