# Shared by the benchmark scripts: start/stop a server node, measure its memory, run the generator.
# Sourced, not run. Every function prints what it does to stderr so a run log reads as a record.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVER_JAR="${SERVER_JAR:-$ROOT/server/target/livedesk-server.jar}"
LOAD_JAR="${LOAD_JAR:-$ROOT/load-tests/generator/target/livedesk-load.jar}"
RESULTS="$ROOT/load-tests/results"
SECRET="${SECRET:-bench-secret-0123456789abcdef0123456789abcdef}"
WORK="${WORK:-$(mktemp -d /tmp/livedesk-bench.XXXXXX)}"
mkdir -p "$RESULTS"

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# The server's main and test classes with their dependencies, for the benchmarks that run test
# sources (store.*Bench): compiled when missing or with REBUILD; absolute, usable from any folder.
server_test_classpath() {
  local cp_file="$ROOT/server/target/bench-classpath.txt"
  if [[ ! -d "$ROOT/server/target/test-classes" || ! -f $cp_file || -n "${REBUILD:-}" ]]; then
    # One reactor run: the server's classpath names the protocol module, which a fresh clone has
    # not installed, so it resolves only within the reactor (a relative outputFile is per module).
    (cd "$ROOT" && mvn -q -B -pl server -am test-compile dependency:build-classpath \
      -Dmdep.outputFile=target/bench-classpath.txt -Djacoco.skip=true) >&2
  fi
  echo "$ROOT/server/target/test-classes:$ROOT/server/target/classes:$ROOT/protocol/target/classes:$(cat "$cp_file")"
}

build() {
  if [[ ! -f "$SERVER_JAR" || ! -f "$LOAD_JAR" || -n "${REBUILD:-}" ]]; then
    log "building jars"
    (cd "$ROOT" && mvn -q -B -DskipTests package)
  fi
}

# With SERVER_CDS=1, the JVM option that maps a class data archive of $SERVER_JAR (Main.warmup):
# made once per jar build by starting and stopping a throwaway node, then reused; off by default,
# so figures stay comparable with runs before it.
server_cds_opts() {
  [[ -n "${SERVER_CDS:-}" ]] || return 0
  local archive
  archive="${TMPDIR:-/tmp}/livedesk-cds-$(sha1sum "$SERVER_JAR" | cut -c1-16).jsa"
  if [[ ! -f $archive ]]; then
    log "making the class data archive $archive"
    local dir
    dir=$(mktemp -d)
    (cd "$dir" && env LIVEDESK_PORT=0 LIVEDESK_JWT_SECRET="$SECRET" LIVEDESK_DATA_DIR="$dir/data" \
        LIVEDESK_CLUSTER_PORT="${CLUSTER_PORT:-15701}" java -XX:ArchiveClassesAtExit="$archive" -jar "$SERVER_JAR" warmup) > "$dir/warmup.log" 2>&1 \
      || { log "no class data archive:"; tail -3 "$dir/warmup.log" >&2; return 1; }
    rm -rf "$dir"
  fi
  echo "-XX:SharedArchiveFile=$archive"
}

# start_node NAME PORT HEAP [ENV=VALUE ...]; sets NODE_PID; waits for /health.
start_node() {
  local name=$1 port=$2 heap=$3; shift 3
  local cds
  cds=$(server_cds_opts)
  mkdir -p "$WORK/$name"
  log "starting $name on :$port with heap $heap ${cds}"
  (cd "$WORK/$name" && env LIVEDESK_PORT="$port" LIVEDESK_JWT_SECRET="$SECRET" \
      LIVEDESK_DATA_DIR="$WORK/$name/data" LIVEDESK_CLUSTER_PORT="${CLUSTER_PORT:-15701}" \
      LIVEDESK_GATEWAY_CONNECTS_PER_SECOND_PER_IP=1000000 LIVEDESK_GATEWAY_MAX_CONNECTIONS_PER_IP=1000000 \
      LIVEDESK_GATEWAY_MAX_CONNECTIONS=1000000 "$@" \
      java -Xms"$heap" -Xmx"$heap" ${cds} ${SERVER_JVM_OPTS:-} -jar "$SERVER_JAR" > "$WORK/$name/server.log" 2>&1) &
  NODE_PID=$!
  # the subshell's java child is the process to measure
  for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    kill -0 "$NODE_PID" 2>/dev/null || { log "$name did not start:"; tail -3 "$WORK/$name/server.log" >&2; return 1; }
    sleep 1
  done
  NODE_PID=$(pgrep -P "$NODE_PID" java || echo "$NODE_PID")
  log "$name is pid $NODE_PID"
}

# Only a real child's pid: `kill 0` would signal the whole process group, the calling script
# included (a phase run in $(...) sets its pids in the subshell, so a trap sees them unset: 0).
stop_pid() { [[ "${1:-0}" =~ ^[1-9][0-9]*$ ]] || return 0; kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# Live heap after a full GC, in bytes: the class histogram forces the full GC and sums live objects.
live_heap_bytes() { jcmd "$1" GC.class_histogram 2>/dev/null | awk '/^Total/ {print $3}'; }
histogram() { jcmd "$1" GC.class_histogram 2>/dev/null; }
# G1's own count after an explicit full GC (includes region-level overhead the histogram does not see).
heap_used_bytes() { jcmd "$1" GC.run > /dev/null; jcmd "$1" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | tr -dc 0-9 | awk '{print $1*1024}'; }
rss_bytes() { awk '/VmRSS/ {print $2*1024}' "/proc/$1/status"; }
open_fds() { ls "/proc/$1/fd" | wc -l; }
# Connections the kernel dropped because a listener's accept queue was full (every listener on the
# machine; nstat from iproute2). Empty when nstat is missing.
listen_overflows() { nstat -asz TcpExtListenOverflows 2>/dev/null | awk '/ListenOverflows/ {print $2}'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

# Waits (60 s at most) for the sockets an earlier run left in TIME_WAIT on the generators' source
# addresses (127.0.0.2 and up) to expire. A generator binds its source address before each
# connect, and the kernel's search for a free port among tens of thousands of them cost the
# generator more CPU than all its sessions: a churn started right after another measured 514
# connects/s with 60 generator CPU-s, against 2,867/s and 12 s once they had gone.
await_source_ports() {
  local n waited=0
  while true; do
    n=$(ss -Htan state time-wait 2>/dev/null | awk '$3 ~ /127\.0\.0\.([2-9]|[1-9][0-9]+)\]?:/' | wc -l)
    [[ $n -lt 1000 || $waited -ge 60 ]] && break
    sleep 1
    waited=$((waited + 1))
  done
  [[ $waited -gt 0 ]] && log "waited ${waited} s for the source ports in TIME_WAIT to expire (${n} left)"
  return 0
}

# generate LOGFILE [generator options...]: runs the generator in the background, sets GEN_PID.
# GEN_MAIN picks another mode of the generator jar (io.livedesk.load.Dispatch, ...); GEN_NICE runs
# it at that nice level (19: the cores go to every other process first).
generate() {
  local logfile=$1; shift
  log "generator ${GEN_MAIN:-}${GEN_NICE:+ nice $GEN_NICE}: $*"
  ${GEN_NICE:+nice -n "$GEN_NICE"} java -Xms${GEN_HEAP:-1g} -Xmx${GEN_HEAP:-1g} ${GEN_JVM_OPTS:-} -cp "$LOAD_JAR" "${GEN_MAIN:-io.livedesk.load.Generator}" --secret "$SECRET" "$@" > "$logfile" 2>&1 &
  GEN_PID=$!
}

# await_line FILE PREFIX PID: waits until FILE has a line starting with PREFIX, or PID exits.
await_line() {
  while ! grep -q "^$2" "$1" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || { log "process $3 ended before '$2':"; tail -5 "$1" >&2; return 1; }
    sleep 1
  done
  grep "^$2" "$1" | head -1 | cut -d' ' -f2-
}

machine() {
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
}

PEER_DIR="$ROOT/load-tests/peers/socketio"
# start_peer NAME PORT: the Socket.IO peer on Node (npm ci from the committed lock first); sets NODE_PID.
start_peer() {
  local name=$1 port=$2
  mkdir -p "$WORK/$name"
  [[ -d "$PEER_DIR/node_modules" ]] || (cd "$PEER_DIR" && npm ci --no-audit --no-fund >&2)
  log "starting Socket.IO peer $name on :$port ($(node --version))"
  PORT="$port" JWT_SECRET="$SECRET" node --expose-gc --max-old-space-size=8192 "$PEER_DIR/server.js" > "$WORK/$name/server.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 60); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 0.5
  done
}
# V8 heap used after a full GC, in bytes (the peer's /heap runs global.gc()).
peer_heap_bytes() { curl -sf "http://127.0.0.1:$1/heap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["heapUsed"])'; }
