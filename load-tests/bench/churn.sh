#!/usr/bin/env bash
# Churn: authenticated connects per second per node with resume on, then a reconnect storm.
# Starts one node, has customers open conversations, connects N viewers and those customers
# (customers resume from seq 0 in their hello), then kills the node (SIGKILL) and starts it again
# on the same port and data: every session reconnects with the SDK's backoff and jitter and
# resumes. Writes load-tests/results/churn-$LABEL.json, with the CPU seconds of the node and of the
# generator in each phase (both share the machine: the generator may be what limits).
#   N=10000 CUSTOMERS=200 load-tests/bench/churn.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${N:-10000}
CUSTOMERS=${CUSTOMERS:-200}
HEAP=${HEAP:-2g}
PORT=${PORT:-18090}
LABEL=${LABEL:-livedesk}
SOURCE_IPS=${SOURCE_IPS:-2}
CONCURRENCY=${CONCURRENCY:-256}
# WARMUP (viewers; 0 for none): they connect and leave before the measured connects, so those
# measure compiled code (on a fresh node and generator both JIT compilers took 0.63 of the two
# cores during them). The storm after the kill meets a fresh node regardless, as a restart does.
WARMUP=${WARMUP:-10000}
build
await_source_ports
MACHINE="$(machine)"

start_node churn "$PORT" "$HEAP"
trap 'stop_pid ${GEN_PID:-0}; stop_pid $NODE_PID' EXIT
UP="$WORK/up"
rm -f "$UP"
GEN_MAIN=io.livedesk.load.Churn generate "$WORK/gen.log" --url "ws://127.0.0.1:$PORT/ws" --viewers "$N" \
  --customers "$CUSTOMERS" --sourceIps "$SOURCE_IPS" --concurrency "$CONCURRENCY" --upFile "$UP" \
  --warmup "$WARMUP" --out "$RESULTS/churn-$LABEL.json.tmp"
[[ $WARMUP != 0 ]] && log "warm-up (not measured): $(await_line "$WORK/gen.log" WARM "$GEN_PID")"
CPU0=$(cpu_ticks "$NODE_PID")
GCPU0=$(cpu_ticks "$GEN_PID")
OVF0=$(listen_overflows)
READY=$(await_line "$WORK/gen.log" READY "$GEN_PID")
CPU1=$(cpu_ticks "$NODE_PID")
GCPU1=$(cpu_ticks "$GEN_PID")
OVF1=$(listen_overflows)
log "connected: $READY"
sleep 3

log "killing the node (SIGKILL) and starting it again on the same port and data"
GCPUK=$(cpu_ticks "$GEN_PID")
kill -9 "$NODE_PID"
wait "$NODE_PID" 2>/dev/null || true
KILLED=$(date +%s.%N)
start_node churn "$PORT" "$HEAP"
touch "$UP"
log "node back after $(python3 -c "import time; print(round(time.time() - $KILLED, 1))") s (pid $NODE_PID)"
CPU2=$(cpu_ticks "$NODE_PID")
GCPU2=$(cpu_ticks "$GEN_PID")
# When the node's log says it listens: /health, which the storm's handshakes queue in front of,
# may answer seconds later.
LISTENING=$(grep -m1 'msg="node started' "$WORK/churn/server.log" | cut -d' ' -f1 || true)
RESULT=$(await_line "$WORK/gen.log" RESULT "$GEN_PID")
CPU3=$(cpu_ticks "$NODE_PID")
OVF3=$(listen_overflows)
# the generator may have exited right after its RESULT line: then its storm CPU is not known
GCPU3=$(cpu_ticks "$GEN_PID" 2>/dev/null || true)
wait "$GEN_PID" || true

python3 - "$RESULTS/churn-$LABEL.json" "$MACHINE" <<PY
import json, sys
gen = json.loads('''$RESULT''')
gen["label"] = "$LABEL"
gen["command"] = "N=$N CUSTOMERS=$CUSTOMERS WARMUP=$WARMUP load-tests/bench/churn.sh"
gen["connect"]["serverCpuSeconds"] = ($CPU1 - $CPU0) / 100
gen["storm"]["serverCpuSecondsAfterRestart"] = ($CPU3 - $CPU2) / 100
# The generator shares the machine: its CPU says whether it, not the node, was the limit.
gen["connect"]["generatorCpuSeconds"] = ($GCPU1 - $GCPU0) / 100
if "$GCPU3":
    gen["storm"]["generatorCpuSecondsAfterRestart"] = (${GCPU3:-0} - $GCPU2) / 100
# The generator's reconnect attempts while the node was down (refused, retried with backoff) ran
# on the cores the restarting node needed.
gen["storm"]["generatorCpuSecondsWhileDown"] = ($GCPU2 - $GCPUK) / 100
if "$LISTENING":
    from datetime import datetime
    gen["storm"]["killToListeningSeconds"] = round(datetime.fromisoformat("$LISTENING".replace("Z", "+00:00")).timestamp() - $KILLED, 2)
# Handshakes the kernel dropped for a full accept queue: each is retried by the client's TCP a
# second or more later, time that shows in the connect phase or the storm and not in any CPU.
if "$OVF0":
    gen["connect"]["listenOverflows"] = ${OVF1:-0} - ${OVF0:-0}
    gen["storm"]["listenOverflows"] = ${OVF3:-0} - ${OVF1:-0}
gen["machine"] = sys.argv[2]
json.dump(gen, open(sys.argv[1], "w"), indent=1)
print(json.dumps({k: gen[k] for k in ("connect", "storm")}, indent=1))
PY
rm -f "$RESULTS/churn-$LABEL.json.tmp"
