#!/usr/bin/env bash
# Embedded store write cost: W writers each inserting one ~250-byte document at a time through the
# MongoDB driver into an in-process EmbeddedStore (data in a temp dir on the local disk), the next
# sent when the previous is acknowledged. Prints writes/s and p50/p99 ack latency per W.
#   load-tests/bench/store-sync.sh                     (10 s per step, W = 1, 8, 64)
#   SECONDS_PER_STEP=5 WRITERS=1,8,64,256 load-tests/bench/store-sync.sh
#   OPEN=50000 load-tests/bench/store-sync.sh   (also: load 50,000 conversations, time the reopen
#                                                that rebuilds the in-memory indexes)
# Needs the server's test classes: mvn -q -pl server -am test-compile (done here when missing).
# Measured on the shared 2-core dev machine (load 8-12, so p99s are noisy), SECONDS_PER_STEP=8:
#   writers  before (no sync before the ack)        after (commit + fsync, group commit)
#   1          889 w/s  p50  0.52 ms  p99  9.2 ms      76 w/s  p50  7.5 ms  p99 125 ms   1 write/sync
#   8        2,382 w/s  p50  2.25 ms  p99 21.2 ms     540 w/s  p50  9.8 ms  p99  82 ms   3.4 writes/sync
#   64       3,908 w/s  p50 12.2 ms   p99 78 ms     2,347 w/s  p50 23.4 ms  p99 113 ms  16 writes/sync
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
CP="server/target/test-classes:server/target/classes:protocol/target/classes:$(cat "$CP_FILE")"
java -Xmx1g -cp "$CP" io.livedesk.server.store.EmbeddedStoreWriteBench "$SECONDS_PER_STEP" "$WRITERS" 2>/dev/null | grep '^RESULT'
if [[ -n ${OPEN:-} ]]; then
  java -Xmx1g -cp "$CP" io.livedesk.server.store.EmbeddedStoreOpenBench "$OPEN" 2>/dev/null | grep '^RESULT'
fi
