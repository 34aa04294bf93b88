#!/usr/bin/env bash
# Issue 21's benchmark: the same 1,000,000 rewards validated as one part and as twelve,
# interleaved, 3 runs each, reporting the median wall time and the peak RSS:
#   xlsx  one sheet of one workbook, beside 12 sheets (1月 … 12月) of one workbook read
#         with --sheet '*'. Target: at most 1.2 x.
#   csv   one CSV, beside the same rows as 12 CSV files given to one run. Target: 1.2 x.
# Then `map suggest` on a 200,000-row workbook (target: at most 2 s).
# Usage: benches/parts.sh   (generating the workbooks takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin rewardsync --example gen_rewards --example gen_workbook
bin=$PWD/target/release/rewardsync
examples=$PWD/target/release/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=${RUNS:-3}
rows=${ROWS:-1000000}

time_of() {
  local label=$1
  shift
  /usr/bin/time -f "$label %e %M" -a -o "$work/times" "$@" > "$work/out" 2> "$work/err" || {
    status=$?
    echo "$label failed (exit $status):"; cat "$work/err"; tail -3 "$work/out"; exit 1
  }
}

report() {
  python3 - "$work/times" "$@" <<'PY'
import statistics, sys
path, base, *others = sys.argv[1:]
runs = {}
for line in open(path):
    label, wall, kb = line.split()
    runs.setdefault(label, []).append((float(wall), int(kb)))
def median(label):
    return statistics.median(w for w, _ in runs[label]), max(k for _, k in runs[label]) / 1024
b, bm = median(base)
print(f"  {base:<14} median {b:6.2f} s, peak {bm:6.1f} MB")
for other in others:
    o, om = median(other)
    print(f"  {other:<14} median {o:6.2f} s, peak {om:6.1f} MB: {o / b:.2f} x")
PY
}

echo "generating $rows rows: one CSV, 12 CSVs, one workbook of one sheet, one of 12 sheets"
"$examples/gen_rewards" "$rows" > "$work/all.csv"
per=$(( (rows + 11) / 12 ))
tail -n +2 "$work/all.csv" | split -l "$per" -d -a 2 - "$work/part-"
header=$(head -1 "$work/all.csv")
for part in "$work"/part-*; do
  { echo "$header"; cat "$part"; } > "$part.csv"
  rm "$part"
done
"$examples/gen_workbook" "$rows" "$work/one.xlsx" > /dev/null
"$examples/gen_workbook" "$rows" "$work/twelve.xlsx" --sheets 12 > /dev/null

: > "$work/times"
for _ in $(seq "$runs"); do
  time_of csv-1 "$bin" validate "$work/all.csv"
  time_of csv-12-files "$bin" validate "$work"/part-*.csv
  time_of xlsx-1-sheet "$bin" validate "$work/one.xlsx" --timezone Asia/Shanghai
  time_of xlsx-12-sheets "$bin" validate "$work/twelve.xlsx" --sheet '*' --timezone Asia/Shanghai
done
grep -q "$rows rows: $rows valid" "$work/out" || { echo "unexpected: $(tail -1 "$work/out")"; exit 1; }
echo "validate $rows rows, $runs runs each:"
report csv-1 csv-12-files
report xlsx-1-sheet xlsx-12-sheets

"$examples/gen_workbook" 200000 "$work/200k.xlsx" > /dev/null
for _ in $(seq "$runs"); do
  time_of map-suggest-200k "$bin" map suggest "$work/200k.xlsx"
done
echo "map suggest on a 200,000-row workbook:"
report map-suggest-200k
