#!/usr/bin/env bash
# One full project life with its Project Office, driven by curl against the running dev stack
# (`make up` first): project-svc commands, then what reporting-svc made of them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
TOKEN=$(make -s token)
P=http://127.0.0.1:8001/v1/projects R=http://127.0.0.1:8004/v1/reports
H=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
post() { curl -sf "${H[@]}" -X POST "$1" -d "${2:-{\}}"; }
say() { printf '\n$ %s\n' "$1"; }
say "propose"; ID=$(post $P '{"code":"PAY-'$RANDOM'","name":"Payroll upgrade","manager":"dev-user","sponsor":"cfo","methodology":"hybrid","currency":"EUR","flagged_large":true}' | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["project_id"])'); echo "project $ID"
say "baseline"; post $P/$ID/baseline '{"budget_at_completion":"1200000","planned_start":"2026-01-05","planned_finish":"2026-10-30"}' | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["status"], d["large"], d["baseline"])'
say "approve, start"; post $P/$ID/approve >/dev/null; post $P/$ID/start '{"actual_start":"2026-01-12"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["status"])'
say "establish the Project Office"; post $P/$ID/office '{"lead":"po-lead","reporting_cadence_days":14,"charter":"Weekly EVM and risk reporting"}' | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["state"], d["lead"])'
post $P/$ID/office/staff '{"user_id":"analyst-1","role":"analyst"}' >/dev/null
post $P/$ID/office/reports '{"kind":"financial","period_end":"2026-03-31","summary":"CPI below plan","metrics":{"cpi":"0.91"}}' >/dev/null
post $P/$ID/office/documents '{"title":"Charter","kind":"charter","link":"https://docs.example/pay/charter"}' >/dev/null
say "progress, costs, milestone, risk, status report"
post $P/$ID/progress '{"percent_complete":"35","as_of":"2026-04-30"}' >/dev/null
post $P/$ID/costs '{"amount":"310000.00","incurred_on":"2026-03-31","category":"labour"}' >/dev/null
post $P/$ID/costs '{"amount":"152500.00","incurred_on":"2026-04-30","category":"licences"}' >/dev/null
M=$(post $P/$ID/milestones '{"name":"Design signed off","due_date":"2026-03-15"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
post $P/$ID/milestones/$M/achieve '{"achieved_on":"2026-03-20"}' >/dev/null
post $P/$ID/risks '{"title":"Tax table changes","probability":"0.4","impact":"80000","owner":"dev-user"}' >/dev/null
post $P/$ID/status-reports '{"schedule":"amber","cost":"red","scope":"green","summary":"Licences cost more than planned"}' >/dev/null
say "a stale If-Match is refused"; curl -s "${H[@]}" -X POST $P/$ID/hold -H 'If-Match: "3"' -d '{"reason":"x"}' | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["status"], d["detail"])'
say "complete (the office is disbanded in the same transaction), lesson, close"
post $P/$ID/complete '{"actual_finish":"2026-11-20"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["status"])'
post $P/$ID/lessons '{"category":"vendors","what_happened":"Licence prices rose mid-project","recommendation":"Fix licence prices in the contract"}' >/dev/null
post $P/$ID/close | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["status"], "version", d["version"])'
say "project-svc: the office and the audit trail"
curl -sf "${H[@]}" $P/$ID/office | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["state"], d["disband_reason"], "automatic" if d["disbanded_automatically"] else "")'
curl -sf "${H[@]}" $P/$ID/events | python3 -c 'import sys,json; print(" ".join(e["event_type"] for e in json.load(sys.stdin)))'
say "reporting-svc: metrics at 2026-11-25 (default status date: the finish) and the office lifecycle"
# The read models follow asynchronously: wait (at most 10 s) until the office shows disbanded.
for _ in $(seq 1 200); do
  state=$(curl -s "${H[@]}" $R/project-offices/$ID | python3 -c 'import sys,json; print(json.load(sys.stdin).get("state",""))' 2>/dev/null || true)
  [[ "$state" == disbanded ]] && break
  sleep 0.05
done
curl -sf "${H[@]}" $R/projects/$ID/metrics | python3 -m json.tool
curl -sf "${H[@]}" $R/project-offices/$ID | python3 -m json.tool
curl -sf "${H[@]}" $R/projects/$ID/evm-chart.svg -o .data/dev/evm-chart.svg && echo "S-curve chart: .data/dev/evm-chart.svg ($(wc -c < .data/dev/evm-chart.svg) bytes)"
