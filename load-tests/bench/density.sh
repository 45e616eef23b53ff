#!/usr/bin/env bash
# Density: what one authenticated, idle session costs the server.
# Starts one node with a fixed heap, warms it, measures it idle (baseline), connects N idle
# sessions from one generator process, measures again, then times application pings while
# the sessions are held. Writes load-tests/results/density-$LABEL.json and the class-histogram
# difference (the per-session costs, largest first) next to it.
#   N=19500 HEAP=2g LABEL=livedesk load-tests/bench/density.sh
#   TARGET=socketio LABEL=socketio load-tests/bench/density.sh   (the Socket.IO peer, same generator)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${N:-19500}
HEAP=${HEAP:-2g}
PORT=${PORT:-18080}
TARGET=${TARGET:-livedesk}
LABEL=${LABEL:-$TARGET}
SOURCE_IPS=${SOURCE_IPS:-2}
build
await_source_ports

if [[ $TARGET == socketio ]]; then
  start_peer density "$PORT"
  PROTO=(--protocol socketio)
  # V8's heap after a full GC; there is no class histogram, so both heap figures are that one
  measure_heap() { echo "Total 0 $(peer_heap_bytes "$PORT")" > "$WORK/hist-$1.txt"; }
  used_heap() { peer_heap_bytes "$PORT"; }
else
  start_node density "$PORT" "$HEAP"
  PROTO=(--protocol livedesk)
  measure_heap() { histogram "$NODE_PID" > "$WORK/hist-$1.txt"; }
  used_heap() { heap_used_bytes "$NODE_PID"; }
fi
trap 'stop_pid ${GEN_PID:-0}; stop_pid $NODE_PID' EXIT
URL="ws://127.0.0.1:$PORT/ws"

log "warm-up: 1000 sessions connect, ping and leave"
generate "$WORK/warmup.log" "${PROTO[@]}" --url "$URL" --sessions 1000 --userPrefix warm- --pingSeconds 3 --sourceIps 1
wait "$GEN_PID" || true
sleep 3

log "baseline (0 sessions)"
BASE_FDS=$(open_fds "$NODE_PID")
measure_heap base
BASE_LIVE=$(awk '/^Total/ {print $3}' "$WORK/hist-base.txt")
BASE_USED=$(used_heap)
BASE_RSS=$(rss_bytes "$NODE_PID")

generate "$WORK/gen.log" "${PROTO[@]}" --url "$URL" --sessions "$N" --sourceIps "$SOURCE_IPS" \
  --goFile "$WORK/go" --pingRate 200 --pingSeconds 20
CPU0=$(cpu_ticks "$NODE_PID")
READY=$(await_line "$WORK/gen.log" READY "$GEN_PID")
CPU1=$(cpu_ticks "$NODE_PID")
log "generator ready: $READY"
sleep 5
log "loaded ($N sessions)"
LOADED_FDS=$(open_fds "$NODE_PID")
measure_heap loaded
LOADED_LIVE=$(awk '/^Total/ {print $3}' "$WORK/hist-loaded.txt")
LOADED_USED=$(used_heap)
LOADED_RSS=$(rss_bytes "$NODE_PID")
GEN_RSS=$(rss_bytes "$GEN_PID")
touch "$WORK/go"
RESULT=$(await_line "$WORK/gen.log" RESULT "$GEN_PID")
wait "$GEN_PID" || true

python3 - "$WORK" "$LABEL" "$RESULTS" <<PY
import json, sys, re
work, label, results = sys.argv[1:4]
gen = json.loads('''$RESULT''')
n = gen["sessionsReady"]
def hist(path):
    rows = {}
    for line in open(path):
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return rows
base, loaded = hist(work + "/hist-base.txt"), hist(work + "/hist-loaded.txt")
diff = sorted(((loaded[k][1] - base.get(k, (0, 0))[1], loaded[k][0] - base.get(k, (0, 0))[0], k) for k in loaded), reverse=True)
top = [{"class": k, "bytesPerSession": round(b / n, 1), "instancesPerSession": round(c / n, 2)} for b, c, k in diff[:20]]
live = ($LOADED_LIVE - $BASE_LIVE) / n
used = ($LOADED_USED - $BASE_USED) / n
rss = ($LOADED_RSS - $BASE_RSS) / n
out = {
  "label": label, "target": "$TARGET", "sessions": n, "heap": "$HEAP" if "$TARGET" == "livedesk" else "V8 default (max-old-space 8 GiB)",
  "baseline": {"liveHeapBytes": $BASE_LIVE, "heapUsedBytes": $BASE_USED, "rssBytes": $BASE_RSS, "openFds": $BASE_FDS},
  "loaded": {"liveHeapBytes": $LOADED_LIVE, "heapUsedBytes": $LOADED_USED, "rssBytes": $LOADED_RSS, "openFds": $LOADED_FDS},
  "perSession": {"liveHeapBytes": round(live), "heapUsedBytes": round(used), "rssBytes": round(rss)},
  "projection1M": {
     "formula": "heap(1M) = baseline live heap + 1,000,000 x per-session live heap; rss(1M) = baseline RSS + 1,000,000 x per-session RSS",
     "liveHeapGiB": round(($BASE_LIVE + 1e6 * live) / 2**30, 2),
     "rssGiB": round(($BASE_RSS + 1e6 * rss) / 2**30, 2)},
  "generator": gen, "generatorRssBytes": $GEN_RSS,
  "serverCpuSecondsDuringConnect": ($CPU1 - $CPU0) / 100,
  "topPerSessionClasses": top,
}
json.dump(out, open(f"{results}/density-{label}.json", "w"), indent=1)
print(json.dumps({k: out[k] for k in ("sessions", "perSession", "projection1M")}, indent=1))
print("connect s", gen.get("connectSeconds"), "ping p99 ms", gen.get("pingP99Ms"))
for t in top[:12]:
    print(f'{t["bytesPerSession"]:>8} B  {t["instancesPerSession"]:>6}  {t["class"]}')
PY
