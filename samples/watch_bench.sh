#!/bin/sh
# watch_bench.sh — the mailroom daemon's benchmark (a benchmark, not a test).
#
#   samples/watch_bench.sh BUILD_DIR
#
# Generates FORMS synthetic filled and degraded ekb-2024 forms (omr-samples
# make, --dpi-mix as in bench.sh), drops every scan file into an empty inbox
# at once (renames), runs `omr watch --exit-when-idle` over it under
# /usr/bin/time -v, samples the daemon's resident memory every 2 s, and
# prints: files and forms, forms per hour for the marks (inbox drained) and
# with the comments' OCR finished, peak memory, and memory at the first and
# the last quarter of the run (flat memory: the two are close), then checks
# that every form is in records.csv once and every file was filed.
# Environment:
#   WATCH_BENCH_FORMS    forms (default 2000)
#   WATCH_BENCH_SEED     seed (default 2026)
#   WATCH_BENCH_WORKERS  reading threads (default: cores)
#   WATCH_BENCH_OCR      1 (default): comments by background OCR; 0: --no-ocr
#   WATCH_BENCH_DIR      work folder (default: a temporary one, removed); the
#                        generated scans are kept there and reused
# Exit status: 0 when every step ran and the checks hold, 1 otherwise.
set -eu

BUILD=${1:?usage: samples/watch_bench.sh BUILD_DIR}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
OMR=$BUILD/omr
SAMPLES=$BUILD/omr-samples
FORMS=${WATCH_BENCH_FORMS:-2000}
SEED=${WATCH_BENCH_SEED:-2026}
WORKERS=${WATCH_BENCH_WORKERS:-$(nproc)}
OCR=${WATCH_BENCH_OCR:-1}
cd "$(dirname "$0")/.."
ROOT=$(pwd)

for bin in "$OMR" "$SAMPLES"; do
    [ -x "$bin" ] || { echo "watch_bench: $bin is missing; run make omr $BUILD/omr-samples first" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "watch_bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

if [ -n "${WATCH_BENCH_DIR:-}" ]; then
    WORK=$WATCH_BENCH_DIR
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/omr-watch-bench.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
DATA=$WORK/data-$FORMS-$SEED
RUN=$WORK/run
if [ ! -f "$DATA/done" ]; then
    # one part per core, each with its own seed (SEED+k); files renamed pK-NAME
    PARTS=$(nproc)
    echo "watch_bench: generating $FORMS forms (seeds $((SEED + 1))..$((SEED + PARTS))) in $DATA"
    rm -rf "$DATA"
    mkdir -p "$DATA/scans"
    k=1
    while [ $k -le "$PARTS" ]; do
        n=$((FORMS / PARTS + (k <= FORMS % PARTS ? 1 : 0)))
        "$SAMPLES" make --template ekb-2024 --count "$n" --seed "$((SEED + k))" --out "$DATA/part$k" --dpi-mix \
            >"$DATA/make$k.txt" 2>"$DATA/make$k.log" &
        k=$((k + 1))
    done
    wait
    for part in "$DATA"/part*; do
        [ -f "$part/manifest.csv" ] || { tail -5 "$DATA"/make*.log >&2; exit 1; }
        k=${part##*part}
        for f in "$part/scans/"*; do mv "$f" "$DATA/scans/p$k-${f##*/}"; done
        tail -n +2 "$part/manifest.csv" >>"$DATA/manifest.rows"
    done
    touch "$DATA/done"
fi
FILES=$(ls "$DATA/scans" | wc -l)
PAGES=$(wc -l <"$DATA/manifest.rows")

rm -rf "$RUN"
mkdir -p "$RUN/staging" "$RUN/inbox"
cp "$DATA/scans/"* "$RUN/staging/"
# all at once: renames within one disk, so every file is complete when it appears
for f in "$RUN/staging/"*; do mv "$f" "$RUN/inbox/"; done

OCR_FLAG=
[ "$OCR" = 1 ] || OCR_FLAG=--no-ocr
echo "watch_bench: $FILES files ($PAGES page images, $FORMS forms) in the inbox; omr watch with $WORKERS workers, OCR $([ "$OCR" = 1 ] && echo on || echo off)"
START=$(date +%s.%N)
/usr/bin/time -v -o "$RUN/time.txt" "$OMR" watch --inbox "$RUN/inbox" --archive "$RUN/archive" \
    --rejected "$RUN/rejected" --out "$RUN/out" --db "$RUN/omr.db" --template ekb-2024 \
    --workers "$WORKERS" --settle 1 --poll 2 $OCR_FLAG --exit-when-idle 2>"$RUN/watch.log" &
TIMEPID=$!
# resident memory of the daemon every 2 s
sleep 1
PID=$(pgrep -P "$TIMEPID" omr || true)
: >"$RUN/rss.txt"
while kill -0 "$TIMEPID" 2>/dev/null; do
    if [ -n "$PID" ] && [ -r "/proc/$PID/status" ]; then
        awk -v t="$(date +%s)" '/^VmRSS:/ { print t, $2 }' "/proc/$PID/status" >>"$RUN/rss.txt" 2>/dev/null || true
    fi
    sleep 2
done
STATUS=0
wait "$TIMEPID" || STATUS=$?
END=$(date +%s.%N)
[ "$STATUS" = 0 ] || { echo "watch_bench: omr watch exited with $STATUS" >&2; tail -5 "$RUN/watch.log" >&2; exit 1; }

WALL=$(echo "$END $START" | awk '{ printf "%.1f", $1 - $2 }')
PEAK=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$RUN/time.txt")
# the last file read (marks recorded) from the log's timestamps
FIRST_T=$(grep -m1 ' watching ' "$RUN/watch.log" | awk '{ print $3 }')
LAST_T=$(grep -E ': (read [0-9]|rejected:|the same content|[0-9]+ blank page)' "$RUN/watch.log" | tail -1 | awk '{ print $3 }')
MARKS_S=$(python3 -c "
from datetime import datetime as d
f='%Y-%m-%dT%H:%M:%SZ'
print(max(1,(d.strptime('$LAST_T',f)-d.strptime('$FIRST_T',f)).total_seconds()))" 2>/dev/null || echo "$WALL")
RECORDS=$(($(wc -l <"$RUN/out/records.csv") - 1))
CODES_ONCE=$(tail -n +2 "$RUN/out/records.csv" | cut -d, -f1 | sort | uniq -d | wc -l)
READ=$(grep -c -E ': (read [0-9]|[0-9]+ blank page)' "$RUN/watch.log" || true)
REJECTED=$(grep -c ': rejected: ' "$RUN/watch.log" || true)
FILED=$(find "$RUN/archive" "$RUN/rejected" -type f ! -name '*.reason' | wc -l)
LEFT=$(find "$RUN/inbox" -type f ! -name .omr-watch.lock | wc -l)

echo "files:                 $FILES ($READ read, $REJECTED rejected; $FILED filed, $LEFT left in the inbox)"
echo "forms in records.csv:  $RECORDS of $FORMS (codes in more than one row: $CODES_ONCE)"
echo "wall time:             $WALL s (marks recorded after $MARKS_S s)"
echo "$RECORDS $MARKS_S $WALL" | awk '{ printf "forms per hour:        %.0f (marks), %.0f (with every comment OCR'"'"'d)\n", $1 * 3600 / $2, $1 * 3600 / $3 }'
echo "peak memory:           $((PEAK / 1024)) MB (maximum resident set size)"
awk '{ t[NR] = $1; r[NR] = $2 } END {
    if (NR < 4) { print "memory over time:      too few samples"; exit }
    q = int(NR / 4); a = 0; b = 0
    for (i = 1; i <= q; i++) a += r[i]
    for (i = NR - q + 1; i <= NR; i++) b += r[i]
    max = 0; for (i = 1; i <= NR; i++) if (r[i] > max) max = r[i]
    printf "memory over time:      %d samples; mean %.0f MB in the first quarter, %.0f MB in the last, max %.0f MB\n", NR, a / q / 1024, b / q / 1024, max / 1024 }' "$RUN/rss.txt"
echo "log:                   $RUN/watch.log"

ok=1
[ "$LEFT" = 0 ] || { echo "watch_bench: files left in the inbox" >&2; ok=0; }
[ "$FILED" = "$FILES" ] || { echo "watch_bench: $FILED files filed of $FILES" >&2; ok=0; }
[ "$CODES_ONCE" = 0 ] || { echo "watch_bench: a code is in records.csv more than once" >&2; ok=0; }
[ $ok = 1 ]
