#!/bin/sh
# samples/demo.sh BUILD — the main job on a bundled sample: print personalised
# ekb-2024 forms for a handful of login codes, fill them like respondents,
# degrade them like an office scanner, scan them, and show the records.
set -eu
build=${1:-build}
out=samples/demo-out
rm -rf "$out"; mkdir -p "$out"
echo "== 1. sample scans: 8 filled and degraded ekb-2024 forms (and their ground truth) =="
"$build/omr-samples" make --template ekb-2024 --count 8 --seed 2024 --out "$out/sample" >/dev/null
echo "== 2. the print file for those codes: $out/forms.pdf =="
"$build/omr" render ekb-2024 --codes "$out/sample/codes.txt" --format pdf --out "$out/forms.pdf"
"$build/omr" render ekb-2024 --codes "$out/sample/codes.txt" --format png --dpi 100 --out "$out/png"
echo "== 3. scanning $out/sample/scans =="
status=0
"$build/omr" scan --template ekb-2024 --out "$out/result" "$out/sample/scans" || status=$?
echo "== 4. records ($out/result/records.csv) =="
cut -d, -f1-12 "$out/result/records.csv" | column -s, -t | sed 's/^/  /'
echo "== what could not be read ($out/result/rejects.csv) =="
sed 's/^/  /' "$out/result/rejects.csv"
echo "== what needs a person ($out/result/review.csv) =="
sed 's/^/  /' "$out/result/review.csv"
echo "== accuracy against the generator's truth =="
"$build/omr-samples" score --truth "$out/sample" --out "$out/result" 2>/dev/null | sed 's/^/  /'
echo "(omr scan exit status $status: 0 all read, 1 some pages rejected)"
