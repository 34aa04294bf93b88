#!/usr/bin/env bash
# Benchmark of issue 12: ROWS rows through a sandbox process that fails 20 % of the calls
# (HTTP 500 / 1002001, nothing stored) and drops the answer of 5 % after storing the reward;
# the same import is run again until it exits 0. Prints the runs needed, rows lost (must be
# 0), rewards stored more than once (must be 0), the resends of rows already stored, whether
# the ledger agrees with the sandbox, and the peak RSS of the runs. The limit is raised to
# 1,000/s so the soak takes minutes, not the hours 10,000 rows at 10/s through these faults
# would.
# Usage: benches/soak.sh [ROWS] [SEED]   (default 10000 1)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000}
seed=${2:-1}
cargo build --release --locked --quiet --bin rewardsync --example gen_rewards
. benches/lib.sh
start_sandbox --reward-rate 1000 --fail-rate 0.2 --drop-rate 0.05 --latency-ms 10 --jitter-ms 20 --seed "$seed"
"$PWD/target/release/examples/gen_rewards" "$rows" SOAK > "$work/soak.csv"
runs=0; peak=0; code=1
while [ "$code" -ne 0 ] && [ "$runs" -lt 20 ]; do
  runs=$((runs + 1))
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" import "$work/soak.csv" --ledger "$work/soak.db" \
    --rate 500 --concurrency 32 --no-progress --json > "$work/out.json" 2> /dev/null
  code=$?
  set -e
  # /usr/bin/time puts "Command exited with non-zero status N" first when the exit is not 0.
  read -r wall kb < <(tail -n 1 "$work/time")
  [ "$kb" -gt "$peak" ] && peak=$kb
  echo "run $runs: exit $code, $wall s, $(field 'd["imported"]' < "$work/out.json") imported, $(field 'd["in_doubt"]' < "$work/out.json") in doubt, $(field 'd["pending"]' < "$work/out.json") pending, $(field 'd["sent"]' < "$work/out.json") requests ($(field 'd["retried"]' < "$work/out.json") retries)"
done
s=$(state)
echo "$rows rows through 20 % server errors and 5 % dropped answers: runs needed to exit 0: $runs; the sandbox answered $(echo "$s" | field 'sum(d["data"]["failed"].values())') injected errors and dropped $(echo "$s" | field 'sum(d["data"]["dropped"].values())') answers; peak RSS of a run $(echo "$peak/1024" | bc -l | xargs printf '%.1f') MB"
"$bin" export --ledger "$work/soak.db" > "$work/export.csv"
curl -sf "$FEISHU_BASE_URL/sandbox/state" > "$work/state.json"
python3 benches/check_ledger.py "$work/export.csv" "$work/state.json" "$rows"
