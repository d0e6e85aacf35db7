#!/usr/bin/env bash
# Fuzzes every parser that reads bytes from outside with libFuzzer: hostile input must give a
# clear error, never a crash, a hang or unbounded memory.
#
#   Scripts/fuzz.sh [runs] [target ...]
#
# runs     inputs per target (default 1000000)
# target   names of files in Scripts/fuzz/targets/ (default: all of them)
#
# Environment: FUZZ_JOBS targets at a time (default 2), FUZZ_TIMEOUT seconds one input may take
# before it counts as a hang (default 10).
#
# Needs: a Swift toolchain whose swiftc has the libFuzzer runtime (`swiftc -sanitize=fuzzer`,
# as the swift.org Linux toolchains do; Xcode's does not), and libcrypto (libssl-dev).
# AddressSanitizer is added when the toolchain supports it with libFuzzer.
#
# Each target is built from the AssentCore sources (plus Sources/AssentNode/BatchBody.swift)
# compiled once, with Scripts/fuzz/Harness.swift, Scripts/fuzz/Samples.swift and its own file.
# Targets whose input is JSON or note text also mutate with the tokens of Scripts/fuzz/dicts/.
# Products, corpora and crashing inputs go under .build-fuzz/ (git-ignored). The script prints,
# per target, the inputs executed, the crashes found and the time taken, and exits non-zero on
# any crash, keeping the crashing input under .build-fuzz/crashes/<target>/<time of the run>/.
set -euo pipefail
# The whole script is one brace group, read before it runs: editing the file during a long run
# cannot change what the running script does.
{
cd "$(dirname "$0")/.."

RUNS=${1:-1000000}
shift || true
JOBS=${FUZZ_JOBS:-2}
TIMEOUT=${FUZZ_TIMEOUT:-10}
OUT=.build-fuzz
FUZZ=Scripts/fuzz

if ! [[ "$RUNS" =~ ^[0-9]+$ ]]; then
    echo "usage: Scripts/fuzz.sh [runs] [target ...]   (runs is a number of inputs per target)" >&2
    exit 2
fi
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=($(ls $FUZZ/targets | sed 's/\.swift$//')); fi
for t in "${TARGETS[@]}"; do
    [ -f "$FUZZ/targets/$t.swift" ] || { echo "no fuzz target $FUZZ/targets/$t.swift" >&2; exit 2; }
done

mkdir -p "$OUT/probe" "$OUT/bin"

# --- What the script needs --------------------------------------------------------------
if ! command -v swiftc >/dev/null; then
    echo "fuzz.sh needs swiftc (a Swift toolchain) on PATH" >&2
    exit 1
fi
cat > "$OUT/probe/probe.swift" <<'EOF'
@_cdecl("LLVMFuzzerTestOneInput")
public func probe(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { 0 }
EOF
SANITIZE=fuzzer,address
if ! swiftc -sanitize=$SANITIZE -parse-as-library "$OUT/probe/probe.swift" -o "$OUT/probe/probe" >"$OUT/probe/log" 2>&1; then
    SANITIZE=fuzzer
    if ! swiftc -sanitize=$SANITIZE -parse-as-library "$OUT/probe/probe.swift" -o "$OUT/probe/probe" >"$OUT/probe/log" 2>&1; then
        echo "fuzz.sh needs swiftc with the libFuzzer runtime: 'swiftc -sanitize=fuzzer' failed here:" >&2
        sed 's/^/  /' "$OUT/probe/log" >&2
        echo "Use a swift.org toolchain for Linux (it ships libclang_rt.fuzzer)." >&2
        exit 1
    fi
    echo "note: AddressSanitizer is not available with libFuzzer here; fuzzing without it"
fi
if ! swiftc -sanitize=$SANITIZE -parse-as-library "$OUT/probe/probe.swift" -lcrypto -o "$OUT/probe/probe" >"$OUT/probe/log" 2>&1; then
    echo "fuzz.sh needs libcrypto to link against (Debian: apt-get install libssl-dev):" >&2
    sed 's/^/  /' "$OUT/probe/log" >&2
    exit 1
fi
# Swift's own crash backtracer fights ASan's handlers (and can hang on exit): libFuzzer reports.
export SWIFT_BACKTRACE=enable=no
# The Swift runtime keeps metadata caches for the life of the process; they are not leaks.
export ASAN_OPTIONS=detect_leaks=0:${ASAN_OPTIONS:-}

# --- Shared build: AssentCore as one instrumented module --------------------------------
CORE_SOURCES=(Sources/AssentCore/*.swift Sources/AssentNode/BatchBody.swift)
COMMON=(-O -sanitize=$SANITIZE -parse-as-library -I Sources/COpenSSL -suppress-warnings)
# Rebuilt only when a source (or the set of sources, or the sanitizers) changed.
STAMP="$SANITIZE $(ls "${CORE_SOURCES[@]}" | tr '\n' ' ')"
if [ ! -f "$OUT/libAssentCore.a" ] || [ "$(cat "$OUT/core.stamp" 2>/dev/null)" != "$STAMP" ] \
    || [ -n "$(find "${CORE_SOURCES[@]}" -newer "$OUT/libAssentCore.a")" ]; then
    echo "building AssentCore with -sanitize=$SANITIZE (one module for all targets)..."
    start=$(date +%s)
    rm -f "$OUT/libAssentCore.a"
    swiftc "${COMMON[@]}" -wmo -enable-testing -module-name AssentCore -emit-module -emit-module-path "$OUT/AssentCore.swiftmodule" \
        -emit-library -static -o "$OUT/libAssentCore.a" "${CORE_SOURCES[@]}"
    echo "$STAMP" >"$OUT/core.stamp"
    echo "  built in $(( $(date +%s) - start ))s"
fi

build_target() {
    local t=$1
    if [ -x "$OUT/bin/$t" ] && [ -z "$(find "$FUZZ/Harness.swift" "$FUZZ/Samples.swift" "$FUZZ/targets/$t.swift" "$OUT/libAssentCore.a" -newer "$OUT/bin/$t")" ]; then
        return 0
    fi
    swiftc "${COMMON[@]}" -I "$OUT" "$FUZZ/Harness.swift" "$FUZZ/Samples.swift" "$FUZZ/targets/$t.swift" \
        "$OUT/libAssentCore.a" -lcrypto -o "$OUT/bin/$t" >"$OUT/bin/$t.log" 2>&1 \
        || { cat "$OUT/bin/$t.log" >&2; echo "building fuzz target $t failed" >&2; return 1; }
}

# --- One target: seeds, then libFuzzer for RUNS inputs ----------------------------------
# -len_control=0: mutate whole seeds from the first input on. By default libFuzzer starts with
# inputs of a few bytes and lets them grow slowly, so a signed statement or a leaf (hundreds of
# bytes) would be cut short for most of a run and the code behind its first bytes never reached.
run_target() {
    local t=$1
    # Each run keeps its crashing inputs in a directory of its own, so a rerun never hides them.
    local corpus="$OUT/corpus/$t" seeds="$OUT/seeds/$t" crashes="$OUT/crashes/$t/$(date +%Y%m%d-%H%M%S)/"
    rm -rf "$seeds"
    mkdir -p "$corpus" "$seeds" "$crashes"
    FUZZ_WRITE_SEEDS="$seeds" "$OUT/bin/$t"
    # Targets whose input is JSON or note text mutate with its tokens as well as bytes.
    local dict=()
    case $t in
        json | statement | leaf | bundle | batch) dict=(-dict="$FUZZ/dicts/json.dict") ;;
        note | checkpoint | receipt) dict=(-dict="$FUZZ/dicts/note.dict") ;;
    esac
    local start=$(date +%s) status=0
    "$OUT/bin/$t" -runs="$RUNS" -timeout="$TIMEOUT" -rss_limit_mb=2048 -len_control=0 "${dict[@]}" \
        -artifact_prefix="$crashes" -print_final_stats=1 "$corpus" "$seeds" >"$OUT/$t.log" 2>&1 || status=$?
    local seconds=$(( $(date +%s) - start ))
    local executed
    executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$t.log" | grep -o '[0-9]*$' || true)
    local found
    found=$(ls "$crashes" | grep -cE '^(crash|timeout|oom|leak)-' || true)
    printf '%-10s %10s inputs  %s crashes  %5ss\n' "$t" "${executed:-?}" "$found" "$seconds" >"$OUT/$t.summary"
    if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
        {
            echo "--- $t: libFuzzer exit $status; crashing inputs kept in $crashes:"
            ls "$crashes" | grep -E '^(crash|timeout|oom|leak)-' | sed "s|^|  $crashes|"
            grep -E 'Fatal error|property violated|ERROR: |SUMMARY: |timeout|out-of-memory' "$OUT/$t.log" | head -5 | sed 's/^/  /'
            echo "  full log: $OUT/$t.log; reproduce with $OUT/bin/$t <input>"
        } >>"$OUT/$t.summary"
        return 1
    fi
    rm -rf "$crashes"
}

echo "building ${#TARGETS[@]} targets..."
for t in "${TARGETS[@]}"; do build_target "$t"; done

echo "fuzzing ${#TARGETS[@]} targets, $RUNS inputs each, $JOBS at a time..."
rm -f "$OUT"/*.summary
failed=0
running=0
for t in "${TARGETS[@]}"; do
    run_target "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done

printf '%-10s %17s  %9s  %6s\n' target executed found time
for t in "${TARGETS[@]}"; do cat "$OUT/$t.summary"; done
if [ "$failed" -ne 0 ]; then
    echo "FAILED: crashes found (inputs kept under $OUT/crashes/)" >&2
    exit 1
fi
echo "no crashes"
exit 0
}
