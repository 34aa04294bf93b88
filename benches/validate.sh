#!/usr/bin/env bash
# Benchmark: `rewardsync validate --json` on generated rows (default 100,000, 1,000,000 and
# 10,000,000). Prints wall time and peak RSS for each, and, when `xsv` is installed
# (`cargo install xsv`), `xsv count` on the same file: the CSV parsing floor.
# Targets (issue 12): 1,000,000 rows in <= 0.8 s on 2 cores; <= 64 MB at 10,000,000 rows.
# Usage: benches/validate.sh [ROWS...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin rewardsync --example gen_rewards
bin=target/release/rewardsync
gen=target/release/examples/gen_rewards
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in ${@:-100000 1000000 10000000}; do
  "$gen" "$n" > "$work/rewards-$n.csv"
  size=$(du -h "$work/rewards-$n.csv" | cut -f1)
  if command -v xsv > /dev/null; then
    /usr/bin/time -f '%e %M' -o "$work/time" xsv count "$work/rewards-$n.csv" > /dev/null
    read -r wall kb < "$work/time"
    floor=$(printf ', xsv count %.2f s' "$wall")
  else
    floor=
  fi
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" validate --json "$work/rewards-$n.csv" > "$work/out.json" || true
  read -r wall kb < "$work/time"
  valid=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["valid"], "of", d["rows"])' "$work/out.json")
  printf 'validate %9d rows (%s): %6.2f s wall, %6.1f MB peak RSS, %s valid%s\n' "$n" "$size" "$wall" "$(echo "$kb/1024" | bc -l)" "$valid" "$floor"
  rm -f "$work/rewards-$n.csv"
done
