#!/usr/bin/env bash
# The cluster: NODES nodes on loopback (Hazelcast members of one cluster, one store), one
# generator process per node holding PER_NODE sessions, every session in one room, then the
# broadcast through it: one generator's senders say RATES messages a second and every viewer on
# every node receives them. Before the broadcast, a coupon campaign to the room: time until the
# last viewer has it. Each generator uses source addresses of its own (127.0.0.x) so the
# ephemeral ports last. Each node's heap (live, after a full GC) and RSS are taken before the
# sessions connect and once they are all in the room: the difference per session is what a session
# costs that node. Writes load-tests/results/cluster-$LABEL.json.
#   load-tests/bench/cluster.sh                                   (100,002 sessions: 6 nodes x 16,667)
#   NODES=4 PER_NODE=18750 RATES=1,5,20 load-tests/bench/cluster.sh
# A process may hold 20,000 open files here, hence as many nodes (and generators) as 100,000 need.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
NODES=${NODES:-6}
PER_NODE=${PER_NODE:-16667}
RATES=${RATES:-1,5,20}
SENDERS=${SENDERS:-20}
STEP_SECONDS=${STEP_SECONDS:-15}
WARMUP_SECONDS=${WARMUP_SECONDS:-5}
HEAP=${HEAP:-1g}
BASE_PORT=${BASE_PORT:-18300}
HZ_BASE=${HZ_BASE:-18350}
STORE_PORT=${STORE_PORT:-18399}
LABEL=${LABEL:-livedesk}
build
await_source_ports
MACHINE="$(machine)"

MEMBERS=""
for i in $(seq 1 "$NODES"); do MEMBERS+="${MEMBERS:+,}127.0.0.1:$((HZ_BASE + i))"; done
NODE_PIDS=()
GEN_PIDS=()
trap 'for p in "${GEN_PIDS[@]}" "${NODE_PIDS[@]}"; do stop_pid "$p"; done' EXIT
for i in $(seq 1 "$NODES"); do
  if ((i == 1)); then STORE=(LIVEDESK_STORE_EMBEDDED_PORT="$STORE_PORT"); else STORE=(LIVEDESK_MONGO_URI="mongodb://127.0.0.1:$STORE_PORT"); fi
  CLUSTER_PORT=$((HZ_BASE + i)) start_node "node$i" $((BASE_PORT + i)) "$HEAP" LIVEDESK_CLUSTER_MEMBERS="$MEMBERS" \
    LIVEDESK_CLUSTER_NAME="bench-cluster-$$" LIVEDESK_ROOMS_AUTO_SLOW_RATE=0 "${STORE[@]}"
  NODE_PIDS+=("$NODE_PID")
done
log "cluster: ${NODE_PIDS[*]}; $(grep -o 'members=[0-9]*' "$WORK/node$NODES/server.log" | tail -1)"

HEAP0=(); RSS0=(); for p in "${NODE_PIDS[@]}"; do HEAP0+=("$(heap_used_bytes "$p")"); RSS0+=("$(rss_bytes "$p")"); done
CPU0=0; for p in "${NODE_PIDS[@]}"; do CPU0=$((CPU0 + $(cpu_ticks "$p"))); done
T0=$(date +%s.%N)
for i in $(seq 1 "$NODES"); do
  senders=0; ((i == 1)) && senders=$SENDERS
  generate "$WORK/gen$i.log" --url "ws://127.0.0.1:$((BASE_PORT + i))/ws" --room bench --rates "$RATES" \
    --listenSeconds "$STEP_SECONDS" --drainSeconds 3 --warmupSeconds "$WARMUP_SECONDS" --pingSeconds 0 --goFile "$WORK/go" \
    --sessions "$PER_NODE" --userPrefix "n$i-" --sourceIps 2 --sourceIpBase $((2 + 2 * i)) --senders "$senders" \
    --metricsUrl "http://127.0.0.1:$((BASE_PORT + i))/metrics"
  GEN_PIDS+=("$GEN_PID")
done
for i in $(seq 1 "$NODES"); do
  log "generator $i ready: $(await_line "$WORK/gen$i.log" READY "${GEN_PIDS[$((i - 1))]}")"
done
CONNECT_SECONDS=$(python3 -c "import time; print(round(time.time() - $T0, 1))")
RSS=(); HEAP1=(); for p in "${NODE_PIDS[@]}"; do RSS+=("$(rss_bytes "$p")"); HEAP1+=("$(heap_used_bytes "$p")"); done

# A coupon to every viewer of the room, through the admin API of node 1; the generators note when
# each push arrives. Waits until the campaign's delivered count stops moving (or 120 s).
ADMIN=$(LIVEDESK_JWT_SECRET="$SECRET" java -jar "$SERVER_JAR" token --sub bench-admin --role admin)
COUPON_AT_MS=$(date +%s%3N)
CAMPAIGN=$(curl -sf -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"coupon":{"amountCents":500,"total":1000000,"title":{"zh":"满减券","en":"5 off"}},"target":{"rooms":["bench"]}}' \
  "http://127.0.0.1:$((BASE_PORT + 1))/api/admin/campaigns" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log "coupon campaign $CAMPAIGN sent to room bench"
LAST=-1; SAME=0
for _ in $(seq 240); do
  DELIVERED=$(curl -sf -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$((BASE_PORT + 1))/api/admin/campaigns/$CAMPAIGN" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"].get("delivered", 0))')
  if [[ $DELIVERED == "$LAST" ]]; then SAME=$((SAME + 1)); else SAME=0; LAST=$DELIVERED; fi
  ((SAME >= 6)) && break
  sleep 0.5
done
log "campaign delivered count (server): $DELIVERED"
CPU1=0; for p in "${NODE_PIDS[@]}"; do CPU1=$((CPU1 + $(cpu_ticks "$p"))); done
T1=$(date +%s.%N)
touch "$WORK/go"
RESULTS_JSON=()
for i in $(seq 1 "$NODES"); do
  RESULTS_JSON+=("$(await_line "$WORK/gen$i.log" RESULT "${GEN_PIDS[$((i - 1))]}")")
done
CPU2=0; for p in "${NODE_PIDS[@]}"; do CPU2=$((CPU2 + $(cpu_ticks "$p"))); done
T2=$(date +%s.%N)

printf '%s\n' "${RESULTS_JSON[@]}" > "$WORK/results.jsonl"
python3 - "$WORK/results.jsonl" "$RESULTS/cluster-$LABEL.json" "$MACHINE" <<PY
import json, sys
gens = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = []
for k in range(len(gens[0]["broadcast"])):
    per = [g["broadcast"][k] for g in gens]
    sent = per[0]["sent"]
    joined = sum(g.get("joined", 0) for g in gens)
    delivered = sum(s["deliveries"] for s in per)
    steps.append({
        "sendRate": per[0]["sendRate"], "sent": sent, "viewers": joined,
        "deliveriesPerSecond": round(sum(s["deliveriesPerSecond"] for s in per)),
        "delivered": round(delivered / (sent * joined), 4) if sent and joined else None,
        "sayToReceiptP50MsPerNode": [s["sayToReceiptP50Ms"] for s in per],
        "sayToReceiptP99MsPerNode": [s["sayToReceiptP99Ms"] for s in per],
        "serverFramesDropped": sum(s.get("serverFramesDropped", 0) for s in per),
        "generatorCpuCores": round(sum(s.get("generatorCpuCores", 0) for s in per), 2),
    })
out = {
    "label": "$LABEL", "machine": sys.argv[3], "nodes": $NODES, "sessionsPerNodeAsked": $PER_NODE,
    "command": "NODES=$NODES PER_NODE=$PER_NODE RATES=$RATES load-tests/bench/cluster.sh",
    "sessionsReady": sum(g["sessionsReady"] for g in gens), "joined": sum(g.get("joined", 0) for g in gens),
    "connectFailed": sum(g["connectFailed"] for g in gens), "connectSeconds": $CONNECT_SECONDS,
    "serverCpuSecondsConnectAndCoupon": ($CPU1 - $CPU0) / 100,
    "serverCpuCoresBroadcast": round(($CPU2 - $CPU1) / 100 / ($T2 - $T1), 2),
    "coupon": {"sentAtMs": $COUPON_AT_MS, "campaignDeliveredCount": $DELIVERED,
               "received": sum(g.get("pushesReceived", 0) for g in gens),
               "lastReceivedAfterMs": max(g.get("lastPushAtMs", 0) for g in gens) - $COUPON_AT_MS,
               "firstReceivedAfterMs": min(g.get("firstPushAtMs", 0) or 10**15 for g in gens) - $COUPON_AT_MS},
    "serverRssBytes": [int(x) for x in "${RSS[*]}".split()],
    "perNode": [{"sessions": g["sessionsReady"], "heapBytesPerSession": round((h1 - h0) / max(1, g["sessionsReady"])),
                 "rssBytesPerSession": round((r1 - r0) / max(1, g["sessionsReady"]))}
                for g, h0, h1, r0, r1 in zip(gens, [int(x) for x in "${HEAP0[*]}".split()], [int(x) for x in "${HEAP1[*]}".split()],
                                             [int(x) for x in "${RSS0[*]}".split()], [int(x) for x in "${RSS[*]}".split()])],
    "steps": steps,
    "firstFailures": [f for g in gens for f in g.get("firstFailures", [])][:5],
}
json.dump(out, open(sys.argv[2], "w"), indent=1)
print(json.dumps({k: out[k] for k in ("sessionsReady", "joined", "connectSeconds", "coupon", "perNode", "serverCpuCoresBroadcast", "steps")}, indent=1))
PY
