#!/usr/bin/env bash
# Benchmark: `rewardsync validate --json` on 100,000 and 1,000,000 generated rows.
# Prints wall time and peak RSS for each; targets (issue 2): 1M rows in <= 3 s, <= 100 MB.
# Usage: benches/validate.sh [ROWS...]   (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin rewardsync --example gen_rewards
bin=target/release/rewardsync
gen=target/release/examples/gen_rewards
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rows in "${@:-100000 1000000}"; do
  for n in $rows; do
    "$gen" "$n" > "$work/rewards-$n.csv"
    size=$(du -h "$work/rewards-$n.csv" | cut -f1)
    /usr/bin/time -f '%e %M' -o "$work/time" "$bin" validate --json "$work/rewards-$n.csv" > "$work/out.json" || true
    read -r wall kb < "$work/time"
    valid=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["valid"], "of", d["rows"])' "$work/out.json")
    printf 'validate %9d rows (%s): %6.2f s wall, %6.1f MB peak RSS, %s valid\n' "$n" "$size" "$wall" "$(echo "$kb/1024" | bc -l)" "$valid"
  done
done
