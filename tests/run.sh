#!/bin/sh
# tests/run.sh — runs every Criterion test binary given, from the repository
# root, and ends with the failed tests' names and assertions (so that the
# tail of a CI log says what failed) and one summary line "N passed, N failed".
set -u
passed=0; failed=0; status=0; failures=""
for t in "$@"; do
    out=$("$t" --jobs 2 2>&1); rc=$?
    printf '%s\n' "$out" | tail -n 60
    line=$(printf '%s\n' "$out" | grep 'Synthesis:' | tail -n 1)
    p=$(printf '%s' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.*Failing: \([0-9]*\).*Crashing: \([0-9]*\).*/\1 \2/p')
    passed=$((passed + ${p:-0}))
    what=$(printf '%s\n' "$out" | grep -E -A2 '\[(FAIL|CRASH)\]|Assertion Failed|CRASH|ERROR: .*Sanitizer|runtime error:' | head -n 16)
    [ -n "$what" ] && failures="$failures$t:
$what
"
    for n in $f; do failed=$((failed + n)); done
    # a sanitizer report fails the run even where the test itself passed
    if printf '%s\n' "$out" | grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:'; then
        echo "$t: sanitizer report above"; rc=1; failed=$((failed + 1))
    fi
    if [ $rc -ne 0 ]; then status=1; [ -z "$line" ] && failed=$((failed + 1)) && echo "$t: crashed or did not run (exit $rc)"; fi
done
if [ -n "$failures" ]; then
    echo "---- what failed:"
    printf '%s' "$failures"
fi
echo "$passed passed, $failed failed"
exit $status
