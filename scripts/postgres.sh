#!/usr/bin/env bash
# A private PostgreSQL server on loopback for the hub database's contract tests (not the system
# cluster). Usage: scripts/postgres.sh start|stop|url|status
#   start   creates the cluster if needed, starts it if not running, waits until it accepts
#           connections, creates the database renkei_test, and prints its URL on stdout
#   stop    stops it (fast shutdown); a no-op if it is not running
#   url     prints the URL (without starting anything)
#   status  exit 0 if running
# Idempotent. Listens only on 127.0.0.1 (port $RENKEI_PG_PORT, default 55432) with its socket in
# the cluster folder ($RENKEI_PG_DIR, default /tmp/renkei-pg-<port>); trust authentication, so
# only for tests. As root, the server runs as the `postgres` user (PostgreSQL refuses root).
set -euo pipefail

port=${RENKEI_PG_PORT:-55432}
dir=${RENKEI_PG_DIR:-/tmp/renkei-pg-$port}
data=$dir/data
log=$dir/server.log
dbname=renkei_test
url="postgresql://postgres@127.0.0.1:$port/$dbname"

bindir=${RENKEI_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ]; then bindir=$candidate; break; fi
  done
fi

die() { echo "postgres.sh: $*" >&2; exit 1; }

# Runs a server program as the cluster's owner, from a directory that owner can read.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

running() {
  [ -f "$data/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start() {
  [ -n "$bindir" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  if ! [ -f "$data/PG_VERSION" ]; then
    echo "postgres.sh: creating a test cluster in $data" >&2
    rm -rf "$data"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || die "no 'postgres' user to run the server as"
      chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    as_owner "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$data/postgresql.conf" <<CONF
# renkei test cluster (scripts/postgres.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
    # Trust only local sockets and IPv4 loopback.
    cat >"$data/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
  fi
  if running; then
    echo "postgres.sh: already running on 127.0.0.1:$port" >&2
  else
    as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null ||
      { tail -n 20 "$log" >&2 || true; die "the server did not start (log: $log)"; }
  fi
  for _ in $(seq 1 100); do
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.1
  done
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" || die "the server does not accept connections"
  local psql=("$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
  if [ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE $dbname" >/dev/null
  fi
  echo "$url"
}

stop() {
  if [ -n "$bindir" ] && running; then
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    echo "postgres.sh: stopped the test server on 127.0.0.1:$port" >&2
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$url" ;;
  status) running ;;
  *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
