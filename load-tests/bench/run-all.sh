#!/usr/bin/env bash
# Runs every benchmark in turn and regenerates load-tests/RESULTS.md (figures, commands, plots).
# Takes ~30 minutes on 2 cores. Benchmarks report; nothing here fails a build.
#   load-tests/bench/run-all.sh            (SKIP_RUN=1 only regenerates RESULTS.md from results/)
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
MACHINE="$(machine)"
REBUILD=1 build
if [[ -z "${SKIP_RUN:-}" ]]; then
  N=19500 LABEL=livedesk ./density.sh
  TARGET=socketio N=19500 PORT=13000 ./density.sh
  N=${BROADCAST_N:-5000} ./broadcast.sh
  TARGET=socketio N=${BROADCAST_N:-5000} PORT=13001 ./broadcast.sh
  ./dispatch.sh
  ./conversations.sh
  N=19000 CUSTOMERS=200 ./churn.sh
fi
java -cp "$LOAD_JAR" io.livedesk.load.Report "$ROOT/load-tests" "$MACHINE"
log "wrote $ROOT/load-tests/RESULTS.md"
