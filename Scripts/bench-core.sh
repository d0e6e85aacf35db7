#!/usr/bin/env bash
# Benchmarks of the core and the store, against bounds measured in the same run.
# See docs/benchmarks.md ("Core and store") for what is measured and the latest figures.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: Scripts/bench-core.sh [--leaves N] [--batch N] [--seconds S] [--rounds R] [--no-store] [--map N] [--json] [--no-build]

Builds assent-bench (release, scratch path .build-bench) and the C bound
Scripts/bench/crypto_bound.c, then measures, single-threaded:

  crypto  SHA-256 leaf hashing (MerkleTree.leafHash), Ed25519 sign (SigningKey.sign)
          and verify (PublicKey.isValidSignature) through the AssentCore wrappers,
          and the same libcrypto calls made directly from C (the bound), in
          operations per CPU-second of one thread.
          Goal: each wrapper reaches at least 90% of its bound.
          `openssl speed ed25519` is run too and shown for information.
  store   appends N leaves (default 1,000,000) to a fresh SQLite store in batches
          of 1,000 (999 signed statements + 1 epoch leaf); reports leaves/s and peak
          memory. Goal: peak RSS below 200 MB. Progress goes to stderr.

Options:
  --leaves N    leaves to append (default 1000000); a small N makes a quick run
  --batch N     leaves per batch (default 1000)
  --seconds S   CPU seconds per crypto measurement (default 2)
  --rounds R    crypto rounds (default 9). In each round every measurement runs in
                the bound and in the wrapper back to back (order flips each round);
                the reported ratio is the median of the rounds' ratios, which damps
                noise from other load on the machine; rates shown are the best round
  --no-store    crypto only (for a second look when the crypto numbers were noisy)
  --map N       also the state map (assent-bench map): N keys in batches of --batch,
                in memory and through SQLite; inserts/s, proof bytes (information)
  --json        print one JSON document on stdout instead of the table
  --no-build    use the already-built .build-bench/release/assent-bench
  -h, --help    this help

ASSENT_BIN=DIR uses the assent-bench binary in DIR (no build), as Scripts/bench-consent.sh
and Scripts/bench-replicate.sh do.
Exit status: 0 when every goal is met, 1 when one fails, 2 on a usage or build error.
USAGE
}

leaves=1000000
batch=1000
seconds=2
rounds=9
json=0
build=1
store=1
map_keys=0
while [ $# -gt 0 ]; do
    case "$1" in
        --leaves) leaves="${2:?--leaves needs a number}"; shift 2 ;;
        --batch) batch="${2:?--batch needs a number}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
        --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
        --json) json=1; shift ;;
        --no-build) build=0; shift ;;
        --no-store) store=0; shift ;;
        --map) map_keys="${2:?--map needs a number}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench-core.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for n in "$leaves" "$batch" "$rounds" "$map_keys"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "bench-core.sh: not a whole number: $n" >&2; exit 2; }
done
[[ "$seconds" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "bench-core.sh: not a number of seconds: $seconds" >&2; exit 2; }
((leaves >= 1 && batch >= 2 && rounds >= 1)) || { echo "bench-core.sh: need --leaves ≥ 1, --batch ≥ 2, --rounds ≥ 1" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { echo "bench-core: $*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-core.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Build: release, own scratch path so it never competes with other builds' folders.
if [ -n "${ASSENT_BIN:-}" ]; then
    bench="$ASSENT_BIN/assent-bench"
    [ -x "$bench" ] || { log "no assent-bench in ASSENT_BIN=$ASSENT_BIN"; exit 2; }
else
    if [ "$build" = 1 ]; then
        log "building assent-bench (release, .build-bench)"
        swift build -c release --product assent-bench --scratch-path .build-bench >&2 || { log "build failed"; exit 2; }
    fi
    bench="$(swift build -c release --scratch-path .build-bench --show-bin-path)/assent-bench"
    [ -x "$bench" ] || { log "no $bench; run without --no-build"; exit 2; }
fi

log "compiling Scripts/bench/crypto_bound.c"
cc -O2 -o "$work/crypto_bound" Scripts/bench/crypto_bound.c -lcrypto || { log "cannot compile the C bound (needs libssl-dev)"; exit 2; }

# Crypto: for each measurement the bound and the wrapper run back to back, in an order
# that flips every round, so that background load hits both alike. Each line of the
# .jsonl files is one run: {"round": r, "measurement": m, ...rates}.
leaf_bytes=400
message_bytes=300
run_bound() { "$work/crypto_bound" "$seconds" "$leaf_bytes" "$message_bytes" "$1"; }
run_wrapper() { "$bench" crypto "$seconds" "$leaf_bytes" "$message_bytes" "$1" --json; }
tag() { sed "s/^{/{\"round\": $1, /"; }
for ((r = 1; r <= rounds; r++)); do
    for m in leaf_hash sign verify; do
        log "crypto round $r/$rounds: $m"
        if ((r % 2)); then
            run_bound "$m" | tag "$r" >>"$work/bound.jsonl"
            run_wrapper "$m" | tag "$r" >>"$work/wrapper.jsonl"
        else
            run_wrapper "$m" | tag "$r" >>"$work/wrapper.jsonl"
            run_bound "$m" | tag "$r" >>"$work/bound.jsonl"
        fi
    done
done

speed_seconds="$(python3 -c "import math, sys; print(max(1, math.ceil(float(sys.argv[1]))))" "$seconds")"
log "openssl speed -seconds $speed_seconds ed25519 (for information)"
openssl speed -seconds "$speed_seconds" ed25519 >"$work/speed.txt" 2>/dev/null || true

# Store.
store_ok=1
if [ "$store" = 1 ]; then
    log "store: $leaves leaves in batches of $batch"
    "$bench" store "$leaves" "$batch" --json >"$work/store.json" || store_ok=0
fi

# State map (information only: no goal yet).
if [ "$map_keys" -gt 0 ]; then
    log "map: $map_keys keys in batches of $batch"
    "$bench" map "$map_keys" "$batch" --json >"$work/map.json" || rm -f "$work/map.json"
fi

command_line="Scripts/bench-core.sh"
[ "$leaves" != 1000000 ] && command_line+=" --leaves $leaves"
[ "$batch" != 1000 ] && command_line+=" --batch $batch"
[ "$seconds" != 2 ] && command_line+=" --seconds $seconds"
[ "$rounds" != 5 ] && command_line+=" --rounds $rounds"
[ "$store" = 0 ] && command_line+=" --no-store"
[ "$map_keys" != 0 ] && command_line+=" --map $map_keys"

python3 - "$work" "$json" "$store_ok" "$command_line" "$store" <<'PY'
import json, os, re, sys, datetime, statistics

work, as_json, store_ok, command_line = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4]
run_store = sys.argv[5] == "1"
GOAL_RATIO, GOAL_MB = 0.90, 200.0

def lines(name):
    with open(os.path.join(work, name)) as f:
        return [json.loads(l) for l in f if l.strip()]

bound, wrapper = lines("bound.jsonl"), lines("wrapper.jsonl")

def per_round(rows, key):
    """{round: rate} for the runs that measured `key`."""
    return {r["round"]: r[key] for r in rows if r.get(key) is not None}

speed = {}
try:
    text = open(os.path.join(work, "speed.txt")).read()
    m = re.search(r"Ed25519\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", text)
    if m:
        speed = {"sign": float(m.group(1)), "verify": float(m.group(2))}
except OSError:
    pass

# The ratio is the median of the per-round ratios (wrapper / bound measured back to back);
# the rates shown are the best of the rounds.
rows = []
for key, name in [("leaf_hash", "SHA-256 leaf hash (MerkleTree.leafHash)"),
                  ("sign", "Ed25519 sign (SigningKey.sign)"),
                  ("verify", "Ed25519 verify (PublicKey.isValidSignature)")]:
    w, b = per_round(wrapper, key), per_round(bound, key)
    ratios = [w[r] / b[r] for r in sorted(w) if r in b]
    ratio = statistics.median(ratios)
    rows.append({"measurement": key, "name": name, "wrapper_ops": max(w.values()), "bound_ops": max(b.values()),
                 "ratio": ratio, "round_ratios": ratios, "pass": ratio >= GOAL_RATIO,
                 "rounds": {"wrapper": [w[r] for r in sorted(w)], "bound": [b[r] for r in sorted(b)]}})
# What a key's first verification costs (a new EVP_PKEY and context), for information: the
# wrapper keeps a context per key (VerificationContexts), so the bound is the kept context's rate.
new_key, per_op = per_round(bound, "verify_new_key"), per_round(wrapper, "verify")
first_use = {"verify_new_key": max(new_key.values()),
             "ratio_vs_verify_wrapper": statistics.median([per_op[r] / new_key[r] for r in sorted(new_key) if r in per_op])}

store = None
try:
    store = json.load(open(os.path.join(work, "store.json")))
except (OSError, ValueError):
    pass
state_map = None
try:
    state_map = json.load(open(os.path.join(work, "map.json")))
except (OSError, ValueError):
    pass
store_pass = bool(store_ok and store and store.get("verified") and store["peak_rss_mb"] < GOAL_MB) if run_store else None

cpu = "unknown"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip(); break
except OSError:
    pass
ok = all(r["pass"] for r in rows) and store_pass is not False

doc = {
    "command": command_line,
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"nproc": os.cpu_count(), "cpu": cpu, "openssl": bound[0].get("openssl")},
    "crypto": {"seconds_each": bound[0]["seconds"], "leaf_bytes": bound[0]["leaf_bytes"],
               "message_bytes": bound[0]["message_bytes"], "rounds": len({r["round"] for r in bound}), "goal_ratio": GOAL_RATIO,
               "results": rows, "verify_new_key_each_call": first_use, "openssl_speed": speed},
    "map": state_map,
    "store": dict(store or {}, goal_peak_mb=GOAL_MB, **{"pass": store_pass}) if run_store else None,
    "pass": ok,
}

if as_json:
    print(json.dumps(doc, indent=2))
else:
    c = doc["crypto"]
    print(f"Assent core benchmark  {doc['date']}  {cpu}, {os.cpu_count()} cores, {doc['machine']['openssl']}")
    print(f"\nCrypto, single thread, per CPU-second, {c['seconds_each']:g} s a measurement, {c['rounds']} rounds"
          f" (leaf {c['leaf_bytes']} B, message {c['message_bytes']} B)")
    print("  rates: best round; ratio: median over rounds of wrapper/bound measured back to back")
    print(f"  {'measurement':<46} {'wrapper/s':>12} {'bound/s':>12} {'ratio':>7}  goal ≥ {GOAL_RATIO:.2f}")
    for r in rows:
        print(f"  {r['name']:<46} {r['wrapper_ops']:>12,.0f} {r['bound_ops']:>12,.0f} {r['ratio']:>7.3f}  {'PASS' if r['pass'] else 'FAIL'}")
    print(f"  {'  verify with a new EVP_PKEY and context a call':<46} {'':>12} {first_use['verify_new_key']:>12,.0f}"
          f" {first_use['ratio_vs_verify_wrapper']:>7.3f}  (information: a key's first verification)")
    if speed:
        print(f"  openssl speed ed25519 (information): sign {speed['sign']:,.0f}/s, verify {speed['verify']:,.0f}/s")
    print()
    if store:
        s = store
        print(f"Store: {s['leaves']:,} leaves, {s['batches']:,} batches of {s['batch']:,} ({s['batch_shape']}),"
              f" average leaf {s['avg_leaf_bytes']:.0f} B")
        print(f"  append rate        {s['leaves_per_second']:>12,.0f} leaves/s  ({s['timed_seconds']:.1f} s timed;"
              f" statement signing {s['statement_signing_seconds']:.1f} s untimed; wall {s['wall_seconds']:.1f} s)")
        print(f"    of which         building leaves {s['leaf_building_seconds']:.1f} s, LogStore.append {s['append_seconds']:.1f} s")
        if len(s.get("leaves_per_second_by_100k", [])) > 1:
            print("  by 100,000 leaves  " + " ".join(f"{r / 1000:.1f}k" for r in s["leaves_per_second_by_100k"]) + "  leaves/s")
        if len(s.get("bytes_written_per_leaf_by_100k", [])) > 1:
            print("  written a leaf     " + " ".join(f"{b / 1024:.1f}k" for b in s["bytes_written_per_leaf_by_100k"]) + "  bytes, by 100,000 leaves")
        print(f"  peak RSS           {s['peak_rss_mb']:>12.1f} MB        goal < {GOAL_MB:.0f} MB  {'PASS' if store_pass else 'FAIL'}")
        print(f"  database on disk   {s['db_bytes'] / 1048576:>12.1f} MB        ({s['bytes_written'] / 1048576:,.0f} MB written in all)")
        print(f"  reopen + verify    size {s['reopened_size']:,}, checkpoint {s['checkpoint_size']:,}:"
              f" {'OK' if s['verified'] else 'MISMATCH'} ({s['reopen_seconds']:.2f} s)")
    elif run_store:
        print("Store: the benchmark failed (see the error above)  FAIL")
    else:
        print("Store: not run (--no-store)")
    if state_map:
        m = state_map
        print(f"\nState map: {m['keys']:,} keys in batches of {m['batch']:,}, {m['nodes']:,} nodes (information)")
        print(f"  inserts/s          in memory {m['memory_inserts_per_s']:,.0f}, through SQLite {m['sqlite_inserts_per_s']:,.0f}")
        print(f"  proof bytes        present mean {m['proof_bytes_present_mean']:.0f} (max {m['proof_bytes_present_max']}),"
              f" absent mean {m['proof_bytes_absent_mean']:.0f} (max {m['proof_bytes_absent_max']}); leaf depth mean {m['leaf_depth_mean']:.1f}")
        print(f"  proofs/s           from SQLite {m['proofs_per_s_sqlite']:,.0f}, verified {m['verifies_per_s']:,.0f}/s;"
              f" database {m['sqlite_bytes'] / 1048576:.1f} MB, peak RSS {m['peak_rss_mb']:.0f} MB")
    print(f"\nOverall: {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
