#!/usr/bin/env bash
# Schemathesis against docs/openapi.yaml on a live node: every documented route, generated
# inputs, every check (a 5xx is a server error: a bug). Usage: Scripts/schemathesis.sh [max examples]
# Needs `pip install schemathesis` and a `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
max=${1:-100}
bin=.build/debug/assent
[ -x "$bin" ] || swift build
command -v st >/dev/null || { echo "schemathesis is not installed: pip install schemathesis" >&2; exit 2; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Open declarations on, with generous limits, so generated statements that pass the type
# rules reach the sequencer instead of stopping at `not-enrolled`.
cat > "$dir/node.json" <<JSON
{"origin": "schemathesis.assent.example/log", "listen": "127.0.0.1:$port", "dataDirectory": "$dir/data",
 "batchIntervalMilliseconds": 5,
 "openDeclarations": {"enabled": true, "perKeyBurst": 1000000, "perClientBurst": 1000000,
                      "perKeyPerMinute": 1000000, "perClientPerMinute": 1000000, "dailyQuotaPerKey": 100000000}}
JSON
"$bin" serve --config "$dir/node.json" --log-level error 2>"$dir/node.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/checkpoint" >/dev/null && break; sleep 0.1; done
status=0
st run docs/openapi.yaml --url "http://127.0.0.1:$port" --checks all --max-examples "$max" \
    --max-response-time 30 "${@:2}" || status=$?
if grep -q '"level":"error"\|internal error' "$dir/node.log"; then
    echo "the node logged internal errors:" >&2
    grep 'internal error' "$dir/node.log" >&2 || true
fi
exit $status
