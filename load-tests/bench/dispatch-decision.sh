#!/usr/bin/env bash
# The dispatch decision alone, in process (no network, no MongoDB): 500 agents at capacity,
# 2,000 conversations waiting, 200 asks a second each matched by a close and an accept.
# Prints p50/p99/max per request kind (goal: p99 <= 5 ms per decision).
#   load-tests/bench/dispatch-decision.sh          (60 s of traffic)
#   SECONDS_OF_TRAFFIC=20 load-tests/bench/dispatch-decision.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -pl server -am test-compile
mvn -B -q -pl server exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=io.livedesk.server.routing.DispatchDecisionBenchmark -Dexec.args="${SECONDS_OF_TRAFFIC:-60}"
