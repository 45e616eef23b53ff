#!/usr/bin/env bash
# Dispatch: sustained new conversations against simulated agents, in two phases, each on a fresh
# node. (a) agents' capacity comfortably above the load; (b) the load at twice what the agents
# can take (capacity x agents / hold time), to see which tiers absorb the delay. Per tier:
# dispatch latency (ask -> offer at an agent), time to the first human answer (ask -> the
# agent's message at the customer), SLA attainment (first human answer within 10/30/120 s).
# Writes load-tests/results/dispatch.json.
#   load-tests/bench/dispatch.sh                       (both phases, the defaults below)
#   PHASES=a A_RATE=100 A_AGENTS=200 load-tests/bench/dispatch.sh
#   SERVER_JAR=<another build> LABEL=edf PHASES=b load-tests/bench/dispatch.sh   (writes dispatch-edf.json)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT=${PORT:-18100}
export CLUSTER_PORT=${CLUSTER_PORT:-18150}
HEAP=${HEAP:-1g}
PHASES=${PHASES:-a,b}
# The issue asks for 200/s against 500 agents; on the shared 2-core machine with the embedded
# store a node sustains ~20-25 new conversations/s (see RESULTS.md), so the defaults are scaled
# down to what it sustains. The full figure is A_RATE=200 A_AGENTS=500.
# (a) 100 agents x 4 = 400 slots; 20/s x ~6 s held = ~120 busy: under a third of the capacity
A_AGENTS=${A_AGENTS:-100} A_CAPACITY=${A_CAPACITY:-4} A_RATE=${A_RATE:-20} A_SECONDS=${A_SECONDS:-60} A_HOLD_MS=${A_HOLD_MS:-5000}
# (b) 10 agents x 2 slots / 4 s held = 5 conversations/s taken; 10/s asked: twice the capacity
B_AGENTS=${B_AGENTS:-10} B_CAPACITY=${B_CAPACITY:-2} B_RATE=${B_RATE:-10} B_SECONDS=${B_SECONDS:-150} B_HOLD_MS=${B_HOLD_MS:-4000}
DRAIN=${DRAIN:-10}
build
export GEN_MAIN=io.livedesk.load.Dispatch
trap 'stop_pid ${GEN_PID:-0}; stop_pid ${NODE_PID:-0}' EXIT

# phase NAME AGENTS CAPACITY RATE SECONDS HOLD_MS CUSTOMERS: one run on a fresh node; prints its RESULT json.
phase() {
  local name=$1 agents=$2 capacity=$3 rate=$4 seconds=$5 hold=$6 customers=$7
  # phase (a) reuses customers: a returning one is offered to their previous agent first when that
  # agent has room (routing.returningWindowHours cannot be 0), which is what production does too
  start_node "dispatch-$name" "$PORT" "$HEAP"
  local load0; load0=$(cut -d' ' -f1 /proc/loadavg)
  generate "$WORK/$name.log" --url "ws://127.0.0.1:$PORT/ws" --agents "$agents" --capacity "$capacity" --rate "$rate" \
    --seconds "$seconds" --holdMs "$hold" --customers "$customers" --drainSeconds "$DRAIN" --serverPid "$NODE_PID"
  log "phase $name ready: $(await_line "$WORK/$name.log" READY "$GEN_PID")"
  local result; result=$(await_line "$WORK/$name.log" RESULT "$GEN_PID")
  wait "$GEN_PID" || true
  stop_pid "$NODE_PID"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r.update(phase=sys.argv[2], loadAverageAtStart=float(sys.argv[3]), loadAverageAtEnd=float(open("/proc/loadavg").read().split()[0])); print(json.dumps(r))' \
    "$result" "$name" "$load0"
}

OUT=()
if [[ ,$PHASES, == *,a,* ]]; then
  # customers: enough to keep asking while ~rate x (hold + 30 s) conversations are open
  OUT+=("$(phase a "$A_AGENTS" "$A_CAPACITY" "$A_RATE" "$A_SECONDS" "$A_HOLD_MS" $((A_RATE * (A_HOLD_MS / 1000 + 30))))")
fi
if [[ ,$PHASES, == *,b,* ]]; then
  # overloaded, most customers wait to the end: one per ask
  OUT+=("$(phase b "$B_AGENTS" "$B_CAPACITY" "$B_RATE" "$B_SECONDS" "$B_HOLD_MS" $((B_RATE * B_SECONDS + 200)))")
fi
printf '%s\n' "${OUT[@]}" | python3 -c '
import json, sys
phases = [json.loads(l) for l in sys.stdin if l.strip()]
out = {"label": sys.argv[3], "machine": sys.argv[1], "phases": phases}
json.dump(out, open(sys.argv[2], "w"), indent=1)
for p in phases:
    print("phase", p["phase"], "asked/s", p["askedPerSecond"], "server cores", p.get("serverCpuCores"), "load", p["loadAverageAtStart"], "->", p["loadAverageAtEnd"])
    for t, v in p["tiers"].items():
        print("  %-7s asked %6d answered %6d attainment %s dispatch p50/p99 %s/%s ms first answer p50/p99 %s/%s ms" % (t, v["asked"], v["answered"],
              v["attainment"], v["dispatchP50Ms"], v["dispatchP99Ms"], v["firstAnswerP50Ms"], v["firstAnswerP99Ms"]))
    print("  counts", p["counts"])
' "$(machine)" "$RESULTS/dispatch${LABEL:+-$LABEL}.json" "${LABEL:-livedesk}"
