#!/usr/bin/env bash
# Make sure a PostgreSQL database for the tests is reachable, and write its URL to
# var/test-pg-url. Uses the one at 127.0.0.1:5432 (database 'test', trust auth) when
# it answers; otherwise installs PostgreSQL if needed and runs a private cluster
# under var/pg on port 55432 (never touching the system's own clusters).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$here/var"
url_file="$here/var/test-pg-url"
if [[ -n ${ZHIFANG_TEST_PG_URL:-} ]]; then echo "$ZHIFANG_TEST_PG_URL" >"$url_file"; exit 0; fi
try() { PGCONNECT_TIMEOUT=3 psql "$1" -qAtc 'select 1' >/dev/null 2>&1; }
if command -v psql >/dev/null && try "postgresql://postgres@127.0.0.1:5432/test"; then
  echo "postgresql+psycopg://postgres@127.0.0.1:5432/test" >"$url_file"
  exit 0
fi
"$here/scripts/ensure-system-packages.sh" psql:postgresql-client /usr/lib/postgresql:postgresql
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
data="$here/var/pg"
run=()
if [[ $(id -u) -eq 0 ]]; then run=(runuser -u postgres --); fi  # initdb refuses root
if [[ ! -f $data/PG_VERSION ]]; then
  mkdir -p "$data"
  [[ $(id -u) -eq 0 ]] && chown postgres "$data"
  "${run[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
fi
if ! try "postgresql://postgres@127.0.0.1:55432/postgres"; then
  "${run[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/log" -o "-p 55432 -k /tmp -c listen_addresses=127.0.0.1" -w start >/dev/null
fi
try "postgresql://postgres@127.0.0.1:55432/test" || psql "postgresql://postgres@127.0.0.1:55432/postgres" -qc 'create database test'
echo "postgresql+psycopg://postgres@127.0.0.1:55432/test" >"$url_file"
echo "zhifang: private PostgreSQL for the tests at 127.0.0.1:55432 (data in $data)"
