#!/usr/bin/env bash
# A MongoDB outage (20 s by default) under mixed load against a local three-node cluster.
#
# Starts the embedded store on its own (java -jar livedesk-server.jar store), three nodes that
# use it, and the mixed load (customers, agents, viewers; load-tests MixedLoad). After BEFORE_S
# seconds the store is stopped, OUTAGE_S seconds later started again on the same port and data;
# nobody touches the nodes. When the load ends, every customer's transcripts are exported through
# the admin API and every acknowledged message must be there with the seq its ack gave.
# Exit code 0 when nothing acknowledged was lost, no customer saw a gap or a duplicate, and every
# message in flight was acknowledged after the store came back.
#
#   mvn -q -B -DskipTests -pl server,load-tests/generator -am package   # once
#   scripts/fault-store-outage.sh                                       # OUTAGE_S=20 BEFORE_S=15 AFTER_S=20
#   WRITE_BUFFER=5 scripts/fault-store-outage.sh                        # a tiny buffer: refusals with STORE_UNAVAILABLE
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${JAR:-$ROOT/server/target/livedesk-server.jar}"
LOAD_JAR="${LOAD_JAR:-$ROOT/load-tests/generator/target/livedesk-load.jar}"
DIR="${DIR:-$ROOT/target/fault-store-outage}"
STORE_PORT="${STORE_PORT:-27217}"
BASE_HTTP_PORT="${BASE_HTTP_PORT:-8180}"
BASE_HZ_PORT="${BASE_HZ_PORT:-5900}"
OUTAGE_S="${OUTAGE_S:-20}"
BEFORE_S="${BEFORE_S:-15}"
AFTER_S="${AFTER_S:-20}"
WRITE_BUFFER="${WRITE_BUFFER:-10000}"
SECRET="${LIVEDESK_JWT_SECRET:-fault-drill-secret-0123456789abcdef0123456789}"
NODES=3

for f in "$JAR" "$LOAD_JAR"; do
  [[ -f "$f" ]] || { echo "no $f: mvn -q -B -DskipTests -pl server,load-tests/generator -am package" >&2; exit 2; }
done
rm -rf "$DIR" && mkdir -p "$DIR"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_port() { echo $((BASE_HTTP_PORT + $1)); }

start_store() {
  (cd "$DIR" && exec env LIVEDESK_DATA_DIR="$DIR/store" LIVEDESK_STORE_EMBEDDED_PORT="$STORE_PORT" \
    java -Xmx256m -jar "$JAR" store >>"$DIR/store.log" 2>&1) &
  STORE_PID=$!
  PIDS+=("$STORE_PID")
  for _ in $(seq 1 60); do port_open "$STORE_PORT" && return 0; sleep 0.5; done
  echo "the store did not start; see $DIR/store.log" >&2; exit 1
}

start_node() {
  local i="$1" members=""
  for j in $(seq 1 $NODES); do members+="${members:+,}127.0.0.1:$((BASE_HZ_PORT + j))"; done
  (cd "$DIR" && exec env LIVEDESK_PORT="$(http_port "$i")" LIVEDESK_CLUSTER_HOST=127.0.0.1 \
    LIVEDESK_CLUSTER_PORT=$((BASE_HZ_PORT + i)) LIVEDESK_CLUSTER_MEMBERS="$members" \
    LIVEDESK_CLUSTER_NAME="fault-drill-$$" LIVEDESK_MONGO_URI="mongodb://127.0.0.1:$STORE_PORT" \
    LIVEDESK_JWT_SECRET="$SECRET" LIVEDESK_STORE_WRITE_BUFFER="$WRITE_BUFFER" \
    java -Xmx512m -jar "$JAR" >"$DIR/node$i.log" 2>&1) &
  PIDS+=("$!")
}

metric_sum() { # name [node]: the sum of a metric over its labels on one node
  curl -fs "http://127.0.0.1:$(http_port "${2:-1}")/metrics" | awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { print s + 0 }'
}

echo "store on $STORE_PORT, nodes on $(http_port 1)-$(http_port $NODES), data and logs in $DIR"
start_store
for i in $(seq 1 $NODES); do start_node "$i"; done
for i in $(seq 1 $NODES); do
  for _ in $(seq 1 120); do curl -fs -o /dev/null "http://127.0.0.1:$(http_port "$i")/health" && break; sleep 1; done
  curl -fs -o /dev/null "http://127.0.0.1:$(http_port "$i")/health" || { echo "node $i not ready; see $DIR/node$i.log" >&2; exit 1; }
done
urls=""
for i in $(seq 1 $NODES); do urls+="${urls:+,}ws://127.0.0.1:$(http_port "$i")/ws"; done

java -Xmx512m -cp "$LOAD_JAR" io.livedesk.load.MixedLoad --urls "$urls" --secret "$SECRET" \
  --seconds $((BEFORE_S + OUTAGE_S + AFTER_S)) --customers "${CUSTOMERS:-24}" --agents "${AGENTS:-4}" \
  --viewers "${VIEWERS:-30}" --sendEveryMs 500 --verify "http://127.0.0.1:$(http_port 1)" --out "$DIR/result.json" \
  >"$DIR/load.log" 2>&1 &
LOAD_PID=$!
PIDS+=("$LOAD_PID")

sleep "$BEFORE_S"
echo "$(date +%T) store stops"
kill "$STORE_PID"; wait "$STORE_PID" 2>/dev/null || true
sleep "$OUTAGE_S"
echo "$(date +%T) during the outage: writes pending $(metric_sum livedesk_store_writes_pending), /health $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(http_port 1)/health")"
start_store
echo "$(date +%T) store back on the same port and data"

status=0
wait "$LOAD_PID" || status=$?
echo "load: $(grep '^RESULT' "$DIR/load.log" || tail -5 "$DIR/load.log")"
for i in $(seq 1 $NODES); do
  echo "node $i: write retries $(metric_sum livedesk_store_write_retries_total "$i"), refused (buffer full) $(metric_sum livedesk_store_writes_refused_total "$i"), STORE_UNAVAILABLE answered $(metric_sum 'livedesk_errors_total{code="STORE_UNAVAILABLE"}' "$i"), INTERNAL answered $(metric_sum 'livedesk_errors_total{code="INTERNAL"}' "$i")"
done
if ((status == 0)); then
  echo "PASS: nothing acknowledged was lost across a ${OUTAGE_S} s store outage, and the cluster recovered on its own"
else
  echo "FAIL: see $DIR/load.log and $DIR/result.json" >&2
fi
exit "$status"
