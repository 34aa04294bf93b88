#!/usr/bin/env bash
# Benchmark of issue 11: a simulated month of nightly syncs. A legacy export grows for 30
# nights; each night adds new rewards, pays some confirmed ones (stage 3 and a pay_time),
# confirms some pending ones, and corrects some amounts. Each night runs
#   rewardsync import export.csv --replace-changed
# against a `rewardsync sandbox` process at its documented limits (10 reward imports and 10
# deletes a second). Prints, per night: rows, requests sent (imports of new rows, revisions,
# deletes of the rewards they replaced), replacements, exit code and wall time; then checks
# that the sandbox ends holding exactly one reward per external_id, with the body of the
# last night's export.
# Usage: benches/nightly.sh [NIGHTS] [FIRST_ROWS] [NEW_A_NIGHT]   (default 30 200 20)
set -euo pipefail
cd "$(dirname "$0")/.."
nights=${1:-30}
first=${2:-200}
daily=${3:-20}
cargo build --release --locked --quiet --bin rewardsync
. benches/lib.sh
start_sandbox

# The legacy system: its rewards and how they move on, night after night (seeded).
cat > "$work/legacy.py" <<'PY'
import csv, json, random, sys
state_file, out, night, first, daily = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(night)
try:
    rows = json.load(open(state_file))
except FileNotFoundError:
    rows = []
referrers = ["ou_8fe08882a7ae1007efe66632ce51f7a2", "ou_92de5a850f66e08be93b0f9a48353d42",
             "ou_b8d8a8551f3d8f5bb44d818cd92f771f", "ou_633d3d810cd2b2789c3fa37b0a3ba9f2"]
day = 1704067200000 + night * 86400000
changes = {"new": 0, "paid": 0, "confirmed": 0, "corrected": 0}
if night > 1:
    confirmed = [r for r in rows if r["stage"] == 2]
    for r in rng.sample(confirmed, min(len(confirmed), daily // 2)):
        r["stage"], r["pay_time"] = 3, str(day + 3600000)
        changes["paid"] += 1
    waiting = [r for r in rows if r["stage"] == 1]
    for r in rng.sample(waiting, min(len(waiting), daily // 4)):
        r["stage"], r["confirm_time"] = 2, str(day + 1800000)
        changes["confirmed"] += 1
    for r in rng.sample(rows, min(len(rows), daily // 5)):
        r["amount"] = r["amount"] + 100
        changes["corrected"] += 1
for i in range(first if night == 1 else daily):
    n = len(rows) + 1
    stage = rng.choice([1, 2, 2])
    rows.append({"external_id": f"NIGHTLY-{n:05d}", "referrer": rng.choice(referrers),
                 "application_id": f"7214{n:015d}", "amount": rng.choice([500, 1000, 2000]),
                 "stage": stage, "create_time": str(day - 86400000),
                 "confirm_time": str(day) if stage >= 2 else "", "pay_time": ""})
    changes["new"] += 1
json.dump(rows, open(state_file, "w"))
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["external_id", "referral_user_id", "application_id", "rule_type", "bonus_type",
                "currency_type", "amount", "stage", "create_time", "confirm_time", "pay_time"])
    for r in rows:
        w.writerow([r["external_id"], r["referrer"], r["application_id"], 1, 2, "CNY", r["amount"],
                    r["stage"], r["create_time"], r["confirm_time"], r["pay_time"]])
print(len(rows), changes["new"], changes["paid"], changes["confirmed"], changes["corrected"])
PY
deletes() { curl -sf "$FEISHU_BASE_URL/sandbox/state?rewards=false" | field "sum(sum(v.values()) for k, v in d['data']['requests'].items() if k.startswith('DELETE'))"; }

printf '%-5s %6s %4s %5s %5s %5s | %5s %8s %8s %7s %4s %6s\n' night rows new paid conf corr sent imported replaced deleted exit wall
total_sent=0; total_replaced=0
for night in $(seq "$nights"); do
  read -r rows new paid confirmed corrected < <(python3 "$work/legacy.py" "$work/legacy.json" "$work/export.csv" "$night" "$first" "$daily")
  before=$(deletes)
  start=$(date +%s.%N)
  set +e
  "$bin" import "$work/export.csv" --ledger "$work/nightly.db" --replace-changed --json --no-progress > "$work/out.json"
  code=$?
  set -e
  wall=$(echo "$(date +%s.%N) - $start" | bc -l)
  after=$(deletes)
  sent=$(field 'd["sent"]' < "$work/out.json")
  replaced=$(field 'd["replaced"]' < "$work/out.json")
  total_sent=$((total_sent + sent)); total_replaced=$((total_replaced + replaced))
  printf '%-5s %6s %4s %5s %5s %5s | %5s %8s %8s %7s %4s %5.1fs\n' "$night" "$rows" "$new" "$paid" "$confirmed" "$corrected" \
    "$sent" "$(field 'd["imported"]' < "$work/out.json")" "$replaced" "$((after - before))" "$code" "$wall"
done
echo "over $nights nights: $total_sent requests sent, $total_replaced rewards replaced"

# What the sandbox holds at the end: one reward per external_id of the export, each with
# the last night's body (stage, amount, pay_time), and nothing else.
curl -sf "$FEISHU_BASE_URL/sandbox/state" > "$work/state.json"
python3 - "$work/state.json" "$work/legacy.json" <<'PY'
import json, sys
held = json.load(open(sys.argv[1]))["data"]["rewards"]
rows = {r["external_id"]: r for r in json.load(open(sys.argv[2]))}
by_row = {}
for reward in held:
    base = reward["external_id"].split("~r")[0]
    by_row.setdefault(base, []).append(reward)
doubled = {k: [r["external_id"] for r in v] for k, v in by_row.items() if len(v) != 1}
missing = sorted(set(rows) - set(by_row))
stale = []
for base, (reward,) in ((k, v) for k, v in by_row.items() if len(v) == 1):
    body, row = reward["body"], rows.get(base)
    if row is None:
        stale.append(base)
        continue
    amount = body.get("bonus", {}).get("cash", {}).get("amount")
    if (body["stage"], float(amount), body.get("pay_time") or "") != (row["stage"], float(row["amount"]), row["pay_time"]):
        stale.append(base)
revisions = sum(1 for r in held if "~r" in r["external_id"])
print(f"sandbox at the end: {len(held)} rewards for {len(rows)} external_ids ({revisions} of them revisions); "
      f"external_ids held more than once: {len(doubled)}; missing: {len(missing)}; with a body other than the last export's: {len(stale)}")
sys.exit(1 if doubled or missing or stale else 0)
PY
