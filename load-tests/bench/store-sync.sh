#!/usr/bin/env bash
# Embedded store write cost: W writers each inserting one ~250-byte document at a time through the
# MongoDB driver into an in-process EmbeddedStore (data in a temp dir on the local disk), the next
# sent when the previous is acknowledged. Prints writes/s and p50/p99 ack latency per W.
#   load-tests/bench/store-sync.sh                     (10 s per step, W = 1, 8, 64)
#   SECONDS_PER_STEP=5 WRITERS=1,8,64,256 load-tests/bench/store-sync.sh
# Needs the server's test classes: mvn -q -pl server -am test-compile (done here when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECONDS_PER_STEP=${SECONDS_PER_STEP:-10}
WRITERS=${WRITERS:-1,8,64}
cd "$ROOT"
if [[ ! -d server/target/test-classes || -n "${REBUILD:-}" ]]; then
  mvn -q -B -pl server -am test-compile -Djacoco.skip=true
fi
CP_FILE=server/target/bench-classpath.txt
[[ -f $CP_FILE ]] || mvn -q -B -pl server dependency:build-classpath -Dmdep.outputFile="$(pwd)/$CP_FILE" > /dev/null
java -Xmx1g -cp "server/target/test-classes:server/target/classes:$(cat "$CP_FILE")" \
  io.livedesk.server.store.EmbeddedStoreWriteBench "$SECONDS_PER_STEP" "$WRITERS" 2>/dev/null | grep '^RESULT'
