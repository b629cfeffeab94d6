#!/usr/bin/env bash
# Measures what Roster promises at scale, on this machine: seeding an organization of 100,000 users,
# API latency on it (first page, a deep page, substring search, filters, tab counts, CSV export of every
# member, SCIM filters and pages, inviting 1,000 addresses at once, importing 10,000 existing users 200
# per request), the app's
# bundle size, and the app in headless Chromium (cold load, instant search, memory, Lighthouse:
# scripts/bench-browser.mjs; BENCH_BROWSER=0 leaves it out).
# BENCH_DATABASE=postgres runs it all on a throw-away PostgreSQL cluster (scripts/with-postgres.sh),
# with 1,000,000 users unless BENCH_USERS says otherwise, after the API and load figures of SQLite at
# 100,000 users and of PostgreSQL at the same size (BENCH_SIDE_BY_SIDE=0 leaves both out), and ends
# with them side by side (not when ROSTER_TEST_POSTGRES names a server of your own: then PostgreSQL
# alone, there).
# Prints numbers; asserts nothing (timings belong in benchmarks, not tests). Loopback only, bounded loops.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${BENCH_DATABASE:-sqlite}
if [ "$backend" = postgres ] && [ -z "${ROSTER_TEST_POSTGRES:-}" ]; then
  records=$(mktemp -d "${TMPDIR:-/tmp}/roster-bench-records.XXXXXX")
  trap 'rm -rf "$records"' EXIT
  if [ "${BENCH_SIDE_BY_SIDE:-1}" != 0 ]; then
    echo "== SQLite first, for the side-by-side table at the end"
    BENCH_DATABASE=sqlite BENCH_USERS= BENCH_BROWSER=0 BENCH_RECORD="$records/sqlite.tsv" scripts/bench.sh \
      || { echo "(the SQLite run failed: no side-by-side table)"; rm -f "$records/sqlite.tsv"; }
    # The same size on both backends: what one database costs against the other, where the larger
    # run below adds what ten times the users cost.
    if [ "${BENCH_USERS:-1000000}" != 100000 ]; then
      echo "== PostgreSQL at SQLite's size"
      PG_FSYNC=on PG_SHARED_BUFFERS=1GB BENCH_USERS=100000 BENCH_BROWSER=0 \
        BENCH_RECORD="$records/postgres-100000.tsv" scripts/with-postgres.sh scripts/bench.sh \
        || { echo "(the PostgreSQL run at SQLite's size failed)"; rm -f "$records/postgres-100000.tsv"; }
    fi
    echo "== PostgreSQL"
  fi
  # Durable writes, as a real deployment has them (the test suites turn fsync off), and a buffer
  # cache a deployment would give a database of a million users (PostgreSQL's default is 128 MB;
  # the users table alone is 313 MB).
  PG_FSYNC=on PG_SHARED_BUFFERS=1GB BENCH_RECORD="$records/postgres.tsv" \
    scripts/with-postgres.sh scripts/bench.sh "$@"
  if [ -s "$records/sqlite.tsv" ]; then
    # Each figure every run measured, in the order PostgreSQL's last run printed them.
    runs=("$records/sqlite.tsv")
    if [ -s "$records/postgres-100000.tsv" ]; then runs+=("$records/postgres-100000.tsv"); fi
    python3 - "${runs[@]}" "$records/postgres.tsv" <<'PY'
import sys

def figures(path):
    with open(path, encoding="utf-8") as lines:
        return dict(line.rstrip("\n").split("\t", 1) for line in lines if "\t" in line)

runs = [figures(path) for path in sys.argv[1:]]
names = ["SQLite"] + ["PostgreSQL"] * (len(runs) - 1)
heads = [f"{name}, {int(run.get('users', '0')):,} users" for name, run in zip(names, runs)]
rows = [
    (label, *(run[label] for run in runs))
    for label in runs[-1]
    if label != "users" and all(label in run for run in runs)
]
widths = [max(len(row[column]) for row in rows + [("", *heads)]) for column in range(len(heads) + 1)]
print("== Side by side (medians, or totals where the row times a whole job; under load: requests a second and p99)")
for row in [("", *heads)] + rows:
    cells = [f"{cell:>{width}}" for cell, width in zip(row[1:], widths[1:])]
    print("   ".join([f"{row[0]:{widths[0]}}"] + cells))
PY
  fi
  exit 0
fi
server=${ROSTER_SERVER:-target/release/roster-server}
if [ "$backend" = postgres ]; then
  users=${BENCH_USERS:-1000000}
else
  users=${BENCH_USERS:-100000}
fi
port=${BENCH_PORT:-18474}
rounds=${BENCH_ROUNDS:-20}

data=$(mktemp -d "${TMPDIR:-/tmp}/roster-bench.XXXXXX")
# A figure for the side-by-side table (BENCH_RECORD, when set): its label and how it reads.
record() {
  if [ -n "${BENCH_RECORD:-}" ]; then printf '%s\t%s\n' "$1" "$2" >> "$BENCH_RECORD"; fi
}
record users "$users"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

if [ "$backend" = postgres ]; then
  psql "$ROSTER_TEST_POSTGRES/postgres" -qc "DROP DATABASE IF EXISTS roster_bench WITH (FORCE)"
  psql "$ROSTER_TEST_POSTGRES/postgres" -qc "CREATE DATABASE roster_bench"
  db="$ROSTER_TEST_POSTGRES/roster_bench"
else
  db="sqlite://$data/roster.db"
fi
export ROSTER_SECRET_KEY_FILE="$data/secret.key"
"$server" create-secret-key "$ROSTER_SECRET_KEY_FILE" >/dev/null
importable=${BENCH_IMPORTABLE:-10000}
echo "== Seeding $users users (and $importable more for bulk import) on $backend"
password=bench-owner-password
seed_started=$(date +%s%N)
"$server" --database "$db" seed --users "$users" --importable "$importable" --owner-password "$password"
seed_ms=$(( ($(date +%s%N) - seed_started) / 1000000 ))
printf '%-44s %8s ms\n' "seed $users users" "$seed_ms"
record "seed every user" "$seed_ms ms"

# The built app from a copy of dist/ (the browser bench adds its static page of rows there).
site_args=()
if [ -f dist/index.html ]; then
  cp -r dist "$data/site"
  site_args=(--static "$data/site")
fi
"$server" --database "$db" serve --listen "127.0.0.1:$port" --mail-dir "$data/mail" "${site_args[@]}" >/dev/null 2>&1 &
pid=$!
base="http://127.0.0.1:$port/api/v1"
for _ in $(seq 1 100); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  sleep 0.1
done
# Every request below runs in the generated Owner's session.
jar="$data/cookies"
curl -fsS -c "$jar" -H 'content-type: application/json' -H 'x-roster-csrf: 1' \
  -d "{\"email\": \"owner@org1.example\", \"password\": \"$password\"}" "$base/session" >/dev/null
curl() { command curl -b "$jar" "$@"; }

# Median and worst of $rounds requests, in milliseconds.
measure() {
  local label=$1 url=$2
  shift 2
  local times
  times=$(for _ in $(seq 1 "$rounds"); do curl -fsS -o /dev/null -w '%{time_total}\n' "$url" "$@"; done | sort -n)
  local median worst
  median=$(echo "$times" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] * 1000 }')
  worst=$(echo "$times" | tail -n 1 | awk '{ printf "%.1f", $1 * 1000 }')
  printf '%-44s median %7s ms   worst %7s ms\n' "$label" "$median" "$worst"
  record "$label" "$median ms"
}

echo "== API latency over $rounds requests each"
measure "sign-in (Argon2id verification)" "$base/session" -X POST -H 'content-type: application/json' \
  -H 'x-roster-csrf: 1' -d "{\"email\": \"owner@org1.example\", \"password\": \"$password\"}"
measure "managed, first page (25, by name)" "$base/users?view=managed"
cursor=$(curl -fsS "$base/users?view=managed&sort=email&limit=200" | sed -E 's/.*"next_cursor":"([^"]+)".*/\1/')
for _ in $(seq 1 200); do
  next=$(curl -fsS "$base/users?view=managed&sort=email&limit=200&cursor=$cursor" | sed -nE 's/.*"next_cursor":"([^"]+)".*/\1/p')
  [ -z "$next" ] && break
  cursor=$next
done
measure "managed, deep page (by email, cursor)" "$base/users?view=managed&sort=email&limit=200&cursor=$cursor"
measure "managed, newest first (by date)" "$base/users?view=managed&sort=date&dir=desc"
measure "search 'chen' (substring, name+email)" "$base/users?view=managed&q=chen"
measure "search 'chen', names Z to A" "$base/users?view=managed&q=chen&dir=desc"
measure "search 'yilmaz' (the last family name)" "$base/users?view=managed&q=yilmaz"
measure "search with no match" "$base/users?view=managed&q=zzzzzz"
measure "search 'ma' (two letters: no trigram)" "$base/users?view=managed&q=ma"
measure "search 'zq' (two letters, no match)" "$base/users?view=managed&q=zq"
measure "search 'jo' (two letters, 2 % hold them)" "$base/users?view=managed&q=jo"
measure "search 'k' (one letter, far along the order)" "$base/users?view=managed&q=k"
measure "search 'example' (every user's address)" "$base/users?view=managed&q=example"
measure "external tab" "$base/users?view=external"
measure "invited tab" "$base/users?view=invited"
measure "tab counts" "$base/users/counts"

echo "== Filters (1 in 50 members an Administrator, ~55 % enrolled in two-factor, ~7 % pending)"
# A few suspended members, so that the status filter finds some.
for id in $(curl -fsS "$base/users?view=managed&sort=email&limit=20" | python3 -c 'import json, sys; print(" ".join(str(u["id"]) for u in json.load(sys.stdin)["items"][1:]))'); do
  curl -fsS -o /dev/null -X POST -H 'x-roster-csrf: 1' -H 'if-match: "v1"' "$base/users/$id/suspend" || true
done
measure "filter role=administrator" "$base/users?view=managed&role=administrator"
measure "filter role=owner (one)" "$base/users?view=managed&role=owner"
measure "filter status=disabled (19)" "$base/users?view=managed&status=disabled"
measure "filter two_factor=pending" "$base/users?view=managed&two_factor=pending"
measure "filter two_factor=enrolled, by email desc" "$base/users?view=managed&two_factor=enrolled&sort=email&dir=desc"
measure "filter last_sign_in=30d" "$base/users?view=managed&last_sign_in=30d"
measure "filter last_sign_in=never (none)" "$base/users?view=managed&last_sign_in=never"
measure "filter account=1" "$base/users?view=managed&account=1"
measure "filter account=1&account_role=developer" "$base/users?view=managed&account=1&account_role=developer"
measure "filter account_role=administrator (any)" "$base/users?view=managed&account_role=administrator"
measure "account_role=administrator, external tab" "$base/users?view=external&account_role=administrator"
measure "account_role=administrator, invited tab" "$base/users?view=invited&account_role=administrator"
measure "filter account=1, external tab" "$base/users?view=external&account=1"
measure "filter account=1, invited tab" "$base/users?view=invited&account=1"
measure "role=member&two_factor=off&q=chen" "$base/users?view=managed&role=member&two_factor=off&q=chen"
measure "tab counts, two_factor=pending" "$base/users/counts?two_factor=pending"
measure "tab counts, account=1" "$base/users/counts?account=1"
measure "tab counts, account_role=administrator" "$base/users/counts?account_role=administrator"
measure "select all matching, role=administrator" "$base/users/ids?view=managed&role=administrator"

# Under load: admins typing into search boxes at once. wrk (Debian's package, installed here when
# missing and run as root: the one download the benchmark makes) holds 32 connections open on
# loopback, on the same two cores as the server.
if [ "${BENCH_LOAD:-1}" != 0 ] && ! command -v wrk >/dev/null 2>&1 \
  && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || true
fi
if [ "${BENCH_LOAD:-1}" != 0 ] && command -v wrk >/dev/null 2>&1; then
  seconds=${BENCH_LOAD_SECONDS:-10}
  echo "== Under load: 32 connections, ${seconds} s each (wrk on loopback)"
  session=$(awk '$6 == "roster_session" { print $7 }' "$jar")
  load() {
    local label=$1
    shift
    local out rps p99
    out=$(wrk -t2 -c32 -d"${seconds}s" --latency "$@")
    rps=$(echo "$out" | awk '/^Requests\/sec/ { printf "%.0f", $2 }')
    p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
    # Answers other than 2xx/3xx count as requests too: say how many there were.
    other=$(echo "$out" | awk '/Non-2xx or 3xx responses/ { print "   (" $NF " not 2xx)" }')
    printf '%-44s %7s req/s   p99 %9s%s\n' "$label" "$rps" "$p99" "$other"
    record "under load: $label" "$rps req/s, p99 $p99$(echo "$other" | sed -E 's/^ +/ /')"
  }
  load "first page" -H "cookie: roster_session=$session" "$base/users?view=managed"
  load "search 'chen'" -H "cookie: roster_session=$session" "$base/users?view=managed&q=chen"
  load "tab counts" -H "cookie: roster_session=$session" "$base/users/counts"
fi

echo "== CSV export (streamed)"
# The server's own memory (anonymous pages): its resident size also counts the database file's pages
# that SQLite reads through a memory map, which are the operating system's cache, shared and reclaimable.
heap() { awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status"; }
for view in managed external; do
  before=$(heap)
  stats=$(curl -fsS -o "$data/export.csv" -w '%{time_total} %{size_download}' "$base/users/export?view=$view")
  rows=$(( $(wc -l < "$data/export.csv") - 1 ))
  export_ms=$(echo "$stats" | awk '{ printf "%.0f", $1 * 1000 }')
  printf '%-44s %7s ms   %s rows, %.1f MB, server memory %s -> %s KB
' "export $view tab" \
    "$export_ms" "$rows" "$(echo "$stats" | awk '{ print $2 / 1048576 }')" "$before" "$(heap)"
  record "export $view tab" "$export_ms ms ($rows rows)"
done
stats=$(curl -fsS -o "$data/export.csv" -w '%{time_total} %{size_download}' "$base/audit/export")
printf '%-44s %7.0f ms   %s rows\n' "export audit log" "$(echo "$stats" | awk '{ print $1 * 1000 }')" "$(( $(wc -l < "$data/export.csv") - 1 ))"
measure "accounts, first page" "$base/accounts"
measure "account user access, first page" "$base/accounts/1/users"
measure "import candidates, first page" "$base/import/candidates"

# SCIM, as an identity provider with a provisioning token (the session cookie plays no part).
scim_token=$("$server" --database "$db" scim-token --organization 1 --name bench)
scim="http://127.0.0.1:$port/scim/v2"
auth=(-H "authorization: Bearer $scim_token")
measure "SCIM userName eq (one of every user)" "$scim/Users?filter=userName%20eq%20%22owner%40org1.example%22" "${auth[@]}"
measure "SCIM externalId eq (none)" "$scim/Users?filter=externalId%20eq%20%22okta-1%22" "${auth[@]}"
measure "SCIM userName co \"chen\"" "$scim/Users?filter=userName%20co%20%22chen%22&count=100" "${auth[@]}"
measure "SCIM name.familyName sw \"ch\", active" "$scim/Users?filter=name.familyName%20sw%20%22ch%22%20and%20active%20eq%20true&count=100" "${auth[@]}"
measure "SCIM Users, first 100" "$scim/Users?count=100" "${auth[@]}"
measure "SCIM Users, startIndex 90,000" "$scim/Users?startIndex=90000&count=100" "${auth[@]}"
measure "SCIM Groups, without members" "$scim/Groups?excludedAttributes=members" "${auth[@]}"
measure "SCIM one group with its members" "$scim/Groups/1-developer" "${auth[@]}"

# Bulk invite: 1,000 new addresses on the organization's verified domain in one request, each
# round with fresh addresses (one user, invitation, audit event and queued mail per address).
invite_rounds=${BENCH_INVITE_ROUNDS:-5}
times=$(for round in $(seq 1 "$invite_rounds"); do
  emails=$(seq 1 1000 | sed "s/.*/\"bench.r$round.n&@org1.example\"/" | paste -sd, -)
  curl -fsS -o /dev/null -w '%{time_total}\n' -X POST -H 'content-type: application/json' -H 'x-roster-csrf: 1' \
    -d "{\"emails\": [$emails]}" "$base/invitations"
done | sort -n)
invite_median=$(echo "$times" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] * 1000 }')
printf '%-44s median %7s ms   worst %7s ms\n' "invite 1,000 addresses (one request)" "$invite_median" \
  "$(echo "$times" | tail -n 1 | awk '{ printf "%.1f", $1 * 1000 }')"
record "invite 1,000 addresses (one request)" "$invite_median ms"

# Bulk import: every importable user (at most 10,000), 200 per request, each user in its own transaction.
curl -fsS "$base/import/candidates/ids" \
  | python3 -c 'import json, sys; ids = json.load(sys.stdin)["ids"]; [print(json.dumps({"ids": ids[i:i + 200]})) for i in range(0, len(ids), 200)]' \
  > "$data/import-batches"
batches=$(wc -l < "$data/import-batches")
started=$(date +%s%N)
while IFS= read -r batch; do
  curl -fsS -o /dev/null -X POST -H 'content-type: application/json' -H 'x-roster-csrf: 1' -d "$batch" "$base/import"
done < "$data/import-batches"
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
printf '%-44s total %8s ms   (%s requests)\n' "import $importable users, 200 per request" "$elapsed" "$batches"
record "import $importable users, 200 per request" "$elapsed ms"

if [ -f dist/index.html ] && [ "${BENCH_BROWSER:-1}" != 0 ]; then
  echo "== App bundle (dist/, release)"
  node scripts/size-check.mjs dist || true
  node scripts/bench-browser.mjs "http://127.0.0.1:$port" "$data/site" "owner@org1.example" "$password"
fi

# Last, as it leaves this address throttled for sign-in (the browser bench above signs in).
if [ "${BENCH_LOAD:-1}" != 0 ] && command -v wrk >/dev/null 2>&1; then
  echo "== Under load: sign-in"
  # Wrong passwords for unknown addresses: what an attacker's load costs the server.
  cat > "$data/sign-in.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-roster-csrf"] = "1"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"email": "nobody' .. counter .. '@org1.example", "password": "wrong"}')
end
LUA
  load "sign-in, unknown addresses (throttled)" -s "$data/sign-in.lua" "$base/session"
fi
