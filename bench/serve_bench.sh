#!/usr/bin/env bash
# serve_bench.sh: throughput and latency of POST /v1/decide of `vigil serve` on loopback, with wrk.
#
#   bench/serve_bench.sh [BUILD_DIR]            default BUILD_DIR: build
#
# Settings (environment):
#   CONFIGS   "SERVER_THREADS:WRK_THREADS:CONNECTIONS ..." to measure, default "8:1:8 16:1:16 32:1:32 8:2:8"
#   DURATION  seconds per measurement (default 10), after WARMUP seconds of warm-up (default 3)
#   RECORDS   records in the generated log (default 100000), interleaving 2000 conversations
#   POLICY    the policies (default policies/)
#   EXTRA     more `vigil serve` options, e.g. "--decision-log /tmp/d.jsonl"
#   SERVER_CPUS, WRK_CPUS  pin the server and wrk to these CPUs (taskset lists, e.g. 1 and 0);
#             default: not pinned
#   FLOOR     1 (default): after each setting, the same wrk run on GET /healthz, which decides
#             nothing: the cost of HTTP alone (Boost.Beast and the kernel), for comparison
#
# For each setting: a fresh server, a warm-up, then one measurement. Prints one line per setting:
# decisions/s, latency percentiles (wrk's, which include the client), non-2xx answers, the server's
# CPU time per request (user and system, from /proc), wrk's own CPU time per request (it shares the
# machine's cores), the in-server decide time (from /metrics), and the load average when the
# measurement ended (other work on the machine skews every figure).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD=${1:-build}
VIGIL=$BUILD/cli/vigil
CONFIGS=${CONFIGS:-"8:1:8 16:1:16 32:1:32 8:2:8"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
RECORDS=${RECORDS:-100000}
POLICY=${POLICY:-policies}
EXTRA=${EXTRA:-}
FLOOR=${FLOOR:-1}
SERVER_PIN=()
WRK_PIN=()
[ -n "${SERVER_CPUS:-}" ] && SERVER_PIN=(taskset -c "$SERVER_CPUS")
[ -n "${WRK_CPUS:-}" ] && WRK_PIN=(taskset -c "$WRK_CPUS")

[ -x "$VIGIL" ] || { echo "serve_bench: no $VIGIL (build it first)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "serve_bench: wrk is not installed (apt-get install wrk)" >&2; exit 2; }

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$VIGIL" generate -n "$RECORDS" --seed 1 --concurrent 2000 -o "$WORK/records.jsonl"
HZ=$(getconf CLK_TCK)

cpu_ticks() {  # user + system ticks of a process (fields 14 and 15 of /proc/PID/stat)
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

metric() {  # one sample of /metrics
    curl -s "http://127.0.0.1:$1/metrics" | awk -v name="$2" '$1 == name { print $2 }'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "pinned: server ${SERVER_CPUS:-no}, wrk ${WRK_CPUS:-no}"
echo "vigil: $VIGIL; policies: $POLICY; records: $RECORDS (avg $(($(wc -c <"$WORK/records.jsonl") / RECORDS)) bytes); duration ${DURATION}s; extra: ${EXTRA:-none}"
row() {
    printf '%-16s %-4s %-5s %9s %8s %8s %8s %9s %8s %11s %11s %11s  %s\n' "$@"
}
row endpoint/threads wrk-t wrk-c "req/s" "p50 us" "p90 us" "p99 us" "p99.9 us" "non-2xx" "srv cpu/req" \
    "wrk cpu/req" "decide avg" "load avg"

# Runs wrk; sets requests, rate, non2xx, p50 p90 p99 p999, wrk_cpu_us.
run_wrk() {
    local out=$WORK/wrk.out times
    times=$( { TIMEFORMAT='%U %S'; time "${WRK_PIN[@]}" wrk "$@" >"$out"; } 2>&1 )
    if grep -q '^requests:' "$out"; then
        local line lat
        line=$(grep '^requests:' "$out")
        lat=$(grep '^latency:' "$out")
        requests=$(sed -E 's/^requests: ([0-9]+) in.*/\1/' <<<"$line")
        rate=$(sed -E 's/.*= ([0-9]+)\/s.*/\1/' <<<"$line")
        non2xx=$(sed -E 's/.*non-2xx: ([0-9]+).*/\1/' <<<"$line")
        read -r p50 p90 p99 p999 < <(sed -E 's/latency: p50 ([0-9]+) us, p90 ([0-9]+) us, p99 ([0-9]+) us, p99.9 ([0-9]+) us.*/\1 \2 \3 \4/' <<<"$lat")
    else  # plain wrk --latency output (no script)
        requests=$(awk '/requests in/ { print $1 }' "$out")
        rate=$(awk '/Requests\/sec/ { printf "%d", $2 }' "$out")
        non2xx=$(awk '/Non-2xx/ { print $5 }' "$out"); non2xx=${non2xx:-0}
        to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print int(n); else if (v ~ /ms$/) print int(n * 1000); else print int(n * 1e6) }'; }
        p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$out")")
        p90=$(to_us "$(awk '$1 == "90%" { print $2 }' "$out")")
        p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$out")")
        p999="-"
    fi
    wrk_cpu_us=$(awk -v t="$times" -v n="$requests" 'BEGIN { split(t, a, " "); printf "%.1f us", (a[1] + a[2]) * 1e6 / n }')
}
for config in $CONFIGS; do
    IFS=: read -r server_threads wrk_threads connections <<<"$config"
    : >"$WORK/server.err"
    # shellcheck disable=SC2086
    "${SERVER_PIN[@]}" "$VIGIL" serve --policy "$POLICY" --listen 127.0.0.1:0 --threads "$server_threads" $EXTRA \
        2>"$WORK/server.err" >/dev/null &
    SERVER_PID=$!
    port=""
    for _ in $(seq 100); do
        port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/server.err" | sed 's/.*://' || true)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$WORK/server.err" >&2; exit 1; }
    url=http://127.0.0.1:$port

    RECORDS="$WORK/records.jsonl" RUN=warm "${WRK_PIN[@]}" wrk -t"$wrk_threads" -c"$connections" -d"${WARMUP}s" \
        -s bench/decide.lua "$url" >/dev/null
    before=$(cpu_ticks "$SERVER_PID")
    count_before=$(metric "$port" vigil_decide_duration_seconds_count)
    sum_before=$(metric "$port" vigil_decide_duration_seconds_sum)
    RECORDS="$WORK/records.jsonl" RUN=run run_wrk -t"$wrk_threads" -c"$connections" -d"${DURATION}s" \
        -s bench/decide.lua "$url"
    after=$(cpu_ticks "$SERVER_PID")
    count_after=$(metric "$port" vigil_decide_duration_seconds_count)
    sum_after=$(metric "$port" vigil_decide_duration_seconds_sum)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.1f us", t / hz * 1e6 / n }')
    decide_us=$(awk -v c=$((count_after - count_before)) -v s1="$sum_before" -v s2="$sum_after" \
        'BEGIN { printf "%.1f us", (s2 - s1) / c * 1e6 }')
    row "decide/$server_threads" "$wrk_threads" "$connections" "$rate" "$p50" "$p90" "$p99" "$p999" "$non2xx" \
        "$cpu_us" "$wrk_cpu_us" "$decide_us" "$load"

    if [ "$FLOOR" = 1 ]; then
        before=$(cpu_ticks "$SERVER_PID")
        run_wrk -t"$wrk_threads" -c"$connections" -d"${DURATION}s" --latency "$url/healthz"
        after=$(cpu_ticks "$SERVER_PID")
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.1f us", t / hz * 1e6 / n }')
        row "healthz/$server_threads" "$wrk_threads" "$connections" "$rate" "$p50" "$p90" "$p99" "$p999" "$non2xx" \
            "$cpu_us" "$wrk_cpu_us" "-" "$load"
    fi

    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=""
done
