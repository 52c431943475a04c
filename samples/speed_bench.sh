#!/bin/sh
# speed_bench.sh — omr's reading speed against the decode floor, per format.
#
#   samples/speed_bench.sh BUILD_DIR
#
# Makes a small set of 300-dpi ekb-2024 scans (omr-samples make: G4 TIFF,
# LZW TIFF, PNG, JPEG, as the generator mixes them) and a PDF of clean printed
# forms (omr render), then for each format, pinned to one core (taskset -c 0)
# and timed by CPU (user + system from /usr/bin/time -v, not wall clock):
#   floor   BUILD/decode_floor on the same files (the same libraries, nothing else)
#   omr     omr scan --no-ocr on the same files (start-up and export included;
#           pinned to one core, --jobs defaults to 1)
# and prints ms/page for both, their ratio and omr's peak RSS. Also omr's
# start-up alone (a scan of an empty folder: template load and export), and
# one G4 file read with the print masks drawn (no cache) and cached.
# Environment: SPEED_FORMS (forms to generate, default 40), SPEED_SEED (7),
# SPEED_DIR (work folder to keep; default a temporary one, removed).
# Then the whole set read with --jobs 1 and --jobs 2 (not pinned): wall
# and CPU seconds and peak RSS of each, and whether records.csv, marks.csv
# and review.csv are the same byte for byte (they must be).
# Instruction counts: run the printed omr command under
#   valgrind --tool=callgrind
set -eu

BUILD=${1:?usage: samples/speed_bench.sh BUILD_DIR}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
cd "$(dirname "$0")/.."
for bin in "$BUILD/omr" "$BUILD/omr-samples" "$BUILD/decode_floor"; do
    [ -x "$bin" ] || { echo "speed_bench: $bin is missing (make omr $BUILD/omr-samples $BUILD/decode_floor)" >&2; exit 1; }
done
FORMS=${SPEED_FORMS:-40}
SEED=${SPEED_SEED:-7}
if [ -n "${SPEED_DIR:-}" ]; then
    WORK=$SPEED_DIR
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/omr-speed.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
PIN=
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"

if [ ! -f "$WORK/data/manifest.csv" ]; then
    "$BUILD/omr-samples" make --template ekb-2024 --count "$FORMS" --seed "$SEED" --out "$WORK/data" \
        >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log" >&2; exit 1; }
fi
for f in tiff-g4 tiff-lzw png jpeg; do
    rm -rf "$WORK/$f" && mkdir -p "$WORK/$f"
    awk -F, -v f=$f 'NR > 1 && $9 == f { print $1 }' "$WORK/data/manifest.csv" | sort -u |
        while read -r name; do ln -s "$WORK/data/scans/$name" "$WORK/$f/$name"; done
done
rm -rf "$WORK/pdf" "$WORK/empty" && mkdir -p "$WORK/pdf" "$WORK/empty"
head -n 10 "$WORK/data/codes.txt" >"$WORK/codes10.txt"
"$BUILD/omr" render ekb-2024 --codes "$WORK/codes10.txt" --format pdf --out "$WORK/pdf/forms.pdf" \
    >"$WORK/render.log" 2>&1 || { cat "$WORK/render.log" >&2; exit 1; }

# "cpu_seconds peak_kb" of a command, pinned
cpu_of() {
    /usr/bin/time -v -o "$WORK/t.time" $PIN "$@" >"$WORK/t.out" 2>"$WORK/t.err" || true
    awk -F': ' '/User time|System time/ { s += $2 } /Maximum resident/ { kb = $2 }
                END { printf "%.3f %d\n", s, kb }' "$WORK/t.time"
}

# the print mask cache (reading/mask.c) in its own folder: one G4 file read
# with no cache (masks drawn), then with the cache made by that first run
export OMR_CACHE_DIR="$WORK/cache"
rm -rf "$OMR_CACHE_DIR"
set -- $(cpu_of "$BUILD/omr" scan --no-ocr --template ekb-2024 --out "$WORK/out-empty" "$WORK/empty")
echo "start-up (empty batch, template load + export): $(awk -v s=$1 'BEGIN { printf "%.0f", s * 1000 }') ms CPU, peak $2 kB"
one=$(find "$WORK/tiff-g4" ! -type d | sort | head -n 1)
if [ -n "$one" ]; then
    set -- $(cpu_of env OMR_CACHE_DIR= "$BUILD/omr" scan --no-ocr --template ekb-2024 --out "$WORK/out-one" "$one")
    nocache=$1
    cpu_of "$BUILD/omr" scan --no-ocr --template ekb-2024 --out "$WORK/out-one" "$one" >/dev/null
    set -- $(cpu_of "$BUILD/omr" scan --no-ocr --template ekb-2024 --out "$WORK/out-one" "$one")
    echo "one G4 file ($(basename "$one")): $(awk -v a=$nocache -v b=$1 'BEGIN { printf "%.0f ms CPU with masks drawn, %.0f ms with masks cached", a * 1000, b * 1000 }')"
fi
printf '%-9s %6s %12s %12s %7s %10s\n' format pages floor_ms/pg omr_ms/pg ratio peak_kB
for f in tiff-g4 tiff-lzw png jpeg pdf; do
    files=$(find "$WORK/$f" ! -type d | sort)
    [ -n "$files" ] || { printf '%-9s (no files in this set)\n' $f; continue; }
    set -- $(cpu_of "$BUILD/decode_floor" $files)
    floor=$1
    pages=$(sed -n 's/^pages //p' "$WORK/t.out")
    set -- $(cpu_of "$BUILD/omr" scan --no-ocr --template ekb-2024 --out "$WORK/out-$f" "$WORK/$f")
    awk -v f=$f -v n="$pages" -v a="$floor" -v b="$1" -v kb="$2" 'BEGIN {
        printf "%-9s %6d %12.1f %12.1f %7.2f %10d\n", f, n, a * 1000 / n, b * 1000 / n, (a > 0 ? b / a : 0), kb }'
done

# --jobs: one reader against two, the whole set, on every core this process may use
runs() {
    /usr/bin/time -v -o "$WORK/t.time" "$@" >"$WORK/t.out" 2>"$WORK/t.err" || true
    awk -F': ' '/User time|System time/ { s += $2 } /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0
                for (i = 1; i <= n; i++) w = w * 60 + p[i] } /Maximum resident/ { kb = $2 }
                END { printf "%.2f %.2f %d\n", w, s, kb }' "$WORK/t.time"
}
printf '%-7s %6s %8s %8s %10s\n' jobs pages wall_s cpu_s peak_kB
all=$(awk 'NR > 1' "$WORK/data/manifest.csv" | wc -l)
for n in 1 2; do
    set -- $(runs "$BUILD/omr" scan --no-ocr --jobs $n --template ekb-2024 --out "$WORK/out-jobs$n" "$WORK/data/scans")
    printf '%-7s %6d %8.2f %8.2f %10d\n' $n "$all" "$1" "$2" "$3"
done
same=yes
for f in records.csv marks.csv review.csv; do
    cmp -s "$WORK/out-jobs1/$f" "$WORK/out-jobs2/$f" || same="no ($f differs)"
done
echo "--jobs 2 outputs the same as --jobs 1: $same"
