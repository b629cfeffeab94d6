#!/usr/bin/env bash
# Starts the release server for the e2e suite on a fresh throw-away database with demo data (SQLite,
# or a new database on the PostgreSQL server ROSTER_TEST_POSTGRES names: see scripts/with-postgres.sh),
# and the loopback DNS server that domain verification asks (its records are files the specs write).
set -euo pipefail
cd "$(dirname "$0")/../.."
server=${ROSTER_SERVER:-target/release/roster-server}
dns_fixture=${ROSTER_DNS_FIXTURE:-target/release/roster-dns-fixture}
data=$(mktemp -d "${TMPDIR:-/tmp}/roster-e2e.XXXXXX")
trap 'rm -rf "$data"' EXIT
mail=${E2E_MAIL_DIR:-$data/mail}
records=${E2E_DNS_DIR:-$data/dns}
dns_listen="127.0.0.1:${E2E_DNS_PORT:-18453}"
rm -rf "$mail" "$records"
# Playwright shows the server's stderr, where its log goes: warnings and errors only.
export RUST_LOG=${RUST_LOG:-warn}
"$server" create-secret-key "$data/secret.key" >/dev/null
if [ -n "${ROSTER_TEST_POSTGRES:-}" ]; then
  name="roster_e2e_$$"
  psql "$ROSTER_TEST_POSTGRES/postgres" -qc "CREATE DATABASE $name"
  database="$ROSTER_TEST_POSTGRES/$name"
else
  database="sqlite://$data/roster.db"
fi
"$dns_fixture" --listen "$dns_listen" --records "$records" &
dns_pid=$!
"$server" --database "$database" --secret-key-file "$data/secret.key" serve --listen "127.0.0.1:${E2E_PORT:-18473}" --static dist --demo \
  --mail-dir "$mail" --dns-server "$dns_listen" \
  --allowed-origin "http://127.0.0.1:${E2E_HOST_PORT:-18474}" \
  --allowed-origin "http://127.0.0.1:${E2E_EXAMPLE_PORT:-18475}" \
  --trusted-issuer https://console.host.example --trusted-audience roster \
  --trusted-jwks server/tests/fixtures/host-sign-in/jwks.json &
pid=$!
trap 'kill $pid $dns_pid 2>/dev/null; wait $pid $dns_pid 2>/dev/null; rm -rf "$data"' EXIT INT TERM
wait $pid
