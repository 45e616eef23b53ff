#!/usr/bin/env bash
# Embedded store write cost: W writers each inserting one ~250-byte document at a time through the
# MongoDB driver into an in-process EmbeddedStore (data in a temp dir on the local disk), the next
# sent when the previous is acknowledged. Prints writes/s and p50/p99 ack latency per W.
#   load-tests/bench/store-sync.sh                     (10 s per step, W = 1, 8, 64)
#   SECONDS_PER_STEP=5 WRITERS=1,8,64,256 load-tests/bench/store-sync.sh
#   OPEN=50000 load-tests/bench/store-sync.sh   (also: load 50,000 conversations, time the reopen
#                                                that rebuilds the in-memory indexes)
# Needs the server's test classes: mvn -q -pl server -am test-compile (done here when missing).
# Measured on the shared 2-core dev machine, both at load ~5 (p99s are noisy), SECONDS_PER_STEP=5:
#   writers  before (no sync before the ack)        after (commit + fsync, group commit)
#   1        1,285 w/s  p50  0.41 ms  p99  5.4 ms     117 w/s  p50  6.8 ms  p99 27 ms   1 write/sync
#   8        2,738 w/s  p50  2.06 ms  p99 15.6 ms     579 w/s  p50 11.4 ms  p99 38 ms   3.4 writes/sync
#   64       3,633 w/s  p50 14.5 ms   p99 88 ms     2,229 w/s  p50 24.4 ms  p99 92 ms   23 writes/sync
# OPEN=50000 (7 indexes) at load ~5: loaded in 12.1 s, reopened (indexes rebuilt) in 6.7 s.
set -euo pipefail
SECONDS_PER_STEP=${SECONDS_PER_STEP:-10}
WRITERS=${WRITERS:-1,8,64}
source "$(dirname "$0")/lib.sh"
CP="$(server_test_classpath)"
cd "$ROOT"
java -Xmx1g -cp "$CP" io.livedesk.server.store.EmbeddedStoreWriteBench "$SECONDS_PER_STEP" "$WRITERS" 2>/dev/null | grep '^RESULT'
if [[ -n ${OPEN:-} ]]; then
  java -Xmx1g -cp "$CP" io.livedesk.server.store.EmbeddedStoreOpenBench "$OPEN" 2>/dev/null | grep '^RESULT'
fi
