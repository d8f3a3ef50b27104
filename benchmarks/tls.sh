#!/usr/bin/env bash
# TLS side by side on loopback (issue 18): loopwire's TLS listener vs the Netty peer with SslHandler (JDK provider),
# one run: fan-out at max throughput (RelayLoad over SSLEngine clients), full handshakes per server core-second
# (TlsHandshakeLoad, SSLSocket clients) and heap per idle TLS connection (IdleConnectionMemory, child JVMs).
#
# Builds nothing. Run from the repository root after:   mvn -B -ntp -DskipTests package
# then:                                                 benchmarks/tls.sh
#
# A fresh self-signed EC P-256 certificate for localhost is made with openssl in the run's directory
# (benchmarks/target/tls-<time>/), nothing secret is committed. Both servers run at once as separate JVMs with the
# same flags; each load runs against each server in turn (order rotated). Raw lines and the table go to the run's
# directory.
#
# Knobs (environment): TLS_CLIENTS ("10 100"), SERVERS ("loopwire netty-epoll netty": Netty transports nio, epoll,
# io_uring), WARMUP (2s), DURATION (5s), DRAIN (3s), HANDSHAKE_THREADS (2), HANDSHAKE_WARMUP (5s: the JDK's EC code
# runs interpreted until warm, several times slower), HANDSHAKE_DURATION (5s),
# IDLE_CONNECTIONS (2000; 0 skips the memory phase), CIPHER (unset: the JDK's defaults, TLS 1.3 negotiated),
# RUN_TIMEOUT (60 s per load), SERVER_JVM, LOAD_JVM, LOOPWIRE_JAR.
source "$(dirname "$0")/common.sh" "$@"
set -uo pipefail
cd "$(dirname "$0")/.."

BENCH_JAR=benchmarks/target/benchmarks.jar
LOOPWIRE_JAR=${LOOPWIRE_JAR:-examples/target/loopwire.jar}
SERVERS=${SERVERS:-"loopwire netty-epoll netty"}
TLS_CLIENTS=${TLS_CLIENTS:-"10 100"}
WARMUP=${WARMUP:-2s}
DURATION=${DURATION:-5s}
DRAIN=${DRAIN:-3s}
HANDSHAKE_THREADS=${HANDSHAKE_THREADS:-2}
HANDSHAKE_WARMUP=${HANDSHAKE_WARMUP:-5s}
HANDSHAKE_DURATION=${HANDSHAKE_DURATION:-5s}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-2000}
CIPHER=${CIPHER:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
SERVER_JVM=${SERVER_JVM:-"-Xms512m -Xmx512m"}
LOAD_JVM=${LOAD_JVM:-"-Xms512m -Xmx512m"}

need_built "$BENCH_JAR" "$LOOPWIRE_JAR"
if ! command -v openssl >/dev/null; then
    echo "openssl is needed to make the test certificate (Debian: apt-get install openssl)" >&2
    exit 1
fi
OUT=benchmarks/target/tls-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
START=$SECONDS
CERT=$OUT/cert.pem
KEY=$OUT/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$KEY" -out "$CERT" -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >"$OUT/openssl.log" 2>&1 \
    || { echo "openssl failed: see $OUT/openssl.log" >&2; exit 1; }
CIPHER_ARG=(); [[ -n $CIPHER ]] && CIPHER_ARG=(--tls-cipher "$CIPHER")

declare -A PID PORT RES LABEL=([loopwire]=loopwire [netty]="Netty NIO" [netty-epoll]="Netty epoll"
    [netty-iouring]="Netty io_uring")

server_command() {
    local args="--bind 127.0.0.1 --tcp-port 0 --udp-port 0 --tls-port 0 --tls-cert $CERT --tls-key $KEY"
    local peer="java $SERVER_JVM -cp $BENCH_JAR io.loopwire.bench.peers.NettyRelayServer $args"
    case $1 in
        loopwire) echo "java $SERVER_JVM -jar $LOOPWIRE_JAR server $args" ;;
        netty) echo "$peer --transport nio" ;;
        netty-epoll) echo "$peer --transport epoll" ;;
        netty-iouring) echo "$peer --transport io_uring" ;;
    esac
}

start_server() { # name: starts it, waits for its ready line, records PID and the TLS port
    local name=$1 cmd pid line=""
    cmd=$(server_command "$name")
    [[ -z $cmd ]] && { echo "unknown server $name" >&2; return 1; }
    $cmd >"$OUT/$name.out" 2>"$OUT/$name.err" &
    pid=$!
    for _ in $(seq 200); do
        line=$(grep -m1 '^ready ' "$OUT/$name.out" 2>/dev/null) && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $line || $line != *tls=* ]]; then
        echo "skipping $name: no ready line with tls= (see $OUT/$name.err)" >&2
        kill "$pid" 2>/dev/null
        return 1
    fi
    PID[$name]=$pid
    PORT[$name]=$(sed -n 's/.*tls=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")
    echo "started $name pid=$pid: $line" >&2
}

stop_servers() {
    local name
    for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null; done
    for name in "${!PID[@]}"; do
        for _ in $(seq 50); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.1; done
        kill -9 "${PID[$name]}" 2>/dev/null
    done
    PID=()
}
trap stop_servers EXIT

load() { # key, java main, args...: one bounded load; stores its summary line under key
    local key=$1 main=$2 line
    shift 2
    line=$(timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp $BENCH_JAR "io.loopwire.bench.$main" "$@" 2>>"$OUT/load.err" \
        | grep -E '^(relay|tls-handshake) ')
    RES[$key]=${line:-"timeout"}
    echo "$key: ${RES[$key]}" | tee -a "$OUT/raw.txt" >&2
}

kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a";
                                     else printf "%.2f", a / b }'
}

RUNNING=()
for name in $SERVERS; do start_server "$name" && RUNNING+=("$name"); done
(( ${#RUNNING[@]} == 0 )) && { echo "no server started" >&2; exit 1; }

# JIT warm-up of every server's TLS path (not recorded): handshakes, then a short fan-out.
for name in "${RUNNING[@]}"; do
    timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp $BENCH_JAR io.loopwire.bench.TlsHandshakeLoad --port "${PORT[$name]}" \
        --tls-ca "$CERT" --threads "$HANDSHAKE_THREADS" --warmup 0s --duration "$HANDSHAKE_WARMUP" "${CIPHER_ARG[@]}" \
        >/dev/null 2>>"$OUT/load.err" || true
    timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp $BENCH_JAR io.loopwire.bench.RelayLoad --port "${PORT[$name]}" \
        --tls-ca "$CERT" --clients 10 --max --warmup 1s --duration 3s --drain 2s "${CIPHER_ARG[@]}" \
        >/dev/null 2>>"$OUT/load.err" || true
done

turn=0
for n in $TLS_CLIENTS; do
    order=("${RUNNING[@]:turn % ${#RUNNING[@]}}" "${RUNNING[@]:0:turn % ${#RUNNING[@]}}")
    turn=$(( turn + 1 ))
    for name in "${order[@]}"; do
        load "$name/$n" RelayLoad --port "${PORT[$name]}" --tls-ca "$CERT" --clients "$n" --max --warmup "$WARMUP" \
            --duration "$DURATION" --drain "$DRAIN" --server-pid "${PID[$name]}" "${CIPHER_ARG[@]}"
    done
done
order=("${RUNNING[@]:turn % ${#RUNNING[@]}}" "${RUNNING[@]:0:turn % ${#RUNNING[@]}}")
for name in "${order[@]}"; do
    load "$name/handshake" TlsHandshakeLoad --port "${PORT[$name]}" --tls-ca "$CERT" --threads "$HANDSHAKE_THREADS" \
        --warmup 1s --duration "$HANDSHAKE_DURATION" --server-pid "${PID[$name]}" "${CIPHER_ARG[@]}"
done
stop_servers

# Heap per idle TLS connection: each server in a child JVM of IdleConnectionMemory (Netty on its NIO transport).
if (( IDLE_CONNECTIONS > 0 )); then
    timeout $(( RUN_TIMEOUT * 10 )) java $LOAD_JVM -cp $BENCH_JAR io.loopwire.bench.IdleConnectionMemory \
        --connections "$IDLE_CONNECTIONS" --servers loopwire-tls,netty-tls --tls-cert "$CERT" --tls-key "$KEY" \
        2>>"$OUT/load.err" | grep '^idle ' | tee -a "$OUT/raw.txt" >"$OUT/idle.txt"
fi
trap - EXIT

{
    echo "## TLS fan-out, max throughput ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, warm-up $WARMUP," \
         "measured $DURATION)"
    echo
    echo "64-byte lines; clients: RelayLoad over JDK SSLEngine, nonblocking on one selector thread. Negotiated:" \
         "$(for k in "${!RES[@]}"; do kv "${RES[$k]}" tls; done | grep -v '^-$' | sort -u | tr '\n' ' ')"
    echo "A value marked ! had lost, duplicated or closed deliveries (see raw.txt). Ratios: loopwire / peer."
    echo
    NETTYS=(); for name in "${RUNNING[@]}"; do [[ $name == netty* ]] && NETTYS+=("$name"); done
    header="| clients | metric |"; rule="|---:|---|"
    for name in "${RUNNING[@]}"; do header+=" ${LABEL[$name]} |"; rule+="---:|"; done
    for name in "${NETTYS[@]}"; do header+=" loopwire/${LABEL[$name]} |"; rule+="---:|"; done
    echo "$header"
    echo "$rule"
    for n in $TLS_CLIENTS; do
        for metric in deliveries_per_s server_cpu_ns_per_delivery lost p99_us; do
            row="| $n | ${metric//_/ } |"
            declare -A v=()
            for name in "${RUNNING[@]}"; do
                line=${RES[$name/$n]:-}
                if [[ $line == relay* ]]; then
                    v[$name]=$(kv "$line" "$metric")
                    bad=$(( $(kv "$line" lost) + $(kv "$line" dup) + $(kv "$line" closed) ))
                    (( bad > 0 )) && [[ $metric != lost ]] && v[$name]="${v[$name]}!"
                else
                    v[$name]=${line:--}
                fi
                row+=" ${v[$name]} |"
            done
            for name in "${NETTYS[@]}"; do row+=" $(ratio "${v[loopwire]:-}" "${v[$name]%!}") |"; done
            echo "$row"
            unset v
        done
    done
    echo
    echo "Targets (issue 18): 0 lost; loopwire server CPU per delivery ≤ 1/1.3 (0.77) of Netty's" \
         "(the best Netty that ran):"
    echo
    for n in $TLS_CLIENTS; do
        lost=0; best=""; lw=""
        for name in "${RUNNING[@]}"; do
            line=${RES[$name/$n]:-}
            [[ $line == relay* ]] || { lost="no result from $name"; continue; }
            [[ $lost =~ ^[0-9]+$ ]] && lost=$(( lost + $(kv "$line" lost) + $(kv "$line" dup) + $(kv "$line" closed) ))
            cpu=$(kv "$line" server_cpu_ns_per_delivery)
            if [[ $name == loopwire ]]; then lw=$cpu
            elif [[ $cpu =~ ^[0-9.]+$ ]] && { [[ -z $best ]] || (( cpu < best )); }; then best=$cpu; fi
        done
        r=$(ratio "$lw" "$best")
        verdict=missed; awk -v r="$r" 'BEGIN { exit !(r != "n/a" && r <= 1 / 1.3) }' && verdict=held
        [[ $lost == 0 ]] && lostv=held || lostv="missed ($lost)"
        echo "- $n clients: 0 lost/dup/closed: $lostv;" \
             "CPU per delivery loopwire/best Netty = $r ($lw vs $best ns): $verdict"
    done
    echo
    echo "## Full TLS handshakes ($HANDSHAKE_THREADS SSLSocket client threads," \
         "new client context each: no resumption;" \
         "measured $HANDSHAKE_DURATION)"
    echo
    echo "| server | handshakes/s | failed | server CPU µs per handshake | handshakes per server core-second |"
    echo "|---|---:|---:|---:|---:|"
    for name in "${RUNNING[@]}"; do
        line=${RES[$name/handshake]:-}
        if [[ $line == tls-handshake* ]]; then
            echo "| ${LABEL[$name]} | $(kv "$line" handshakes_per_s) | $(kv "$line" failed) |" \
                 "$(kv "$line" server_cpu_us_per_handshake) | $(kv "$line" handshakes_per_server_core_s) |"
        else
            echo "| ${LABEL[$name]} | ${line:--} | | | |"
        fi
    done
    if [[ -s $OUT/idle.txt ]]; then
        echo
        echo "## Heap per idle TLS connection after the handshake (server in a child JVM, heap after GC; Netty on NIO)"
        echo
        echo "| server | connections | held | heap before | heap after | bytes per connection |"
        echo "|---|---:|---:|---:|---:|---:|"
        while read -r line; do
            echo "| $(kv " $line" server) | $(kv "$line" connections) | $(kv "$line" held) |" \
                 "$(kv "$line" heap_before) | $(kv "$line" heap_after) | $(kv "$line" bytes_per_connection) |"
        done <"$OUT/idle.txt"
    fi
    echo
    echo "Total time: $(( SECONDS - START )) s. Raw lines: $OUT/raw.txt"
} | tee "$OUT/table.md"
