#!/usr/bin/env bash
# Hot paths and memory: JMH (framing, broadcast, UDP echo, each with -prof gc), per-thread allocation of the reactor,
# prober throughput, heap per idle TCP connection (loopwire and Netty). Prints one markdown summary at the end.
#
# Builds nothing. Run from the repository root after:   mvn -B -ntp -DskipTests package
# then:                                                 benchmarks/jmh.sh
#
# Knobs (environment): JMH_ARGS (extra JMH options, e.g. "-wi 3 -i 5"), JMH_FILTER (default io.loopwire.bench.jmh.),
# ALLOC_DURATION (3s), PROBER_TARGETS (10000), PROBER_INTERVALS ("100ms 25ms"), CONNECTIONS (10000), JVM
# ("-Xms1g -Xmx1g -XX:+AlwaysPreTouch", for the mains). Takes about 4 minutes.
source "$(dirname "$0")/common.sh" "$@"
set -uo pipefail
cd "$(dirname "$0")/.."

JAR=benchmarks/target/benchmarks.jar
JMH_FILTER=${JMH_FILTER:-io.loopwire.bench.jmh.}
JMH_ARGS=${JMH_ARGS:-}
ALLOC_DURATION=${ALLOC_DURATION:-3s}
PROBER_TARGETS=${PROBER_TARGETS:-10000}
PROBER_INTERVALS=${PROBER_INTERVALS:-"100ms 25ms"}
CONNECTIONS=${CONNECTIONS:-10000}
JVM=${JVM:-"-Xms1g -Xmx1g -XX:+AlwaysPreTouch"}

need_built "$JAR"
OUT=benchmarks/target/jmh-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
START=$SECONDS

# 10,000 connections need 10,000+ descriptors in the client and in the server process.
want=$(( CONNECTIONS + 500 ))
if (( $(ulimit -n) < want )); then
    ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if (( $(ulimit -n) < want )); then
    CONNECTIONS=$(( $(ulimit -n) - 500 ))
    echo "ulimit -n is $(ulimit -n): measuring $CONNECTIONS idle connections instead" >&2
fi

echo "== JMH ($JMH_FILTER, -prof gc)" >&2
# shellcheck disable=SC2086
java -jar "$JAR" "$JMH_FILTER" -prof gc -rf json -rff "$OUT/jmh.json" $JMH_ARGS 2>&1 | tee "$OUT/jmh.txt" \
    | grep -E '^(Benchmark|[A-Z][A-Za-z]+Benchmark\.|# Run complete|\[reactor thread\])' >&2

echo "== reactor-thread allocation" >&2
# shellcheck disable=SC2086
java $JVM -cp "$JAR" io.loopwire.bench.AllocationCheck --duration "$ALLOC_DURATION" 2>>"$OUT/err.txt" \
    | tee "$OUT/alloc.txt" >&2
# The same with a larger Integer cache: removes the JDK selector's boxing of file descriptors >= 128.
# shellcheck disable=SC2086
java $JVM -XX:AutoBoxCacheMax=65536 -cp "$JAR" io.loopwire.bench.AllocationCheck --duration "$ALLOC_DURATION" \
    2>>"$OUT/err.txt" | sed 's/^alloc /alloc autoboxcache=65536 /' | tee -a "$OUT/alloc.txt" >&2

echo "== prober" >&2
for interval in $PROBER_INTERVALS; do
    # shellcheck disable=SC2086
    timeout 120 java $JVM -cp "$JAR" io.loopwire.bench.ProberThroughput --targets "$PROBER_TARGETS" \
        --interval "$interval" --warmup 3s --duration 5s 2>>"$OUT/err.txt" | tee -a "$OUT/prober.txt" >&2
done

echo "== idle connections" >&2
timeout 600 java -cp "$JAR" io.loopwire.bench.IdleConnectionMemory --connections "$CONNECTIONS" --histogram \
    2>>"$OUT/err.txt" | tee "$OUT/idle.txt" >&2

kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

{
    echo "### JMH (-prof gc; B/op counts every thread of the benchmark JVM)"
    echo
    echo "| benchmark | params | score | unit | gc.alloc.rate.norm B/op |"
    echo "|---|---|---:|---|---:|"
    python3 - "$OUT/jmh.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    name = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]
    params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
    p = r["primaryMetric"]
    score = f'{p["score"]:.3f} ± {p["scoreError"]:.3f}' if p["score"] < 1000 else f'{p["score"]:,.0f} ± {p["scoreError"]:,.0f}'
    norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {})
    nscore = f'{norm["score"]:.3f}' if norm else "-"
    extra = ""
    if name.startswith("LineFramerBenchmark"):
        extra = f' ({p["score"] * 65536 / 1e6:,.0f} MB/s, {p["score"] * 1024 / 1e6:.1f} M lines/s)'
    print(f'| {name} | {params} | {score}{extra} | {p["scoreUnit"]} | {nscore} |')
PY
    echo
    echo "### Server reactor thread only (ThreadMXBean, $ALLOC_DURATION after warm-up)"
    echo
    echo "| path | JVM flag | µs/op | reactor B/op | client B/op |"
    echo "|---|---|---:|---:|---:|"
    while read -r line; do
        flag="-"; [[ $line == *autoboxcache* ]] && flag="-XX:AutoBoxCacheMax=65536"
        path=$(sed -n 's/.* path=\([^ ]*\) \([^ ]*\) ops=.*/\1 \2/p' <<<"$line")
        echo "| $path | $flag | $(kv "$line" us_per_op) | $(kv "$line" reactor_bytes_per_op) | $(kv "$line" caller_bytes_per_op) |"
    done <"$OUT/alloc.txt"
    echo
    echo "### Prober ($PROBER_TARGETS targets, one prober thread, echo sockets on a second reactor)"
    echo
    echo "| asked/s | sent/s | rounds/s | lost | kernel rcvbuf drops | prober CPU ns/probe | probes per prober CPU-s | prober B/probe | echo B/probe |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    while read -r line; do
        echo "| $(kv "$line" asked_per_s) | $(kv "$line" sent_per_s) | $(kv "$line" rounds_per_s) | $(kv "$line" lost) |" \
             "$(kv "$line" kernel_rcvbuf_drops) | $(kv "$line" prober_cpu_ns_per_probe) | $(kv "$line" probes_per_cpu_s) |" \
             "$(kv "$line" prober_bytes_per_probe) | $(kv "$line" echo_bytes_per_probe) |"
    done <"$OUT/prober.txt"
    echo
    echo "### Heap per idle TCP connection (server in a child JVM, after System.gc())"
    echo
    echo "| server | connections | held | heap before | heap after | bytes per connection |"
    echo "|---|---:|---:|---:|---:|---:|"
    while read -r line; do
        echo "| $(kv "$line" server) | $(kv "$line" connections) | $(kv "$line" held) | $(kv "$line" heap_before) |" \
             "$(kv "$line" heap_after) | $(kv "$line" bytes_per_connection) |"
    done < <(grep '^idle ' "$OUT/idle.txt")
    echo
    echo "Largest growth per connection (class histogram diff, jcmd GC.class_histogram):"
    echo
    echo "| server | class | instances/conn | bytes/conn |"
    echo "|---|---|---:|---:|"
    grep '^histogram ' "$OUT/idle.txt" | awk '{c[$2]++} c[$2] <= 8' | while read -r line; do
        echo "| $(kv "$line" server) | \`$(kv "$line" class)\` | $(kv "$line" instances_per_connection) |" \
             "$(kv "$line" bytes_per_connection) |"
    done
    echo
    echo "Total time: $(( SECONDS - START )) s. Raw output: $OUT/"
} | tee "$OUT/summary.md"
