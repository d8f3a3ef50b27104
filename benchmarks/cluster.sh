#!/usr/bin/env bash
# Cluster latency: a member on node A to a member on node B (through a real nats-server), next to a member on
# node A (same node), at fixed rates. Needs /usr/sbin/nats-server (apt-get install nats-server).
#
# From the repository root:   mvn -B -ntp -DskipTests package && benchmarks/cluster.sh
# Knobs (environment): RATES="1000 10000", WARMUP=2s, DURATION=5s, SERVER_JVM, LOAD_JVM, RUN_TIMEOUT.
source "$(dirname "$0")/common.sh" "$@"
set -uo pipefail
cd "$(dirname "$0")/.."

BENCH_JAR=benchmarks/target/benchmarks.jar
LOOPWIRE_JAR=${LOOPWIRE_JAR:-examples/target/loopwire.jar}
NATS=${NATS:-/usr/sbin/nats-server}
RATES=${RATES:-"1000 10000"}
WARMUP=${WARMUP:-2s}
DURATION=${DURATION:-5s}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
SERVER_JVM=${SERVER_JVM:-"-Xms256m -Xmx256m"}
LOAD_JVM=${LOAD_JVM:-"-Xms256m -Xmx256m"}

need_built "$BENCH_JAR" "$LOOPWIRE_JAR"
[[ -x $NATS ]] || { echo "no nats-server at $NATS (apt-get install nats-server)" >&2; exit 1; }
OUT=benchmarks/target/cluster-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NATS" -a 127.0.0.1 -p "$port" >"$OUT/nats.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done

declare -A TCP
for node in a b; do
    java $SERVER_JVM -jar "$LOOPWIRE_JAR" server --tcp-port 0 --udp-port 0 --cluster "nats://127.0.0.1:$port" \
        --cluster-room bench --node-id "$node" >"$OUT/$node.out" 2>"$OUT/$node.err" &
    PIDS+=($!)
    line=""
    for _ in $(seq 100); do line=$(grep -m1 '^ready ' "$OUT/$node.out" 2>/dev/null) && break; sleep 0.1; done
    [[ -n $line ]] || { echo "node $node did not start (see $OUT/$node.err)" >&2; exit 1; }
    TCP[$node]=$(sed -n 's/.*tcp=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")
done

{
    echo "## Cluster hop latency ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, nats-server $("$NATS" --version 2>&1 | head -1), all on loopback)"
    echo
    echo "| rate lines/s | same node p50 µs | same node p99 µs | across NATS p50 µs | across NATS p99 µs | received same / across / sent |"
    echo "|---:|---:|---:|---:|---:|---|"
    for rate in $RATES; do
        line=$(timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp "$BENCH_JAR" io.loopwire.bench.ClusterLatency \
            --near-port "${TCP[a]}" --far-port "${TCP[b]}" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" \
            2>>"$OUT/load.err" | grep '^cluster-latency ')
        echo "$line" >>"$OUT/raw.txt"
        kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        echo "| $rate | $(kv near_p50_us) | $(kv near_p99_us) | $(kv far_p50_us) | $(kv far_p99_us) |" \
             "$(kv near_received) / $(kv far_received) / $(kv sent) |"
    done
} | tee "$OUT/table.md"
