#!/usr/bin/env bash
# Conversations: customer-to-agent messages with MongoDB persistence (the embedded store, as a
# node runs by default) at rising total rates. PAIRS customers, each in an active conversation
# with their own agent; per rate: send -> ack at the customer (acked once stored), send ->
# receipt at the agent, p50/p99, and the server's CPU. Writes load-tests/results/conversations[-LABEL].json.
#   load-tests/bench/conversations.sh                      (400 pairs, the issue's rates 100,500,1000,2000)
#   PAIRS=200 RATES=50,100,200,500 LABEL=200pairs load-tests/bench/conversations.sh
# GEN_ARGS: more generator options, e.g. "--slowLog FILE --slowMs 20" writes every slower ack (send time,
# ms) per step, to lay beside GC logs written with the time decorator (-Xlog:gc:file=F:time).
# WARMUP (rates, default 250,250,500; 0 for none): first steps at those rates, reported apart as
# "warmup" and not among the steps. A node that has been up has its hot paths compiled; without
# them the first step measured the JIT (C2 took 0.46 of the 2 cores in a second 250/s step; p99
# 486 ms in a first step at 250/s, 17-20 ms in a third).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PAIRS=${PAIRS:-400}
RATES=${RATES:-100,500,1000,2000}
STEP_SECONDS=${STEP_SECONDS:-15}
HEAP=${HEAP:-1g}
PORT=${PORT:-18200}
export CLUSTER_PORT=${CLUSTER_PORT:-18250}
build
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
start_node conversations "$PORT" "$HEAP"
trap 'stop_pid ${GEN_PID:-0}; stop_pid $NODE_PID' EXIT
WARMUP=${WARMUP:-250,250,500}
GEN_RATES=$RATES
[[ $WARMUP != 0 ]] && GEN_RATES="$WARMUP,$RATES"
GEN_MAIN=io.livedesk.load.ConversationLoad generate "$WORK/gen.log" --url "ws://127.0.0.1:$PORT/ws" --pairs "$PAIRS" \
  --rates "$GEN_RATES" --stepSeconds "$STEP_SECONDS" --drainSeconds "${DRAIN:-30}" --serverPid "$NODE_PID" ${GEN_ARGS:-}
log "ready: $(await_line "$WORK/gen.log" READY "$GEN_PID")"
RESULT=$(await_line "$WORK/gen.log" RESULT "$GEN_PID")
wait "$GEN_PID" || true
python3 - "$RESULTS/conversations${LABEL:+-$LABEL}.json" "$RESULT" "$(machine)" "$LOAD0" "${LABEL:-$PAIRS pairs}" "$WARMUP" <<'PY'
import json, sys
r = json.loads(sys.argv[2])
if sys.argv[6] != "0":
    r["warmup"] = [r["steps"].pop(0) for _ in sys.argv[6].split(",")]
    for w in r["warmup"]:
        print("warmup (not a step):", w)
r.update(label=sys.argv[5], machine=sys.argv[3], loadAverageAtStart=float(sys.argv[4]),
         loadAverageAtEnd=float(open("/proc/loadavg").read().split()[0]))
json.dump(r, open(sys.argv[1], "w"), indent=1)
print("pairs active", r["pairsActive"], "load", r["loadAverageAtStart"], "->", r["loadAverageAtEnd"], "counts", r["counts"])
for s in r["steps"]:
    print(s)
PY
