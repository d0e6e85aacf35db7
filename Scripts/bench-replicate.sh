#!/usr/bin/env bash
# The replicator's throughput: a follower replicating a log of N entries over HTTP, as a ratio of
# one core's Ed25519 verify rate measured in the same run. See docs/benchmarks.md ("Replication").
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: Scripts/bench-replicate.sh [--entries N] [--seconds S] [--json] [--no-build] [--keep] [--source DIR]

Builds assent and assent-bench (release, scratch path .build-bench), then:

  1. writes a source log of N entries (default 1,000,000; a multiple of 1,000: batches of
     999 signed preferences and an epoch leaf) into a node's data directory;
  2. serves it with `assent serve` on a free loopback port;
  3. in its own process, measures one core's Ed25519 verify rate (PublicKey.isValidSignature,
     as `assent-bench crypto verify`), then has a replicator follow the source into a fresh
     mirror: every hash tile and entry bundle fetched (gzip) and authenticated against the
     signed checkpoint, every statement signature verified (on all cores), every leaf
     replayed, every epoch's map root recomputed by the mirror store; then measures the verify
     rate again and takes the greater of the two as the bound;
  4. prints entries verified and stored per second, its ratio to the verify rate (goal ≥ 1.0:
     verification on both cores) and the follower's peak memory (VmHWM); and a note when the
     verify rate moved by more than 10% between before and after (the machine's speed changed
     during the run: run again for a figure to quote).

Options:
  --entries N   entries in the source log (default 1000000)
  --seconds S   CPU seconds of the verify measurement (default 2)
  --json        print the follower's JSON result instead of text
  --no-build    use the already-built binaries in .build-bench/release
  --keep        keep the work directory (printed)
  --source DIR  serve the source log in DIR (the "source" directory of a run kept with
                --keep) instead of writing one: the follower then replicates all of it
                (--entries is ignored). A source node that served once may have logged a
                few leaves of its own since.
  -h, --help    this help

The source node and the follower share the machine: the rate includes serving.
ASSENT_BIN=DIR uses the assent and assent-bench binaries in DIR (no build), as
Scripts/bench-consent.sh does.
Exit status: 0 when the goal is met, 1 when it is not, 2 on a usage, build or run error.
USAGE
}

entries=1000000
seconds=2
json=0
build=1
keep=0
source=""
while [ $# -gt 0 ]; do
    case "$1" in
        --entries) entries="${2:?--entries needs a number}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
        --json) json=1; shift ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        --source) source="${2:?--source needs a directory}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench-replicate.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ "$entries" =~ ^[0-9]+$ ]] && ((entries >= 1000 && entries % 1000 == 0)) || { echo "bench-replicate.sh: --entries must be a positive multiple of 1000" >&2; exit 2; }
[[ "$seconds" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "bench-replicate.sh: not a number of seconds: $seconds" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { echo "bench-replicate: $*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-replicate.XXXXXX")"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [ -n "${ASSENT_BIN:-}" ]; then
    build=0
fi
if [ "$build" = 1 ]; then
    log "building assent and assent-bench (release, .build-bench)"
    swift build -c release --product assent-bench --scratch-path .build-bench >&2 || { log "build failed"; exit 2; }
    swift build -c release --product assent --scratch-path .build-bench >&2 || { log "build failed"; exit 2; }
fi
if [ -n "${ASSENT_BIN:-}" ]; then
    bin=$ASSENT_BIN
else
    bin="$(swift build -c release --scratch-path .build-bench --show-bin-path)"
fi
[ -x "$bin/assent-bench" ] && [ -x "$bin/assent" ] || { log "no binaries in $bin; run without --no-build"; exit 2; }

if [ -n "$source" ]; then
    [ -f "$source/node.sqlite" ] && [ -f "$source/log.pub" ] || { log "no source log in $source (node.sqlite, log.pub)"; exit 2; }
    source="$(cd "$source" && pwd)"
    vkey="$(cat "$source/log.pub")"
    log "serving the source log in $source"
else
    source="$work/source"
    log "writing a source log of $entries entries"
    vkey="$("$bin/assent-bench" replicate-source "$entries" --dir "$source")"
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/source.json" <<JSON
{"origin": "bench.assent.example/log", "listen": "127.0.0.1:$port", "dataDirectory": "$source"}
JSON
log "serving it on 127.0.0.1:$port (opening a large store rebuilds its map and index first)"
"$bin/assent" serve --config "$work/source.json" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 1200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { log "the source node stopped:"; cat "$work/server.log" >&2; exit 2; }
    sleep 0.5
done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { log "the source node did not come up in 10 minutes"; exit 2; }

log "following it"
flags=()
[ "$json" = 1 ] && flags+=(--json)
# A run error exits 2, as the usage says; under `set -e` alone a failed follower or an
# unreadable result would exit 1, which says "goal missed".
"$bin/assent-bench" replicate-follow "http://127.0.0.1:$port/" "$vkey" "$seconds" --dir "$work/follower" "${flags[@]}" | tee "$work/result.txt" \
    || { log "the follower failed"; exit 2; }
if [ "$json" = 1 ]; then
    ratio="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ratio"])' "$work/result.txt")" || { log "no ratio in the follower's JSON"; exit 2; }
else
    ratio="$(sed -n 's/^ratio: \([0-9.]*\).*/\1/p' "$work/result.txt")"
fi
[[ "$ratio" =~ ^[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]] || { log "no ratio in the follower's output"; exit 2; }
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 1.0 else 1)' "$ratio"
