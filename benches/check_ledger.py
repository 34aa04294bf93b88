# Compares a ledger's export (CSV on argv[1]) with a sandbox's /sandbox/state (JSON on
# argv[2]) after a bench: every row of the file (argv[3] rows) stored once, each with the
# reward id the ledger recorded. Prints one line of figures; exits 1 on any mismatch.
import csv, json, sys
ledger = list(csv.DictReader(open(sys.argv[1])))
state = json.load(open(sys.argv[2]))["data"]
rows = int(sys.argv[3])
held = state["rewards"]
by_external = {}
for reward in held:
    by_external.setdefault(reward["external_id"], []).append(reward["id"])
twice = sum(1 for ids in by_external.values() if len(ids) > 1)
imported = {r["external_id"]: r["reward_id"] for r in ledger if r["status"] == "imported"}
left = {r["status"] for r in ledger} - {"imported"}
wrong_id = sum(1 for ext, rid in imported.items() if by_external.get(ext, [None])[0] != rid)
not_in_ledger = sum(1 for ext in by_external if ext not in imported)
lost = rows - len(by_external)
resends = state["reward_receipts"] - state["reward_count"]
print(f"{len(by_external)} of {rows} rows stored at the sandbox; rows lost: {lost}; rewards stored more than once: {twice}; "
      f"resends of rows already stored: {resends}; ledger: {len(imported)} imported, other states: {sorted(left) or 'none'}, "
      f"reward ids that disagree with the sandbox: {wrong_id}, stored rows the ledger does not know as imported: {not_in_ledger}")
sys.exit(1 if lost or twice or wrong_id or not_in_ledger or left else 0)
