#!/usr/bin/env bash
# One full project life with its Project Office, then a program of two projects sharing one
# resource and one funding pool, driven by curl against a running stack (`make up` first):
# project-svc and program-svc commands, then what reporting-svc made of them.
#
#   deploy/local/demo.sh [dev|test]      (make demo; make demo PROFILE=test)
#
# The addresses and the JWT secret come from .data/<profile>/env, which `make up` writes. When
# that stack is not running the demo says so and exits 1 before sending anything; a request the
# stack refuses stops it with the problem the service answered.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PROFILE="${1:-dev}"
ENV_FILE=".data/$PROFILE/env"
VENV=.venv

fail() {
  echo "demo: $*" >&2
  exit 1
}

up_command() {
  if [[ "$PROFILE" == dev ]]; then echo "make up"; else echo "make up PROFILE=$PROFILE"; fi
}

not_running() { fail "the $PROFILE stack is not running${1:+ ($1)}: run $(up_command)"; }

readyz_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1/readyz" 2>/dev/null || true; }

# Loads the stack's addresses and secret; stops unless project-svc, program-svc and
# reporting-svc are ready.
require_running_stack() {
  [[ -f "$ENV_FILE" ]] || not_running "no $ENV_FILE"
  # shellcheck source=/dev/null
  source "$ENV_FILE"
  local name url code
  for name in PROJECT_URL PROGRAM_URL REPORTING_URL; do
    [[ -n "${!name:-}" ]] || not_running "no $name in $ENV_FILE"
  done
  for url in "$PROJECT_URL" "$PROGRAM_URL" "$REPORTING_URL"; do
    code="$(readyz_code "$url")"
    [[ "$code" != 000 ]] || not_running "nothing answers on $url"
    [[ "$code" == 200 ]] || not_running "$url/readyz answered $code"
  done
  [[ -n "${JWT_SECRET:-}" ]] || fail "the $PROFILE stack has no development JWT secret"
}

# `request METHOD URL [BODY] [curl options...]`: the response body in BODY, its code in CODE.
request() {
  local method="$1" url="$2" data="${3:-}" out
  shift $(($# < 3 ? $# : 3))
  out="$(curl -s -m 10 -w '\n%{http_code}' "${HEADERS[@]}" -X "$method" "$url" \
    ${data:+-d "$data"} "$@")" || fail "$method $url: no answer (curl exit $?)"
  CODE="${out##*$'\n'}"
  BODY="${out%$'\n'*}"
}

# `post URL [BODY]`: a command that must succeed (2xx), else the demo stops with the problem.
post() {
  request POST "$1" "${2:-{\}}"
  [[ "$CODE" == 2* ]] || fail "POST $1 answered $CODE: $BODY"
}

# `get URL`: a read that must succeed.
get() {
  request GET "$1"
  [[ "$CODE" == 2* ]] || fail "GET $1 answered $CODE: $BODY"
}

# `fields KEY...`: the top-level fields of the last response body, on one line.
fields() {
  python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(*(d[k] for k in sys.argv[2:]))' \
    "$BODY" "$@"
}

# `show FORMAT`: the last response body through FORMAT, a Python format string of it as `d`
# ('{d[funding][pool]}').
show() {
  python3 -c 'import json, sys; print(sys.argv[2].format(d=json.loads(sys.argv[1])))' "$BODY" "$1"
}

# `as_user TOKEN`: the requests from now on are sent with TOKEN.
as_user() { HEADERS=(-H "Authorization: Bearer $1" -H "Content-Type: application/json"); }

say() { printf '\n$ %s\n' "$1"; }

require_running_stack
TOKEN="$("$VENV/bin/pmo-dev-token" --tenant demo --roles pmo --sub dev-user)"
as_user "$TOKEN"
P="$PROJECT_URL/v1/projects"
G="$PROGRAM_URL/v1/programs"
R="$REPORTING_URL/v1/reports"
CODE_SUFFIX="$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"

say "propose"
post "$P" '{"code":"PAY-'"$CODE_SUFFIX"'","name":"Payroll upgrade","manager":"dev-user","sponsor":"cfo","methodology":"hybrid","currency":"EUR","flagged_large":true}'
ID="$(fields project_id)"
echo "project $ID"
say "baseline"
post "$P/$ID/baseline" '{"budget_at_completion":"1200000","planned_start":"2026-01-05","planned_finish":"2026-10-30"}'
fields status large baseline
say "approve (as the sponsor: nobody approves what they proposed or manage), start"
SPONSOR="$("$VENV/bin/pmo-dev-token" --tenant demo --roles portfolio_manager --sub cfo)"
as_user "$SPONSOR"
post "$P/$ID/approve"
as_user "$TOKEN"
post "$P/$ID/start" '{"actual_start":"2026-01-12"}'
fields status
say "establish the Project Office"
post "$P/$ID/office" '{"lead":"po-lead","reporting_cadence_days":14,"charter":"Weekly EVM and risk reporting"}'
fields state lead
post "$P/$ID/office/staff" '{"user_id":"analyst-1","role":"analyst"}'
post "$P/$ID/office/reports" '{"kind":"financial","period_end":"2026-03-31","summary":"CPI below plan","metrics":{"cpi":"0.91"}}'
post "$P/$ID/office/documents" '{"title":"Charter","kind":"charter","link":"https://docs.example/pay/charter"}'
say "progress, costs, milestone, risk, status report"
post "$P/$ID/progress" '{"percent_complete":"35","as_of":"2026-04-30"}'
post "$P/$ID/costs" '{"amount":"310000.00","incurred_on":"2026-03-31","category":"labour"}'
post "$P/$ID/costs" '{"amount":"152500.00","incurred_on":"2026-04-30","category":"licences"}'
post "$P/$ID/milestones" '{"name":"Design signed off","due_date":"2026-03-15"}'
M="$(fields id)"
post "$P/$ID/milestones/$M/achieve" '{"achieved_on":"2026-03-20"}'
post "$P/$ID/risks" '{"title":"Tax table changes","probability":"0.4","impact":"80000","owner":"dev-user"}'
post "$P/$ID/status-reports" '{"schedule":"amber","cost":"red","scope":"green","summary":"Licences cost more than planned"}'
say "a stale If-Match is refused"
request POST "$P/$ID/hold" '{"reason":"x"}' -H 'If-Match: "3"'
fields status detail
say "complete (the office is disbanded in the same transaction), lesson, close"
post "$P/$ID/complete" '{"actual_finish":"2026-11-20"}'
fields status
post "$P/$ID/lessons" '{"category":"vendors","what_happened":"Licence prices rose mid-project","recommendation":"Fix licence prices in the contract"}'
post "$P/$ID/close"
echo "$(fields status) version $(fields version)"
say "project-svc: the office and the audit trail"
get "$P/$ID/office"
python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["state"], d["disband_reason"], "automatic" if d["disbanded_automatically"] else "")' "$BODY"
get "$P/$ID/events"
python3 -c 'import json, sys; print(" ".join(e["event_type"] for e in json.loads(sys.argv[1])))' "$BODY"
say "reporting-svc: metrics at the finish (an ended project's default status date) and the office lifecycle"
# The read models follow asynchronously: wait (at most 10 s) until the office shows disbanded.
for _ in $(seq 1 200); do
  request GET "$R/project-offices/$ID"
  [[ "$CODE" == 200 && "$(fields state)" == disbanded ]] && break
  sleep 0.05
done
get "$R/projects/$ID/metrics"
python3 -m json.tool <<<"$BODY"
get "$R/project-offices/$ID"
python3 -m json.tool <<<"$BODY"
CHART=".data/$PROFILE/evm-chart.svg"
curl -sf "${HEADERS[@]}" "$R/projects/$ID/evm-chart.svg" -o "$CHART" \
  || fail "GET $R/projects/$ID/evm-chart.svg failed"
echo "S-curve chart: $CHART ($(wc -c <"$CHART") bytes)"

# ---- a program: two projects sharing one resource and one funding pool ----------------------

# `program_project CODE NAME BAC START FINISH PERCENT COST`: a project proposed by the PMO,
# approved by its sponsor, started on its planned start, its progress reported as of its planned
# finish and one cost incurred then; its id in PROJECT.
program_project() {
  local code="$1-$CODE_SUFFIX" name="$2" bac="$3" start="$4" finish="$5" percent="$6" cost="$7"
  as_user "$TOKEN"
  post "$P" '{"code":"'"$code"'","name":"'"$name"'","manager":"dev-user","sponsor":"cfo","methodology":"agile","currency":"EUR"}'
  PROJECT="$(fields project_id)"
  post "$P/$PROJECT/baseline" '{"budget_at_completion":"'"$bac"'","planned_start":"'"$start"'","planned_finish":"'"$finish"'"}'
  as_user "$SPONSOR"
  post "$P/$PROJECT/approve"
  as_user "$TOKEN"
  post "$P/$PROJECT/start" '{"actual_start":"'"$start"'"}'
  post "$P/$PROJECT/progress" '{"percent_complete":"'"$percent"'","as_of":"'"$finish"'"}'
  post "$P/$PROJECT/costs" '{"amount":"'"$cost"'","incurred_on":"'"$finish"'","category":"labour"}'
  echo "project $code $PROJECT: BAC $bac, planned $start..$finish, $percent% complete, cost $cost"
}

# `add_member PROGRAM PROJECT`: program-svc learns projects from project-svc's events a moment
# after project-svc took them; until then it answers 422 "unknown project ... (events may still
# be arriving)". Retried for at most 10 s; any other refusal stops the demo.
add_member() {
  local url="$G/$1/members" body='{"project_id":"'"$2"'"}'
  for _ in $(seq 1 200); do
    request POST "$url" "$body"
    [[ "$CODE" == 2* ]] && return
    [[ "$CODE" == 422 && "$BODY" == *"events may still be arriving"* ]] \
      || fail "POST $url answered $CODE: $BODY"
    sleep 0.05
  done
  fail "program-svc did not learn project $2 within 10 s: $BODY"
}

say "two more projects (the PMO proposes, the sponsor approves): a payroll engine and its portal"
program_project ENG "Payroll engine" 800000 2026-01-05 2026-09-30 80 720000.00
ENGINE="$PROJECT"
program_project WEB "Payroll portal" 400000 2026-03-02 2026-11-27 90 330000.00
PORTAL="$PROJECT"

say "propose a program (as its program manager)"
MANAGER="$("$VENV/bin/pmo-dev-token" --tenant demo --roles program_manager --sub prog-mia)"
as_user "$MANAGER"
post "$G" '{"code":"PAYPRG-'"$CODE_SUFFIX"'","name":"Payroll modernisation","area":"the Payroll application","manager":"prog-mia","sponsor":"cfo","currency":"EUR"}'
PG="$(fields program_id)"
echo "program $PG: $(fields status)"
say "its manager may not activate it (segregation of duties); its sponsor does"
request POST "$G/$PG/activate"
fields status detail
as_user "$SPONSOR"
post "$G/$PG/activate"
show '{d[status]} by {d[activated_by]} on {d[activated_on]}'
as_user "$MANAGER"
say "both projects join (once program-svc knows them), a funding pool is allocated to them"
add_member "$PG" "$ENGINE"
add_member "$PG" "$PORTAL"
post "$G/$PG/funding/set" '{"amount":"1300000","reason":"Payroll budget"}'
post "$G/$PG/funding/allocations" '{"project_id":"'"$ENGINE"'","amount":"700000"}'
post "$G/$PG/funding/allocations" '{"project_id":"'"$PORTAL"'","amount":"450000"}'
show 'members {d[members][0][project_id]} and {d[members][1][project_id]}'
show 'pool {d[funding][pool]}, allocated {d[funding][allocated]}, unallocated {d[funding][unallocated]}'
say "one person shared by both projects, in overlapping ISO weeks, within 40 h a week"
post "$G/$PG/resources" '{"kind":"person","person":"eng-dana","skills":["payroll","sql"],"weekly_capacity_hours":"40","cost_rate":"95.00"}'
RESOURCE="$(fields id)"
post "$G/$PG/assignments" '{"resource_id":"'"$RESOURCE"'","project_id":"'"$ENGINE"'","hours_per_week":"24","first_week":"2027-W01","last_week":"2027-W08"}'
post "$G/$PG/assignments" '{"resource_id":"'"$RESOURCE"'","project_id":"'"$PORTAL"'","hours_per_week":"12","first_week":"2027-W05","last_week":"2027-W12"}'
say "a booking beyond the capacity is refused, naming the week"
request POST "$G/$PG/assignments" '{"resource_id":"'"$RESOURCE"'","project_id":"'"$PORTAL"'","hours_per_week":"8","first_week":"2027-W08","last_week":"2027-W09"}'
fields status detail
say "a benefit planned and its realisation reported; the portal needs the engine finished"
post "$G/$PG/benefits" '{"name":"Faster payroll runs","measure":"hours saved per payroll run","unit":"hours","target_value":"6","target_date":"2027-06-30","owner":"cfo"}'
BENEFIT="$(fields id)"
post "$G/$PG/benefits/$BENEFIT/realisations" '{"value":"3"}'
show '{d[benefits][0][name]}: {d[benefits][0][value]} of {d[benefits][0][target_value]} {d[benefits][0][unit]} ({d[benefits][0][realisation_percent]}%)'
post "$G/$PG/dependencies" '{"dependent_project_id":"'"$PORTAL"'","prerequisite_project_id":"'"$ENGINE"'","kind":"finish_to_start"}'
say "program-svc: the program and its resource's bookings"
get "$G/$PG"
python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
print(f"{d['code']} {d['status']} version {d['version']}: {len(d['members'])} members, "
      f"{len(d['assignments'])} assignments, {len(d['dependencies'])} dependency")
for r in d["resources"]:
    booked = ", ".join(f"{b['first_week']}..{b['last_week']} {b['hours_per_week']} h" for b in r["booked"])
    print(f"{r['person']} ({r['weekly_capacity_hours']} h a week) booked {booked}")
PY

say "reporting-svc: the program roll-up (sums first, then SPI = ΣEV/ΣPV and CPI = ΣEV/ΣAC)"
# The read models follow both topics asynchronously: wait (at most 20 s) until the roll-up shows
# both members with their costs and the program's last command (its dependency).
rolled_up() {
  python3 -c '
import json, sys
from decimal import Decimal
d = json.loads(sys.argv[1])
members = d["members"]
known = len(members) == 2 and all(m["known"] and Decimal(m["ac"] or 0) > 0 for m in members)
sys.exit(0 if known and len(d["dependencies"]) == 1 else 1)' "$BODY"
}
ROLLED_UP=
for _ in $(seq 1 400); do
  request GET "$R/programs/$PG"
  if [[ "$CODE" == 200 ]] && rolled_up; then
    ROLLED_UP=1
    break
  fi
  sleep 0.05
done
[[ -n "$ROLLED_UP" ]] || fail "GET $R/programs/$PG did not show both members within 20 s: $CODE $BODY"
python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
names = {m["project_id"]: m["code"] for m in d["members"]}
print(f"program {d['code']} \"{d['name']}\" ({d['status']}, {d['currency']}) as of {d['as_of']}: "
      f"{d['member_count']} members")


def row(*cells):
    print("{:<16} {:>8} {:>11} {:>11} {:>11} {:>11} {:>7} {:>7} {:>11}  {}".format(*cells).rstrip())


row("", "status", "BAC", "PV", "EV", "AC", "SPI", "CPI", "allocation", "")
for m in d["members"]:
    flag = "overspent" if m["overspent"] else ""
    row(m["code"], m["status"], m["bac"], m["pv"], m["ev"], m["ac"], m["spi"], m["cpi"],
        m["allocation"], flag)
row("program", "", d["bac"], d["pv"], d["ev"], d["ac"], d["spi"], d["cpi"],
    d["funds"]["allocated"], "")
h = d["health"]
print(f"SPI {d['spi']} CPI {d['cpi']} (SV {d['sv']}, CV {d['cv']}); health: schedule "
      f"{h['schedule']}, cost {h['cost']}, overall {h['overall']}")
f = d["funds"]
print(f"funds: pool {f['pool']}, allocated {f['allocated']}, unallocated {f['unallocated']}, "
      f"spent {f['spent']}, unfunded {f['unfunded']}, overspent members {f['overspent_members']}")
b = d["benefits"]
print(f"benefits: {b['planned']} planned, {b['reported']} reported, {b['at_target']} at target, "
      f"mean {b['mean_percent']}%")
for x in d["benefit_details"]:
    print(f"  {x['name']}: {x['realised_value']} of {x['target_value']} {x['unit']} by "
          f"{x['target_date']} ({x['realised_percent']}%)")
print(f"dependencies: {d['members_at_risk']} member(s) at risk")
for x in d["dependencies"]:
    why = ", ".join(x["reasons"]) or "-"
    print(f"  {names[x['dependent_project_id']]} needs {names[x['prerequisite_project_id']]} "
          f"({x['kind']}): planned start {x['dependent_planned_start']}, prerequisite forecast "
          f"to finish {x['prerequisite_forecast_finish']}: {x['risk']} ({why})")
PY
get "$R/programs/$PG/utilisation"
python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
for r in d["resources"]:
    print(f"utilisation of {r['label']} ({r['weekly_capacity_hours']} h a week):")
    for w in r["weeks"]:
        over = " overbooked" if w["overbooked"] else ""
        print(f"  {w['week']} {w['assigned_hours']:>5} h  {w['utilisation']}{over}")
PY
HEATMAP=".data/$PROFILE/utilisation.svg"
curl -sf "${HEADERS[@]}" "$R/programs/$PG/utilisation.svg" -o "$HEATMAP" \
  || fail "GET $R/programs/$PG/utilisation.svg failed"
echo "utilisation heatmap: $HEATMAP ($(wc -c <"$HEATMAP") bytes)"
