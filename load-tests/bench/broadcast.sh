#!/usr/bin/env bash
# Broadcast: one room of N viewers receiving M messages a second from a few senders, at each
# rate in RATES: deliveries per second (a batch frame counts each message it carries), p50/p99
# from say to receipt (the send time travels in the text), and the server's CPU.
# Writes load-tests/results/broadcast-$LABEL.json.
#   N=5000 RATES=10,50,100,200 load-tests/bench/broadcast.sh
#   TARGET=socketio load-tests/bench/broadcast.sh        (the Socket.IO peer, same generator)
#   TALKERS_APART=1 load-tests/bench/broadcast.sh        (the senders in a process of their own)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${N:-5000}
RATES=${RATES:-10,50,100,200}
SENDERS=${SENDERS:-20}
STEP_SECONDS=${STEP_SECONDS:-15}
WARMUP_SECONDS=${WARMUP_SECONDS:-5}
HEAP=${HEAP:-2g}
PORT=${PORT:-18081}
TARGET=${TARGET:-livedesk}
LABEL=${LABEL:-$TARGET}
build
await_source_ports
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"

if [[ $TARGET == socketio ]]; then
  start_peer broadcast "$PORT"
  PROTO=(--protocol socketio)
else
  # automatic slow mode would throttle the senders: this measures delivery, not moderation
  # SERVER_ENV: more settings for the node (LIVEDESK_ROOMS_BATCH_WINDOW_MS=100 ...), to try one
  start_node broadcast "$PORT" "$HEAP" LIVEDESK_ROOMS_AUTO_SLOW_RATE=0 ${SERVER_ENV:-}
  PROTO=(--protocol livedesk --metricsUrl "http://127.0.0.1:$PORT/metrics")
fi
trap 'stop_pid ${GEN_PID:-0}; stop_pid ${PROBE_PID:-0}; stop_pid ${TALK_PID:-0}; stop_pid $NODE_PID' EXIT

COMMON=(--url "ws://127.0.0.1:$PORT/ws" --room bench --rates "$RATES" --listenSeconds "$STEP_SECONDS" --drainSeconds 3
  --warmupSeconds "$WARMUP_SECONDS" --pingSeconds 0 --goFile "$WORK/go")
# GEN_EVENT_LOOPS: the generator's event loops (2 by default); fewer shows whether the generator,
# sharing the cores with the server, is what limits.
# TALKERS_APART=1: the senders are SENDERS more sessions in a process of their own, and the
# generator only listens. A say is stamped when it is handed to its connection's event loop: in the
# generator, that loop is also reading thousands of sockets, so a read backlog there delays the
# says and shows in every latency, the probe's included. Apart, the latencies leave it out.
# VIEWERS_NICE=19: the viewers' generator yields the cores to the node, the probe and the talkers
# whenever they can run; with the senders apart, the probe then shows what the node does with
# the cores it needs (the viewers' own counts fall behind instead, and say so).
MAIN_SENDERS=$SENDERS
[[ -n ${TALKERS_APART:-} ]] && MAIN_SENDERS=0
GEN_NICE=${VIEWERS_NICE:-} generate "$WORK/gen.log" "${PROTO[@]}" "${COMMON[@]}" --sessions "$N" --sourceIps 1 --senders "$MAIN_SENDERS" --serverPid "$NODE_PID" \
  --eventLoops "${GEN_EVENT_LOOPS:-2}"
MAIN_PID=$GEN_PID
log "ready: $(await_line "$WORK/gen.log" READY "$MAIN_PID")"
# The probe: one more viewer in a process of its own, stepping in time with the generator (both
# wait for the go file). The generator reads thousands of sockets on two event loops, so its
# latencies include its own read backlog; the probe's are what one client with a core to spare sees.
GEN_HEAP=256m generate "$WORK/probe.log" "${PROTO[@]}" "${COMMON[@]}" --sessions 1 --userPrefix probe- --senders 0
PROBE_PID=$GEN_PID
await_line "$WORK/probe.log" READY "$PROBE_PID" > /dev/null || true
TALK='{}'
if [[ -n ${TALKERS_APART:-} ]]; then
  GEN_HEAP=256m generate "$WORK/talk.log" "${PROTO[@]}" "${COMMON[@]}" --sessions "$SENDERS" --userPrefix talker- --senders "$SENDERS"
  TALK_PID=$GEN_PID
  await_line "$WORK/talk.log" READY "$TALK_PID" > /dev/null || true
fi
touch "$WORK/go"
GEN_PID=$MAIN_PID
RESULT=$(await_line "$WORK/gen.log" RESULT "$GEN_PID")
PROBE=$(await_line "$WORK/probe.log" RESULT "$PROBE_PID" || echo '{}')
wait "$GEN_PID" || true
wait "$PROBE_PID" || true
if [[ -n ${TALKERS_APART:-} ]]; then
  TALK=$(await_line "$WORK/talk.log" RESULT "$TALK_PID" || echo '{}')
  wait "$TALK_PID" || true
fi
# The results go through the environment: pasted into the program, a backslash in them (an escaped
# quote in a failure's text) would be read as Python's and break the JSON.
RESULT="$RESULT" PROBE="$PROBE" TALK="$TALK" python3 - "$RESULTS/broadcast-$LABEL.json" <<PY
import json, os, sys
r = json.loads(os.environ["RESULT"])
probe = json.loads(os.environ["PROBE"]).get("broadcast", [])
for s, p in zip(r.get("broadcast", []), probe):
    s["probeP50Ms"], s["probeP95Ms"], s["probeP99Ms"], s["probeDeliveries"] = p["sayToReceiptP50Ms"], p.get("sayToReceiptP95Ms"), p["sayToReceiptP99Ms"], p["deliveries"]
# Senders apart: what they sent is what the generator's viewers should have received.
for s, t in zip(r.get("broadcast", []), json.loads(os.environ["TALK"]).get("broadcast", [])):
    s["sent"], s["senders"], s["talkersApart"] = t["sent"], t["senders"], True
    s["expectedDeliveries"] = t["sent"] * r["joined"]
    s["talkerGeneratorCpuCores"] = t["generatorCpuCores"]
out = {"label": "$LABEL", "target": "$TARGET", "viewers": r["sessionsReady"], "joined": r.get("joined"), "steps": r.get("broadcast", []),
       "warmup": r.get("warmup"), "stepSeconds": $STEP_SECONDS, "machineLoadAtStart": "$LOAD0", "generatorEventLoops": ${GEN_EVENT_LOOPS:-2},
       "closedByServer": r["closedByServer"], "errorFrames": r["errorFrames"], "firstFailures": r["firstFailures"]}
json.dump(out, open(sys.argv[1], "w"), indent=1)
for s in out["steps"]:
    print(s)
PY
