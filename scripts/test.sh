#!/usr/bin/env bash
# The test command: installs, starts the services, runs pytest, always stops the services.
# Arguments go to pytest. Exit code is pytest's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/setup.sh
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
