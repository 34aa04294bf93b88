#!/usr/bin/env bash
# Benchmark of issue 12: imports killed with SIGKILL at random moments, then one run to the
# end, against a `rewardsync sandbox` process (20 ± 20 ms latency; the limit raised to 200/s so
# each killed run gets somewhere). Prints the kills, the resends of rows the sandbox had
# already stored (safe: external_id is idempotent; only rows in flight at a kill may be
# resent), rewards stored more than once (must be 0), rows lost (must be 0), and whether the
# ledger's reward ids agree with the sandbox's. The kill moments are seeded: the same
# arguments kill at the same moments.
# Usage: benches/kill.sh [KILLS] [ROWS] [SEED]   (default 50 5000 1)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-50}
rows=${2:-5000}
seed=${3:-1}
cargo build --release --locked --quiet --bin rewardsync --example gen_rewards
. benches/lib.sh
start_sandbox --reward-rate 200 --latency-ms 20 --jitter-ms 40 --seed "$seed"
"$PWD/target/release/examples/gen_rewards" "$rows" KILL > "$work/kill.csv"
# The binary itself in the background (not a shell function: a kill must reach it).
import=("$bin" import "$work/kill.csv" --ledger "$work/kill.db" --rate 100 --concurrency 16 --no-progress)
moments=$(python3 -c "import random; r = random.Random($seed); print(' '.join(str(round(r.uniform(0.05, 0.8), 3)) for _ in range($kills)))")
killed=0
for moment in $moments; do
  "${import[@]}" > /dev/null 2>&1 &
  pid=$!
  sleep "$moment"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
done
stored=$(state | field 'd["data"]["reward_count"]')
set +e
"${import[@]}" --json > "$work/out.json" 2> /dev/null
code=$?
set -e
echo "$killed imports killed with SIGKILL at random moments (0.05-0.8 s in); $stored of $rows rows stored by then; the run to the end: exit $code, $(field 'd["imported"]' < "$work/out.json") imported, $(field 'd["already_imported"]' < "$work/out.json") already imported, $(field 'd["sent"]' < "$work/out.json") requests"
"$bin" export --ledger "$work/kill.db" > "$work/export.csv"
curl -sf "$FEISHU_BASE_URL/sandbox/state" > "$work/state.json"
python3 benches/check_ledger.py "$work/export.csv" "$work/state.json" "$rows"
