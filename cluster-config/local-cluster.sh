#!/usr/bin/env bash
# Three Livedesk nodes on loopback from the built jar: ./local-cluster.sh start|stop|status
#
# Node i (1..3) listens on HTTP port BASE_HTTP_PORT+i and Hazelcast port BASE_HZ_PORT+i. Node 1
# runs the embedded store on STORE_PORT; nodes 2 and 3 use it through LIVEDESK_MONGO_URI.
# Logs and pids go under CLUSTER_DIR. Development mode with the built-in token secret unless
# LIVEDESK_JWT_SECRET is set; mint tokens with: java -jar server/target/livedesk-server.jar token ...
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${JAR:-$ROOT/server/target/livedesk-server.jar}"
CLUSTER_DIR="${CLUSTER_DIR:-$ROOT/target/local-cluster}"
BASE_HTTP_PORT="${BASE_HTTP_PORT:-8080}"
BASE_HZ_PORT="${BASE_HZ_PORT:-5800}"
STORE_PORT="${STORE_PORT:-27117}"
NODES=3
START_TIMEOUT_S="${START_TIMEOUT_S:-120}"

http_port() { echo $((BASE_HTTP_PORT + $1)); }
hz_port() { echo $((BASE_HZ_PORT + $1)); }
pid_file() { echo "$CLUSTER_DIR/node$1.pid"; }

running() {
  local f; f="$(pid_file "$1")"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

healthy() {
  curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$(http_port "$1")/health" 2>/dev/null
}

wait_healthy() {
  local i="$1" deadline=$((SECONDS + START_TIMEOUT_S))
  until healthy "$i"; do
    if ! running "$i"; then
      echo "node $i exited; see $CLUSTER_DIR/node$i.log" >&2
      tail -n 20 "$CLUSTER_DIR/node$i.log" >&2 || true
      return 1
    fi
    if ((SECONDS > deadline)); then
      echo "node $i not healthy after ${START_TIMEOUT_S}s; see $CLUSTER_DIR/node$i.log" >&2
      return 1
    fi
    sleep 1
  done
  echo "node $i up: ws://127.0.0.1:$(http_port "$i")/ws"
}

start_node() {
  local i="$1" members=""
  for j in $(seq 1 $NODES); do members+="${members:+,}127.0.0.1:$(hz_port "$j")"; done
  local -a env=(
    LIVEDESK_PORT="$(http_port "$i")"
    LIVEDESK_CLUSTER_HOST=127.0.0.1
    LIVEDESK_CLUSTER_PORT="$(hz_port "$i")"
    LIVEDESK_CLUSTER_MEMBERS="$members"
    LIVEDESK_CLUSTER_NAME="${LIVEDESK_CLUSTER_NAME:-livedesk-local}"
  )
  if [[ -z "${LIVEDESK_JWT_SECRET:-}" ]]; then env+=(LIVEDESK_DEV=true LIVEDESK_HOST=127.0.0.1); fi
  if ((i == 1)); then
    env+=(LIVEDESK_DATA_DIR="$CLUSTER_DIR/node1-data" LIVEDESK_STORE_EMBEDDED_PORT="$STORE_PORT")
  else
    env+=(LIVEDESK_MONGO_URI="mongodb://127.0.0.1:$STORE_PORT")
  fi
  (cd "$CLUSTER_DIR" && exec env "${env[@]}" java ${JAVA_OPTS:-} -jar "$JAR" >"node$i.log" 2>&1) &
  echo $! >"$(pid_file "$i")"
}

start() {
  [[ -f "$JAR" ]] || { echo "no $JAR: build it first (mvn -B -DskipTests package)" >&2; exit 1; }
  mkdir -p "$CLUSTER_DIR"
  for i in $(seq 1 $NODES); do
    if running "$i"; then echo "node $i already running (pid $(cat "$(pid_file "$i")"))"; continue; fi
    start_node "$i"
    # Node 1 owns the store the others connect to, so it must be ready first.
    if ((i == 1)); then wait_healthy 1; fi
  done
  for i in $(seq 2 $NODES); do wait_healthy "$i"; done
  echo "logs and pids in $CLUSTER_DIR"
}

stop() {
  # Node 1 last: it holds the store the others use.
  for i in $(seq $NODES -1 1); do
    if running "$i"; then
      local pid; pid="$(cat "$(pid_file "$i")")"
      kill "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
      echo "node $i stopped"
    fi
    rm -f "$(pid_file "$i")"
  done
}

status() {
  local down=0
  for i in $(seq 1 $NODES); do
    if running "$i" && healthy "$i"; then
      echo "node $i: up   pid $(cat "$(pid_file "$i")") http $(http_port "$i") hazelcast $(hz_port "$i")"
    elif running "$i"; then
      echo "node $i: running, not ready   pid $(cat "$(pid_file "$i")")"; down=1
    else
      echo "node $i: stopped"; down=1
    fi
  done
  return $down
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
