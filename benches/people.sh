#!/usr/bin/env bash
# Benchmark of issue 10: 100,000 rewards whose referrers are 100,000 distinct people given by
# e-mail, imported against a `rewardsync sandbox` process that answers the user lookup at its
# documented limits (50 a second and 1,000 a minute; the reward limit is raised so the
# lookups are what is measured). Prints the lookup calls (floor: 2,000), 429s, the busiest
# second, and the wall time (floor about 80 s: 1,000 calls in the first 20 s, then the
# minute's window); then the rerun: lookup calls (target 0) and its wall time.
# Usage: benches/people.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release --locked --quiet --bin rewardsync
. benches/lib.sh
start_sandbox --reward-rate 1000000
users='POST /open-apis/contact/v3/users/batch_get_id'
lookups() { curl -sf "$FEISHU_BASE_URL/sandbox/state?rewards=false" | field "sum(d['data']['requests'].get('$users', {}).values())"; }

python3 - "$n" > "$work/people.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("referral_user_email,application_id,external_id,rule_type,stage,point_bonus")
for i in range(n):
    print(f"referrer{i:06d}@example.com,7214{i:015d},PEOPLE-{i:06d},1,3,100")
PY
for run in first rerun; do
  before=$(lookups)
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" import "$work/people.csv" --ledger "$work/people.db" \
    --rate 100000 --concurrency 64 --json --no-progress > "$work/out.json"
  read -r wall kb < "$work/time"
  after=$(lookups)
  state=$(curl -sf "$FEISHU_BASE_URL/sandbox/state?rewards=false")
  printf '%-5s %d rows, %d distinct referrers by e-mail: %s user lookup calls, %s answered 429, at most %s lookups in any second; %.1f s wall, %.1f MB peak RSS; %s imported, %s already imported, %s unresolved\n' \
    "$run" "$n" "$n" "$((after - before))" \
    "$(echo "$state" | field "d['data']['throttled'].get('$users', 0)")" \
    "$(echo "$state" | field "d['data']['peak_per_second'].get('$users', 0)")" \
    "$wall" "$(echo "$kb/1024" | bc -l)" \
    "$(field 'd["imported"]' < "$work/out.json")" "$(field 'd["already_imported"]' < "$work/out.json")" \
    "$(field 'd["unresolved"]' < "$work/out.json")"
done
