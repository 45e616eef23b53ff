#!/usr/bin/env bash
# Soak: mixed load (customers, agents, viewers; load-tests MixedLoad) for SOAK_MINUTES (30)
# against one local node (default) or the three-node local cluster (CLUSTER=1, started with
# cluster-config/local-cluster.sh). Every SAMPLE_SECONDS (60) it records per node, into
# $DIR/soak.csv: the live heap (jcmd GC.class_histogram: a full GC, then what is strongly reachable;
# soft-referenced caches the JVM keeps while memory lasts are not counted), open file descriptors
# (/proc/<pid>/fd), RSS, error frames sent (/metrics livedesk_errors_total, all codes),
# store write retries and connections. At the end it says whether heap, descriptors and the
# error rate stayed flat (last third of the run against the first third, warm-up skipped), and
# checks through the admin API that every acknowledged message is stored.
#
#   mvn -q -B -DskipTests -pl server,load-tests/generator -am package   # once
#   scripts/soak.sh                       # 30 minutes, one node
#   SOAK_MINUTES=5 scripts/soak.sh        # a short check
#   CLUSTER=1 scripts/soak.sh             # three nodes
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${JAR:-$ROOT/server/target/livedesk-server.jar}"
LOAD_JAR="${LOAD_JAR:-$ROOT/load-tests/generator/target/livedesk-load.jar}"
DIR="${DIR:-$ROOT/target/soak}"
SOAK_MINUTES="${SOAK_MINUTES:-30}"
SAMPLE_SECONDS="${SAMPLE_SECONDS:-60}"
PORT="${PORT:-8280}"
SECRET="${LIVEDESK_JWT_SECRET:-soak-secret-0123456789abcdef0123456789abcdef}"
HEAP_GROWTH_LIMIT_PCT="${HEAP_GROWTH_LIMIT_PCT:-10}"
FD_GROWTH_LIMIT="${FD_GROWTH_LIMIT:-20}"

for f in "$JAR" "$LOAD_JAR"; do
  [[ -f "$f" ]] || { echo "no $f: mvn -q -B -DskipTests -pl server,load-tests/generator -am package" >&2; exit 2; }
done
command -v jcmd >/dev/null || { echo "jcmd (JDK) is needed to sample the heap after GC" >&2; exit 2; }
rm -rf "$DIR" && mkdir -p "$DIR"

declare -a PIDS=() PORTS=()
JVM="-Xmx512m -Xlog:gc:file=$DIR/gc-%p.log"
LOAD_PID=""
cleanup() {
  [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null || true
  if [[ "${CLUSTER:-0}" == 1 ]]; then
    LIVEDESK_JWT_SECRET="$SECRET" CLUSTER_DIR="$DIR/cluster" "$ROOT/cluster-config/local-cluster.sh" stop >/dev/null || true
  else
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  fi
  wait 2>/dev/null || true
}
trap cleanup EXIT

if [[ "${CLUSTER:-0}" == 1 ]]; then
  LIVEDESK_JWT_SECRET="$SECRET" CLUSTER_DIR="$DIR/cluster" JAVA_OPTS="$JVM" "$ROOT/cluster-config/local-cluster.sh" start
  for i in 1 2 3; do PIDS+=("$(cat "$DIR/cluster/node$i.pid")"); PORTS+=($((8080 + i))); done
else
  (cd "$DIR" && exec env LIVEDESK_PORT="$PORT" LIVEDESK_DATA_DIR="$DIR/data" LIVEDESK_JWT_SECRET="$SECRET" \
    LIVEDESK_CLUSTER_NAME="soak-$$" LIVEDESK_CLUSTER_PORT=6100 java $JVM -jar "$JAR" >"$DIR/node1.log" 2>&1) &
  PIDS+=("$!"); PORTS+=("$PORT")
  for _ in $(seq 1 120); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 1; done
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" || { echo "node not ready; see $DIR/node1.log" >&2; exit 1; }
fi
urls=""
for p in "${PORTS[@]}"; do urls+="${urls:+,}ws://127.0.0.1:$p/ws"; done

java -Xmx512m -cp "$LOAD_JAR" io.livedesk.load.MixedLoad --urls "$urls" --secret "$SECRET" \
  --seconds $((SOAK_MINUTES * 60)) --customers "${CUSTOMERS:-40}" --agents "${AGENTS:-6}" --viewers "${VIEWERS:-200}" \
  --rooms 4 --sendEveryMs "${SEND_EVERY_MS:-1000}" --sayEveryMs "${SAY_EVERY_MS:-5000}" \
  --verify "http://127.0.0.1:${PORTS[0]}" --out "$DIR/load-result.json" >"$DIR/load.log" 2>&1 &
LOAD_PID=$!

metric_sum() { # port name: the sum of a metric over all its labels
  curl -fs --max-time 5 "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { print s + 0 }'
}
heap_after_gc_kb() { # pid: the class histogram's total after the full GC it forces
  jcmd "$1" GC.class_histogram | awk '$1 == "Total" { print int($3 / 1024) }'
}

echo "minute,node,heap_after_gc_kb,open_fds,rss_kb,errors_total,store_write_retries,connections" >"$DIR/soak.csv"
echo "soaking for $SOAK_MINUTES min against $urls; samples every ${SAMPLE_SECONDS}s in $DIR/soak.csv"
start=$SECONDS
while kill -0 "$LOAD_PID" 2>/dev/null; do
  sleep "$SAMPLE_SECONDS"
  kill -0 "$LOAD_PID" 2>/dev/null || break
  minute=$(awk -v s=$((SECONDS - start)) 'BEGIN { printf "%.1f", s / 60 }')
  for i in "${!PIDS[@]}"; do
    pid="${PIDS[$i]}" port="${PORTS[$i]}"
    row="$minute,$((i + 1)),$(heap_after_gc_kb "$pid"),$(ls "/proc/$pid/fd" | wc -l),$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")"
    row+=",$(metric_sum "$port" livedesk_errors_total),$(metric_sum "$port" livedesk_store_write_retries_total),$(metric_sum "$port" livedesk_connections)"
    echo "$row" | tee -a "$DIR/soak.csv"
  done
done
status=0
wait "$LOAD_PID" || status=$?
LOAD_PID=""
echo "load: $(grep '^RESULT' "$DIR/load.log" || tail -5 "$DIR/load.log")"

# Flat or not: the last third of the samples against the first third, the first sample (warm-up) left out.
verdict=$(awk -F, -v heapPct="$HEAP_GROWTH_LIMIT_PCT" -v fdLimit="$FD_GROWTH_LIMIT" '
  NR > 1 { n[$2]++; m[$2, n[$2]] = $1; heap[$2, n[$2]] = $3; fd[$2, n[$2]] = $4; err[$2, n[$2]] = $6 }
  END {
    bad = 0
    for (node in n) {
      k = n[node]; if (k < 4) { print "node " node ": too few samples (" k ") to judge"; continue }
      third = int((k - 1) / 3); if (third < 1) third = 1
      h1 = h2 = f1 = f2 = 0
      for (i = 2; i < 2 + third; i++) { h1 += heap[node, i]; f1 += fd[node, i] }
      for (i = k - third + 1; i <= k; i++) { h2 += heap[node, i]; f2 += fd[node, i] }
      h1 /= third; h2 /= third; f1 /= third; f2 /= third
      # error frames per minute over each third
      e1 = (err[node, 1 + third] - err[node, 1]) / (m[node, 1 + third] - m[node, 1])
      e2 = (err[node, k] - err[node, k - third]) / (m[node, k] - m[node, k - third])
      heapOk = h2 <= h1 * (1 + heapPct / 100) + 16384
      fdOk = f2 <= f1 + fdLimit
      errOk = e2 <= e1 * 1.5 + 5
      printf "node %s: heap after GC %.0f -> %.0f KB (%s), open fds %.0f -> %.0f (%s), error frames/min %.1f -> %.1f (%s)\n", \
        node, h1, h2, heapOk ? "flat" : "GROWING", f1, f2, fdOk ? "flat" : "GROWING", e1, e2, errOk ? "flat" : "GROWING"
      if (!heapOk || !fdOk || !errOk) bad = 1
    }
    print bad ? "VERDICT: GROWING" : "VERDICT: FLAT"
  }' "$DIR/soak.csv")
echo "$verdict"
if [[ "$verdict" == *"VERDICT: GROWING"* ]]; then status=1; fi
exit "$status"
