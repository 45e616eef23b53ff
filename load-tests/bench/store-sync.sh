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
# The journal (append + fdatasync of after-images; the store file by checkpoints each second), one
# run after the other, load ~9 (the machine's disk was faster that day than in the table above):
#   writers  before (MVStore commit + fsync)          after (journal)
#   1          343 w/s  p50  2.15 ms  p99 12.9 ms      513 w/s  p50  1.55 ms  p99  7.2 ms
#   8        1,397 w/s  p50  4.93 ms  p99 16.0 ms    1,795 w/s  p50  3.94 ms  p99 12.8 ms
#   64       4,706 w/s  p50 12.3 ms   p99 37.8 ms    4,539 w/s  p50 12.2 ms   p99 41.2 ms
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
