#!/usr/bin/env bash
# Node benchmark: concurrent clients submit statements over HTTP to one node, on this machine.
#
#   Scripts/bench-node.sh [--statements N] [--clients C] [--batch B] [--json]
#
# Prints, from one run (the machine's speed drifts, so the bound is measured twice and the
# higher figure is used, which can only make the ratio stricter):
#   - peak statements/s accepted with receipts (each receipt backed by a durable signed checkpoint);
#   - that rate as a ratio of one core's OpenSSL Ed25519 verify rate, measured in the same run
#     (`openssl speed -seconds 3 ed25519`), since every statement costs the node one verify;
#   - submit-to-receipt latency p50/p99 at half the peak rate (open loop: latency counts from
#     each request's scheduled send time);
#   - the node's CPU time per statement in the peak run (user + system, from /proc), also as a
#     multiple of one Ed25519 verification: a figure that other load on the machine moves less
#     than the rate.
# ASSENT_BIN=DIR benchmarks the binaries in DIR instead of building this tree (for a
# before/after comparison: build the older commit in a worktree and point DIR at it).
# Goals (issue 3): ratio >= 0.5 and p99 <= 1 s, with the load generator on the same two cores.
# Exits non-zero when a goal is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

statements=60000
clients=16
batch=100
json=false
while [ $# -gt 0 ]; do
    case "$1" in
        --statements) statements=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --json) json=true; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
log() { $json || echo "$@"; }

if [ -n "${ASSENT_BIN:-}" ]; then
    bin=$ASSENT_BIN
else
    log "== building release binaries"
    swift build -c release --product assent >&2
    swift build -c release --product assent-load >&2
    bin=.build/release
fi

verify_bound() { openssl speed -seconds 3 ed25519 2>/dev/null | awk '/Ed25519\)/ && $NF ~ /^[0-9.]+$/ {print $NF}' | tail -1; }
log "== bound: OpenSSL Ed25519 verify on one core (measured before and after the peak run; the higher counts)"
verify_before=$(verify_bound)
log "   before: $verify_before verify/s"

dir=run/bench-node
rm -rf "$dir" && mkdir -p "$dir"
cat > "$dir/node.json" <<JSON
{"origin": "bench.assent.example/log", "listen": "127.0.0.1:7180", "dataDirectory": "data",
 "batchSize": 1000, "batchIntervalMilliseconds": 10}
JSON
"$bin/assent" serve --config "$dir/node.json" --log-level warning > "$dir/node.log" 2>&1 &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:7180/healthz >/dev/null && break; sleep 0.1; done
# Older load generators had no --enroll-with (their nodes took any signed statement).
enroll=()
if "$bin/assent-load" --help 2>&1 | grep -q -- --enroll-with; then enroll=(--enroll-with "$dir/data/operator.key"); fi
cpu_ticks() { awk '{print $14 + $15}' "/proc/$node_pid/stat"; }

log "== warm-up"
"$bin/assent-load" --node http://127.0.0.1:7180 "${enroll[@]}" --count 5000 --clients "$clients" --batch "$batch" --json > "$dir/warmup.json"

log "== peak: $statements statements, $clients clients, batches of $batch"
ticks_before=$(cpu_ticks)
"$bin/assent-load" --node http://127.0.0.1:7180 "${enroll[@]}" --count "$statements" --clients "$clients" --batch "$batch" --json > "$dir/peak.json"
ticks_after=$(cpu_ticks)
peak=$(python3 -c "import json; print(json.load(open('$dir/peak.json'))['statementsPerSecond'])")
log "   $(cat "$dir/peak.json")"

verify_after=$(verify_bound)
log "   bound after the peak run: $verify_after verify/s"
verify_rate=$(python3 -c "print(max($verify_before, $verify_after))")

half=$((peak / 2))
count=$((half * 20))
log "== latency at half the peak rate: $half statements/s for 20 s"
"$bin/assent-load" --node http://127.0.0.1:7180 "${enroll[@]}" --count "$count" --rate "$half" --clients $((clients * 4)) --batch "$batch" --json > "$dir/half.json"
log "   $(cat "$dir/half.json")"

"$bin/assent" audit --node http://127.0.0.1:7180 --log-key "$(cat "$dir/data/log.pub")" --json > "$dir/audit.json"

python3 - "$dir" "$verify_rate" "$json" "$((ticks_after - ticks_before))" "$(getconf CLK_TCK)" "$statements" <<'PY'
import json, sys
d, verify, as_json = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "true"
cpu_us = int(sys.argv[4]) / int(sys.argv[5]) / int(sys.argv[6]) * 1e6  # node CPU µs per statement, peak run
peak = json.load(open(f"{d}/peak.json")); half = json.load(open(f"{d}/half.json")); audit = json.load(open(f"{d}/audit.json"))
ratio = peak["statementsPerSecond"] / verify
p50, p99 = half["latencyMs"]["p50"], half["latencyMs"]["p99"]
ok = ratio >= 0.5 and p99 <= 1000 and peak["refused"] == 0 and half["refused"] == 0 and audit["ok"]
result = {"verifyPerSecondOneCore": verify, "peakStatementsPerSecond": peak["statementsPerSecond"], "ratio": round(ratio, 3),
          "halfRate": half["targetRate"], "achievedAtHalf": half["statementsPerSecond"], "p50Ms": p50, "p99Ms": p99,
          "clients": peak["clients"], "batch": peak["batch"], "nodeCpuMicrosecondsPerStatement": round(cpu_us, 1),
          "nodeCpuPerStatementInVerifies": round(cpu_us * verify / 1e6, 2), "logAudited": audit, "goalsMet": ok}
if as_json:
    print(json.dumps(result))
else:
    print()
    print(f"| measurement | value |")
    print(f"| --- | --- |")
    print(f"| OpenSSL Ed25519 verify, one core (bound) | {verify:,.0f} /s |")
    print(f"| peak statements accepted with receipts | {peak['statementsPerSecond']:,} /s ({peak['clients']} clients, batches of {peak['batch']}) |")
    print(f"| ratio to the bound (goal >= 0.5) | {ratio:.2f} {'PASS' if ratio >= 0.5 else 'FAIL'} |")
    print(f"| latency at {half['targetRate']:,}/s (half the peak): p50 / p99 (goal p99 <= 1 s) | {p50} ms / {p99} ms {'PASS' if p99 <= 1000 else 'FAIL'} |")
    print(f"| node CPU per statement in the peak run (user + system) | {cpu_us:.1f} µs = {cpu_us * verify / 1e6:.2f} verifications |")
    print(f"| log audited after the run | {audit['size']:,} leaves, {audit['statements']:,} statements: OK |")
sys.exit(0 if ok else 1)
PY
