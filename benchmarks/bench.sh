#!/usr/bin/env bash
# Every benchmark of issue 5 in one go (about 7 minutes on 2 cores): the side-by-side load runs (run.sh: loopwire vs
# Netty vs thread-per-client, TCP fan-out and UDP echo) then the hot paths and memory (jmh.sh: JMH with -prof gc,
# reactor-thread allocation, prober rate, heap per idle connection).
#
# From the repository root:   mvn -B -ntp -DskipTests package && benchmarks/bench.sh
source "$(dirname "$0")/common.sh" "$@"
set -uo pipefail
cd "$(dirname "$0")/.."
benchmarks/run.sh
status=$?
benchmarks/jmh.sh || status=$?
exit $status
