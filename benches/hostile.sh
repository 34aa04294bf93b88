#!/usr/bin/env bash
# Benchmark: the hostile inputs of issue 19 (SPEC §2.5), each through rewardsync: its exit
# code, wall time, peak RSS and the first line it printed. The inputs are written by
# `scripts/gen_hostile.py --full` (about 3 GB in a scratch directory, removed on exit; the
# .xls ones need `pip install xlwt`, else they are taken from tests/corpus/workbooks), and
# the small CSVs are the files of tests/corpus/. Target: every peak under 256 MB, every
# exit 0, 1 or 2 (never an abort, a panic or a hang), every refusal a message naming where.
# Usage: benches/hostile.sh [BIN]   (BIN: another build to measure, e.g. an older one)
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin rewardsync || exit 1
bin=${1:-$PWD/target/release/rewardsync}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/gen_hostile.py "$work" --full 2> /dev/null || exit 1
cp -n tests/corpus/workbooks/*.xls tests/corpus/*.csv "$work/"

# A run under a 4 GB address-space cap (so an unbounded one fails here, not the machine)
# and a timeout (300 s, or $limit): "NAME  exit  wall  peak  first line of output".
measure() {
  local name=$1; shift
  ( ulimit -v 4194304; /usr/bin/time -f '%e %M' -o "$work/time" timeout "${limit:-300}" "$@" ) \
    > "$work/out" 2>&1 < "${stdin:-/dev/null}"
  local code=$?
  # time(1) puts "Command exited with non-zero status N" first: the figures are last.
  read -r wall kb < <(tail -n 1 "$work/time") || { wall=0; kb=0; }
  local said
  said=$(grep -v '^\s*$' "$work/out" | head -n 1 | cut -c1-160)
  printf '%-44s exit %3s  %7.2f s  %8.1f MB  %s\n' "$name" "$code" "$wall" "$(echo "$kb/1024" | bc -l)" "$said"
}

for file in column-aaaaaaa.xlsx whitespace-run.xlsx whitespace-300m-random.xlsx \
            shared-string-long.xlsx shared-string-256m-random.xlsx csv-line-100m.csv \
            xls-cell-iv65536.xls ods-row-repeated.ods ods-two-tables.ods csv-single-line-1g.csv \
            unclosed-quote.csv error-getting-data.xlsx value-without-header.xlsx; do
  [ -e "$work/$file" ] || { printf '%-44s (missing)\n' "$file"; continue; }
  measure "validate $file" "$bin" validate "$work/$file"
done
measure "map suggest csv-single-line-1g.csv" "$bin" map suggest "$work/csv-single-line-1g.csv"

# Streams: the same 1,000 good rows through a pipe, process substitution, a FIFO with one
# writer, standard input as `-`, and /dev/stdin.
"$bin" --version > /dev/null 2>&1 || true
python3 - "$work/rows.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write("external_id,referral_user_id,application_id,rule_type,point_bonus,stage\n")
    for i in range(1000):
        out.write(f"S{i:06},ou_8fe08882a7ae1007efe66632ce51f7a2,72140000000000{i:05},1,100,1\n")
PY
stdin=$work/rows.csv measure "validate - (stdin from a file)" "$bin" validate -
stdin=$work/rows.csv measure "validate /dev/stdin (from a file)" "$bin" validate /dev/stdin
measure "cat | validate /dev/stdin (a pipe)" bash -c "cat '$work/rows.csv' | '$bin' validate /dev/stdin"
measure "cat | validate - (a pipe)" bash -c "cat '$work/rows.csv' | '$bin' validate -"
measure "validate <(cat …) (process substitution)" bash -c "'$bin' validate <(cat '$work/rows.csv')"
mkfifo "$work/fifo"
limit=30 measure "validate FIFO (one writer)" bash -c "cat '$work/rows.csv' > '$work/fifo' & '$bin' validate '$work/fifo'"
limit=30 measure "map suggest FIFO (one writer)" bash -c "cat '$work/rows.csv' > '$work/fifo' & '$bin' map suggest '$work/fifo'"
