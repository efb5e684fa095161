# Sourced by scripts that need PostgreSQL. `ensure_postgres` installs the server binaries if missing, exports
# PG_BIN, and, unless DATABASE_URL is already set, starts a private server in a temporary directory (stopped and
# removed when the calling script exits) and exports DATABASE_URL for it.

pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ensure_postgres() {
  if [[ -z "$(pg_bin_dir)" ]]; then
    echo "PostgreSQL binaries missing: installing the Debian package"
    local sudo_cmd=""; [[ $(id -u) == 0 ]] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
  fi
  export PG_BIN=${PG_BIN:-$(pg_bin_dir)}
  if [[ -n "${DATABASE_URL:-}" ]]; then
    echo "using DATABASE_URL"
    return
  fi
  pg_dir=$(mktemp -d /tmp/private-pg.XXXXXX)
  chmod 755 "$pg_dir"; [[ $(id -u) == 0 ]] && chown postgres "$pg_dir"
  as_postgres "$PG_BIN/initdb" -A trust -U postgres --no-sync -D "$pg_dir/data" >/dev/null
  local port; port=$(free_port)
  as_postgres "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
  PG_STOP=(as_postgres "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate stop)
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "private PostgreSQL on port $port ($pg_dir)"
}

# Stops the private server, if this script started one.
stop_postgres() {
  if [[ -n "${pg_dir:-}" ]]; then
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
