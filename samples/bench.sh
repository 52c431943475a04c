#!/bin/sh
# bench.sh — the recognition benchmark behind `make bench`.
#
#   samples/bench.sh BUILD_DIR
#
# Generates 500 ekb-2024 forms with a fixed seed (omr-samples make), scans
# them once without OCR (timed: pages per second on one core, peak memory)
# and once with OCR (the difference, per written comment, is the OCR cost),
# scores the OCR run against the ground truth (omr-samples score) and prints
# a summary, with per respondent style (cross, tick, dot, circle, erased, ...)
# and per pen the answers flagged, clear answers flagged, answers wrong and
# forms sent to review needlessly; then the held-out set, the AMC corpus,
# samples/jobs_bench.sh and samples/speed_bench.sh (omr against the decode
# floor per format: BENCH_SPEED=0 skips it). Environment:
#   BENCH_FORMS  forms to generate (default 500)
#   BENCH_SEED   seed (default 2024)
#   BENCH_HELDOUT, BENCH_HELDOUT_SEED  the held-out set's forms and seed
#                (default 60 and 1; seeds 2603 and 2604 found session 26's
#                two dash cases)
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
    input=${SCAN_INPUT:-$DATA/scans}
    /usr/bin/time -v -o "$out.time" $PIN "$OMR" scan --template ekb-2024 --out "$out" "$@" "$input" \
        >"$out.log" 2>&1 || status=$?
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out.time" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out.time")
    # CPU seconds (user + system): what one core spent, whatever else the
    # machine was doing meanwhile (wall time on a shared machine is noisy)
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$out.time")
    echo "${wall:-0} ${peak:-0} $status ${cpu:-0}"
}

echo "bench: scanning without OCR"
set -- $(timed_scan "$WORK/out-plain" --no-ocr)
PLAIN_S=$1 PLAIN_KB=$2 PLAIN_RC=$3 PLAIN_CPU=$4
# the mailroom's usual format on its own: 1-bit G4 TIFF (links to those files)
rm -rf "$WORK/g4" && mkdir -p "$WORK/g4"
awk -F, 'NR > 1 && $9 == "tiff-g4" { print $1 }' "$DATA/manifest.csv" | sort -u |
    while read -r f; do ln -s "$DATA/scans/$f" "$WORK/g4/$f"; done
G4_PAGES=$(awk -F, 'NR > 1 && $9 == "tiff-g4" { n++ } END { print n + 0 }' "$DATA/manifest.csv")
echo "bench: scanning the G4 TIFF files alone"
set -- $(SCAN_INPUT="$WORK/g4" timed_scan "$WORK/out-g4" --no-ocr)
G4_S=$1 G4_CPU=$4
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
    -v kb1="$PLAIN_KB" -v kb2="$OCR_KB" -v forms="$FORMS" -v cpu="$PLAIN_CPU" \
    -v g4pages="$G4_PAGES" -v g4="$G4_S" -v g4cpu="$G4_CPU" 'BEGIN {
    printf "== omr bench: %d forms of ekb-2024, %d page images ==\n", forms, pages
    printf "pages: %d\n", pages
    printf "scan_seconds_no_ocr: %.1f\n", plain
    printf "pages_per_second_no_ocr: %.1f (wall clock)\n", (plain > 0 ? pages / plain : 0)
    printf "pages_per_cpu_second_no_ocr: %.1f (user + system time of one core)\n", (cpu > 0 ? pages / cpu : 0)
    printf "g4_tiff_pages: %d\n", g4pages
    printf "g4_tiff_pages_per_second: %.1f (wall), %.1f (cpu)\n", (g4 > 0 ? g4pages / g4 : 0), (g4cpu > 0 ? g4pages / g4cpu : 0)
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

# The held-out set: scans made by other tools (Pillow, poppler) in ways the
# generator does not make, scored the same way (BENCH_HELDOUT=0 skips it).
if [ "${BENCH_HELDOUT:-60}" != 0 ]; then
    echo "== held-out set: ${BENCH_HELDOUT:-60} forms made with Pillow and pdftoppm (samples/heldout) =="
    if /usr/bin/python3 samples/heldout/make_heldout.py --omr "$OMR" --count "${BENCH_HELDOUT:-60}" \
        --seed "${BENCH_HELDOUT_SEED:-1}" --out "$WORK/heldout" >"$WORK/heldout.log" 2>&1; then
        "$OMR" scan --template ekb-2024 --out "$WORK/heldout-out" "$WORK/heldout/scans" \
            >>"$WORK/heldout.log" 2>&1 || true
        /usr/bin/python3 samples/heldout/score_heldout.py --truth "$WORK/heldout" --out "$WORK/heldout-out" |
            sed -n '2,12p'
    else
        echo "bench: the held-out set could not be made; see $WORK/heldout.log" >&2
    fi
fi
# Real scans omr did not make: Auto Multiple Choice's scanned answer sheets,
# read box by box against AMC's own reading (samples/amc; BENCH_AMC=0 skips).
if [ "${BENCH_AMC:-1}" != 0 ]; then
    echo "== AMC corpus: real scanned answer sheets, omr against AMC box by box (samples/amc) =="
    if OUT="$WORK/amc" samples/amc/bench_amc.sh "$BUILD" >"$WORK/amc.log" 2>&1; then
        for mode in layout scan; do
            echo "-- blank drawn from the $mode"
            cat "$WORK/amc/$mode/summary.txt"
        done
    else
        echo "bench: the AMC comparison failed; see $WORK/amc.log" >&2
    fi
fi
# --jobs on a 200-page batch: wall of two jobs against one, peak memory per
# batch size and per job (samples/jobs_bench.sh; BENCH_JOBS=0 skips).
if [ "${BENCH_JOBS:-1}" != 0 ]; then
    echo "== omr scan --jobs: 200-page batch, one job against two, peak memory (samples/jobs_bench.sh) =="
    JOBS_DIR="$WORK/jobs" samples/jobs_bench.sh "$BUILD" || echo "bench: the --jobs bench failed" >&2
fi
# omr against the decode floor per format, 300-dpi pages, one pinned core
# (samples/speed_bench.sh, needs BUILD/decode_floor; BENCH_SPEED=0 skips).
if [ "${BENCH_SPEED:-1}" != 0 ]; then
    echo "== speed: omr scan --no-ocr against the decode floor per format, CPU ms a page (samples/speed_bench.sh) =="
    SPEED_DIR="$WORK/speed" samples/speed_bench.sh "$BUILD" || echo "bench: the speed bench failed" >&2
fi
[ -n "${BENCH_DIR:-}" ] && echo "bench: data and outputs kept in $WORK"
exit 0
