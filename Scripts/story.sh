#!/usr/bin/env bash
# The cross-node story (issue 8 item 7; docs/federation.md "One federation, one answer"):
# members enrolled at one society write at another's node, a steward's labels and a member's
# grant meet on one work, a licence and a revocation go to a third node; once every node has
# mirrored every log and every checkpoint is cosigned, each node is asked the same questions
# and the answers are printed, and checked identical (but for the node answering).
# Expects the nodes of Scripts/federation.sh to be running (it calls this script).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/assent
keys=run/story-keys
mkdir -p "$keys"
societies=(gema sacem apra)

url() { echo "http://127.0.0.1:$(python3 -c "import json; print(json.load(open('Nodes/$1.json'))['listen'].split(':')[-1])")"; }
step() { echo; echo "== $*"; }
pub() { "$bin" keygen --name "$1" --out "$keys/$1.key" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['publicKey'])"; }
submit() { "$bin" submit --node "$(url "$1")" --log-key "$(cat "run/$1/log.pub")" | sed 's/^/  /'; }
urls=(); for s in "${societies[@]}"; do urls+=("$(url "$s")"); done

# Waits until every node mirrors every other node's latest checkpoint and every node's
# checkpoint carries the quorum of cosignatures (GET /v1/peers, GET /checkpoint).
wait_synced() {
    python3 - "$(python3 -c "import json; print(json.load(open('run/federation.json'))['quorum'])")" "${urls[@]}" <<'EOF'
import json, sys, time, urllib.request
quorum, urls = int(sys.argv[1]), sys.argv[2:]
def get(u):
    with urllib.request.urlopen(u, timeout=5) as r: return r.read().decode()
start = time.time()
while True:
    notes = {u: get(u + "/checkpoint") for u in urls}
    sizes = {n.split("\n")[0]: int(n.split("\n")[1]) for n in notes.values()}
    # A note's signature lines: the log's and one per cosignature (C2SP signed-note).
    cosigned = all(sum(1 for l in n.split("\n") if l.startswith("\u2014 ")) >= 1 + quorum for n in notes.values())
    mirrored = all(p["mirroredSize"] == sizes.get(p["origin"])
                   for u in urls for p in json.loads(get(u + "/v1/peers"))["peers"])
    if cosigned and mirrored:
        print("  every node mirrors the other two at their latest checkpoints (%s), each cosigned by %d witnesses; %.1f s"
              % (", ".join("%s %d" % (o.split(".")[0], s) for o, s in sorted(sizes.items())), quorum, time.time() - start))
        break
    if time.time() - start > 60:
        sys.exit("  not in sync within 60 s: sizes %s; peers %s" % (sizes, [get(u + "/v1/peers") for u in urls]))
    time.sleep(0.2)
EOF
}

step "keys: bob (a SACEM member), carol (a GEMA member), a community steward enrolled by APRA AMCOS"
bob=$(pub bob); carol=$(pub carol); elder=$(pub elder)
echo "bob    $bob"; echo "carol  $carol"; echo "elder  $elder"
song=iswc:T-070.237.182-1
lines=local:apra.example/song-lines-8

step "each society enrolls its own and records its mandates, each in its own log"
echo "-- at SACEM: bob, author of $song"
{ "$bin" sign enrollment --key run/sacem/operator.key --party "$bob" --role creator
  "$bin" sign mandate --key run/sacem/operator.key --party "$bob" --role author --work "$song"; } | submit sacem
echo "-- at GEMA: carol, co-author of $lines"
{ "$bin" sign enrollment --key run/gema/operator.key --party "$carol" --role creator
  "$bin" sign mandate --key run/gema/operator.key --party "$carol" --role author --work "$lines"; } | submit gema
echo "-- at APRA AMCOS: the steward of $lines, with the TK Non-Commercial label"
{ "$bin" sign enrollment --key run/apra/operator.key --party "$elder" --role steward --community "Example Nation" --project lc-0002
  "$bin" sign mandate --key run/apra/operator.key --party "$elder" --role steward --work "$lines" --label TK-NC; } | submit apra

step "replication: each node mirrors the others' logs and replays every leaf before it cosigns"
wait_synced

step "bob, enrolled at SACEM, writes at GEMA's node: allowed because GEMA mirrors SACEM's log"
"$bin" sign preference --key "$keys/bob.key" --work "$song" --usage train-ai=y --usage search=y | submit gema
step "carol, enrolled at GEMA, grants AI training on the steward's work at SACEM's node"
"$bin" sign preference --key "$keys/carol.key" --work "$lines" --usage train-ai=y | submit sacem
step "bob licenses example-ai.com for research, with credit, at APRA AMCOS's node"
"$bin" sign preference --key "$keys/bob.key" --work "$song" --audience licensee:example-ai.com \
    --usage train-genai=y --purpose research --credit "Music: Bob Example" | submit apra
sleep 0.1
step "bob revokes his grant to everyone, at SACEM's node: a later statement, never a rewrite"
"$bin" sign preference --key "$keys/bob.key" --work "$song" --usage train-ai=n --usage search=y | submit sacem

step "waiting for replication and cosigning"
wait_synced
at=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)

# Asks every node one question; prints each node's answer and checks that they are the same
# but for `log`, the node answering.
ask() {
    local work=$1; shift
    local query="at=$at" args=(--at "$at") digests=()
    while [ $# -gt 0 ]; do query="$query&$1=$2"; args+=("--$1" "$2"); shift 2; done
    echo
    echo "-- $work ${args[*]:2}"
    for s in "${societies[@]}"; do
        echo "   $s says:"
        "$bin" state "$work" --node "$(url "$s")" "${args[@]}" | sed 's/^/     /'
        enc=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$work")
        digests+=("$(curl -sf "$(url "$s")/v1/works/$enc?$query" \
            | python3 -c "import json,sys,hashlib; a=json.load(sys.stdin); a.pop('log'); print(hashlib.sha256(json.dumps(a,sort_keys=True).encode()).hexdigest()[:16])")")
    done
    if [ "${digests[0]}" = "${digests[1]}" ] && [ "${digests[0]}" = "${digests[2]}" ]; then
        echo "   identical from gema, sacem and apra (SHA-256 of the answer without the node answering: ${digests[0]}…)"
    else
        echo "   THE NODES DISAGREE: ${digests[*]}" >&2
        exit 1
    fi
}

step "what each node says, at $at: one federation, one answer"
ask "$song"
ask "$song" audience licensee:example-ai.com purpose research
ask "$lines"
ask "$lines" purpose research

step "the same in bulk (POST /v1/check): one line per work, refs naming their logs"
for s in "${societies[@]}"; do
    printf '{"at":"%s"}\n"%s"\n"%s"\n' "$at" "$song" "$lines" \
        | curl -sf -X POST -H 'Content-Type: application/x-ndjson' --data-binary @- "$(url "$s")/v1/check" \
        | sed -n '2,3p' > "$keys/check-$s.ndjson"
    echo "   $s: $(sha256sum < "$keys/check-$s.ndjson" | cut -c1-16)…"
done
sed 's/^/     /' "$keys/check-gema.ndjson"
cmp -s "$keys/check-gema.ndjson" "$keys/check-sacem.ndjson" && cmp -s "$keys/check-gema.ndjson" "$keys/check-apra.ndjson" \
    || { echo "   THE NODES' BULK ANSWERS DIFFER" >&2; exit 1; }
echo "   identical from gema, sacem and apra"
echo
echo "story finished"
