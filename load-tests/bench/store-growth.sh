#!/usr/bin/env bash
# Does the store keep its speed as the data grows? One node with the embedded store (a process
# of its own, as a shop runs it); one customer at a time: ask -> conversation, history (50) and
# resume of 50 missed messages, on the empty store and again after CONVERSATIONS closed
# conversations and MESSAGES messages were loaded straight through the driver into the same
# running node (store.StoreGrowthBench). Prints a table of p50 / p99.
#   load-tests/bench/store-growth.sh                       (200,000 conversations, 1,000,000 messages, 200 samples)
#   CONVERSATIONS=20000 MESSAGES=100000 SAMPLES=100 load-tests/bench/store-growth.sh
# Goal (issue 13): ask p50 within 1.3x of the empty store, history p99 <= 50 ms, resume p99 <= 50 ms.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CP="$(server_test_classpath)"
cd "$ROOT"
DIR="${DIR:-$(mktemp -d /tmp/livedesk-growth.XXXXXX)}"
java -Xmx1g -cp "$CP" io.livedesk.server.store.StoreGrowthBench "${CONVERSATIONS:-200000}" "${MESSAGES:-1000000}" \
  "${SAMPLES:-200}" "$DIR" 2>"$DIR/bench.err" | grep -E '^(RESULT|LOADED)' | sed 's/^RESULT //'
echo "node log: $DIR/growth-node.log"
