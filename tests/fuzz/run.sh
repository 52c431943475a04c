#!/bin/sh
# tests/fuzz/run.sh BUILD_DIR [SECONDS] — the fuzz smoke test that CI runs:
# each libFuzzer harness for SECONDS (default 60) from a seed corpus made
# here (omr's own forms rendered at 72 dpi as PNG, TIFF and PDF; the shipped
# templates and calibration profiles; QR payloads and barcode texts; frames
# made of `omr frame codes`; damaged ekb-2024 pages), under AddressSanitizer
# and UBSan, with a 2 GB memory limit.
# A crash, a sanitizer report or a balloon fails the run; the input that did
# it is kept in BUILD_DIR/fuzz/ and named in the output.
set -eu
BUILD=$1
SECONDS_EACH=${2:-60}
cd "$(dirname "$0")/../.."
seeds=$BUILD/fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds/decode" "$seeds/template" "$seeds/calibration" "$seeds/payload" \
    "$seeds/frame" "$seeds/page"
printf 'FUZZ1\n' > "$seeds/codes.txt"
build/omr render ekb-2024 --codes "$seeds/codes.txt" --format png --dpi 72 --out "$seeds/png" >/dev/null
build/omr render ekb-2024 --codes "$seeds/codes.txt" --format tiff --dpi 72 --out "$seeds/tiff" >/dev/null
build/omr render ekb-2024 --codes "$seeds/codes.txt" --format pdf --out "$seeds/decode/form.pdf" >/dev/null
cp "$seeds"/png/*.png "$seeds"/tiff/*.tif "$seeds/decode/"
cp templates/*.cfg "$seeds/template/"
cp calibration/*.cfg "$seeds/calibration/"
# QR payloads as render prints them (check characters right), a damaged one,
# and barcode texts for the foreign pattern the harness holds
printf 'OMR1:ekb-2024:FUZZ1:1:C' > "$seeds/payload/omr"
printf 'OMR1:oj-2021-ekb:a7k2qx:2:3' > "$seeds/payload/lower"
printf 'OMR1:ekb-2024:K7M2QX9A:1:Z' > "$seeds/payload/misread"
printf 'ABCDEFGHIJKk7m2qx9a-2' > "$seeds/payload/groups"
printf '17x' > "$seeds/payload/form"
# frames: omr's own codes (check characters right), Excel's dialect, lower case
codes=$(build/omr frame codes 4)
{ echo "code,unit,gender"; n=0; for c in $codes; do n=$((n+1)); echo "$c,Unit $n,K"; done; } > "$seeds/frame/frame.csv"
{ printf '\357\273\277code;unit\r\n'; for c in $codes; do printf '%s;"J\303\244rva"\r\n' "$c"; done; } > "$seeds/frame/excel.csv"
{ echo "code,unit"; for c in $codes; do echo "$c,x" | tr 'A-Z' 'a-z'; done; } > "$seeds/frame/lower.csv"
# pages: ekb-2024 page 1 and 2 as rendered, turned, with blots over the QR
# code and a fiducial; and a tiny image of its own bytes
printf '\000\000' > "$seeds/page/p1"
printf '\002\001' > "$seeds/page/p2-turned"
printf '\000\002\300\002\100\000\060\060\000\040\000\040\000\040\040\377' > "$seeds/page/p1-blots"
head -c 4099 /dev/zero | tr '\000' '\200' | { printf '\001\070\000'; cat; } > "$seeds/page/raw"
status=0
export LSAN_OPTIONS="suppressions=$(pwd)/tests/fuzz/lsan.supp"
export OMR_TEMPLATE_DIR="$(pwd)/templates" OMR_CALIBRATION_DIR="$(pwd)/calibration"
targets="decode template calibration payload frame page"
passed=0
for target in $targets; do
    corpus=$BUILD/fuzz/corpus-$target
    mkdir -p "$corpus"
    echo "fuzz: $target for $SECONDS_EACH s"
    if ! (cd "$BUILD/fuzz" && ./fuzz_$target -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
            -timeout=25 -max_len=1048576 -print_final_stats=1 "corpus-$target" "seeds/$target" \
            > "fuzz_$target.log" 2>&1); then
        tail -n 40 "$BUILD/fuzz/fuzz_$target.log"
        echo "fuzz: $target FAILED; the input is in $BUILD/fuzz/ (crash-*, oom-*, timeout-*)"
        status=1
    else
        grep -E 'stat::number_of_executed_units|cov:' "$BUILD/fuzz/fuzz_$target.log" | tail -n 2
        passed=$((passed + 1))
    fi
done
[ $status = 0 ] && echo "fuzz: $passed passed, 0 failed" || echo "fuzz: smoke test failed"
exit $status
