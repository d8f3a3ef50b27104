#!/usr/bin/env bash
# Every benchmark of issue 5 in one go (about 7 minutes on 2 cores): the side-by-side load runs (run.sh: loopwire vs
# Netty vs thread-per-client, TCP fan-out and UDP echo) then the hot paths and memory (jmh.sh: JMH with -prof gc,
# reactor-thread allocation, prober rate, heap per idle connection).
#
# From the repository root:   mvn -B -ntp -DskipTests package && benchmarks/bench.sh
# --help prints the comment above; the knobs are environment variables, so no argument is taken.
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0; fi
if (( $# > 0 )); then echo "$(basename "$0"): takes no arguments (knobs are environment variables; see --help)" >&2; exit 2; fi
set -uo pipefail
cd "$(dirname "$0")/.."
benchmarks/run.sh
status=$?
benchmarks/jmh.sh || status=$?
exit $status
