#!/bin/sh
# stations_bench.sh — throughput of several `omr watch` stations on one
# PostgreSQL ledger (a benchmark, not a test).
#
#   samples/stations_bench.sh BUILD_DIR
#
# Starts a PostgreSQL server of its own (Debian's postgresql package; initdb
# into a temporary folder, a Unix socket only; as root it runs as the
# postgres user), generates FORMS synthetic filled ekb-2024 forms (omr-samples
# make), and for each station count in STATIONS: an empty database, the scan
# files dealt round-robin into that many inboxes, every station started at
# once with --exit-when-idle --no-ocr and WORKERS reading threads, the wall
# time until the last one ends. Prints forms per hour per run, the server's
# CPU share (its processes' user+system time over the wall time) and omr's,
# and checks that omr export holds every form once.
# Environment:
#   STATIONS_BENCH_FORMS     forms (default 60)
#   STATIONS_BENCH_STATIONS  station counts (default "1 2 4")
#   STATIONS_BENCH_WORKERS   threads per station (default 1)
# Exit status: 0 when every run holds every form once, 1 otherwise.
set -eu

BUILD=${1:?usage: samples/stations_bench.sh BUILD_DIR}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
OMR=$BUILD/omr
SAMPLES=$BUILD/omr-samples
FORMS=${STATIONS_BENCH_FORMS:-60}
COUNTS=${STATIONS_BENCH_STATIONS:-"1 2 4"}
WORKERS=${STATIONS_BENCH_WORKERS:-1}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
for bin in "$OMR" "$SAMPLES"; do
    [ -x "$bin" ] || { echo "stations_bench: $bin is missing; run make omr $BUILD/omr-samples first" >&2; exit 1; }
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "stations_bench: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/omr-stations-bench-XXXXXX)
AS=""
if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; chmod 755 "$WORK"; AS="runuser -u postgres --"; fi
cleanup() {
    $AS "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
$AS "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres --locale=C -E UTF8 >/dev/null
$AS "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -o "-k $WORK -c listen_addresses=''" start >/dev/null
PGPID=$(head -1 "$WORK/pg/postmaster.pid")

echo "== $FORMS forms (omr-samples make, seed 2026) =="
"$SAMPLES" make --template ekb-2024 --count "$FORMS" --seed 2026 --out "$WORK/sample" >/dev/null
NFILES=$(ls "$WORK/sample/scans" | wc -l)

# CPU seconds (user+system) of the server's processes so far
pg_cpu() {
    tck=$(getconf CLK_TCK)
    total=0
    for p in $(pgrep -P "$PGPID") "$PGPID"; do
        [ -r /proc/$p/stat ] || continue
        t=$(awk '{print $14 + $15 + $16 + $17}' /proc/$p/stat) # with ended backends (waited for)
        total=$((total + t))
    done
    echo "$total $tck" | awk '{printf "%.2f", $1 / $2}'
}

status=0
printf "%-9s %8s %8s %12s %14s %14s\n" stations files wall_s forms/hour "server cpu %" "omr cpu s"
for k in $COUNTS; do
    db=bench_$k
    psql -q -h "$WORK" -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
    uri="postgresql://postgres@/$db?host=$WORK"
    run=$WORK/run$k
    mkdir -p "$run/archive" "$run/rejected"
    i=0
    for f in "$WORK/sample/scans"/*; do
        s=$((i % k)); i=$((i + 1))
        mkdir -p "$run/inbox$s" "$run/out$s"
        cp "$f" "$run/inbox$s/"
    done
    # the schema made once, before the clock starts
    "$OMR" status --db "$uri" >/dev/null 2>&1 || true
    "$OMR" export --db "$uri" --out "$run/warm" --template ekb-2024 >/dev/null 2>&1 || true
    cpu0=$(pg_cpu)
    start=$(date +%s.%N)
    pids=""
    for s in $(seq 0 $((k - 1))); do
        /usr/bin/time -f "%U %S" -o "$run/time$s" "$OMR" watch --inbox "$run/inbox$s" --archive "$run/archive" \
            --rejected "$run/rejected" --out "$run/out$s" --db "$uri" --template ekb-2024 --no-ocr \
            --workers "$WORKERS" --settle 0 --export-every 3600 --exit-when-idle 2>"$run/log$s" &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || status=1; done
    end=$(date +%s.%N)
    cpu1=$(pg_cpu)
    omr_cpu=$(cat "$run"/time* | awk '{s += $1 + $2} END {printf "%.1f", s}')
    "$OMR" export --db "$uri" --out "$run/export" --template ekb-2024 >/dev/null 2>&1 || status=1
    forms=$(($(wc -l < "$run/export/records.csv") - 1))
    [ "$forms" -eq "$FORMS" ] || { echo "stations_bench: $k stations: $forms forms in records.csv, not $FORMS" >&2; status=1; }
    awk -v k="$k" -v n="$NFILES" -v f="$FORMS" -v a="$start" -v b="$end" -v c0="$cpu0" -v c1="$cpu1" -v o="$omr_cpu" \
        'BEGIN {w = b - a; printf "%-9s %8d %8.1f %12.0f %14.1f %14s\n", k, n, w, f / w * 3600, (c1 - c0) / w * 100, o}'
done
echo "(this machine: $(nproc) cores; a station's reading is CPU-bound, the server's share shows how much of the"
echo " ledger's work one PostgreSQL server does per form)"
exit $status
