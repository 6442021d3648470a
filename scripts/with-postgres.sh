#!/usr/bin/env bash
# Runs a command with OVERAGE_TEST_POSTGRES_URL pointing at a throwaway PostgreSQL server,
# when the machine has PostgreSQL's server binaries (CI installs them) and no URL is set yet.
# Without them the command runs as is, and the PostgreSQL tests say why they are skipped
# (unless OVERAGE_REQUIRE_POSTGRES=1, as in CI, where they fail instead).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${OVERAGE_TEST_POSTGRES_URL:-}" ]] && compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  url=$("$here/postgres-test-server.sh" start)
  trap '"$here/postgres-test-server.sh" stop >/dev/null 2>&1 || true' EXIT
  export OVERAGE_TEST_POSTGRES_URL="$url"
fi
"$@"
