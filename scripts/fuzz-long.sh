#!/usr/bin/env bash
# Long fuzz run of the gateway: GatewayFuzzTest again and again with fresh seeds until the time is up
# or a run fails (its seed is printed; rerun one with -Dlivedesk.fuzz.seed=SEED).
#   scripts/fuzz-long.sh [minutes=60] [cases per run=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${1:-60}"
CASES="${2:-1000000}"
LOG_DIR="${LOG_DIR:-target/fuzz-long}"
mkdir -p "$LOG_DIR"
mvn -q -B -pl server -am test-compile
deadline=$((SECONDS + MINUTES * 60))
runs=0
while ((SECONDS < deadline)); do
  seed="$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')"
  log="$LOG_DIR/seed-$seed.log"
  echo "run $((runs + 1)): seed $seed, $CASES cases"
  if ! mvn -q -B -pl server -am test -Dtest=GatewayFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dlivedesk.fuzz.seed="$seed" -Dlivedesk.fuzz.cases="$CASES" >"$log" 2>&1; then
    echo "FAILED with seed $seed; see $log and server/target/surefire-reports/" >&2
    grep -E "GatewayFuzzTest|AssertionFailed" "$log" | head -20 >&2 || true
    exit 1
  fi
  grep -h "GatewayFuzzTest:" "$log" || true
  rm -f "$log"
  runs=$((runs + 1))
done
echo "$runs runs of $CASES cases passed"
