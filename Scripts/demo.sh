#!/usr/bin/env bash
# The demo: creators, a community steward and an AI developer use three societies' nodes.
# Expects the nodes of Scripts/federation.sh to be running (it calls this script).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/assent
keys=run/demo-keys
mkdir -p "$keys"

url() { echo "http://127.0.0.1:$(python3 -c "import json; print(json.load(open('Nodes/$1.json'))['listen'].split(':')[-1])")"; }
step() { echo; echo "== $*"; }
pub() { "$bin" keygen --name "$1" --out "$keys/$1.key" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['publicKey'])"; }
# The statement hash of a signed line (as `assent sign` prints it), in the hex GET /v1/statements/{hash} takes.
hexhash() { "$bin" inspect - --json | python3 -c "import json,sys,base64; print(base64.b64decode(json.load(sys.stdin)['hash']).hex())"; }

step "keys: a composer (GEMA member) and a community steward (APRA AMCOS)"
alice=$(pub alice)
steward=$(pub steward)
echo "alice   $alice"
echo "steward $steward"

step "GEMA's operator enrolls alice and records her mandate for two works"
# A mistyped identifier (a space instead of the scheme's colon) is caught before anything is signed.
"$bin" sign mandate --key run/gema/operator.key --party "$alice" --role author --work "ISWC T-034.524.680-1" 2>&1 | head -1 | sed 's/^Error: /  refused as expected: /' || true
{
    "$bin" sign enrollment --key run/gema/operator.key --party "$alice" --role creator --name "Alice Example" --id "IPI:522-100-40"
    "$bin" sign mandate --key run/gema/operator.key --party "$alice" --role author \
        --work iswc:T-034.524.680-1 --work isrc:DE-A12-26-00001
} > "$keys/gema-admin.ndjson"
"$bin" submit --node "$(url gema)" --log-key "$(cat run/gema/log.pub)" "$keys/gema-admin.ndjson"

step "her name and IPI number are logged only as salted commitments; the texts travel beside the statement"
head -1 "$keys/gema-admin.ndjson" | python3 -c "import json,sys; s=json.load(sys.stdin); print('  logged:   name', json.dumps(s['statement']['name']), ' ids', json.dumps(s['statement']['ids'])); print('  disclosed:', ', '.join(d['field']+' = '+d['text'] for d in s['disclosures']))"
echo "  clear text is refused: a hand-made enrollment with \"name\": \"Alice Example\""
head -1 "$keys/gema-admin.ndjson" | python3 -c "import json,sys; s=json.load(sys.stdin); s['statement']['name']='Alice Example'; del s['disclosures']; print(json.dumps(s, separators=(',',':'), sort_keys=True, ensure_ascii=False))" \
    | curl -s -X POST -H 'Content-Type: application/json' --data-binary @- "$(url gema)/v1/statements" | sed 's/^/  /'; echo

# Times between the steps, for asking what the log said then (RFC 3339 UTC, milliseconds).
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
before_alice=$(now)
sleep 0.1

step "alice refuses AI training for everyone, and licenses one AI developer for research, with credit"
{
    "$bin" sign preference --key "$keys/alice.key" --work iswc:T0345246801 --usage train-ai=n --usage search=y
    "$bin" sign preference --key "$keys/alice.key" --work iswc:T0345246801 --audience licensee:example-ai.com \
        --usage train-genai=y --purpose research --credit "Music: Alice Example" --terms https://gema.example/licences/ai-research-1
} > "$keys/alice.ndjson"
"$bin" submit --node "$(url gema)" --log-key "$(cat run/gema/log.pub)" "$keys/alice.ndjson"
sleep 0.1
after_licence=$(now)
sleep 0.1

step "GEMA's node serves the statement with its disclosed credit line, and anyone checks it against the commitment"
licence=$(sed -n 2p "$keys/alice.ndjson" | hexhash)
curl -s "$(url gema)/v1/statements/$licence" | "$bin" inspect - | grep -E "^(preference|logged|disclosed)"

step "APRA AMCOS enrolls a community steward; the mandate carries Local Contexts labels (TK Secret/Sacred)"
{
    "$bin" sign enrollment --key run/apra/operator.key --party "$steward" --role steward --community "Example Nation" --project lc-0001
    "$bin" sign mandate --key run/apra/operator.key --party "$steward" --role steward --work local:apra.example/song-lines-7 --label TK-SS
} > "$keys/apra-admin.ndjson"
"$bin" submit --node "$(url apra)" --log-key "$(cat run/apra/log.pub)" "$keys/apra-admin.ndjson"

step "a forged mandate (signed by alice, not by the operator) is refused by SACEM's node"
"$bin" sign mandate --key "$keys/alice.key" --party "$alice" --role author --work iswc:T0702371821 > "$keys/forged.ndjson"
"$bin" submit --node "$(url sacem)" --log-key "$(cat run/sacem/log.pub)" "$keys/forged.ndjson" || echo "  (exit status $? as expected)"

step "a tampered statement is refused: its signature no longer matches"
sed 's/"train-ai":"n"/"train-ai":"y"/' "$keys/alice.ndjson" | head -1 > "$keys/tampered.ndjson"
"$bin" submit --node "$(url gema)" --log-key "$(cat run/gema/log.pub)" "$keys/tampered.ndjson" || echo "  (exit status $? as expected: assent submit checks before it sends)"
echo "  sent anyway, the node refuses it with a problem document:"
curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$keys/tampered.ndjson" "$(url gema)/v1/statements" | sed 's/^/  /'; echo

step "a key nobody enrolled is refused: this node takes no open declarations (PROTOCOL §3)"
"$bin" keygen --name mallory --out "$keys/mallory.key" --json > /dev/null
"$bin" sign preference --key "$keys/mallory.key" --work iswc:T0345246801 --usage train-ai=y > "$keys/mallory.ndjson"
"$bin" submit --node "$(url gema)" --log-key "$(cat run/gema/log.pub)" "$keys/mallory.ndjson" || echo "  (exit status $? as expected)"

step "alice revokes: a later statement, never a rewrite"
"$bin" sign preference --key "$keys/alice.key" --work iswc:T0345246801 --audience licensee:example-ai.com --usage train-genai=n \
    | "$bin" submit --node "$(url gema)" --log-key "$(cat run/gema/log.pub)"
after_revocation=$(now)

step "alice asks for her credit line to be erased: an erasure statement names only the statement's hash"
"$bin" erase "$licence" --key "$keys/alice.key" | "$bin" submit --node "$(url gema)" --log-key "$(cat run/gema/log.pub)"
curl -s "$(url gema)/v1/statements/$licence" | "$bin" inspect - --log-key "$(cat run/gema/log.pub)" | grep -E "^(logged|disclosed)"
# The node truncates its WAL just after the erasure, off the write path (docs/data-protection.md).
sleep 1
echo "  the statement and its receipt still verify; in GEMA's database file and its WAL, the credit line is gone:"
db=run/gema/node.sqlite
has() { if cat "$db" "$db-wal" 2>/dev/null | grep -a -q "$1"; then echo "present"; else echo "absent"; fi; }
echo "  \"Music: Alice Example\" (the erased credit line): $(has "Music: Alice Example");  \"Alice Example\" (her name, still disclosed): $(has "Alice Example")"
echo "  an erasure by anyone else is refused:"
"$bin" erase "$licence" --key "$keys/mallory.key" | "$bin" submit --node "$(url gema)" --log-key "$(cat run/gema/log.pub)" || echo "  (exit status $? as expected)"

step "the work's state over time, as example-ai.com asks it for research: who decided, and when"
# Each answer stands on the first epoch at or after its time: every batch closes one.
for at in "$before_alice" "$after_licence" "$after_revocation"; do
    echo "-- at $at"
    "$bin" state iswc:T0345246801 --node "$(url gema)" --audience licensee:example-ai.com --purpose research --at "$at" | sed 's/^/  /'
done
echo "-- and every change, oldest first"
"$bin" history iswc:T0345246801 --node "$(url gema)" | sed 's/^/  /'

step "a TK Secret/Sacred label refuses every use of the steward's work, with no preference statement at all"
"$bin" state local:apra.example/song-lines-7 --node "$(url apra)" | sed 's/^/  /'

step "GEMA's checkpoint, explained: signed by its log key, cosigned by the other societies' witnesses"
curl -s "$(url gema)/checkpoint" | "$bin" inspect - --key "$(cat run/gema/log.pub)"

step "GEMA's log read the way any tlog-tiles client reads it: the entry bundle, leaf by leaf"
size=$(curl -s "$(url gema)/checkpoint" | sed -n 2p)
tile=$(( (size - 1) / 256 ))
width=$(( size - tile * 256 ))
curl -s "$(url gema)/tile/entries/$(printf '%03d' "$tile").p/$width" | "$bin" inspect -

step "no entry bundle of any log holds a name, an identifier or a credit line in clear"
for s in gema sacem apra; do
    size=$(curl -s "$(url $s)/checkpoint" | sed -n 2p)
    found=0
    for ((t = 0; t * 256 < size; t++)); do
        w=$(( size - t * 256 < 256 ? size - t * 256 : 256 ))
        path=$(printf 'tile/entries/%03d' "$t"); [ "$w" -lt 256 ] && path="$path.p/$w"
        if curl -s "$(url $s)/$path" | grep -a -q -e "Alice Example" -e "00052210040" -e "522-100-40" -e "Music:"; then found=1; fi
    done
    echo "  $s: $size leaves scanned, $([ $found = 0 ] && echo "no personal text in clear" || echo "PERSONAL TEXT FOUND")"
    [ $found = 0 ]
done

step "an independent audit of each society's whole log"
for s in gema sacem apra; do
    "$bin" audit --node "$(url $s)" --log-key "$(cat run/$s/log.pub)" | head -2
done
echo
echo "demo finished"
