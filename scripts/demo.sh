#!/usr/bin/env bash
# Installs what is missing, then runs the end-to-end demo; arguments go to `markwatch demo`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/setup.sh
exec .venv/bin/markwatch demo "$@"
