#!/usr/bin/env bash
# Crash drill: under steady load, kill -9 the node at random moments, restart it, and check
# that every statement that got a receipt is in the log, that the chain and the tree verify,
# and that no two checkpoints conflict.
#
#   Scripts/crash-drill.sh [--kills N] [--statements N] [--rate R]
#
# Defaults: 25 kills, 18,000 statements at 400 statements/s (4 clients, batches of 20).
# The load generator retries a request whose connection died; that is safe because a node
# logs the same statement once and answers a repeat with the same leaf.
set -euo pipefail
cd "$(dirname "$0")/.."

kills=25
statements=18000
rate=400
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills=$2; shift 2 ;;
        --statements) statements=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

echo "== building (debug)"
swift build --product assent 2>&1 | tail -1
swift build --product assent-load 2>&1 | tail -1
bin=.build/debug

dir=run/crash-drill
rm -rf "$dir" && mkdir -p "$dir"
cat > "$dir/node.json" <<JSON
{"origin": "drill.assent.example/log", "listen": "127.0.0.1:7190", "dataDirectory": "data",
 "batchSize": 200, "batchIntervalMilliseconds": 20}
JSON
node_url=http://127.0.0.1:7190

node_pid=
start_node() {
    "$bin/assent" serve --config "$dir/node.json" --log-level warning >> "$dir/node.log" 2>&1 &
    node_pid=$!
    for _ in $(seq 1 200); do
        curl -sf "$node_url/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$node_pid" 2>/dev/null || { echo "node exited on restart; see $dir/node.log" >&2; tail -20 "$dir/node.log" >&2; exit 1; }
        sleep 0.05
    done
    echo "node did not come up; see $dir/node.log" >&2
    exit 1
}
cleanup() { [ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null || true; [ -n "${load_pid:-}" ] && kill "$load_pid" 2>/dev/null || true; }
trap cleanup EXIT

start_node
echo "== load: $statements statements at $rate/s; killing the node $kills times"
"$bin/assent-load" --node "$node_url" --enroll-with "$dir/data/operator.key" --count "$statements" --rate "$rate" --clients 4 --batch 20 --retry \
    --receipts "$dir/receipts.ndjson" --json > "$dir/load.json" 2> "$dir/load.err" &
load_pid=$!

done_kills=0
while [ "$done_kills" -lt "$kills" ]; do
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.2, 1.2), 2))')"
    kill -0 "$load_pid" 2>/dev/null || { echo "load finished before all kills ($done_kills so far); use more --statements" >&2; break; }
    kill -9 "$node_pid"
    wait "$node_pid" 2>/dev/null || true
    done_kills=$((done_kills + 1))
    printf "kill %d: receipts so far %d\n" "$done_kills" "$(wc -l < "$dir/receipts.ndjson")"
    start_node
done

echo "== waiting for the load to finish"
wait "$load_pid"
load_pid=
cat "$dir/load.json"

echo "== checks"
receipts=$(wc -l < "$dir/receipts.ndjson")
"$bin/assent" audit --node "$node_url" --log-key "$(cat "$dir/data/log.pub")" --receipts "$dir/receipts.ndjson"
echo
echo "crash drill: $done_kills kills (kill -9), $receipts receipts, every receipt in the log, chain and tree verified, no conflicting checkpoints"
[ "$done_kills" -ge "$kills" ] || { echo "FAIL: only $done_kills of $kills kills happened" >&2; exit 1; }
