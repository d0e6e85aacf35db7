#!/usr/bin/env bash
# Starts the local three-society federation (Nodes/gema.json, sacem.json, apra.json), runs
# the demo against it (Scripts/demo.sh), then the cross-node story (Scripts/story.sh: members
# of one society writing at another's node, a licence and a revocation across nodes, and the
# same answer from all three nodes once they have mirrored each other), and stops the nodes.
# Each node keeps its own signed, hash-chained log. Before the nodes start, their keys are
# made and `assent federation init` writes run/federation.json (every log, operator and
# witness; quorum 2), which each node's configuration names: every node then trusts the three societies' operators, and asks the other two to cosign its
# checkpoints (docs/federation.md). run/federation.policy is the same as a C2SP tlog-policy.
#
#   Scripts/federation.sh            build, start three nodes from scratch, run the demo and the story, stop
#   Scripts/federation.sh --keep     leave the nodes running afterwards (stop: Scripts/federation.sh --stop)
#   Scripts/federation.sh --stop     stop nodes left running
#
# Node data (databases and keys) goes to run/<society>/, which git ignores.
set -euo pipefail
cd "$(dirname "$0")/.."

societies=(gema sacem apra)
keep=false
case "${1:-}" in
    --keep) keep=true ;;
    --stop)
        for s in "${societies[@]}"; do [ -f "run/$s.pid" ] && kill "$(cat "run/$s.pid")" 2>/dev/null || true; rm -f "run/$s.pid"; done
        echo "stopped"; exit 0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    "") ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
esac

echo "== building assent (debug build, shared with swift test)"
swift build --product assent 2>&1 | tail -1
bin=.build/debug/assent

# Stop anything a previous run left behind, and start from empty logs.
for s in "${societies[@]}"; do [ -f "run/$s.pid" ] && kill "$(cat "run/$s.pid")" 2>/dev/null || true; done
rm -rf run && mkdir -p run

# SIGTERM: each node drains its requests and stops; the script waits for it (its child).
stop_nodes() {
    local status=$?
    for s in "${societies[@]}"; do [ -f "run/$s.pid" ] && kill "$(cat "run/$s.pid")" 2>/dev/null || true; done
    for s in "${societies[@]}"; do
        [ -f "run/$s.pid" ] || continue
        local pid
        pid=$(cat "run/$s.pid")
        # A node that has not drained within 30 s is killed: the script never hangs on one.
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
            echo "node $s did not stop within 30 s of SIGTERM: killed (see run/$s.log)"
        fi
        # A node that did not stop cleanly fails the run, even when the story passed.
        if wait "$pid" 2>/dev/null; then echo "node $s stopped"; else echo "node $s stopped (exit status $?; see run/$s.log)"; [ "$status" != 0 ] || status=1; fi
        rm -f "run/$s.pid"
    done
    exit "$status"
}
$keep || trap stop_nodes EXIT

# Keys are made now (as a node's first start would) so that the federation file can list them.
configs=()
for s in "${societies[@]}"; do configs+=(--config "Nodes/$s.json"); done
echo "== federation file"
"$bin" federation init "${configs[@]}" --create-keys --out run/federation.json
"$bin" federation policy run/federation.json --out run/federation.policy
sed 's/^/  /' run/federation.policy

for s in "${societies[@]}"; do
    "$bin" serve --config "Nodes/$s.json" > "run/$s.log" 2>&1 &
    echo $! > "run/$s.pid"
done

port_of() { python3 -c "import json,sys; print(json.load(open('Nodes/$1.json'))['listen'].split(':')[-1])"; }
for s in "${societies[@]}"; do
    port=$(port_of "$s")
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
        sleep 0.1
    done
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "node $s did not start; see run/$s.log" >&2; cat "run/$s.log" >&2; exit 1; }
    echo "node $s: http://127.0.0.1:$port  log key $(cat "run/$s/log.pub")"
done

Scripts/demo.sh
Scripts/story.sh

if $keep; then
    echo
    echo "nodes are still running (logs in run/*.log); stop them with Scripts/federation.sh --stop"
fi
