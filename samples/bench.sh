#!/bin/sh
# bench.sh — the recognition benchmark behind `make bench`.
#
#   samples/bench.sh BUILD_DIR
#
# Generates 500 ekb-2024 forms with a fixed seed (omr-samples make), scans
# them once without OCR (timed: pages per second on one core, peak memory)
# and once with OCR (the difference, per written comment, is the OCR cost),
# scores the OCR run against the ground truth (omr-samples score) and prints
# a summary. Environment:
#   BENCH_FORMS  forms to generate (default 500)
#   BENCH_SEED   seed (default 2024)
#   BENCH_DIR    work folder (default: a fresh temporary folder, removed at
#                the end; give one to keep the scans and the outputs)
# Exit status: 0 when every step ran (whatever the figures), 1 otherwise.
set -eu

BUILD=${1:?usage: samples/bench.sh BUILD_DIR}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
OMR=$BUILD/omr
SAMPLES=$BUILD/omr-samples
FORMS=${BENCH_FORMS:-500}
SEED=${BENCH_SEED:-2024}
cd "$(dirname "$0")/.."

for bin in "$OMR" "$SAMPLES"; do
    [ -x "$bin" ] || { echo "bench: $bin is missing; run make first" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

if [ -n "${BENCH_DIR:-}" ]; then
    WORK=$BENCH_DIR
    rm -rf "$WORK/data" "$WORK/out-plain" "$WORK/out-ocr"
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/omr-bench.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
DATA=$WORK/data

echo "bench: generating $FORMS forms (seed $SEED) in $DATA"
"$SAMPLES" make --template ekb-2024 --count "$FORMS" --seed "$SEED" --out "$DATA" --dpi-mix \
    >"$WORK/make.txt" 2>"$WORK/make.log" || { cat "$WORK/make.log" >&2; exit 1; }

# One core, whatever omr scan's threading: pinned with taskset when present.
PIN=
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"

# Runs `omr scan` under /usr/bin/time -v; prints "seconds peak_kb exit".
# omr scan exits non-zero when pages were rejected (blank backs, the odd
# letter), which is expected here; 2 (usage, template) and 3 (output) are failures.
timed_scan() {
    out=$1
    shift
    status=0
    /usr/bin/time -v -o "$out.time" $PIN "$OMR" scan --template ekb-2024 --out "$out" "$@" "$DATA/scans" \
        >"$out.log" 2>&1 || status=$?
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out.time" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out.time")
    echo "${wall:-0} ${peak:-0} $status"
}

echo "bench: scanning without OCR"
set -- $(timed_scan "$WORK/out-plain" --no-ocr)
PLAIN_S=$1 PLAIN_KB=$2 PLAIN_RC=$3
echo "bench: scanning with OCR"
set -- $(timed_scan "$WORK/out-ocr")
OCR_S=$1 OCR_KB=$2 OCR_RC=$3
for rc in "$PLAIN_RC" "$OCR_RC"; do
    if [ "$rc" -ge 2 ]; then
        echo "bench: omr scan failed (exit $rc); see $WORK/out-*.log" >&2
        tail -n 5 "$WORK"/out-*.log >&2
        exit 1
    fi
done
[ -f "$WORK/out-ocr/records.csv" ] || { echo "bench: omr scan wrote no records.csv" >&2; exit 1; }

"$SAMPLES" score --truth "$DATA" --out "$WORK/out-ocr" >"$WORK/score.txt" 2>"$WORK/examples.txt" ||
    { cat "$WORK/examples.txt" >&2; exit 1; }

PAGES=$(sed -n 's/^pages: //p' "$WORK/make.txt")
COMMENTS=$(awk -F, 'NR > 1 && ($3 == "handwritten" || $3 == "printed") { n++ } END { print n + 0 }' \
    "$DATA/comments_truth.csv")
awk -v pages="$PAGES" -v plain="$PLAIN_S" -v ocr="$OCR_S" -v comments="$COMMENTS" \
    -v kb1="$PLAIN_KB" -v kb2="$OCR_KB" -v forms="$FORMS" 'BEGIN {
    printf "== omr bench: %d forms of ekb-2024, %d page images ==\n", forms, pages
    printf "pages: %d\n", pages
    printf "scan_seconds_no_ocr: %.1f\n", plain
    printf "pages_per_second_no_ocr: %.1f\n", (plain > 0 ? pages / plain : 0)
    printf "scan_seconds_ocr: %.1f\n", ocr
    printf "comments_written: %d\n", comments
    printf "ocr_seconds_per_comment: %.2f\n", (comments > 0 ? (ocr - plain) / comments : 0)
    printf "peak_memory_mb_no_ocr: %.0f\n", kb1 / 1024
    printf "peak_memory_mb_ocr: %.0f\n", kb2 / 1024
}'
cat "$WORK/score.txt"
if [ -s "$WORK/examples.txt" ]; then
    echo "-- examples (up to 20) --"
    cat "$WORK/examples.txt"
fi
[ -n "${BENCH_DIR:-}" ] && echo "bench: data and outputs kept in $WORK"
exit 0
