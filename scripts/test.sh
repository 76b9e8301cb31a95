#!/usr/bin/env bash
# The test command: installs, checks style and types (ruff, mypy), starts the services, runs
# pytest, always stops the services.
# Arguments go to pytest. Exit code is the first failing step's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/setup.sh

# Style and types first: a failure here fails the test command before any service starts.
SOURCE_PACKAGES=()
for package in alerts bench console crawler detectors indexer markwatch netpolicy testbed; do
    [[ -d "$package" ]] && SOURCE_PACKAGES+=("$package")
done
log "ruff check"
.venv/bin/ruff check .
log "ruff format --check"
.venv/bin/ruff format --check .
log "mypy ${SOURCE_PACKAGES[*]}"
.venv/bin/mypy "${SOURCE_PACKAGES[@]}"

trap 'bash scripts/services.sh down || true; bash scripts/postgres.sh down || true' EXIT
exports="$(bash scripts/services.sh up)"
exports+=$'\n'"$(bash scripts/postgres.sh up)"
set -a
eval "$exports"
set +a

rc=0
CI="${CI:-}" .venv/bin/pytest -q "$@" || rc=$?
if ((rc == 5)); then
    log "pytest collected no tests: treating that as a failure"
    rc=1
fi
exit "$rc"
