#!/usr/bin/env bash
# SCIM 2.0 conformance of /scim/v2 against independent checkers, on a throw-away SQLite database
# with the demo organization: scim2-tester's check_server (every User check; see
# scripts/scim_conformance.py) and scim-sanity's probe with its Entra ID profile (userNames on a
# verified domain of the organization, as Roster's rule 2 requires).
# Usage: scripts/scim-conformance.sh   (ROSTER_SERVER names the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
server=${ROSTER_SERVER:-target/release/roster-server}
python=.tools/scim/bin/python
listen="127.0.0.1:${SCIM_PORT:-18574}"
domain=northwind.example

data=$(mktemp -d "${TMPDIR:-/tmp}/roster-scim.XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT INT TERM

"$server" create-secret-key "$data/secret.key" >/dev/null
db=(--database "sqlite://$data/roster.db" --secret-key-file "$data/secret.key")
"$server" "${db[@]}" serve --listen "$listen" --demo --mail-dir "$data/mail" >"$data/server.log" 2>&1 &
pid=$!
# Waits for the server to answer (at most 30 s).
"$python" - "http://$listen/api/v1/health" <<'PY' || { echo "the server did not start"; cat "$data/server.log"; exit 1; }
import sys, time, urllib.request
for _ in range(60):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(1)
PY
# The demo's first organization, Northwind Labs, verified northwind.example.
token=$("$server" "${db[@]}" scim-token --organization 1 --name "Conformance")
base="http://$listen/scim/v2"

echo "==> scim2-tester (check_server, User)"
SCIM_BASE=$base SCIM_TOKEN=$token SCIM_DOMAIN=$domain "$python" scripts/scim_conformance.py \
  || { echo "Server log (last lines):"; tail -n 40 "$data/server.log"; exit 1; }

echo "==> scim-sanity probe (Entra ID profile)"
# Its Group phase creates a group, which Roster refuses by design (groups are the accounts' roles;
# the refusal is a SCIM error, see server/tests/api/scim.rs): that one failure is expected, and
# the refusal is checked here to be a SCIM error; any other failure fails.
report="$data/scim-sanity.txt"
.tools/scim/bin/scim-sanity probe "$base" --token "$token" --i-accept-side-effects \
  --profile entra --user-domain "$domain" --timeout 30 >"$report" || true
cat "$report"
unexpected=$(grep -E '\[(FAIL|ERROR)\]' "$report" | grep -vE '\[FAIL\] POST /Groups$' || true)
if [ -n "$unexpected" ] || ! grep -q 'Phase 6' "$report"; then
  echo "scim-sanity reported failures: $unexpected"
  exit 1
fi
"$python" - "$base" "$token" <<'PY'
import json, sys, urllib.error, urllib.request
base, token = sys.argv[1:]
request = urllib.request.Request(
    base + "/Groups",
    data=json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "New"}).encode(),
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"},
)
try:
    urllib.request.urlopen(request, timeout=10)
    sys.exit("creating a group was not refused")
except urllib.error.HTTPError as refusal:
    body = json.load(refusal)
    if refusal.code != 403 or body.get("schemas") != ["urn:ietf:params:scim:api:messages:2.0:Error"] or not body.get("detail"):
        sys.exit(f"the refusal to create a group is no SCIM error: {refusal.code} {body}")
print(f"creating a group is refused with a SCIM error: {body['detail']}")
PY
