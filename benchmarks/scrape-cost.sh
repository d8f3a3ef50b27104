#!/usr/bin/env bash
# What scraping /metrics every second costs the loopwire server under RelayLoad: server CPU per delivery with a
# 1 s scraper against the same server without one, median of ROUNDS alternating runs (issue 11: within 5 %).
#
# Builds nothing. Run from the repository root after:   mvn -B -ntp -DskipTests package
# then:                                                 benchmarks/scrape-cost.sh
#
# Two servers run at once as separate JVMs (same flags): "metrics" (with --http-port, so every binder is bound and
# the turn-time histogram is recorded) and "plain" (no --http-port: metrics off). Each round runs the same load three
# times, in a rotating order: metrics with a scraper (curl every SCRAPE_EVERY), metrics without, plain. The headline
# is scraped / unscraped on the same server; metrics / plain shows what having the meters bound costs on its own.
# Raw summary lines and the table go to benchmarks/target/scrape-cost-<time>/.
#
# Knobs (environment): CLIENTS (100), MODE (rate|max, default rate), RATE_DELIVERIES (50000), ROUNDS (5), WARMUP,
# DURATION, DRAIN, SCRAPE_EVERY (1), RUN_TIMEOUT, SERVER_JVM, LOAD_JVM, LOOPWIRE_JAR.
source "$(dirname "$0")/common.sh" "$@"
set -uo pipefail
cd "$(dirname "$0")/.."

BENCH_JAR=benchmarks/target/benchmarks.jar
LOOPWIRE_JAR=${LOOPWIRE_JAR:-examples/target/loopwire.jar}
CLIENTS=${CLIENTS:-100}
MODE=${MODE:-rate}
RATE_DELIVERIES=${RATE_DELIVERIES:-50000}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-2s}
DURATION=${DURATION:-10s}
DRAIN=${DRAIN:-3s}
SCRAPE_EVERY=${SCRAPE_EVERY:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
SERVER_JVM=${SERVER_JVM:-"-Xms512m -Xmx512m"}
LOAD_JVM=${LOAD_JVM:-"-Xms512m -Xmx512m"}

need_built "$BENCH_JAR" "$LOOPWIRE_JAR"
command -v curl >/dev/null || { echo "curl is needed for the scraper" >&2; exit 1; }
OUT=benchmarks/target/scrape-cost-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
declare -A PID TCP HTTP
SCRAPER=""

start_server() { # name, extra args
    local name=$1 line="" pid
    shift
    java $SERVER_JVM -jar "$LOOPWIRE_JAR" server --bind 127.0.0.1 --tcp-port 0 --udp-port 0 "$@" \
        >"$OUT/$name.out" 2>"$OUT/$name.err" &
    pid=$!
    for _ in $(seq 100); do
        line=$(grep -m1 '^ready ' "$OUT/$name.out" 2>/dev/null) && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $line ]]; then
        echo "$name: no ready line (see $OUT/$name.err)" >&2
        exit 1
    fi
    PID[$name]=$pid
    TCP[$name]=$(sed -n 's/.*tcp=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")
    HTTP[$name]=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' <<<"$line")
    echo "started $name pid=$pid: $line" >&2
}

stop_all() {
    [[ -n $SCRAPER ]] && kill "$SCRAPER" 2>/dev/null
    for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null; done
    for name in "${!PID[@]}"; do
        for _ in $(seq 50); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.1; done
        kill -9 "${PID[$name]}" 2>/dev/null
    done
}
trap stop_all EXIT

start_scraper() { # url: curl every SCRAPE_EVERY seconds, counting scrapes in $OUT/scrapes
    ( n=0; while :; do curl -s -o /dev/null "$1" && n=$((n + 1)) && echo "$n" >"$OUT/scrapes"; sleep "$SCRAPE_EVERY"; done ) &
    SCRAPER=$!
}

stop_scraper() {
    kill "$SCRAPER" 2>/dev/null
    wait "$SCRAPER" 2>/dev/null
    SCRAPER=""
}

load() { # key, server name: one bounded RelayLoad run, its summary line appended to raw.txt
    local key=$1 name=$2 pace line
    if [[ $MODE == rate ]]; then pace="--rate $(( RATE_DELIVERIES / (CLIENTS - 1) ))"; else pace="--max"; fi
    line=$(timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp "$BENCH_JAR" io.loopwire.bench.RelayLoad --port "${TCP[$name]}" \
        --clients "$CLIENTS" $pace --warmup "$WARMUP" --duration "$DURATION" --drain "$DRAIN" \
        --server-pid "${PID[$name]}" 2>>"$OUT/load.err" | grep -E '^relay ')
    echo "$key ${line:-timeout}" | tee -a "$OUT/raw.txt" >&2
}

start_server metrics --http-port 0
start_server plain
# JIT warm-up of both servers (not recorded), the scrape path included: the first scrapes load and compile the
# Prometheus writer, a one-off that must not land in a measured run.
for name in metrics plain; do
    [[ $name == metrics ]] && start_scraper "http://${HTTP[metrics]}/metrics"
    timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp "$BENCH_JAR" io.loopwire.bench.RelayLoad --port "${TCP[$name]}" \
        --clients 10 --max --warmup 1s --duration 2s --drain 2s >/dev/null 2>>"$OUT/load.err" || true
    [[ $name == metrics ]] && stop_scraper
done

runs=(scraped unscraped plain)
for round in $(seq "$ROUNDS"); do
    for i in 0 1 2; do
        what=${runs[$(( (i + round) % 3 ))]}
        case $what in
            scraped) start_scraper "http://${HTTP[metrics]}/metrics"; load "scraped/$round" metrics; stop_scraper ;;
            unscraped) load "unscraped/$round" metrics ;;
            plain) load "plain/$round" plain ;;
        esac
    done
done
stop_all
trap - EXIT

median() { # key prefix, metric -> median over the rounds (runs without the metric are left out)
    grep "^$1/" "$OUT/raw.txt" | sed -n "s/.* $2=\([0-9.][0-9.]*\).*/\1/p" | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
                                    else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.3f", a / b }'; }

{
    echo "## Scrape cost ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $CLIENTS clients, $MODE, median of $ROUNDS alternating runs, scrape every ${SCRAPE_EVERY}s)"
    echo
    echo "| server | deliveries/s | server CPU ns/delivery | p99 µs |"
    echo "|---|---:|---:|---:|"
    for k in scraped unscraped plain; do
        echo "| $k | $(median "$k" deliveries_per_s) | $(median "$k" server_cpu_ns_per_delivery) | $(median "$k" p99_us) |"
    done
    s=$(median scraped server_cpu_ns_per_delivery); u=$(median unscraped server_cpu_ns_per_delivery)
    p=$(median plain server_cpu_ns_per_delivery)
    echo
    echo "CPU per delivery, scraped / unscraped: $(ratio "$s" "$u") (target: within 1.05); metrics bound / plain: $(ratio "$u" "$p")"
} | tee "$OUT/table.md"
echo "raw lines and table in $OUT" >&2
