# Shared helpers for scripts/*.sh; sourced, never run.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="${MARKWATCH_SERVICES_DIR:-$REPO_ROOT/.services}"
# shellcheck source=versions.env
source "$REPO_ROOT/scripts/versions.env"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Poll a command until it succeeds or the timeout (seconds) passes.
wait_until() {
    local timeout="$1"; shift
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then return 1; fi
        sleep 1
    done
}

# Newest JDK >= ES_MIN_JAVA under the system JVM directory, or empty.
find_es_java_home() {
    local best="" best_major=0 dir release major
    for dir in /usr/lib/jvm/*/; do
        dir="${dir%/}"
        [[ -x "$dir/bin/java" && -f "$dir/release" ]] || continue
        release="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$dir/release")"
        major="${release:-0}"
        if ((major >= ES_MIN_JAVA && major > best_major)); then
            best="$dir"; best_major="$major"
        fi
    done
    printf '%s' "$best"
}
