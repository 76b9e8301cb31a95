#!/usr/bin/env bash
# Starts, stops and reports the local services: Elasticsearch and Redis.
#   services.sh up [es|redis]      start (all by default); prints MARKWATCH_*_URL=... lines
#   services.sh down [es|redis]    stop
#   services.sh status [es|redis]  report; exit 1 when one is down
# Only the MARKWATCH_*_URL lines go to stdout, so callers can `eval "$(services.sh up)"`.
# Ports: MARKWATCH_ES_PORT (9200), MARKWATCH_ES_TRANSPORT_PORT (9300), MARKWATCH_REDIS_PORT (6379).
# MARKWATCH_ES_STATE_DIR / MARKWATCH_REDIS_STATE_DIR move data, logs and pid files (a second,
# private set of services, e.g. for the fault test).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

HOST=127.0.0.1
ES_PORT="${MARKWATCH_ES_PORT:-9200}"
ES_TRANSPORT_PORT="${MARKWATCH_ES_TRANSPORT_PORT:-9300}"
REDIS_PORT="${MARKWATCH_REDIS_PORT:-6379}"
ES_USER="${MARKWATCH_ES_USER_ACCOUNT:-markwatch-es}"
ES_HOME="$SERVICES_DIR/elasticsearch-$ES_VERSION"
ES_STATE="${MARKWATCH_ES_STATE_DIR:-$SERVICES_DIR/es}"  # config, data, logs, pid; owned by $ES_USER
ES_PID_FILE="$ES_STATE/es.pid"
ES_URL="http://$HOST:$ES_PORT"
ES_START_TIMEOUT="${MARKWATCH_ES_START_TIMEOUT:-180}"
REDIS_STATE="${MARKWATCH_REDIS_STATE_DIR:-$SERVICES_DIR/redis}"
REDIS_PID_FILE="$REDIS_STATE/redis.pid"
REDIS_URL="redis://$HOST:$REDIS_PORT/0"
STOP_TIMEOUT=60

# A pid file's process is alive: exists and is not a zombie (a daemon killed hard is
# reparented and may never be reaped in a container without a real init).
pid_alive() {
    [[ -f "$1" ]] || return 1
    local pid state
    pid="$(cat "$1")"
    kill -0 "$pid" 2>/dev/null || return 1
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z ]]
}

pid_gone() { ! pid_alive "$1"; }

es_healthy() {
    curl -fsS --max-time 3 "$ES_URL/_cluster/health" 2>/dev/null \
        | grep -Eq '"status":"(green|yellow)"'
}

es_configure() {
    mkdir -p "$ES_STATE/config/jvm.options.d" "$ES_STATE/data" "$ES_STATE/logs"
    local f
    for f in "$ES_HOME"/config/*; do
        [[ -f "$f" && ! -e "$ES_STATE/config/$(basename "$f")" ]] && cp "$f" "$ES_STATE/config/"
    done
    cat >"$ES_STATE/config/elasticsearch.yml" <<YML
# Written by scripts/services.sh on every start; edit the script, not this file.
cluster.name: markwatch-local
node.name: markwatch-local-1
path.data: $ES_STATE/data
path.logs: $ES_STATE/logs
network.host: $HOST
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
discovery.type: single-node
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
    printf -- '-Xms512m\n-Xmx512m\n' >"$ES_STATE/config/jvm.options.d/heap.options"
    chown -R "$ES_USER:" "$ES_STATE"
}

es_up() {
    if es_healthy; then log "Elasticsearch already up at $ES_URL"; return; fi
    [[ -x "$ES_HOME/bin/elasticsearch" ]] || die "Elasticsearch not installed: run scripts/setup.sh"
    local java_home
    java_home="$(find_es_java_home)"
    [[ -n "$java_home" ]] || die "no JDK >= $ES_MIN_JAVA under /usr/lib/jvm: run scripts/setup.sh"
    # Elasticsearch refuses to run as root.
    id -u "$ES_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    if pid_alive "$ES_PID_FILE"; then
        log "Elasticsearch process $(cat "$ES_PID_FILE") is starting; waiting for it"
    else
        es_configure
        runuser -u "$ES_USER" -- test -x "$ES_HOME/bin/elasticsearch" \
            || die "$ES_USER cannot reach $ES_HOME (a parent directory is not world-executable)"
        log "starting Elasticsearch $ES_VERSION on $ES_URL (java: $java_home)"
        runuser -u "$ES_USER" -- env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$ES_STATE/config" \
            "$ES_HOME/bin/elasticsearch" -d -p "$ES_PID_FILE" \
            >"$ES_STATE/launch.log" 2>&1 \
            || { cat "$ES_STATE/launch.log" >&2; es_log_tail; die "Elasticsearch did not start"; }
    fi
    if ! wait_until "$ES_START_TIMEOUT" es_healthy; then
        es_log_tail
        die "Elasticsearch not yellow/green within ${ES_START_TIMEOUT}s"
    fi
    log "Elasticsearch up"
}

es_log_tail() {
    local log_file="$ES_STATE/logs/markwatch-local.log"
    if [[ -f "$log_file" ]]; then
        log "last lines of $log_file:"
        tail -n 40 "$log_file" >&2
    fi
}

redis_ping() { redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

redis_up() {
    if redis_ping; then log "Redis already up at $REDIS_URL"; return; fi
    command -v redis-server >/dev/null || die "redis-server missing: run scripts/setup.sh"
    mkdir -p "$REDIS_STATE"
    log "starting Redis on $REDIS_URL"
    # Persistent (AOF, fsync every second): a restarted Redis keeps the crawl frontier.
    redis-server --bind "$HOST" --port "$REDIS_PORT" --daemonize yes \
        --pidfile "$REDIS_PID_FILE" --dir "$REDIS_STATE" --logfile "$REDIS_STATE/redis.log" \
        --save "" --appendonly yes --appendfsync everysec
    if ! wait_until 30 redis_ping; then
        tail -n 20 "$REDIS_STATE/redis.log" >&2 || true
        die "Redis did not answer PING within 30s"
    fi
    log "Redis up"
}

# Stop the process in a pid file: TERM, wait, then KILL.
stop_pid_file() {
    local name="$1" pid_file="$2" pid
    if ! pid_alive "$pid_file"; then
        log "$name not running"; rm -f "$pid_file"; return
    fi
    pid="$(cat "$pid_file")"
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$STOP_TIMEOUT" pid_gone "$pid_file"; then
        log "$name ignored TERM for ${STOP_TIMEOUT}s; killing"
        kill -KILL "$pid" 2>/dev/null || true
        wait_until 10 pid_gone "$pid_file" || die "could not stop $name (pid $pid)"
    fi
    rm -f "$pid_file"
}

es_down() { stop_pid_file Elasticsearch "$ES_PID_FILE"; }
redis_down() { stop_pid_file Redis "$REDIS_PID_FILE"; }

es_status() {
    if es_healthy; then echo "elasticsearch: up ($ES_URL)"; return 0; fi
    if pid_alive "$ES_PID_FILE"; then echo "elasticsearch: starting (pid $(cat "$ES_PID_FILE"))"
    else echo "elasticsearch: down"; fi
    return 1
}

redis_status() {
    if redis_ping; then echo "redis: up ($REDIS_URL)"; return 0; fi
    echo "redis: down"; return 1
}

chromium_status() {
    if command -v chromium >/dev/null; then echo "chromium: $(chromium --version 2>/dev/null)"
    else echo "chromium: missing"; return 1; fi
}

print_exports() {
    echo "MARKWATCH_ES_URL=$ES_URL"
    echo "MARKWATCH_REDIS_URL=$REDIS_URL"
}

main() {
    local action="${1:-status}" which="${2:-all}"
    case "$which" in all|es|redis) ;; *) die "unknown service '$which' (es, redis)";; esac
    case "$action" in
        up)
            if [[ "$which" != redis ]]; then es_up; fi
            if [[ "$which" != es ]]; then redis_up; fi
            if [[ "$which" == all ]]; then chromium_status >&2 || log "warning: chromium missing"; fi
            print_exports
            ;;
        down)
            if [[ "$which" != redis ]]; then es_down; fi
            if [[ "$which" != es ]]; then redis_down; fi
            ;;
        status)
            local rc=0
            if [[ "$which" != redis ]]; then es_status || rc=1; fi
            if [[ "$which" != es ]]; then redis_status || rc=1; fi
            if [[ "$which" == all ]]; then chromium_status || rc=1; fi
            return "$rc"
            ;;
        *) die "usage: $0 up|down|status [es|redis]";;
    esac
}

main "$@"
