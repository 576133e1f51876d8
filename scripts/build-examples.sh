#!/usr/bin/env bash
# Builds the example Flink applications in examples/ against one Flink distribution.
#
#   scripts/build-examples.sh [-v] FLINK_HOME OUT_DIR [EXAMPLE...]
#   scripts/build-examples.sh [-v] --runtime FLINK-1_20 [--runtimes-dir DIR] OUT_DIR [EXAMPLE...]
#
# --runtime takes the distribution Weir runs that runtime on (`weir runtime home`,
# which installs it first if needed; `weir` from PATH, else `cargo run --release -p
# weir`; the runtimes directory is weir's: --runtimes-dir, WEIR_RUNTIMES_DIR, else
# <WEIR_DATA_DIR or ./weir-data>/runtimes).
#
# Every directory examples/<name>/ with a `main-class` file is a Java example; it is
# compiled with `javac --release 11 -cp "FLINK_HOME/lib/*"` from
#   examples/common/src  examples/common/flink<M>  examples/<name>/src  examples/<name>/flink<M>
# (M = Flink's major version, read from lib/flink-dist-*.jar; a file in a flink<M>
# overlay replaces the file with the same relative path in src; overlays and
# non-.java files, copied into the jar, are optional) and packaged as
# OUT_DIR/<name>.jar with Main-Class set. Flink's own jars are not bundled, nor is
# the service's runtime library (KinesisAnalyticsRuntime): it is type-checked
# against Weir's source (crates/weir-runtime/java, `-sourcepath ... -implicit:none`)
# and provided at run time by the platform, as on the service. An example with a
# `bundled/` source root also gets OUT_DIR/<name>-bundled.jar: the same sources plus
# bundled/ compiled into the jar (e.g. its own copy of that library).
#
# A directory with a `main.py` instead is a Python (PyFlink) example, packaged as the
# service expects: OUT_DIR/<name>.zip holding main.py, lib/<name>.jar (its Java
# sources, the same roots and rules, without Main-Class) and dep/ (`pip install
# --target dep/ -r examples/<name>/requirements.txt`, wheels only; no requirements
# file, no dep/). Run options: python=main.py, jarfile=lib/<name>.jar, pyFiles=dep/.
#
# Idempotent: an up-to-date jar or zip (newer than its sources, this script and
# flink-dist, built for the same FLINK_HOME) is left alone, without starting a JVM.
# dep/ is kept per requirements file in OUT_DIR/.<name>.dep-<hash>/, so pip runs
# (and needs the network) only when the requirements or the Python change.
# Quiet on success; -v says what it does. Jars and zips are written atomically, so
# concurrent runs for the same OUT_DIR are safe.
#
# Environment: JAVA_HOME (javac/jar from $JAVA_HOME/bin if present, else PATH);
# WEIR_JAVAC_RELEASE (default 11); WEIR_PYTHON (the Python that runs pip and writes
# the zip, default python3); PIP_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/weir/pip).
set -euo pipefail

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SCRIPT")/.." && pwd)"
EXAMPLES="$ROOT/examples"
# The service's runtime library, provided by the platform: compiled against, never packaged.
LIBRARY_SRC="$ROOT/crates/weir-runtime/java"

VERBOSE=0
die() {
    echo "build-examples: $*" >&2
    exit 1
}
say() {
    if [ "$VERBOSE" = 1 ]; then echo "build-examples: $*" >&2; fi
    return 0
}
usage() {
    echo "usage: $(basename "$0") [-v] FLINK_HOME OUT_DIR [EXAMPLE...]" >&2
    echo "       $(basename "$0") [-v] --runtime RUNTIME [--runtimes-dir DIR] OUT_DIR [EXAMPLE...]" >&2
    exit 2
}

POS=()
RUNTIME=""
RUNTIMES_DIR=""
while [ "$#" -gt 0 ]; do
    case "$1" in
        -v | --verbose) VERBOSE=1 ;;
        -h | --help) sed -n '2,40p' "$SCRIPT" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
        --runtime) [ "$#" -ge 2 ] || usage; RUNTIME="$2"; shift ;;
        --runtime=*) RUNTIME="${1#--runtime=}" ;;
        --runtimes-dir) [ "$#" -ge 2 ] || usage; RUNTIMES_DIR="$2"; shift ;;
        --runtimes-dir=*) RUNTIMES_DIR="${1#--runtimes-dir=}" ;;
        -*) usage ;;
        *) POS+=("$1") ;;
    esac
    shift
done
if [ -n "$RUNTIME" ]; then
    [ "${#POS[@]}" -ge 1 ] || usage
    # The distribution Weir runs this runtime on, installed first if needed;
    # `weir runtime home` prints its path and nothing else on stdout.
    HOME_ARGS=(runtime home "$RUNTIME")
    [ -z "$RUNTIMES_DIR" ] || HOME_ARGS+=(--runtimes-dir "$RUNTIMES_DIR")
    if command -v weir >/dev/null 2>&1; then
        say "weir ${HOME_ARGS[*]}"
        FLINK_HOME_ARG="$(weir "${HOME_ARGS[@]}")" || die "weir ${HOME_ARGS[*]} failed"
    else
        command -v cargo >/dev/null 2>&1 || die "--runtime needs weir on PATH, or cargo to build it"
        say "cargo run -q --release -p weir -- ${HOME_ARGS[*]} (no weir on PATH)"
        FLINK_HOME_ARG="$(cargo run -q --release --manifest-path "$ROOT/Cargo.toml" -p weir -- "${HOME_ARGS[@]}")" \
            || die "weir ${HOME_ARGS[*]} failed"
    fi
    [ -n "$FLINK_HOME_ARG" ] || die "weir ${HOME_ARGS[*]} printed no path"
    OUT_DIR="${POS[0]}"
    WANTED=("${POS[@]:1}")
else
    [ -z "$RUNTIMES_DIR" ] || usage
    [ "${#POS[@]}" -ge 2 ] || usage
    FLINK_HOME_ARG="${POS[0]}"
    OUT_DIR="${POS[1]}"
    WANTED=("${POS[@]:2}")
fi

# --- Flink distribution -----------------------------------------------------
[ -d "$FLINK_HOME_ARG/lib" ] || die "$FLINK_HOME_ARG is not a Flink distribution (no lib/ directory)"
FLINK_HOME="$(cd "$FLINK_HOME_ARG" && pwd -P)"
shopt -s nullglob
DISTS=("$FLINK_HOME"/lib/flink-dist*.jar)
shopt -u nullglob
[ "${#DISTS[@]}" -eq 1 ] || die "expected exactly one lib/flink-dist*.jar in $FLINK_HOME, found ${#DISTS[@]}"
DIST="${DISTS[0]}"
DIST_NAME="$(basename "$DIST")"
# flink-dist-1.20.5.jar, flink-dist-2.2.1.jar, flink-dist_2.12-1.14.6.jar
FLINK_VERSION="$(sed -nE 's/^flink-dist(_[0-9.]+)?-([0-9]+\.[0-9]+[^/]*)\.jar$/\2/p' <<<"$DIST_NAME")"
[ -n "$FLINK_VERSION" ] || die "cannot read Flink's version from $DIST_NAME"
FLINK_MAJOR="${FLINK_VERSION%%.*}"
RELEASE="${WEIR_JAVAC_RELEASE:-11}"
# Short-lived tool JVMs: C1 only and the serial collector start and finish faster.
JFLAGS=(-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-Xshare:auto)

# --- JDK (looked up lazily: the up-to-date path starts no JVM) ---------------
find_tool() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/$1" ]; then
        echo "$JAVA_HOME/bin/$1"
    else
        command -v "$1" 2>/dev/null || true
    fi
}
JAVAC="$(find_tool javac)"
JAR="$(find_tool jar)"
[ -n "$JAVAC" ] || die "javac not found: install a JDK (11 or newer, e.g. OpenJDK 17) or set JAVA_HOME"
[ -n "$JAR" ] || die "jar not found: install a JDK (11 or newer, e.g. OpenJDK 17) or set JAVA_HOME"

# --- examples ------------------------------------------------------------------
is_example() { # name: a Java example (main-class) or a Python one (main.py)
    [ -f "$EXAMPLES/$1/main-class" ] || [ -f "$EXAMPLES/$1/main.py" ]
}
ALL=()
for d in "$EXAMPLES"/*/; do
    d="$(basename "$d")"
    if is_example "$d"; then ALL+=("$d"); fi
done
[ "${#ALL[@]}" -gt 0 ] || die "no examples found under $EXAMPLES"
if [ "${#WANTED[@]}" -eq 0 ]; then
    WANTED=("${ALL[@]}")
else
    for w in "${WANTED[@]}"; do
        is_example "$w" || die "no example '$w' (have: ${ALL[*]})"
    done
fi
PYTHON="${WEIR_PYTHON:-python3}"

mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd -P)"
STAMP_TEXT="flink_home=$FLINK_HOME dist=$DIST_NAME release=$RELEASE javac=$(readlink -f "$JAVAC")"

# What to make: <name>.jar for every Java example and <name>-bundled.jar for one with
# bundled/; <name>.zip for a Python example (OUTPUT names the file).
declare -A EXAMPLE_OF=() BUNDLED=() OUTPUT=()
TARGETS=()
for name in "${WANTED[@]}"; do
    TARGETS+=("$name")
    EXAMPLE_OF["$name"]="$name"
    BUNDLED["$name"]=0
    if [ -f "$EXAMPLES/$name/main.py" ]; then
        OUTPUT["$name"]="$name.zip"
        continue
    fi
    OUTPUT["$name"]="$name.jar"
    if [ -d "$EXAMPLES/$name/bundled" ]; then
        TARGETS+=("$name-bundled")
        EXAMPLE_OF["$name-bundled"]="$name"
        BUNDLED["$name-bundled"]=1
        OUTPUT["$name-bundled"]="$name-bundled.jar"
    fi
done

source_dirs() { # target -> existing source roots, in overlay order
    local name="${EXAMPLE_OF[$1]}" d
    local -a roots=("$EXAMPLES/common/src" "$EXAMPLES/common/flink$FLINK_MAJOR"
        "$EXAMPLES/$name/src" "$EXAMPLES/$name/flink$FLINK_MAJOR")
    [ "${BUNDLED[$1]}" = 0 ] || roots+=("$EXAMPLES/$name/bundled")
    for d in "${roots[@]}"; do
        [ -d "$d" ] && echo "$d"
    done
    return 0
}

up_to_date() { # target
    local target="$1" out="$OUT_DIR/${OUTPUT[$1]}" stamp="$OUT_DIR/.$1.stamp" f
    [ -f "$out" ] && [ -f "$stamp" ] || return 1
    [ "$(cat "$stamp")" = "$STAMP_TEXT" ] || return 1
    local -a inputs
    mapfile -t inputs < <(source_dirs "$target")
    for f in main-class main.py requirements.txt; do
        f="$EXAMPLES/${EXAMPLE_OF[$target]}/$f"
        if [ -f "$f" ]; then inputs+=("$f"); fi
    done
    inputs+=("$SCRIPT" "$DIST" "$LIBRARY_SRC")
    # Anything (including a directory whose entries changed) newer than the output?
    [ -z "$(find "${inputs[@]}" -newer "$out" -print -quit)" ]
}

python_deps() { # example dir work -> fills dir with its requirements, through the OUT_DIR cache
    local example="$1" dir="$2" work="$3" key cached f
    local req="$EXAMPLES/$example/requirements.txt"
    mkdir -p "$dir"
    [ -f "$req" ] || return 0
    command -v "$PYTHON" >/dev/null 2>&1 || die "$example: $PYTHON not found (WEIR_PYTHON names the Python for pip)"
    # What pip's answer depends on: the requirements and the Python that resolves them.
    key="$({ cat "$req"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)"
    cached="$OUT_DIR/.$example.dep-$key"
    if [ ! -d "$cached" ]; then
        local -a quiet=(--quiet)
        [ "$VERBOSE" = 0 ] || quiet=()
        say "$example: pip install --target dep/ -r $req"
        # Wheels only: no package code runs here, and nothing depends on this machine's
        # compilers. No .pyc: the workers' Python compiles what it imports.
        if ! PIP_CACHE_DIR="${PIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/weir/pip}" \
            "$PYTHON" -m pip install "${quiet[@]}" --disable-pip-version-check --no-input \
            --no-compile --only-binary=:all: --target "$work/dep-install" -r "$req" >"$work/pip.log" 2>&1; then
            echo "build-examples: $example: pip install -r $req failed:" >&2
            cat "$work/pip.log" >&2
            return 1
        fi
        if [ "$VERBOSE" = 1 ]; then cat "$work/pip.log" >&2; fi
        # $work is on OUT_DIR's file system, so this rename is atomic; if another run
        # got there first, its copy stays. Copies for other requirements go.
        mv -T "$work/dep-install" "$cached" 2>/dev/null || true
        for f in "$OUT_DIR/.$example.dep-"*; do
            [ "$f" = "$cached" ] || rm -rf "$f"
        done
    else
        say "$example: dep/ from $cached"
    fi
    cp -R "$cached/." "$dir/"
}

build_one() { # target tmpdir
    local name="$1" work="$2" example="${EXAMPLE_OF[$1]}"
    local -a main_class=()
    if [ -f "$EXAMPLES/$example/main-class" ]; then
        main_class=(--main-class "$(tr -d '[:space:]' <"$EXAMPLES/$example/main-class")")
        [ -n "${main_class[1]}" ] || die "$EXAMPLES/$example/main-class is empty"
    fi

    # Overlay: later roots replace files with the same relative path.
    local -A files=()
    local root rel f
    while IFS= read -r root; do
        while IFS= read -r -d '' f; do
            rel="${f#"$root"/}"
            files["$rel"]="$f"
        done < <(find "$root" -type f -print0)
    done < <(source_dirs "$name")

    local -a sources=()
    mkdir -p "$work/classes"
    for rel in "${!files[@]}"; do
        case "$rel" in
            *.java) sources+=("${files[$rel]}") ;;
            *) mkdir -p "$work/classes/$(dirname "$rel")" && cp "${files[$rel]}" "$work/classes/$rel" ;;
        esac
    done
    [ "${#sources[@]}" -gt 0 ] || die "$name: no Java sources"

    # Without bundled/, the service's library is provided: type-checked against its
    # source, no class of it emitted. With bundled/, the jar's own copy is compiled in.
    local -a provided=()
    [ "${BUNDLED[$name]}" = 1 ] || provided=(-sourcepath "$LIBRARY_SRC" -implicit:none)

    say "$name: javac --release $RELEASE (${#sources[@]} files, Flink $FLINK_VERSION${provided:+, KinesisAnalyticsRuntime provided})"
    if ! "$JAVAC" "${JFLAGS[@]}" --release "$RELEASE" -encoding UTF-8 -nowarn -Xlint:none \
        -cp "$FLINK_HOME/lib/*" "${provided[@]}" -d "$work/classes" "${sources[@]}" >"$work/javac.log" 2>&1; then
        echo "build-examples: $name: javac failed against Flink $FLINK_VERSION ($FLINK_HOME):" >&2
        cat "$work/javac.log" >&2
        return 1
    fi
    if [ "$VERBOSE" = 1 ] && [ -s "$work/javac.log" ]; then cat "$work/javac.log" >&2; fi
    if [ "${BUNDLED[$name]}" = 0 ] && [ -d "$work/classes/com/amazonaws" ]; then
        echo "build-examples: $name: classes of the provided library were compiled into the jar:" >&2
        find "$work/classes/com/amazonaws" -type f >&2
        return 1
    fi

    printf 'Implementation-Title: %s\nImplementation-Vendor: Weir examples\nWeir-Flink-Version: %s\n' \
        "$name" "$FLINK_VERSION" >"$work/manifest.txt"
    if ! "$JAR" "${JFLAGS[@]}" --create --file "$work/$name.jar" "${main_class[@]}" \
        --manifest "$work/manifest.txt" -C "$work/classes" . >"$work/jar.log" 2>&1; then
        echo "build-examples: $name: jar failed:" >&2
        cat "$work/jar.log" >&2
        return 1
    fi
    if [ "${#main_class[@]}" -gt 0 ]; then
        mv -f "$work/$name.jar" "$OUT_DIR/$name.jar"
        say "$name: wrote $OUT_DIR/$name.jar (Main-Class ${main_class[1]})"
    else
        # The service's layout: main.py at the root, lib/<name>.jar, dep/.
        local zip="$work/zip"
        mkdir -p "$zip/lib"
        cp "$EXAMPLES/$example/main.py" "$zip/main.py"
        mv "$work/$name.jar" "$zip/lib/$name.jar"
        python_deps "$example" "$zip/dep" "$work" || return 1
        local -a entries=(main.py lib)
        [ -z "$(ls -A "$zip/dep")" ] || entries+=(dep)
        command -v "$PYTHON" >/dev/null 2>&1 || die "$name: $PYTHON not found (WEIR_PYTHON names the Python that writes the zip)"
        if ! (cd "$zip" && "$PYTHON" -m zipfile -c "$work/$name.zip" "${entries[@]}") >"$work/zip.log" 2>&1; then
            echo "build-examples: $name: writing the zip failed:" >&2
            cat "$work/zip.log" >&2
            return 1
        fi
        mv -f "$work/$name.zip" "$OUT_DIR/$name.zip"
        say "$name: wrote $OUT_DIR/$name.zip (main.py, lib/$name.jar${entries[2]:+, dep/})"
    fi
    printf '%s\n' "$STAMP_TEXT" >"$OUT_DIR/.$name.stamp.tmp.$$"
    mv -f "$OUT_DIR/.$name.stamp.tmp.$$" "$OUT_DIR/.$name.stamp"
}

TODO=()
for name in "${TARGETS[@]}"; do
    if up_to_date "$name"; then
        say "$name: up to date ($OUT_DIR/${OUTPUT[$name]})"
    else
        TODO+=("$name")
    fi
done
[ "${#TODO[@]}" -gt 0 ] || exit 0

WORK="$(mktemp -d "$OUT_DIR/.build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# One javac per example, in parallel.
declare -A PIDS=()
for name in "${TODO[@]}"; do
    mkdir -p "$WORK/$name"
    build_one "$name" "$WORK/$name" &
    PIDS["$name"]=$!
done
FAILED=()
for name in "${!PIDS[@]}"; do
    wait "${PIDS[$name]}" || FAILED+=("$name")
done
[ "${#FAILED[@]}" -eq 0 ] || die "failed to build: ${FAILED[*]}"
