#!/usr/bin/env bash
# Abuse drill: one open-declaration key floods a node as fast as it can from several clients,
# while an enrolled party submits at a steady rate; then 2,000 idle connections are held open.
#
#   Scripts/abuse-drill.sh [--flood N] [--steady-rate R] [--steady N] [--idle C] [--json]
#
# Prints:
#   - the flood's statements accepted and refused (429 rate-limited), and its failed requests;
#   - the enrolled party's statements accepted and refused, and its latency p50/p99
#     (open loop: counted from each request's scheduled send time);
#   - the node's resident memory before, while holding C idle connections, and after they close.
# Goals (issue 6): the enrolled party has p99 <= 1 s and nothing refused; the flood is held to
# its key's rate; C idle connections cost at most 64 MiB (32 KiB each) of resident memory.
# Exits non-zero when a goal is missed. Everything runs on loopback, bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."

flood=60000
steady_rate=200
steady=3000
idle=2000
json=false
while [ $# -gt 0 ]; do
    case "$1" in
        --flood) flood=$2; shift 2 ;;
        --steady-rate) steady_rate=$2; shift 2 ;;
        --steady) steady=$2; shift 2 ;;
        --idle) idle=$2; shift 2 ;;
        --json) json=true; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
log() { $json || echo "$@"; }

log "== building release binaries"
swift build -c release --product assent >&2
swift build -c release --product assent-load >&2
bin=.build/release

dir=run/abuse-drill
rm -rf "$dir" && mkdir -p "$dir"
port=7190
# Open declarations on, with the default per-key limits (60 a minute, bursts of 100); the
# per-client bucket is wide so that the per-key limit is what the flood meets.
cat > "$dir/node.json" <<JSON
{"origin": "abuse.assent.example/log", "listen": "127.0.0.1:$port", "dataDirectory": "data",
 "batchSize": 1000, "batchIntervalMilliseconds": 10, "maxConnections": 4096, "idleTimeoutSeconds": 120,
 "openDeclarations": {"enabled": true, "perKeyPerMinute": 60, "perKeyBurst": 100,
                      "perClientPerMinute": 600000, "perClientBurst": 100000}}
JSON
"$bin/assent" serve --config "$dir/node.json" --log-level warning > "$dir/node.log" 2>&1 &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$node_pid/status"; }

log "== flood: one unenrolled key, $flood statements, 4 clients, as fast as they go"
"$bin/assent-load" --node "http://127.0.0.1:$port" --count "$flood" --clients 4 --batch 50 --json > "$dir/flood.json" 2> "$dir/flood.err" &
flood_pid=$!
# The flood signs all its statements before it sends the first; start the steady load once it is sending.
for _ in $(seq 1 300); do
    curl -s "http://127.0.0.1:$port/metrics" | grep -q 'reason="rate-limited"' && break
    sleep 0.1
done
log "== steady: one enrolled party, $steady statements at $steady_rate/s, during the flood"
"$bin/assent-load" --node "http://127.0.0.1:$port" --enroll-with "$dir/data/operator.key" --count "$steady" \
    --rate "$steady_rate" --clients 8 --batch 10 --json > "$dir/steady.json"
wait "$flood_pid"

log "== idle: $idle connections opened and held"
rss_before=$(rss)
python3 - "$port" "$idle" "$node_pid" > "$dir/idle.json" <<'PY'
import json, socket, sys, time
port, count, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
sockets = []
deadline = time.time() + 60
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    sockets.append(s)
    if time.time() > deadline:
        break
time.sleep(2)  # let the node accept and set up every connection
held = rss()
# The node still answers while it holds them.
probe = socket.create_connection(("127.0.0.1", port), timeout=5)
probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
answer = probe.recv(100).decode(errors="replace")
probe.close()
for s in sockets:
    s.close()
time.sleep(2)
print(json.dumps({"opened": len(sockets), "heldKiB": held, "afterKiB": rss(), "healthz": answer.split("\r\n")[0]}))
PY

python3 - "$dir" "$rss_before" "$json" "$idle" <<'PY'
import json, sys
d, before, as_json = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "true"
flood = json.load(open(f"{d}/flood.json"))
steady = json.load(open(f"{d}/steady.json"))
idle = json.load(open(f"{d}/idle.json"))
growth = idle["heldKiB"] - before
bound = 64 * 1024
# The flood's key may have its burst (100) and 60 a minute of the time it ran, and no more.
flood_minutes = flood["elapsedMs"] / 60000
flood_allowed = 100 + int(60 * flood_minutes) + 1
result = {
    "flood": {"accepted": flood["accepted"], "refused": flood["refused"], "refusals": flood.get("refusals", {}),
              "failedRequests": flood["failedRequests"], "statementsPerSecondTried": round((flood["accepted"] + flood["refused"]) / max(flood["elapsedMs"], 1) * 1000)},
    "enrolled": {"accepted": steady["accepted"], "refused": steady["refused"], "failedRequests": steady["failedRequests"],
                 "p50Ms": steady["latencyMs"]["p50"], "p99Ms": steady["latencyMs"]["p99"], "rate": steady["targetRate"]},
    "idle": {"connections": idle["opened"], "rssBeforeKiB": before, "rssHeldKiB": idle["heldKiB"], "rssAfterKiB": idle["afterKiB"],
             "growthKiB": growth, "boundKiB": bound, "healthzWhileHeld": idle["healthz"]},
}
ok = (steady["refused"] == 0 and steady["failedRequests"] == 0 and steady["latencyMs"]["p99"] <= 1000
      and flood["accepted"] <= flood_allowed and flood["refused"] > 0
      and idle["opened"] == int(sys.argv[4]) and growth <= bound and idle["healthz"].startswith("HTTP/1.1 200"))
result["flood"]["allowedAtMost"] = flood_allowed
result["flood"]["elapsedMs"] = flood["elapsedMs"]
result["ok"] = ok
if as_json:
    print(json.dumps(result))
else:
    f, e, i = result["flood"], result["enrolled"], result["idle"]
    print(f"flood (one open-declaration key, 4 clients): {f['accepted']} accepted, {f['refused']} refused {f['refusals']}, "
          f"{f['failedRequests']} failed requests, {f['statementsPerSecondTried']} statements/s tried for {f['elapsedMs'] / 1000:.1f} s "
          f"(the key's limits allow at most {f['allowedAtMost']})")
    print(f"enrolled party at {e['rate']}/s during the flood: {e['accepted']} accepted, {e['refused']} refused, "
          f"latency p50 {e['p50Ms']} ms, p99 {e['p99Ms']} ms (goal <= 1000 ms, none refused)")
    print(f"{i['connections']} idle connections: node RSS {i['rssBeforeKiB'] // 1024} MiB before, {i['rssHeldKiB'] // 1024} MiB held "
          f"(+{i['growthKiB'] // 1024} MiB, bound {i['boundKiB'] // 1024} MiB), {i['rssAfterKiB'] // 1024} MiB after; "
          f"/healthz while held: {i['healthzWhileHeld']}")
    print("abuse drill: " + ("all goals met" if ok else "GOAL MISSED"))
sys.exit(0 if ok else 1)
PY
