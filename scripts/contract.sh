#!/usr/bin/env bash
# Checks the API against the OpenAPI document it publishes, with Schemathesis: every operation
# gets schema-valid and schema-violating requests, signed in as the demo organization's Owner, on
# a throw-away SQLite database with the loopback DNS server for domain verification.
# Usage: scripts/contract.sh   (ROSTER_SERVER, ROSTER_DNS_FIXTURE name the release binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
server=${ROSTER_SERVER:-target/release/roster-server}
dns_fixture=${ROSTER_DNS_FIXTURE:-target/release/roster-dns-fixture}
st=.tools/schemathesis/bin/st
listen="127.0.0.1:${CONTRACT_PORT:-18573}"
dns_listen="127.0.0.1:${CONTRACT_DNS_PORT:-18553}"

data=$(mktemp -d "${TMPDIR:-/tmp}/roster-contract.XXXXXX")
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT INT TERM

"$server" create-secret-key "$data/secret.key" >/dev/null
"$dns_fixture" --listen "$dns_listen" --records "$data/dns" &
pids+=($!)
"$server" --database "sqlite://$data/roster.db" --secret-key-file "$data/secret.key" serve \
  --listen "$listen" --demo --mail-dir "$data/mail" --dns-server "$dns_listen" >"$data/server.log" 2>&1 &
pids+=($!)

export ROSTER_API="http://$listen/api/v1"
# Signs in as the demo Owner once the server answers (at most 30 s), and prints the session cookie.
ROSTER_SESSION=$(python3 - <<'PY'
import json, os, sys, time, urllib.request
api = os.environ["ROSTER_API"]
for _ in range(60):
    try:
        urllib.request.urlopen(api + "/health", timeout=2)
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the server did not start")
request = urllib.request.Request(
    api + "/session",
    data=json.dumps({"email": "maya.chen@northwind.example", "password": "roster-demo"}).encode(),
    headers={"content-type": "application/json", "x-roster-csrf": "1"},
)
with urllib.request.urlopen(request, timeout=10) as answer:
    for header in answer.headers.get_all("set-cookie") or []:
        name, _, rest = header.partition("=")
        if name == "roster_session":
            print(rest.split(";")[0])
            break
    else:
        sys.exit("signing in set no session cookie")
PY
)
export ROSTER_SESSION

# Run from the throw-away folder, where Schemathesis keeps its example database.
root=$PWD
(cd "$data" && "$root/$st" --config-file "$root/tests/contract/schemathesis.toml" \
  run "$ROSTER_API/openapi.json" --checks all --max-failures 20) \
  || { echo "Server log (last lines):"; tail -n 40 "$data/server.log"; exit 1; }
