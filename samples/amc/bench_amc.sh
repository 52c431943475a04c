#!/bin/sh
# omr against Auto Multiple Choice on AMC's real scanned answer sheets, box by box.
#
#   samples/amc/bench_amc.sh BUILD_DIR [CASE ...]
#
# CORPUS (default ../shared/corpora/amc from the repository) holds the scans,
# the layouts exported from AMC and AMC's own reading (reading.csv). OUT
# (default /tmp/omr-amc-bench) receives the templates, omr's outputs and the
# comparison. Needs python3-pil (Debian: apt-get install -y python3-pil).
#
# omr cannot read the binary page-ID bar code that AMC prints on each page, so
# the bench tells it which AMC copy a scan file holds: one template per copy
# (identity "none", known by its look) and one `omr scan` per copy, over the
# scan files AMC found that copy's pages in; compare_amc.py then keeps the
# pages AMC attributes to that copy (a multi-page PDF holds other copies too).
#
# Two runs (MODES="layout scan"), OUT/layout and OUT/scan, differing in the
# blank page omr finds the form through (amc_templates.py --blank=...):
#   layout  drawn from the layout alone (dots, box outlines, box labels): what
#           a user without AMC's PDF could give omr; measures page finding.
#   scan    the scan page itself, mapped onto the layout through AMC's dots,
#           box interiors wiped: the page is found for omr, so this run
#           measures how omr reads the boxes.
set -eu
BUILD=${1:?usage: bench_amc.sh BUILD_DIR [CASE ...]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OMR=$(cd "$BUILD" && pwd)/omr
CORPUS=${CORPUS:-$ROOT/../shared/corpora/amc}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpora/amc
OUT=${OUT:-/tmp/omr-amc-bench}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

MODES=${MODES:-layout scan}
CASES="$*"  # (the positional parameters are reused below)
rm -rf "$OUT"
for mode in $MODES; do
OUTM=$OUT/$mode
mkdir -p "$OUTM/templates" "$OUTM/scans"
echo "== blank drawn from the $mode"
$PY "$HERE/amc_templates.py" --blank=$mode "$CORPUS" "$OUTM/templates" $CASES

for dir in "$OUTM"/templates/*/; do
    case_=$(basename "$dir")
    for cfg in "$dir"*.cfg; do
        tid=$(basename "$cfg" .cfg)
        # the scan files that hold this copy's pages
        files=$(awk -F, -v t="$tid" 'NR > 1 && $1 == t { print $5 }' "$dir/pages.csv" | sort -u)
        set --
        for f in $files; do set -- "$@" "$CORPUS/$case_/scans/$f"; done
        out="$OUTM/scans/$case_/$tid"
        mkdir -p "$out"
        if ! "$OMR" template check "$cfg" > "$out/check.txt" 2>&1; then
            echo "$tid: template check failed (see $out/check.txt)" >&2
            continue
        fi
        "$OMR" scan --template "$cfg" --out "$out" --no-ocr "$@" > "$out/scan.txt" 2>&1 || true
        echo "$tid: $(grep '^omr scan: [0-9]' "$out/scan.txt" | cut -c11-90)"
    done
done

$PY "$HERE/compare_amc.py" --corpus "$CORPUS" --bench "$OUTM" | tee "$OUTM/summary.txt"
done
