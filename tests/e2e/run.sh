#!/bin/sh
# tests/e2e/run.sh BUILD — runs the review page's browser test against
# BUILD/omr (make e2e installs chromium and the npm package first). Its last
# line is "N passed, N failed".
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/tests/e2e" || exit 1
if [ ! -d node_modules/playwright-core ]; then
    # playwright-core never downloads a browser: it drives Debian's chromium
    npm ci --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
fi
export OMR_BIN="$root/$build/omr" OMR_SAMPLES_BIN="$root/$build/omr-samples"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp}"
exec timeout 600 node review.e2e.js
