#!/usr/bin/env bash
# Partition drill: three federated nodes (GEMA, SACEM, APRA), each in its own network
# namespace, joined by veth pairs to a bridge. All three take load; then APRA's link is cut
# while every node keeps writing (APRA's load comes from inside its own namespace, so it goes
# on writing alone, its checkpoints below quorum); then the link is healed. The drill prints
# how long the federation took to catch up, and fails (exit 1) unless, with no further
# writes, every node ends holding the same checkpoint (size and root) of every log, its own
# and its mirrors of the other two, every log's latest checkpoint carries the quorum of
# cosignatures, nothing was kept as equivocation evidence, a last round of writes is
# cosigned again, and every node gives the same answer (POST /v1/check at one time) for works
# written to each node before, during and after the cut.
#
#   Scripts/partition-drill.sh [--statements N] [--rate R] [--partition-seconds S] [--timeout S]
#
#   --statements N        statements per node while the link is cut (default 3000; a quarter of
#                         that to each node before the cut and after the heal)
#   --rate R              statements/s sent to each node (default 100)
#   --partition-seconds S the link stays down at least this long (default 30)
#   --timeout S           longest wait for catching up, after the heal (default 120)
#
# Needs: root (network namespaces, veth, a bridge; `ip` from iproute2), curl, python3 and the
# Swift toolchain (it builds assent and assent-load, debug). Without root or `ip netns` it
# says so and exits 0. It uses the addresses 198.18.77.0/24 (RFC 2544 benchmarking), the
# namespaces assent-drill-* and the links asdrill*, and removes them on any exit. Node data
# and logs go to run/partition-drill/.
set -euo pipefail
cd "$(dirname "$0")/.."

statements=3000
rate=100
partition_seconds=30
timeout=120
while [ $# -gt 0 ]; do
    case "$1" in
        --statements) statements=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --partition-seconds) partition_seconds=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

skip() { echo "partition drill skipped: $1"; exit 0; }
[ "$(id -u)" = 0 ] || skip "it needs root, to make network namespaces, veth pairs and a bridge"
command -v ip >/dev/null || skip "no ip command (iproute2)"
for tool in curl python3; do command -v "$tool" >/dev/null || { echo "partition drill needs $tool" >&2; exit 2; }; done
ip netns add assent-drill-probe 2>/dev/null || skip "ip netns add failed: network namespaces are unavailable here"
ip netns del assent-drill-probe
ip link add asdrill-probe type bridge 2>/dev/null || skip "cannot make a bridge (no bridge support in this kernel)"
ip link del asdrill-probe

societies=(gema sacem apra)
declare -A address=([gema]=198.18.77.11 [sacem]=198.18.77.12 [apra]=198.18.77.13)
port=7101
cut=apra
bridge=asdrill0
dir=run/partition-drill
url() { echo "http://${address[$1]}:$port"; }

pids=()
# A subshell, so that its `set +e` cannot outlive it: it also runs before the drill, and errexit
# must hold for the rest of the script (a failed build would otherwise go on to test old binaries).
cleanup() (
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    # The veth pairs go first, by their root ends: a deleted namespace's links vanish only when
    # the kernel gets round to it, and a quick rerun would find their names taken.
    for s in "${societies[@]}"; do ip link del "asdrill-$s" 2>/dev/null; ip netns del "assent-drill-$s" 2>/dev/null; done
    ip link del "$bridge" 2>/dev/null
    true
)
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup   # what an earlier run killed with -9 left behind

echo "== building (debug)"
mkdir -p run
for product in assent assent-load; do
    swift build --product "$product" > "run/partition-drill-build.log" 2>&1 || { tail -20 run/partition-drill-build.log >&2; echo "FAIL: swift build --product $product" >&2; exit 2; }
    tail -1 run/partition-drill-build.log
done
bin=.build/debug

echo "== network: bridge $bridge 198.18.77.1/24; a namespace and a veth pair per node"
ip link add "$bridge" type bridge
ip addr add 198.18.77.1/24 dev "$bridge"
ip link set "$bridge" up
for s in "${societies[@]}"; do
    ns=assent-drill-$s
    ip netns add "$ns"
    ip link add "asdrill-$s" type veth peer name eth0 netns "$ns"
    ip link set "asdrill-$s" master "$bridge" up
    ip -n "$ns" addr add "${address[$s]}/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
done

rm -rf "$dir" && mkdir -p "$dir"
configs=()
for s in "${societies[@]}"; do
    cat > "$dir/$s.json" <<JSON
{"origin": "$s.assent.example/log", "society": "$s (partition drill)", "listen": "${address[$s]}:$port",
 "dataDirectory": "$s", "federation": "federation.json", "batchSize": 200, "batchIntervalMilliseconds": 25,
 "epochIntervalSeconds": 60, "clockWindowPastSeconds": 86400, "clockWindowFutureSeconds": 300}
JSON
    configs+=(--config "$dir/$s.json")
done
"$bin/assent" federation init "${configs[@]}" --create-keys --out "$dir/federation.json" > /dev/null

# The checks read every node over HTTP: its own checkpoint, its peers' status and its mirrors.
cat > "$dir/federation_state.py" <<'PY'
import base64, hashlib, json, sys, urllib.request

federation = json.load(open(sys.argv[1]))
logs = {log["origin"]: log["url"] for log in federation["logs"]}
witness_ids = {}
for w in federation["witnesses"]:
    name, key_id, _ = w["key"].split("+", 2)
    witness_ids[name] = bytes.fromhex(key_id)

def get(url):
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.read().decode()

def checkpoint(note):
    body, _, signatures = note.partition("\n\n")
    origin, size, root = body.split("\n")[:3]
    # Cosignatures by the federation's witnesses, recognised by name and key ID (the node
    # verified each before storing it; a verifier outside would verify them again).
    cosigners = set()
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[1] in witness_ids and base64.b64decode(parts[2])[:4] == witness_ids[parts[1]]:
            cosigners.add(parts[1])
    return int(size), root, cosigners

def state():
    """Per node (origin): its own checkpoint, the mirrors' checkpoints by origin, its peers and evidence."""
    out = {}
    for node, url in logs.items():
        own = checkpoint(get(url + "checkpoint"))
        peers = json.loads(get(url + "v1/peers"))["peers"]
        mirrors = {p["origin"]: checkpoint(get(url + p["mirror"].lstrip("/") + "checkpoint")) for p in peers}
        evidence = len(json.loads(get(url + "v1/evidence"))["evidence"])
        out[node] = {"own": own, "mirrors": mirrors, "peers": peers, "evidence": evidence}
    return out

def converged(s):
    """Every node's mirror of every log is at that log's own checkpoint (size and root)."""
    return all(s[other]["mirrors"].get(origin, (0, ""))[:2] == s[origin]["own"][:2]
               for origin in logs for other in logs if other != origin)

def cosigned(s):
    return all(len(s[origin]["own"][2]) >= federation["quorum"] for origin in logs)

def short(origin):
    return origin.split(".")[0]

def table(s):
    print("  %-8s" % "log" + "".join("%-30s" % ("at " + short(n)) for n in logs))
    for origin in logs:
        cells = []
        for node in logs:
            size, root, cosigners = s[node]["own"] if node == origin else s[node]["mirrors"].get(origin, (0, "-", set()))
            mark = " (own, %d cos.)" % len(cosigners) if node == origin else ""
            cells.append("%-30s" % ("%d %s%s" % (size, root[:8], mark)))
        print("  %-8s" % short(origin) + "".join(cells))

def answers(works):
    """Every node's answer for `works` at one time T (POST /v1/check), without its head line,
    which names the node answering; each work must have a recorded value. The load's declarants
    are enrolled but hold no mandate over its works: their preferences count only as unverified
    declarants (`unverified=count`; docs/node.md "State of works")."""
    at = sys.argv[3]
    body = (json.dumps({"at": at, "unverified": "count"}) + "\n" + "".join(json.dumps(w) + "\n" for w in works)).encode()
    out = {}
    for node, url in logs.items():
        request = urllib.request.Request(url + "v1/check", data=body, headers={"Content-Type": "application/x-ndjson"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            out[node] = reply.read().decode().splitlines()[1:]
    return out

command = sys.argv[2]
if command == "answers":
    works = sys.argv[4:]
    try:
        a = answers(works)
    except Exception as error:
        print("FAIL: unreachable: %s" % error)
        sys.exit(1)
    problems = []
    first = next(iter(logs))
    for node in logs:
        if a[node] != a[first]:
            differing = [w for w, x, y in zip(works, a[first], a[node]) if x != y]
            problems.append("%s and %s answer differently (%d lines; works %s)" % (short(first), short(node), len(a[node]), differing[:3]))
    lines = [json.loads(line) for line in a[first]]
    if len(lines) != len(works) + 1 or lines[-1].get("end", {}).get("works") != len(works):
        problems.append("%s's answer is not whole: %d lines for %d works" % (short(first), len(lines), len(works)))
    for work, line in zip(works, lines):
        if line.get("work") != work or not line.get("values") or not line.get("refs"):
            problems.append("%s: no recorded value in %s" % (work, json.dumps(line)[:200]))
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print("  the same answer from %s for %d works at %s (SHA-256 %s)" % (", ".join(short(n) for n in logs), len(works), sys.argv[3],
              hashlib.sha256("\n".join(a[first]).encode()).hexdigest()[:16]))
    sys.exit(1 if problems else 0)
try:
    s = state()
except Exception as error:
    print("unreachable: %s" % error)
    sys.exit(3)
if command == "converged":
    sys.exit(0 if converged(s) else 1)
if command == "cosigned":
    sys.exit(0 if cosigned(s) else 1)
if command == "table":
    table(s)
if command == "final":
    table(s)
    problems = []
    for origin in logs:
        for other in logs:
            if other != origin and s[other]["mirrors"].get(origin, (0, ""))[:2] != s[origin]["own"][:2]:
                problems.append("%s's mirror of %s is %s, not %s" % (short(other), short(origin), s[other]["mirrors"].get(origin), s[origin]["own"][:2]))
        if len(s[origin]["own"][2]) < federation["quorum"]:
            problems.append("%s's latest checkpoint has %d cosignatures, quorum %d" % (short(origin), len(s[origin]["own"][2]), federation["quorum"]))
        if s[origin]["evidence"]:
            problems.append("%s keeps %d pieces of evidence" % (short(origin), s[origin]["evidence"]))
        for p in s[origin]["peers"]:
            if p["state"] != "following":
                problems.append("%s follows %s in state %s (%s)" % (short(origin), short(p["origin"]), p["state"], p.get("lastError", "")))
    for p in problems:
        print("FAIL: " + p)
    sys.exit(1 if problems else 0)
PY
fed_state() { python3 "$dir/federation_state.py" "$dir/federation.json" "$@"; }

echo "== nodes"
for s in "${societies[@]}"; do
    ip netns exec "assent-drill-$s" "$bin/assent" serve --config "$dir/$s.json" --log-level warning > "$dir/$s.log" 2>&1 &
    pids+=($!)
done
for s in "${societies[@]}"; do
    for _ in $(seq 1 200); do curl -sf "$(url "$s")/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -sf "$(url "$s")/healthz" >/dev/null || { echo "node $s did not start; see $dir/$s.log" >&2; tail -20 "$dir/$s.log" >&2; exit 1; }
    echo "  $s: $(url "$s") in namespace assent-drill-$s"
done

# Load to one node: `load <society> <count> <tag>`, in the background, from inside the node's
# namespace when it is cut off (its clients are on its side of the partition).
load() {
    local s=$1 count=$2 tag=$3 netns=()
    [ "${4:-}" = inside ] && netns=(ip netns exec "assent-drill-$s")
    "${netns[@]}" "$bin/assent-load" --node "$(url "$s")" --enroll-with "$dir/$s/operator.key" --count "$count" --rate "$rate" \
        --clients 4 --batch 20 --retry --prefix "$tag-$s" --json > "$dir/load-$tag-$s.json" 2> "$dir/load-$tag-$s.err" &
    pids+=($!)
    echo $! > "$dir/load-$tag-$s.pid"
}
wait_loads() {
    local tag=$1
    for s in "${societies[@]}"; do
        [ -f "$dir/load-$tag-$s.pid" ] || continue
        wait "$(cat "$dir/load-$tag-$s.pid")" || { echo "FAIL: load $tag to $s failed; see $dir/load-$tag-$s.err" >&2; exit 1; }
        printf "  %-6s %s\n" "$s" "$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%d accepted, %d refused, %d failed requests retried' % (r['accepted'], r['refused'], r.get('failedRequests', 0)))" "$dir/load-$tag-$s.json" 2>/dev/null || cat "$dir/load-$tag-$s.json")"
    done
}
# `wait_for <what> <seconds>`: polls `fed_state <what>` every 0.2 s; prints the seconds it took.
wait_for() {
    local what=$1 limit=$2 start now
    start=$(date +%s.%N)
    while true; do
        fed_state "$what" >/dev/null 2>&1 && break
        now=$(date +%s.%N)
        if python3 -c "import sys; sys.exit(0 if $now - $start > $limit else 1)"; then return 1; fi
        sleep 0.2
    done
    now=$(date +%s.%N)
    python3 -c "print('%.1f' % ($now - $start))"
}

quarter=$(( (statements + 3) / 4 ))
echo "== before the cut: $quarter statements to each node at $rate/s"
for s in "${societies[@]}"; do load "$s" "$quarter" before; done
wait_loads before
t=$(wait_for converged "$timeout") || { fed_state table; echo "FAIL: the federation did not converge before the cut" >&2; exit 1; }
echo "  every node mirrors every log after ${t}s"
fed_state table

echo "== cut: $cut's link down (ip link set asdrill-$cut down); $statements statements to each node, $cut's from inside its namespace"
cut_at=$(date +%s.%N)
ip link set "asdrill-$cut" down
for s in "${societies[@]}"; do
    if [ "$s" = "$cut" ]; then load "$s" "$statements" during inside; else load "$s" "$statements" during; fi
done
wait_loads during
while python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $cut_at < $partition_seconds else 1)"; do sleep 0.5; done
own_cut=$(ip netns exec "assent-drill-$cut" curl -sf "$(url "$cut")/checkpoint" | sed -n 2p)
echo "  after $(python3 -c "print('%.0f' % ($(date +%s.%N) - $cut_at))")s: $cut's own log at $own_cut, as the others see it:"
for s in "${societies[@]}"; do
    [ "$s" = "$cut" ] && continue
    curl -sf "$(url "$s")/v1/peers" | python3 -c "
import json, sys
for p in json.load(sys.stdin)['peers']:
    if p['origin'].startswith('$cut.'):
        print('    %-6s mirrors %s at %d, state %s, %d failures: %s' % ('$s', p['origin'], p['mirroredSize'], p['state'], p['failures'], p.get('lastError', '')[:100]))"
done
ip netns exec "assent-drill-$cut" curl -sf "$(url "$cut")/checkpoint" | python3 -c "
import sys
note = sys.stdin.read()
print('    $cut\'s latest checkpoint carries %d signature lines (its own included): below quorum while cut off' % note.split('\n\n', 1)[1].count('\n'))"

echo "== heal: $cut's link up; no more writes"
ip link set "asdrill-$cut" up
partition=$(python3 -c "print('%.0f' % ($(date +%s.%N) - $cut_at))")
caught=$(wait_for converged "$timeout") || { fed_state final; echo "FAIL: not caught up ${timeout}s after the heal" >&2; exit 1; }
echo "  caught up: every node mirrors every log at its own checkpoint ${caught}s after the heal"
cosigned=$(wait_for cosigned "$timeout") || { fed_state final; echo "FAIL: cosignatures did not reach the quorum ${timeout}s after the heal" >&2; exit 1; }
echo "  every log's latest checkpoint has the quorum of cosignatures ${cosigned}s later"
fed_state final

echo "== after the heal: $quarter statements to each node"
for s in "${societies[@]}"; do load "$s" "$quarter" after; done
wait_loads after
t=$(wait_for converged "$timeout") || { fed_state final; echo "FAIL: not converged after the last writes" >&2; exit 1; }
t2=$(wait_for cosigned "$timeout") || { fed_state final; echo "FAIL: the last writes were not cosigned" >&2; exit 1; }
echo "  mirrored everywhere ${t}s after the load ended, every latest checkpoint at quorum ${t2}s after that"
fed_state final

echo "== answers: every node asked about works written to each node before, during and after the cut"
works=()
for tag in before during after; do
    count=$quarter
    [ "$tag" = during ] && count=$statements
    for s in "${societies[@]}"; do
        for n in 0 $((count / 2)) $((count - 1)); do works+=("local:load.example/$tag-$s-$n"); done
    done
done
fed_state answers "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "${works[@]}" || { echo "FAIL: the nodes do not give the same answers" >&2; exit 1; }
echo
echo "partition drill: $cut cut off for ${partition}s while all three wrote;" \
     "caught up ${caught}s after the heal, quorum ${cosigned}s after that; same checkpoint of every log on every node and the same answers, no evidence"
