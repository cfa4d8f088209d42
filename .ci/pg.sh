#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster on 127.0.0.1 and a free port.
#   source .ci/pg.sh start   -> exports SOURCEBOOK_TEST_PG_URL, PG_TMP
#   .ci/pg.sh stop DIR
# initdb refuses to run as root, so the cluster runs as the `postgres` user.
set -euo pipefail

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    return 1
  fi
  echo "$d"
}

pg_start() {
  local bin port dir
  bin=$(pg_bin) || { echo "pg.sh: no PostgreSQL server binaries" >&2; return 1; }
  dir=$(mktemp -d /tmp/sourcebook-pg.XXXXXX)
  export PG_TMP="$dir"  # known at once, so that pg_stop cleans up even after a failed start
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    chown postgres "$dir"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=100" start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  "${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres sourcebook_test
  export PG_BIN="$bin"
  export SOURCEBOOK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/sourcebook_test"
  echo "PostgreSQL up on 127.0.0.1:$port ($dir)"
}

pg_stop() {
  local dir=${1:-${PG_TMP:-}} bin
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  case "$dir" in /tmp/sourcebook-pg.*) ;; *) echo "pg.sh: not stopping $dir" >&2; return 1 ;; esac
  if [ -d "$dir/data" ] && bin=$(pg_bin); then
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    else
      "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$dir"
  echo "PostgreSQL stopped ($dir)"
}

case "${1:-}" in
  start) pg_start ;;
  stop) pg_stop "${2:-}" ;;
  *) : ;;
esac
