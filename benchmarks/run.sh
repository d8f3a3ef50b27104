#!/usr/bin/env bash
# Side by side on loopback: loopwire vs Netty (one event loop; NIO, native epoll and native io_uring transports)
# vs thread-per-client, same load against each.
#
# Builds nothing. Run from the repository root after:   mvn -B -ntp -DskipTests package
# then:                                                 benchmarks/run.sh
#
# All servers run at once as separate JVMs (same flags); for every client count and mode the load runs against
# each server in turn, so drift in the machine's background load hits all of them alike. A server whose jar is
# missing is skipped with a message. Every run is bounded by RUN_TIMEOUT, the whole script by BUDGET.
# Raw summary lines and the table go to benchmarks/target/run-<time>/.
#
# Knobs (environment): CLIENTS, UDP_MEMBERS, RATE_DELIVERIES, WARMUP, DURATION, DRAIN, PINGS, RUN_TIMEOUT,
# BUDGET, SERVER_JVM, LOAD_JVM, LOOPWIRE_JAR, SERVERS (add loopwire-2loops and netty-epoll-2loops for the two-loop
# comparison), UDP_PIN.
#
# UDP fan-out (UdpRelayLoad: UDP members sending as fast as their acknowledgements allow) runs against the servers
# with a UDP chat room (loopwire and Netty; thread-per-client has none), unpinned like the TCP runs.
#
# UDP echo RTT on this 2-core VM is bimodal (about 13 us when client and server share a core, about 50 us when
# the wake-up crosses cores), so for the UDP phase every server and the pinger are pinned with taskset:
# UDP_PIN=same (default: both on the last CPU, the server's own path dominates), cross (server on CPU 0, pinger
# on the last CPU), none.
source "$(dirname "$0")/common.sh" "$@"
set -uo pipefail
cd "$(dirname "$0")/.."

BENCH_JAR=benchmarks/target/benchmarks.jar
LOOPWIRE_JAR=${LOOPWIRE_JAR:-examples/target/loopwire.jar}
SERVERS=${SERVERS:-"loopwire netty netty-epoll netty-iouring tpc"}
CLIENTS=${CLIENTS:-"2 10 100 1000"}
UDP_MEMBERS=${UDP_MEMBERS-"10 100"}   # empty: no UDP fan-out phase
RATE_DELIVERIES=${RATE_DELIVERIES:-50000} # fixed-rate runs: deliveries/s asked; messages/s = this / (clients - 1)
WARMUP=${WARMUP:-1s}
DURATION=${DURATION:-5s}
DRAIN=${DRAIN:-3s}
PINGS=${PINGS:-50000}                    # 0: no UDP echo phase
RUN_TIMEOUT=${RUN_TIMEOUT:-45}            # seconds per load run
BUDGET=${BUDGET:-480}                     # seconds; later runs are skipped once this is spent
UDP_PIN=${UDP_PIN:-same}
SERVER_JVM=${SERVER_JVM:-"-Xms512m -Xmx512m"}
LOAD_JVM=${LOAD_JVM:-"-Xms512m -Xmx512m"}

need_built "$BENCH_JAR"
OUT=benchmarks/target/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
START=$SECONDS
declare -A PID TCP UDP RES LABEL=([loopwire]=loopwire [loopwire-2loops]="loopwire 2 loops" [loopwire-2loops-spread]="loopwire 2 loops spread" [netty]="Netty NIO"
    [netty-epoll]="Netty epoll"
    [netty-iouring]="Netty io_uring" [netty-epoll-2loops]="Netty epoll 2 loops" [tpc]=thread-per-client [floor]="blocking floor")

server_command() { # name -> the command line that starts it, or nothing if it cannot run here
    local peer="java $SERVER_JVM -cp $BENCH_JAR io.loopwire.bench.peers"
    local args="--bind 127.0.0.1 --tcp-port 0 --udp-port 0"
    case $1 in
        loopwire) [[ -f $LOOPWIRE_JAR ]] && echo "java $SERVER_JVM -jar $LOOPWIRE_JAR server $args" ;;
        loopwire-2loops) [[ -f $LOOPWIRE_JAR ]] && echo "java $SERVER_JVM -jar $LOOPWIRE_JAR server $args --loops 2" ;;
        loopwire-2loops-spread) [[ -f $LOOPWIRE_JAR ]] \
            && echo "java $SERVER_JVM -jar $LOOPWIRE_JAR server $args --loops 2 --pack-below 0" ;;
        netty) echo "$peer.NettyRelayServer $args --transport nio" ;;
        netty-epoll) echo "$peer.NettyRelayServer $args --transport epoll" ;;
        netty-iouring) echo "$peer.NettyRelayServer $args --transport io_uring" ;;
        netty-epoll-2loops) echo "$peer.NettyRelayServer $args --transport epoll --loops 2" ;;
        tpc) echo "$peer.ThreadPerClientRelayServer $args" ;;
        floor) echo "$peer.BlockingUdpEchoFloor $args" ;;
    esac
}

start_server() { # name: starts it, waits for its ready line, records PID/TCP/UDP
    local name=$1 cmd
    cmd=$(server_command "$name")
    if [[ -z $cmd ]]; then
        echo "skipping $name: $LOOPWIRE_JAR not found" >&2
        return 1
    fi
    $cmd >"$OUT/$name.out" 2>"$OUT/$name.err" &
    local pid=$! line=""
    for _ in $(seq 100); do
        line=$(grep -m1 '^ready ' "$OUT/$name.out" 2>/dev/null) && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $line ]]; then
        echo "skipping $name: no ready line (see $OUT/$name.err)" >&2
        kill "$pid" 2>/dev/null
        return 1
    fi
    PID[$name]=$pid
    TCP[$name]=$(sed -n 's/.*tcp=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")
    UDP[$name]=$(sed -n 's/.*udp=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")
    echo "started $name pid=$pid: $line" >&2
}

stop_servers() {
    local name
    for name in "${!PID[@]}"; do
        kill "${PID[$name]}" 2>/dev/null
    done
    for name in "${!PID[@]}"; do
        for _ in $(seq 50); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.1; done
        kill -9 "${PID[$name]}" 2>/dev/null
    done
}
trap stop_servers EXIT

over_budget() { (( SECONDS - START > BUDGET )); }

load() { # key, java main, args...: runs one bounded load and stores its summary line under key
    local key=$1 main=$2 line
    shift 2
    if over_budget; then
        RES[$key]="skipped"
        echo "$key: skipped (budget of ${BUDGET}s spent)" >&2
        return
    fi
    line=$(timeout "$RUN_TIMEOUT" $PIN java $LOAD_JVM -cp $BENCH_JAR "io.loopwire.bench.$main" "$@" 2>>"$OUT/load.err" \
        | grep -E '^(relay|udp-ping|udp-relay) ')
    RES[$key]=${line:-"timeout"}
    echo "$key: ${RES[$key]}" | tee -a "$OUT/raw.txt" >&2
}

kv() { # summary line, key -> value
    sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

ratio() { # a b -> a/b with 2 decimals, or n/a
    [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] || { echo "n/a"; return; }
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "n/a";
                                     else printf "%.2f", a / b }'
}

PIN=""
RUNNING=()
for name in $SERVERS floor; do
    start_server "$name" && RUNNING+=("$name")
done
RELAYS=()
for name in "${RUNNING[@]}"; do [[ $name != floor ]] && RELAYS+=("$name"); done
if (( ${#RELAYS[@]} == 0 )); then
    echo "no relay server started; nothing to compare" >&2
    exit 1
fi

# JIT warm-up of every server (not recorded): a cold JVM may fall behind the first run and close a client.
for name in "${RELAYS[@]}"; do
    timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp $BENCH_JAR io.loopwire.bench.RelayLoad --port "${TCP[$name]}" \
        --clients 10 --max --warmup 1s --duration 2s --drain 2s >/dev/null 2>>"$OUT/load.err" || true
done

turn=0
for n in $CLIENTS; do
    rate=$(( RATE_DELIVERIES / (n - 1) )); (( rate < 1 )) && rate=1
    for mode in rate max; do
        # Rotate who goes first, so no server always runs right after a JVM start or another's teardown.
        order=("${RELAYS[@]:turn % ${#RELAYS[@]}}" "${RELAYS[@]:0:turn % ${#RELAYS[@]}}")
        turn=$(( turn + 1 ))
        for name in "${order[@]}"; do
            if [[ $mode == rate ]]; then pace=(--rate "$rate"); else pace=(--max); fi
            load "$name/$n/$mode" RelayLoad --port "${TCP[$name]}" --clients "$n" "${pace[@]}" --warmup "$WARMUP" \
                --duration "$DURATION" --drain "$DRAIN" --server-pid "${PID[$name]}"
        done
    done
done
UDP_RELAYS=()
for name in "${RELAYS[@]}"; do [[ $name != tpc ]] && UDP_RELAYS+=("$name"); done
[[ -z $UDP_MEMBERS ]] && UDP_RELAYS=()
for name in "${UDP_RELAYS[@]}"; do # JIT warm-up of the UDP room path, not recorded
    timeout "$RUN_TIMEOUT" java $LOAD_JVM -cp $BENCH_JAR io.loopwire.bench.UdpRelayLoad --port "${UDP[$name]}" \
        --members 10 --warmup 1s --duration 2s --drain 2s >/dev/null 2>>"$OUT/load.err" || true
done
for n in $UDP_MEMBERS; do
    order=("${UDP_RELAYS[@]:turn % ${#UDP_RELAYS[@]}}" "${UDP_RELAYS[@]:0:turn % ${#UDP_RELAYS[@]}}")
    turn=$(( turn + 1 ))
    for name in "${order[@]}"; do
        load "$name/udprelay/$n" UdpRelayLoad --port "${UDP[$name]}" --members "$n" --warmup "$WARMUP" \
            --duration "$DURATION" --drain "$DRAIN" --server-pid "${PID[$name]}"
    done
done
LAST_CPU=$(( $(nproc) - 1 ))
if [[ $UDP_PIN != none ]] && command -v taskset >/dev/null; then
    server_cpu=$LAST_CPU; [[ $UDP_PIN == cross ]] && server_cpu=0
    for name in "${RUNNING[@]}"; do taskset -a -cp "$server_cpu" "${PID[$name]}" >/dev/null; done
    PIN="taskset -c $LAST_CPU"
else
    UDP_PIN=none
fi
PING_MODES="text probe"; (( PINGS > 0 )) || PING_MODES=""
for probe in $PING_MODES; do
    for name in "${RUNNING[@]}"; do
        extra=(); [[ $probe == probe ]] && extra=(--probe)
        load "$name/udp/$probe" UdpPingLoad --port "${UDP[$name]}" --count "$PINGS" --warmup 2000 "${extra[@]}"
    done
done
stop_servers
trap - EXIT

{
    echo "## TCP fan-out ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, fixed rate = $RATE_DELIVERIES deliveries/s asked, warm-up $WARMUP, measured $DURATION)"
    echo
    echo "Ratios are loopwire / peer: for deliveries/s higher is better, for CPU and p99 lower is better."
    echo "'best Netty' is, per row, the best of the single-loop Netty transports that ran (NIO, epoll, io_uring)."
    echo "Two-loop servers, when run (loopwire --loops 2, Netty epoll on 2 loops), are compared with each other."
    echo "A value marked ! had lost, duplicated or closed deliveries (see raw.txt)."
    echo
    NETTYS=(); for name in "${RELAYS[@]}"; do [[ $name == netty* && $name != *2loops ]] && NETTYS+=("$name"); done
    TWO=""; [[ " ${RELAYS[*]} " == *" loopwire-2loops "* && " ${RELAYS[*]} " == *" netty-epoll-2loops "* ]] && TWO=yes
    header="| clients | mode | metric |"; rule="|---:|---|---|"
    for name in "${RELAYS[@]}"; do header+=" ${LABEL[$name]} |"; rule+="---:|"; done
    for name in "${RELAYS[@]}"; do
        [[ $name != loopwire ]] && { header+=" loopwire/${LABEL[$name]} |"; rule+="---:|"; }
    done
    (( ${#NETTYS[@]} > 0 )) && { header+=" loopwire/best Netty |"; rule+="---:|"; }
    [[ -n $TWO ]] && { header+=" 2 loops: loopwire/Netty epoll |"; rule+="---:|"; }
    echo "$header"
    echo "$rule"
    for n in $CLIENTS; do
        for mode in rate max; do
            for metric in deliveries_per_s server_cpu_ns_per_delivery p99_us; do
                declare -A v=()
                for name in "${RELAYS[@]}"; do
                    line=${RES[$name/$n/$mode]:-}
                    case $line in
                        relay*) v[$name]=$(kv "$line" "$metric")
                                bad=$(( $(kv "$line" lost) + $(kv "$line" dup) + $(kv "$line" closed) ))
                                (( bad > 0 )) && v[$name]="${v[$name]}!" ;;
                        "") v[$name]="-" ;;
                        *) v[$name]=$line ;;
                    esac
                done
                label=$mode; [[ $mode == rate ]] && label="rate $(( RATE_DELIVERIES / (n - 1) ))/s"
                row="| $n | $label | ${metric//_/ } |"
                lw=${v[loopwire]:-}; lw=${lw%!}
                for name in "${RELAYS[@]}"; do row+=" ${v[$name]} |"; done
                for name in "${RELAYS[@]}"; do
                    [[ $name != loopwire ]] && row+=" $(ratio "$lw" "${v[$name]%!}") |"
                done
                if (( ${#NETTYS[@]} > 0 )); then
                    # Best Netty transport for this metric: most deliveries/s, least CPU, lowest p99.
                    best=""
                    for name in "${NETTYS[@]}"; do
                        x=${v[$name]%!}
                        [[ $x =~ ^[0-9.]+$ ]] || continue
                        if [[ -z $best ]] || awk -v x="$x" -v b="$best" -v m="$metric" \
                            'BEGIN { exit !((m == "deliveries_per_s") ? x > b : x < b) }'; then best=$x; fi
                    done
                    row+=" $(ratio "$lw" "$best") |"
                fi
                if [[ -n $TWO ]]; then
                    a=${v[loopwire-2loops]}; b=${v[netty-epoll-2loops]}
                    row+=" $(ratio "${a%!}" "${b%!}") |"
                fi
                echo "$row"
                unset v
            done
        done
    done
    echo
    echo "## UDP fan-out (UdpRelayLoad: each member keeps a window of messages unacknowledged until all others have them)"
    echo
    echo "A value marked ! had lost or duplicated deliveries (see raw.txt)."
    echo
    header="| members | metric |"; rule="|---:|---|"
    for name in "${UDP_RELAYS[@]}"; do header+=" ${LABEL[$name]} |"; rule+="---:|"; done
    for name in "${UDP_RELAYS[@]}"; do
        [[ $name != loopwire ]] && { header+=" loopwire/${LABEL[$name]} |"; rule+="---:|"; }
    done
    echo "$header"
    echo "$rule"
    for n in $UDP_MEMBERS; do
        for metric in deliveries_per_s lost server_cpu_ns_per_delivery p50_us p99_us; do
            declare -A v=()
            for name in "${UDP_RELAYS[@]}"; do
                line=${RES[$name/udprelay/$n]:-}
                case $line in
                    udp-relay*) v[$name]=$(kv "$line" "$metric")
                                bad=$(( $(kv "$line" lost) + $(kv "$line" dup) ))
                                (( bad > 0 )) && [[ $metric != lost ]] && v[$name]="${v[$name]}!" ;;
                    "") v[$name]="-" ;;
                    *) v[$name]=$line ;;
                esac
            done
            row="| $n | ${metric//_/ } |"
            for name in "${UDP_RELAYS[@]}"; do row+=" ${v[$name]} |"; done
            lw=${v[loopwire]:-}; lw=${lw%!}
            for name in "${UDP_RELAYS[@]}"; do
                [[ $name != loopwire ]] && row+=" $(ratio "$lw" "${v[$name]%!}") |"
            done
            echo "$row"
            unset v
        done
    done
    echo
    [[ -n $PING_MODES ]] && echo "## UDP echo RTT, one in flight ($PINGS pings after 2000 warm-up, pinning: $UDP_PIN)" \
        && echo && echo "| server | mode | p50 µs | p99 µs | p99.9 µs | max µs | lost | p50 / floor p50 |" \
        && echo "|---|---|---:|---:|---:|---:|---:|---:|"
    for probe in $PING_MODES; do
        floor=$(kv "${RES[floor/udp/$probe]:-}" p50_us)
        for name in "${RUNNING[@]}"; do
            line=${RES[$name/udp/$probe]:-}
            if [[ $line == udp-ping* ]]; then
                echo "| ${LABEL[$name]} | $probe | $(kv "$line" p50_us) | $(kv "$line" p99_us) | $(kv "$line" p999_us) |" \
                     "$(kv "$line" max_us) | $(kv "$line" lost) | $(ratio "$(kv "$line" p50_us)" "$floor") |"
            else
                echo "| ${LABEL[$name]} | $probe | ${line:--} | | | | | |"
            fi
        done
    done
    echo
    echo "Total time: $(( SECONDS - START )) s. Raw lines: $OUT/raw.txt"
} | tee "$OUT/table.md"
