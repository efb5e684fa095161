#!/usr/bin/env bash
# A whole election on this machine, every party a separate process exchanging files, ending in a verified result.
#
#   scripts/demo.sh [--voters N] [--stages K] [--out DIR] [--no-serve]
#
#   --voters N   voters (default 1000: scripts/demo-voters.csv, then numbered ones), each with a printable letter;
#                each votes once, 10% vote again, 5 are revoked for voting on paper
#   --stages K   mix stages (default 3)
#   --out DIR    working directory (default target/demo); the election record goes to DIR/record
#   --no-serve   do not leave a collector running with the voting page at the end
#
# Uses DATABASE_URL if set (it creates databases there), otherwise a private PostgreSQL server for the demo.
set -euo pipefail
cd "$(dirname "$0")/.."

voters=1000 stages=3 out=target/demo serve=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --voters) voters=$2; shift 2 ;;
    --stages) stages=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-serve) serve=0; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$voters" =~ ^[0-9]+$ && "$voters" -ge 10 ]] || { echo "--voters must be a number ≥ 10" >&2; exit 2; }
[[ "$stages" =~ ^[0-9]+$ && "$stages" -ge 1 ]] || { echo "--stages must be a number ≥ 1" >&2; exit 2; }

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

step "Building the tools (tallier, collector, verifier, voter-sim)"
cargo build --locked -q -p tallier -p collector -p verifier -p voter-client --bins
bin=target/debug
tallier=$bin/tallier collector=$bin/collector verifier=$bin/verifier voter_sim=$bin/voter-sim
browser_verifier=()
if [[ $serve == 1 ]]; then
  step "Building the voting page's WASM module and the in-browser verifier"
  scripts/build-web.sh
  scripts/build-verifier-web.sh
  browser_verifier=(--browser-verifier verifier-web/web)
fi

step "PostgreSQL"
# shellcheck source=lib/pg.sh
source scripts/lib/pg.sh
ensure_postgres
server=""
db="demo_$$"
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null || true
  psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  stop_postgres
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that Ctrl-C and kill run the EXIT trap (stop the collector and the private server)
psql "$DATABASE_URL" -q -c "CREATE DATABASE $db" >/dev/null
db_url="${DATABASE_URL%/*}/$db"

rm -rf "$out"
mkdir -p "$out"/{officials,ceremony,trustees,public}
officials=$out/officials ceremony=$out/ceremony trustees=$out/trustees public=$out/public

step "Set-up: each role makes its key on its own machine; the officials bind them all in the manifest"
mkdir -p "$out"/{collector-machine,mix-servers}
# The voting page's address, printed on the voters' letters: its port is chosen now.
port=$(free_port)
url="http://127.0.0.1:$port"
$tallier setup officials-key --out "$officials"
mix_keys=()
for k in $(seq 1 "$stages"); do
  $tallier setup mix-key --stage "$k" --out "$out/mix-servers/$k" >/dev/null
  mix_keys+=(--mix-key "$out/mix-servers/$k/mix-$k.pub")
done
$tallier setup manifest --out "$officials/manifest.template.json" >/dev/null
# The officials edit the template: the example election (single choice, approval, ranked, for every voter), plus
# three districts, each electing 3 council members from party lists, the 9 seats allocated by the Riigikogu method
# over the three districts (personal, district and national compensation mandates); open from an hour ago for a
# day, 2 of 3 trustees.
python3 - "$officials/manifest.template.json" "$officials/manifest.edited.json" <<'PY'
import json, sys, time
m = json.load(open(sys.argv[1]))
now = int(time.time())
m["election_id"] = "demo-%d" % now
m["voting_period"] = {"opens_at": now - 3600, "closes_at": now + 24 * 3600}
m["trustees"] = {"count": 3, "threshold": 2}
def l(en, et, fr): return {"en": en, "et": et, "fr": fr}
districts = [("north", l("North", "Põhja", "Nord")), ("centre", l("Centre", "Kesklinn", "Centre")),
             ("south", l("South", "Lõuna", "Sud"))]
m = {k: m[k] for k in ["election_id", "title"]} | {"districts": [{"id": d, "title": t} for d, t in districts]} | \
    {k: v for k, v in m.items() if k not in ("election_id", "title")}
lists = [{"id": "green", "title": l("Green List", "Roheline nimekiri", "Liste verte")},
         {"id": "blue", "title": l("Blue List", "Sinine nimekiri", "Liste bleue")},
         {"id": "red", "title": l("Red List", "Punane nimekiri", "Liste rouge")}]
names = {"north": ["Mari Mets", "Jaan Org", "Liis Kivi", "Peeter Puu", "Kati Kask", "Toomas Tamm"],
         "centre": ["Anna Rand", "Mart Saar", "Eva Lepp", "Juhan Kuusk", "Helen Vaher", "Rein Paju"],
         "south": ["Tiina Oja", "Andres Mägi", "Kadri Laan", "Priit Pärn", "Siiri Sepp", "Urmas Uus"]}
for d, t in districts:
    m["contests"].append({
        "id": "district-council-" + d,
        "title": {k: ("District council, %s" if k == "en" else "Linnaosa volikogu, %s" if k == "et"
                      else "Conseil de quartier, %s") % v for k, v in t.items()},
        "kind": {"type": "single_choice"},
        "options": [{"id": "%s-%d" % (d, i + 1), "title": {k: n for k in ("en", "et", "fr")},
                     "list": ["green", "blue", "red"][i // 2]} for i, n in enumerate(names[d])],
        "write_in": None, "seats": 3, "rule": "riigikogu", "lists": lists, "districts": [d]})
# The district councils' seats are allocated nationally by the Riigikogu method (SPEC.md §12.13): each party's
# national list takes its candidates district by district.
m["national"] = {"parties": [
    {"id": p, "candidates": ["district-council-%s/%s-%d" % (d, d, 2 * i + k + 1) for k in (0, 1) for d, _ in districts]}
    for i, p in enumerate(["green", "blue", "red"])]}
json.dump(m, open(sys.argv[2], "w"), indent=2, ensure_ascii=False)
PY
# The voter list: the made-up voters of scripts/demo-voters.csv, then numbered ones up to --voters. Each voter gets
# a credential and a printable letter (officials/voters/letters.html); voters.json is for voter-sim.
python3 - scripts/demo-voters.csv "$voters" "$officials/voter-list.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
header, voters, count = rows[0], rows[1:], int(sys.argv[2])
voters = voters[:count] + [["DEMO-%06d" % i, "Valija %d" % i, "valija%d@example.invalid" % i, ""]
                           for i in range(len(voters) + 1, count + 1)]
# Each voter's district, by the manifest's district ids: a third of the voters in each.
for i, v in enumerate(voters):
    v[3] = ["north", "centre", "south"][i % 3]
with open(sys.argv[3], "w", encoding="utf-8", newline="") as f:
    csv.writer(f).writerows([header] + voters)
PY
$tallier setup voters --list "$officials/voter-list.csv" --manifest "$officials/manifest.edited.json" \
  --url "$url/" --out "$officials/voters" --voters-json | tail -n 1
$collector keygen --out "$out/collector-machine"
manifest=$officials/manifest.json
$tallier setup manifest --base "$officials/manifest.edited.json" --out "$manifest" \
  --collector-key "$out/collector-machine/collector.pub" --officials-key "$officials/officials.pub" \
  "${mix_keys[@]}" --credentials "$officials/voters/credentials.json"

step "Key ceremony: 3 trustees, threshold 2, each a separate process, files exchanged in $ceremony"
for j in 1 2 3; do
  printf 'demo passphrase of trustee %s' "$j" > "$trustees/pass-$j"
done
trustee() { # trustee J ROUND [args…]
  local j=$1 round=$2; shift 2
  $tallier trustee "$round" --manifest "$manifest" --secret "$trustees/secret-$j.json" \
    --passphrase-file "$trustees/pass-$j" --dir "$ceremony" "$@"
}
for j in 1 2 3; do trustee "$j" init --trustee "$j"; done
for round in deal confirm; do
  for j in 1 2 3; do trustee "$j" "$round"; done
done
# The officials close rounds 1-3: this fixes who counts before anything about the key is public.
$tallier keys close --manifest "$manifest" --dir "$ceremony" --key "$officials/officials.key"
for j in 1 2 3; do trustee "$j" reveal; done
$tallier trustee status --manifest "$manifest" --dir "$ceremony" | tail -n 1
combined=$($tallier keys combine --manifest "$manifest" --dir "$ceremony" --out "$public/election-key.json" \
  --election "$public/election.json")
echo "$combined"
fingerprint=$(sed -n 's/.*election fingerprint \([0-9a-f]\{64\}\).*/\1/p' <<<"$combined")
[[ -n "$fingerprint" ]] || { echo "keys combine printed no fingerprint" >&2; exit 1; }
echo "published: election fingerprint $fingerprint (voters, observers and trustees pin it)"

step "Collector: init and serve"
$collector init --database-url "$db_url" --election "$public/election.json" \
  --credentials "$officials/voters/credentials.json" --key "$out/collector-machine/collector.key" >/dev/null
$collector serve --database-url "$db_url" --key "$out/collector-machine/collector.key" --listen "127.0.0.1:$port" \
  --web voter-client/web \
  >"$out/collector.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "$url/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url/readyz" >/dev/null || { echo "the collector did not start:"; tail -20 "$out/collector.log"; exit 1; }
echo "collector at $url"

step "Voting: $voters voters cast with voter-sim, 10% vote again"
$voter_sim --collector "$url" --voters "$officials/voters/voters.json" \
  --credentials "$officials/voters/credentials.json" --revote-share 0.1 --concurrency 16 \
  --receipts "$out/receipts.jsonl" --expected "$out/expected.json"

step "Voter-list changes during voting: the officials sign them, the collector appends them to the log"
# A new voter in the south (a fresh credential), a voter who is removed after voting (that ballot no longer
# counts), and a voter who moves to another district after voting (that ballot no longer counts; the voter votes
# again, now with the new district's contests). The 6th and 7th voters of the list: the first five vote on paper.
changes=$officials/voter-list-changes
$tallier setup credentials --district south:1 --out "$officials/new-voter" >/dev/null
read -r new_key removed_key moved_key moved_to < <(python3 - "$officials/voters/credentials.json" \
  "$officials/new-voter/credentials.json" <<'PY'
import json, sys
voters, new = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
moved = voters[6]
to = {"north": "centre", "centre": "south", "south": "north"}[moved["district"]]
print(new[0]["key"], voters[5]["key"], moved["key"], to)
PY
)
$tallier voter-list add --election "$public/election.json" --key "$officials/officials.key" \
  --credential "$new_key" --district south --dir "$changes"
$tallier voter-list remove --election "$public/election.json" --key "$officials/officials.key" \
  --credential "$removed_key" --dir "$changes"
$tallier voter-list move --election "$public/election.json" --key "$officials/officials.key" \
  --credential "$moved_key" --district "$moved_to" --dir "$changes"
for n in 0 1 2; do
  curl -fsS -X POST -H 'content-type: application/json' --data @"$changes/change-$n.json" "$url/voter-list/changes" \
    >/dev/null || { echo "the collector refused $changes/change-$n.json"; exit 1; }
done
echo "3 changes appended to the log: voter list add, remove, move"
# The moved voter and the new voter vote (voter-sim reads each voter's district from the list it is given).
python3 - "$officials/voters" "$officials/new-voter" "$moved_to" "$out/after-changes" <<'PY'
import json, os, sys
voters, new, to, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(out, exist_ok=True)
secrets = json.load(open(os.path.join(voters, "voters.json")))
public = json.load(open(os.path.join(voters, "credentials.json")))
moved = dict(public[6], district=to)
json.dump([secrets[6]] + json.load(open(os.path.join(new, "voters.json"))), open(os.path.join(out, "voters.json"), "w"))
json.dump([moved] + json.load(open(os.path.join(new, "credentials.json"))), open(os.path.join(out, "credentials.json"), "w"))
PY
$voter_sim --collector "$url" --voters "$out/after-changes/voters.json" \
  --credentials "$out/after-changes/credentials.json" --concurrency 2 \
  --receipts "$out/after-changes/receipts.jsonl" --expected "$out/after-changes/expected.json"

step "Paper votes: the officials revoke 5 voters' e-votes (signed list)"
python3 - "$officials/voters/credentials.json" "$officials/paper-voters.json" <<'PY'
import json, sys
json.dump(json.load(open(sys.argv[1]))[:5], open(sys.argv[2], "w"), indent=2)
PY
$tallier revocations sign --election "$public/election.json" --key "$officials/officials.key" \
  --credentials "$officials/paper-voters.json" --out "$public/revocations.json"

step "Close and export the ballot box"
$collector close --database-url "$db_url" --key "$out/collector-machine/collector.key" >/dev/null
$collector export --database-url "$db_url" --out "$public/ballot-box.json" >/dev/null
kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""

record=$out/record
step "Tally (offline): check, squash, revoke, anonymize → $record"
$tallier tally prepare --box "$public/ballot-box.json" --ceremony "$ceremony" \
  --revocations "$public/revocations.json" --out "$record"
step "Mix: $stages stages per contest, each by its own mix server with its own key; trustees 1 and 3 check each stage as it comes"
for k in $(seq 1 "$stages"); do
  $tallier tally mix --record "$record" --key "$out/mix-servers/$k/mix-$k.key"
  for j in 1 3; do
    $tallier trustee check --record "$record" --secret "$trustees/secret-$j.json" --passphrase-file "$trustees/pass-$j" \
      --checked "$trustees/checked-$j.json" | tail -n 1
  done
done
step "Threshold decryption by trustees 1 and 3 (trustee 2 stays home); each verifies the rest of the record first"
for j in 1 3; do
  $tallier trustee decrypt --record "$record" --secret "$trustees/secret-$j.json" --passphrase-file "$trustees/pass-$j" \
    --checked "$trustees/checked-$j.json"
done
step "Combine, decode, count; write the record's index"
$tallier tally finish --record "$record" --report "$out/result.txt"

step "Verification (anyone): verifier verify --fingerprint $fingerprint $record"
$verifier verify --fingerprint "$fingerprint" "$record"
first_receipt=$(head -n 1 "$out/receipts.jsonl")
printf '%s\n' "$first_receipt" > "$out/receipt-0.json"
step "A voter checks a receipt against the record"
# The exit status says what became of the ballot: 0 counted, 3 superseded by a re-vote, 4 revoked (paper vote),
# 5 refused; 1 a failed check.
fate=0
$verifier receipt --fingerprint "$fingerprint" "$out/receipt-0.json" "$record" || fate=$?
case $fate in 0|3|4|5) ;; *) echo "the receipt check failed (exit status $fate)"; exit 1 ;; esac
step "The public web site (anyone): verifier publish → $out/site (ballot board, results, the record)"
$verifier publish --quiet --fingerprint "$fingerprint" "${browser_verifier[@]}" --out "$out/site" "$record"

step "Result"
cat "$out/result.txt"
echo
echo "The demo took $(( $(date +%s) - started )) s. The record is in $record; check it again with:"
echo "  $verifier verify --fingerprint $fingerprint $record"

if [[ $serve == 1 ]]; then
  live="${db}_live"
  psql "$DATABASE_URL" -q -c "CREATE DATABASE $live" >/dev/null
  live_url="${DATABASE_URL%/*}/$live"
  $collector init --database-url "$live_url" --election "$public/election.json" \
    --credentials "$officials/voters/credentials.json" --key "$out/collector-machine/collector.key" >/dev/null
  $collector serve --database-url "$live_url" --key "$out/collector-machine/collector.key" \
    --listen "127.0.0.1:$port" --web voter-client/web \
    >"$out/collector-live.log" 2>&1 &
  server=$!
  # An independent mirror of its log (the election's "data embassy"), serving the verification page from its own
  # origin: the second device checks the collector's answer against it.
  mirror_port=$(free_port)
  $verifier monitor --collector "$url" --dir "$out/mirror" --interval 2 --listen "127.0.0.1:$mirror_port" \
    --web voter-client/web >"$out/mirror.log" 2>&1 &
  mirror=$!
  # The tallied election's public site, as any static web server would serve it.
  site_port=$(free_port)
  python3 -m http.server --bind 127.0.0.1 --directory "$out/site" "$site_port" >"$out/site.log" 2>&1 &
  site_server=$!
  cleanup_live() {
    kill "$site_server" 2>/dev/null || true
    kill "$mirror" 2>/dev/null || true
    kill "$server" 2>/dev/null || true
    psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $live WITH (FORCE)" >/dev/null 2>&1 || true
    cleanup
  }
  trap cleanup_live EXIT
  for _ in $(seq 1 100); do curl -fs "$url/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  credential=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[-1])' "$officials/voters/voters.json")
  step "Vote in a browser"
  echo "The tallied election is closed. A fresh ballot box for the same election (same keys, same voters) is open:"
  echo "  voting page:        $url/"
  echo "  verification page:  http://127.0.0.1:$mirror_port/verify.html (served by the mirror of the log)"
  echo "  live ballot board:  $url/board/"
  echo "  the tallied election's site (board, results, verify the record in the browser): http://127.0.0.1:$site_port/"
  echo "  a voter credential: $credential"
  echo "  the voters' letters: $officials/voters/letters.html (open it in a browser; print to see one a page)"
  echo "Press Ctrl-C to stop the collector."
  wait "$server"
fi
