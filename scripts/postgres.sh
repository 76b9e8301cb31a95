#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local runs (Debian's postgresql package).
#   postgres.sh up      initialise (first time) and start; prints MARKWATCH_TEST_PG_URL=...
#   postgres.sh down    stop
#   postgres.sh status  exit 1 when it is not accepting connections
#   postgres.sh purge   stop and delete the cluster
# Only the URL line goes to stdout, so callers can `eval "$(scripts/postgres.sh up)"`.
# Port: MARKWATCH_PG_PORT (default 5433, clear of a system cluster on 5432).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

HOST=127.0.0.1
PG_PORT="${MARKWATCH_PG_PORT:-5433}"
PG_STATE="$SERVICES_DIR/postgres"
PG_DATA="$PG_STATE/data"
PG_ROLE=markwatch
PG_DB=markwatch
PG_URL="postgresql+psycopg://$PG_ROLE@$HOST:$PG_PORT/$PG_DB"
PG_START_TIMEOUT="${MARKWATCH_PG_START_TIMEOUT:-60}"

# Newest installed server version; the directory name is the major version.
pg_bin() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null \
        | sort -V | tail -n 1)"
    [[ -n "$dir" && -x "$dir/pg_ctl" ]] || die "PostgreSQL server not installed (Debian package postgresql): run scripts/setup.sh"
    printf '%s' "$dir"
}

# PostgreSQL refuses to run as root: as root, run its tools as the postgres system user.
as_pg() {
    if ((EUID == 0)); then
        id -u postgres >/dev/null 2>&1 \
            || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_ready() { "$(pg_bin)/pg_isready" -q -h "$HOST" -p "$PG_PORT"; }

pg_up() {
    local bin
    bin="$(pg_bin)"
    if pg_ready; then
        log "PostgreSQL already up on $HOST:$PG_PORT"
    else
        mkdir -p "$PG_STATE"
        if ((EUID == 0)); then chown postgres: "$PG_STATE"; fi
        as_pg test -w "$PG_STATE" \
            || die "the postgres user cannot write $PG_STATE (a parent directory is not world-executable)"
        if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
            log "initialising a cluster in $PG_DATA"
            as_pg "$bin/initdb" -D "$PG_DATA" -U "$PG_ROLE" -A trust -E UTF8 --no-locale \
                >"$PG_STATE/initdb.log" 2>&1 || { cat "$PG_STATE/initdb.log" >&2; die "initdb failed"; }
        fi
        log "starting PostgreSQL ($bin) on $HOST:$PG_PORT"
        # Test data is disposable: trade durability for speed.
        as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_STATE/postgres.log" -w -t "$PG_START_TIMEOUT" \
            -o "-c listen_addresses=$HOST -p $PG_PORT -k $PG_STATE -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >&2 || { tail -n 30 "$PG_STATE/postgres.log" >&2; die "PostgreSQL did not start"; }
    fi
    if ! "$bin/psql" -h "$HOST" -p "$PG_PORT" -U "$PG_ROLE" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
        "$bin/createdb" -h "$HOST" -p "$PG_PORT" -U "$PG_ROLE" "$PG_DB"
    fi
    printf 'MARKWATCH_TEST_PG_URL=%s\n' "$PG_URL"
}

pg_down() {
    if [[ -f "$PG_DATA/postmaster.pid" ]]; then
        log "stopping PostgreSQL"
        as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >&2 || true
    fi
}

case "${1:-}" in
    up) pg_up ;;
    down) pg_down ;;
    status) pg_ready || { log "PostgreSQL is not up on $HOST:$PG_PORT"; exit 1; } ;;
    purge) pg_down; rm -rf "$PG_STATE" ;;
    *) die "usage: $0 up|down|status|purge" ;;
esac
