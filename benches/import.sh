#!/usr/bin/env bash
# Benchmarks of issues 4 and 8, against a `rewardsync sandbox` in its own process on loopback:
#   1. 300 rows at the 10/s limit with 150 ± 100 ms latency, then with 1000 ± 100 ms, each
#      with 2-hour tokens and with 3-second tokens (refreshed every 1.5 s mid-run):
#      end-to-end rows/s (target >= 9.5), 429s answered (target 0), tokens issued.
#   2. Peak RSS importing 100,000 and 1,000,000 rows against a sandbox with the limit raised.
#   3. Rerun of the 1,000,000-row file, all imported: requests sent (target 0), wall time (<= 2 s,
#      issue 12); then the sandbox process's own peak RSS, holding the 1,100,000 rewards (<= 200 MB).
#   4. `plan [ROWS...]` (issue 12): an import's peak RSS by the end of its plan (every row
#      validated, looked up and recorded in the ledger), read from /proc when the first reward
#      reaches the sandbox; the import is then stopped (SIGTERM). Target at 10,000,000 rows:
#      <= 128 MB. Default rows: 100000 1000000 10000000 (the last takes several minutes).
# Usage: benches/import.sh [pacing|memory|all|plan [ROWS...]]   (default all; memory takes several minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin rewardsync --example gen_rewards
. benches/lib.sh
gen=$PWD/target/release/examples/gen_rewards


pacing() {
  "$gen" 300 PACE > "$work/pace.csv"
  for spec in "50 200 150±100" "900 200 1000±100"; do
    for ttl in 7200 3; do
      set -- $spec
      start_sandbox --latency-ms "$1" --jitter-ms "$2" --seed 1 --token-ttl "$ttl"
      rm -f "$work/pace.db"*
      "$bin" import "$work/pace.csv" --ledger "$work/pace.db" --json --no-progress > "$work/out.json"
      s=$(state)
      printf 'pacing, latency %s ms, tokens %5s s: %s rows imported, %.2f rows/s end to end (send phase %.1f s, whole run %.1f s), 429s answered: %s, most accepted in any second: %s, tokens issued: %s\n' \
        "$3" "$ttl" "$(field 'd["imported"]' < "$work/out.json")" "$(field 'd["imported"]/d["elapsed_seconds"]' < "$work/out.json")" \
        "$(field 'd["send_seconds"]' < "$work/out.json")" "$(field 'd["elapsed_seconds"]' < "$work/out.json")" \
        "$(echo "$s" | field 'sum(d["data"]["throttled"].values())')" "$(echo "$s" | field 'max(d["data"]["peak_per_second"].values() or [0])')" \
        "$(echo "$s" | field 'd["data"]["tokens_issued"]')"
    done
  done
}

memory() {
  start_sandbox --reward-rate 1000000
  for n in 100000 1000000; do
    "$gen" "$n" MEM$n > "$work/mem-$n.csv"
    rm -f "$work/mem-$n.db"*
    /usr/bin/time -f '%e %M' -o "$work/time" "$bin" import "$work/mem-$n.csv" --ledger "$work/mem-$n.db" \
      --rate 100000 --concurrency 64 --json --no-progress > "$work/out.json"
    read -r wall kb < "$work/time"
    printf 'import %8d rows, limit raised: %6.1f s wall, %6.1f MB peak RSS, %s imported, %.0f rows/s\n' \
      "$n" "$wall" "$(echo "$kb/1024" | bc -l)" "$(field 'd["imported"]' < "$work/out.json")" "$(field 'd["rate"]' < "$work/out.json")"
  done
  before=$(state | field 'sum(sum(v.values()) for v in d["data"]["requests"].values())')
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" import "$work/mem-1000000.csv" --ledger "$work/mem-1000000.db" --json --no-progress > "$work/out.json"
  read -r wall kb < "$work/time"
  after=$(state | field 'sum(sum(v.values()) for v in d["data"]["requests"].values())')
  printf 'rerun of 1000000 imported rows: %.2f s wall, %.1f MB peak RSS, %s already imported, %s requests sent\n' \
    "$wall" "$(echo "$kb/1024" | bc -l)" "$(field 'd["already_imported"]' < "$work/out.json")" "$((after - before))"
  # The sandbox process itself, holding every reward of both imports (issue 12: at most 200 MB
  # for a million).
  printf 'sandbox holding %s rewards: %s peak RSS (VmHWM), %s now (VmRSS)\n' \
    "$(state | field 'd["data"]["reward_count"]')" \
    "$(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$sandbox_pid/status")" \
    "$(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$sandbox_pid/status")"
}

plan() {
  start_sandbox --reward-rate 1000000
  for n in "${@:-100000 1000000 10000000}"; do
    "$gen" "$n" PLAN$n > "$work/plan-$n.csv"
    rm -f "$work/plan-$n.db"*
    start=$(date +%s.%N)
    "$bin" import "$work/plan-$n.csv" --ledger "$work/plan-$n.db" --rate 100000 --concurrency 64 \
      --json --no-progress > "$work/out.json" 2> "$work/err.txt" &
    pid=$!
    hwm=
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$(state | field 'd["data"]["reward_count"]')" -gt 0 ]; then
        hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
        kill -TERM "$pid"
        break
      fi
      sleep 0.2
    done
    wait "$pid" || true
    if [ -z "$hwm" ]; then echo "the import of $n rows ended before sending"; cat "$work/err.txt"; exit 1; fi
    printf 'plan of %8d rows (ledger written): %6.1f s to the first send, %6.1f MB peak RSS\n' \
      "$n" "$(echo "$(date +%s.%N) - $start" | bc -l)" "$(echo "$hwm/1024" | bc -l)"
  done
}

case "${1:-all}" in
  pacing) pacing ;;
  memory) memory ;;
  plan) shift; plan "$@" ;;
  all) pacing; memory ;;
  *) echo "usage: $0 [pacing|memory|all|plan [ROWS...]]"; exit 2 ;;
esac
