#!/usr/bin/env bash
# Process-level smoke test (DESIGN §10): runs the real bin/baton binaries as separate processes via
# scripts/demo.sh --no-wait (1 manager + 2 workers on loopback) and fails if the demo fails.
set -euo pipefail
ROOT=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=${ROOT%/*/*}
if "$ROOT/scripts/demo.sh" --no-wait; then
  echo "e2e-processes: demo cluster came up, was shown and stopped: OK"
else
  rc=$?
  echo "e2e-processes: FAILED (scripts/demo.sh --no-wait exited $rc)" >&2
  exit "$rc"
fi
