#!/usr/bin/env bash
# The crash drill: mixed load (customers writing, agents answering, coupon claims) against one
# node and against three, each killed with SIGKILL at a random moment of every round and started
# again on the same data; after each round, what the clients were acknowledged is checked
# against what MongoDB holds (faults.CrashDrill): 0 acknowledged messages missing, 0 seq gaps,
# 0 duplicates, grants <= coupons, every granted claim stored.
#
#   scripts/crash-drill.sh                      # ROUNDS=20 NODES="1 3" SEED=<now> ROUND_MS=6000 CUSTOMERS=6 COUPONS=200
#
# Prints one table per node count and exits non-zero when a round was not clean. Node logs are
# kept under server/target/crash-drill/. A failing seed replays with SEED=N.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-20}"
NODES="${NODES:-1 3}"
SEED="${SEED:-$(date +%s)}"
ROUND_MS="${ROUND_MS:-6000}"
CUSTOMERS="${CUSTOMERS:-6}"
COUPONS="${COUPONS:-200}"
OUT="$ROOT/server/target/crash-drill"
mkdir -p "$OUT"
status=0
for n in $NODES; do
  log="$OUT/drill-$n-nodes-$SEED.log"
  echo "== $n node(s), $ROUNDS rounds, seed $SEED (log: $log)"
  if ! (cd "$ROOT" && mvn -B -pl server -am verify -Dtest=CrashDrillTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Ddrill.nodes="$n" -Ddrill.rounds="$ROUNDS" -Ddrill.seed="$SEED" -Ddrill.roundMs="$ROUND_MS" \
      -Ddrill.customers="$CUSTOMERS" -Ddrill.coupons="$COUPONS" -Ddrill.dir="$OUT/$n-nodes-$SEED" -Dsurefire.timeout=3600 >"$log" 2>&1); then
    status=1
  fi
  # the table as the drill printed it, round by round
  awk '/^round nodes/ && !seen++ {p=1} p && /^ *[0-9]+ +[0-9]+ node/ {print; next} p && /^round/ {print}' "$log" | awk '!dup[$0]++'
  grep -E "Tests run:.*CrashDrillTest|FAIL" "$log" | head -3 || true
done
exit "$status"
