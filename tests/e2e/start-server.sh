#!/usr/bin/env bash
# Starts the release server for the e2e suite on a fresh throw-away SQLite database with demo data.
set -euo pipefail
cd "$(dirname "$0")/../.."
server=${ROSTER_SERVER:-target/release/roster-server}
data=$(mktemp -d "${TMPDIR:-/tmp}/roster-e2e.XXXXXX")
trap 'rm -rf "$data"' EXIT
mail=${E2E_MAIL_DIR:-$data/mail}
rm -rf "$mail"
"$server" --database "sqlite://$data/roster.db" serve --listen "127.0.0.1:${E2E_PORT:-18473}" --static dist --demo \
  --mail-dir "$mail" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT INT TERM
wait $pid
