#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL cluster: Debian's pg_virtualenv creates it on a
# free port in a temporary directory (as root too: the server then runs as the postgres user),
# runs the command with PGHOST/PGPORT/PGUSER/PGPASSWORD set, and removes the cluster afterwards.
# The command also gets ROSTER_TEST_POSTGRES, the server as a URL without a database, over loopback.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail
if ! command -v pg_virtualenv >/dev/null 2>&1; then
  echo "error: pg_virtualenv is missing; scripts/setup.sh test installs PostgreSQL" >&2
  exit 1
fi
# Tests need no durability: fsync is off unless PG_FSYNC=on (the benchmark asks for it, and for a
# bigger buffer cache through PG_SHARED_BUFFERS). The server logs only what ends a connection or
# worse: its routine lines (checkpoints, clients gone, the lock timeouts tests cause on purpose)
# went to the same output as the tests and buried a failing test's message.
exec pg_virtualenv -o "fsync=${PG_FSYNC:-off}" -o "shared_buffers=${PG_SHARED_BUFFERS:-128MB}" \
  -o max_connections=200 -o log_min_messages=fatal -o log_min_error_statement=panic bash -c '
  export ROSTER_TEST_POSTGRES="postgres://${PGUSER}:${PGPASSWORD}@127.0.0.1:${PGPORT}"
  exec "$@"' with-postgres "$@"
