#!/usr/bin/env bash
# Gatling: starts one server node, runs one simulation against it, stops the node, and writes
# load-tests/results/gatling-<sim>.json (request counts, p50/p99, per-request OK/KO, the
# assertions and whether they held, and the server's own SLA counters) and regenerates
# load-tests/results/gatling.md from every results/gatling-*.json.
# The HTML report stays under load-tests/target/gatling/ (not committed).
# Exits non-zero when an assertion failed (or the run crashed).
#   load-tests/bench/gatling.sh desk        agents + customers (JSON) + mobile (protobuf) together
#   load-tests/bench/gatling.sh viewers     one live room
#   load-tests/bench/gatling.sh customers|mobile   the simulation with AgentsSimulation answering in a
#                                          second Gatling process (as two terminals would; both summarised)
#   load-tests/bench/gatling.sh agents      agents alone (they wait for offers that never come)
# Simulation knobs pass through as -Dlivedesk.<name>=<value> after the name, e.g.
#   load-tests/bench/gatling.sh viewers -Dlivedesk.users=100 -Dlivedesk.seconds=30
# The server node and Gatling run under flock /tmp/livedesk-bench.lock, so runs of any benchmark
# sharing this machine never overlap (the build before it does not take the lock).
set -euo pipefail
SIM=${1:-desk}
shift || true
source "$(dirname "$0")/lib.sh"
PORT=${PORT:-17080}
export CLUSTER_PORT=${CLUSTER_PORT:-17701}
HEAP=${HEAP:-512m}
LOCK=${BENCH_LOCK:-/tmp/livedesk-bench.lock}

case $SIM in
  desk) CLASS=DeskSimulation ;;
  viewers) CLASS=ViewersSimulation ;;
  agents) CLASS=AgentsSimulation ;;
  customers) CLASS=CustomersSimulation ;;
  mobile) CLASS=MobileSimulation ;;
  *) echo "unknown simulation '$SIM' (desk, viewers, agents, customers, mobile)" >&2; exit 2 ;;
esac

build
log "compiling the simulations"
(cd "$ROOT" && mvn -q -B -pl load-tests test-compile)

# gatling CLASS LOG [-Dlivedesk.*...]: one Gatling run against the node.
gatling() {
  local class=$1 logfile=$2; shift 2
  (cd "$ROOT" && mvn -B -pl load-tests gatling:test -Dgatling.simulationClass="io.livedesk.load.sims.$class" \
    -Dlivedesk.url="ws://127.0.0.1:$PORT/ws" -Dlivedesk.secret="$SECRET" "$@") > "$logfile" 2>&1
}

run() {
  # Loopback only: the HTTP server and the embedded store bind 127.0.0.1.
  start_node gatling "$PORT" "$HEAP" LIVEDESK_HOST=127.0.0.1 LIVEDESK_STORE_EMBEDDED_PORT=$((PORT + 1))
  trap 'stop_pid $NODE_PID' EXIT
  curl -sf "http://127.0.0.1:$PORT/health" > /dev/null || { log "the node did not come up:"; tail -20 "$WORK/gatling/server.log" >&2; return 1; }
  if [[ $SIM == customers || $SIM == mobile ]]; then
    # Agents in their own Gatling process, on shift a little longer than the customers arrive.
    local seconds
    seconds=$(printf '%s\n' "$@" | sed -n 's/^-Dlivedesk.seconds=//p' | tail -1)
    log "gatling: AgentsSimulation alongside ${AGENTS_ARGS:--Dlivedesk.agents=20}"
    gatling AgentsSimulation "$WORK/agents.log" -Dlivedesk.seconds=$(( ${seconds:-60} + 30 )) ${AGENTS_ARGS:--Dlivedesk.agents=20} &
    AGENTS_PID=$!
    sleep 15
  fi
  log "gatling: $CLASS $*"
  set +e
  gatling "$CLASS" "$WORK/gatling.log" "$@"
  GATLING_RC=$?
  if [[ -n ${AGENTS_PID:-} ]]; then
    wait "$AGENTS_PID"
    AGENTS_RC=$?
  fi
  set -e
  # The server's own view of the same run, before the node goes.
  curl -sf "http://127.0.0.1:$PORT/metrics" > "$WORK/metrics.txt" || true
  stop_pid "$NODE_PID"
  trap - EXIT
}

MACHINE="$(machine)"
exec 9> "$LOCK"
log "waiting for $LOCK"
flock 9
run "$@"
flock -u 9

# summarise SIM LOG RC ARGS: results/gatling-SIM.json from the report named in LOG, and results/gatling.md.
summarise() {
  local sim=$1 logfile=$2 rc=$3 args=$4 report
  report=$(grep -o 'load-tests/target/gatling/[^/ ]*' "$logfile" | tail -1 || true)
  if [[ -z $report ]]; then
    log "$sim: no Gatling report (rc $rc); log: $logfile"
    tail -40 "$logfile" >&2
    return 1
  fi
  grep -E ' : (true|false) \(actual' "$logfile" >&2 || true
  python3 "$(dirname "$0")/gatling_summary.py" --sim "$sim" --report "$ROOT/$report" --log "$logfile" --metrics "$WORK/metrics.txt" \
    --rc "$rc" --machine "$MACHINE" --command "$(printf '%q ' ${AGENTS_ARGS:+AGENTS_ARGS="$AGENTS_ARGS"} load-tests/bench/gatling.sh "$SIM" $args)" \
    --out "$RESULTS/gatling-$sim.json"
  log "$sim: rc $rc, report $ROOT/$report/index.html, summary $RESULTS/gatling-$sim.json and $RESULTS/gatling.md"
}

summarise "$SIM" "$WORK/gatling.log" "$GATLING_RC" "$*" || exit 1
if [[ -n ${AGENTS_PID:-} ]]; then
  # The same command ran it: AgentsSimulation with AGENTS_ARGS, alongside $SIM.
  summarise "agents-with-$SIM" "$WORK/agents.log" "$AGENTS_RC" "$*" || exit 1
  [[ $AGENTS_RC == 0 ]] || exit "$AGENTS_RC"
fi
exit "$GATLING_RC"
