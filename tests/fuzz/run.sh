#!/bin/sh
# tests/fuzz/run.sh BUILD_DIR [SECONDS] — the fuzz smoke test that CI runs:
# each libFuzzer harness for SECONDS (default 60) from a seed corpus made
# here (omr's own forms rendered at 72 dpi as PNG, TIFF and PDF; the shipped
# templates), under AddressSanitizer and UBSan, with a 2 GB memory limit.
# A crash, a sanitizer report or a balloon fails the run; the input that did
# it is kept in BUILD_DIR/fuzz/ and named in the output.
set -eu
BUILD=$1
SECONDS_EACH=${2:-60}
cd "$(dirname "$0")/../.."
seeds=$BUILD/fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds/decode" "$seeds/template"
printf 'FUZZ1\n' > "$seeds/codes.txt"
build/omr render ekb-2024 --codes "$seeds/codes.txt" --format png --dpi 72 --out "$seeds/png" >/dev/null
build/omr render ekb-2024 --codes "$seeds/codes.txt" --format tiff --dpi 72 --out "$seeds/tiff" >/dev/null
build/omr render ekb-2024 --codes "$seeds/codes.txt" --format pdf --out "$seeds/decode/form.pdf" >/dev/null
cp "$seeds"/png/*.png "$seeds"/tiff/*.tif "$seeds/decode/"
cp templates/*.cfg "$seeds/template/"
status=0
export LSAN_OPTIONS="suppressions=$(pwd)/tests/fuzz/lsan.supp"
for target in decode template; do
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
    fi
done
[ $status = 0 ] && echo "fuzz: 2 passed, 0 failed" || echo "fuzz: smoke test failed"
exit $status
