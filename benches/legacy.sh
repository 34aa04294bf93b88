#!/usr/bin/env bash
# Benchmarks of issue 9 (legacy exports), each run side by side with its baseline, the two
# interleaved, 5 times each, reporting the median wall time and the peak RSS:
#   csv   validate 1,000,000 rows of a legacy CSV (a title row, Chinese headers, labels,
#         times in Asia/Shanghai, money strings, Excel's ="…") beside the same rewards in
#         canonical form. Target: at most 1.3 x, flat memory.
#   xlsx  validate a 200,000-row .xlsx (date cells, number cells, shared strings) beside
#         calamine's own streaming read of the same file (examples/calamine_read, which only
#         reads the cells). Target: at most 1.5 x. Then the peak RSS at 200,000 and 1,000,000.
# Usage: benches/legacy.sh [csv|xlsx|all]   (default all; generating the workbooks takes
#        about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin rewardsync --example gen_rewards \
  --example gen_workbook --example calamine_read
bin=$PWD/target/release/rewardsync
examples=$PWD/target/release/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=5

# time_of LABEL COMMAND…: runs it once, appending "LABEL WALL_S PEAK_KB" to $work/times.
time_of() {
  local label=$1
  shift
  /usr/bin/time -f "$label %e %M" -a -o "$work/times" "$@" > "$work/out" 2> "$work/err" || {
    status=$?
    # validate exits 1 when a row is invalid: these files have none, so anything but 0 is a failure.
    echo "$label failed (exit $status):"; cat "$work/err"; exit 1
  }
}

# report BASELINE SUBJECT TARGET: medians, peaks and the ratio of the two labels.
report() {
  python3 - "$work/times" "$1" "$2" "$3" <<'EOF'
import statistics, sys
path, base, subject, target = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
runs = {}
for line in open(path):
    label, wall, kb = line.split()
    runs.setdefault(label, []).append((float(wall), int(kb)))
def show(label):
    walls = [w for w, _ in runs[label]]
    peak = max(kb for _, kb in runs[label]) / 1024
    print(f"  {label:<34} median {statistics.median(walls):6.2f} s (min {min(walls):.2f}, max {max(walls):.2f}), peak RSS {peak:6.1f} MB")
    return statistics.median(walls)
b, s = show(base), show(subject)
verdict = "within" if s / b <= target else "OVER"
print(f"  ratio {s / b:.2f} x (target <= {target} x: {verdict})")
EOF
}

csv() {
  local n=1000000
  "$examples/gen_rewards" "$n" GEN > "$work/canonical.csv"
  "$examples/gen_rewards" "$n" GEN --legacy > "$work/legacy.csv"
  echo "validate $n rows: canonical CSV ($(du -h "$work/canonical.csv" | cut -f1)) and legacy CSV ($(du -h "$work/legacy.csv" | cut -f1)), $runs runs each, interleaved"
  : > "$work/times"
  for _ in $(seq "$runs"); do
    time_of canonical "$bin" validate --json "$work/canonical.csv"
    time_of legacy "$bin" validate --json "$work/legacy.csv" --header-row 2 --timezone Asia/Shanghai
  done
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid"] == d["rows"] == int(sys.argv[2]), d' "$work/out" "$n"
  report canonical legacy 1.3
}

xlsx() {
  "$examples/gen_workbook" 200000 "$work/200k.xlsx" > /dev/null
  echo "validate a 200000-row .xlsx ($(du -h "$work/200k.xlsx" | cut -f1)) beside calamine's streaming read, $runs runs each, interleaved"
  : > "$work/times"
  for _ in $(seq "$runs"); do
    time_of calamine-read "$examples/calamine_read" "$work/200k.xlsx"
    time_of validate-xlsx "$bin" validate --json "$work/200k.xlsx" --timezone Asia/Shanghai
  done
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid"] == d["rows"] == 200000, d' "$work/out"
  report calamine-read validate-xlsx 1.5
  "$examples/gen_workbook" 1000000 "$work/1m.xlsx" > /dev/null
  : > "$work/times"
  time_of validate-xlsx-1m "$bin" validate --json "$work/1m.xlsx" --timezone Asia/Shanghai
  read -r _ wall kb < "$work/times"
  printf '  validate a 1000000-row .xlsx (%s): %.2f s, peak RSS %.1f MB\n' "$(du -h "$work/1m.xlsx" | cut -f1)" "$wall" "$(echo "$kb/1024" | bc -l)"
}

case "${1:-all}" in
  csv) csv ;;
  xlsx) xlsx ;;
  all) csv; xlsx ;;
  *) echo "usage: benches/legacy.sh [csv|xlsx|all]"; exit 2 ;;
esac
