#!/usr/bin/env bash
# A bounded schemathesis run of the web API against the sandbox, checked against the published
# docs/openapi.json (issue 20, item 8): `make api-fuzz`, or this script with the two environments.
#
#   scripts/api-fuzz.sh [PYTHON_OF_THE_SANDBOX] [ST_OF_SCHEMATHESIS]
#
# The sandbox (simulated Connect and Partner Center, nothing leaves 127.0.0.1) starts on a free port
# with a fresh store and no Microsoft lag, schemathesis runs its examples, coverage and fuzzing phases
# (API_FUZZ_EXAMPLES examples per operation, API_FUZZ_SEED fixed: the run repeats) as the distributor
# and then as a reseller, and the sandbox is stopped. Schemathesis lives in an environment of its own
# (.venv-schemathesis): it needs rich >= 13.9, connect-openapi-client pins rich < 13.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${1:-.venv-runner/bin/python}
ST=${2:-.venv-schemathesis/bin/st}
EXAMPLES=${API_FUZZ_EXAMPLES:-25}
SEED=${API_FUZZ_SEED:-20}
DATA_DIR=$(mktemp -d)
LOG="$DATA_DIR/sandbox.log"
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

"$PYTHON" -m sandbox --host 127.0.0.1 --port "$PORT" --data-dir "$DATA_DIR" --lag 0 >"$LOG" 2>&1 &
SANDBOX_PID=$!
cleanup() {
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "$BASE/api/caller" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
    cat "$LOG" >&2
    echo 'api-fuzz: the sandbox did not start' >&2
    exit 1
  fi
  sleep 0.5
done

status=0
for persona in distributor reseller; do
  echo "=== schemathesis as the sandbox's $persona ($EXAMPLES examples per operation, seed $SEED)"
  "$ST" --config-file scripts/schemathesis.toml run docs/openapi.json --url "$BASE" \
    --header "X-Sandbox-Persona: $persona" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --seed "$SEED" --generation-deterministic \
    --workers 1 --request-timeout 30 --max-redirects 0 \
    --no-color || status=$?
done
exit "$status"
