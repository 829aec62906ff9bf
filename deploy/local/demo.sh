#!/usr/bin/env bash
# One full project life with its Project Office, then a program of two projects sharing one
# resource and one funding pool, then the PMO's standards and a portfolio that scores, selects
# and decides, driven by curl against a running stack (`make up` first): project-svc,
# program-svc and portfolio-svc commands, then what reporting-svc made of them.
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

# Loads the stack's addresses and secret; stops unless project-svc, program-svc, portfolio-svc
# and reporting-svc are ready.
require_running_stack() {
  [[ -f "$ENV_FILE" ]] || not_running "no $ENV_FILE"
  # shellcheck source=/dev/null
  source "$ENV_FILE"
  local name url code
  for name in PROJECT_URL PROGRAM_URL PORTFOLIO_URL REPORTING_URL; do
    [[ -n "${!name:-}" ]] || not_running "no $name in $ENV_FILE"
  done
  for url in "$PROJECT_URL" "$PROGRAM_URL" "$PORTFOLIO_URL" "$REPORTING_URL"; do
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
F="$PORTFOLIO_URL/v1/portfolios"
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

# ---- the PMO's standards and a portfolio ----------------------------------------------------

# `put URL BODY`: a PUT command that must succeed.
put() {
  request PUT "$1" "$2"
  [[ "$CODE" == 2* ]] || fail "PUT $1 answered $CODE: $BODY"
}

# `until_known METHOD URL BODY`: a command another service's events must reach first (a
# component portfolio-svc learns from program-svc's or project-svc's topic; a project approval
# that waits for portfolio-svc's decision to reach project-svc). Retried on the answer that says
# so for at most 10 s; any other refusal stops the demo.
until_known() {
  local method="$1" url="$2" body="$3" waiting="$4"
  for _ in $(seq 1 200); do
    request "$method" "$url" "$body"
    [[ "$CODE" == 2* ]] && return
    [[ "$BODY" == *"$waiting"* ]] || fail "$method $url answered $CODE: $BODY"
    sleep 0.05
  done
  fail "$method $url still answered $CODE after 10 s: $BODY"
}

say "the PMO sets its standards: health bands, thresholds per currency, the office cadence, gates"
as_user "$TOKEN"
put "$PORTFOLIO_URL/v1/pmo/standards" '{"spi":{"green":"0.95","amber":"0.80"},"cpi":{"green":"0.95","amber":"0.85"},"large_project_threshold":{"EUR":"1000000"},"portfolio_approval_threshold":{"EUR":"2000000"},"reporting_cadence_days":14,"required_gates":["rebaseline_active_needs_pmo"],"size_classes":{"EUR":[{"name":"S","up_to":"250000"},{"name":"M","up_to":"1000000"},{"name":"L"}]},"time_zone":"Europe/Berlin"}'
show 'in force from {d[effective_on]}: SPI green {d[spi][green]} amber {d[spi][amber]}, large from {d[large_project_threshold][EUR]} EUR, portfolio approval from {d[portfolio_approval_threshold][EUR]} EUR'

say "two candidate projects: a CRM (BAC 2.5 M: above the approval threshold) and a data warehouse"
post "$P" '{"code":"CRM-'"$CODE_SUFFIX"'","name":"Customer platform","description":"Replace the sales CRM: customer accounts, quotes, the e-mail integration, and a migration of the legacy customer records","manager":"dev-user","sponsor":"cfo","methodology":"agile","currency":"EUR"}'
CRM="$(fields project_id)"
post "$P/$CRM/baseline" '{"budget_at_completion":"2500000","planned_start":"2027-01-04","planned_finish":"2027-12-17"}'
show 'CRM large: {d[large]} (BAC {d[baseline][budget_at_completion]}, not flagged)'
post "$P" '{"code":"DWH-'"$CODE_SUFFIX"'","name":"Data warehouse","manager":"dev-user","sponsor":"cfo","methodology":"waterfall","currency":"EUR"}'
DWH="$(fields project_id)"
post "$P/$DWH/baseline" '{"budget_at_completion":"1500000","planned_start":"2027-02-01","planned_finish":"2027-10-29"}'
say "the sponsor may not approve the CRM yet: it needs the portfolio's decision"
as_user "$SPONSOR"
request POST "$P/$CRM/approve"
fields status detail

say "a portfolio (as its portfolio manager): objectives weighted by AHP"
PFM="$("$VENV/bin/pmo-dev-token" --tenant demo --roles portfolio_manager --sub pf-omar)"
as_user "$PFM"
post "$F" '{"code":"GROWTH-'"$CODE_SUFFIX"'","name":"Growth portfolio","manager":"pf-omar","currency":"EUR"}'
PF="$(fields portfolio_id)"
put "$F/$PF/weights/ahp" '{"objectives":["growth","efficiency","compliance"],"matrix":[["1","3","5"],["1/3","1","3"],["1/5","1/3","1"]]}'
python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
w = d["weights"][-1]
print("weights " + ", ".join(f"{k} {v}" for k, v in w["weights"].items()) + f" (AHP, CR {w['cr']})")
PY
say "an inconsistent matrix is refused, stating its consistency ratio"
request PUT "$F/$PF/weights/ahp" '{"objectives":["growth","efficiency","compliance"],"matrix":[["1","9","1/9"],["1/9","1","9"],["9","1/9","1"]]}'
fields status detail

say "components (once portfolio-svc knows them): the payroll program and both candidates"
until_known POST "$F/$PF/components" '{"component_id":"'"$PG"'","kind":"program","demand":{"architect":"1"},"risk_score":"0.3"}' "events may still be arriving"
until_known POST "$F/$PF/components" '{"component_id":"'"$CRM"'","kind":"project","demand":{"architect":"2"},"risk_score":"0.6"}' "events may still be arriving"
until_known POST "$F/$PF/components" '{"component_id":"'"$DWH"'","kind":"project","demand":{"architect":"2"},"risk_score":"0.4"}' "events may still be arriving"
score() {
  put "$F/$PF/components/$1/scores/$2" '{"score":"'"$3"'","rationale":"'"$4"'"}'
}
score "$PG" growth 2 "Keeps payroll running"
score "$PG" efficiency 4 "Hours saved per run"
score "$PG" compliance 5 "Tax rules"
score "$CRM" growth 5 "New customer channels"
score "$CRM" efficiency 3 "One customer view"
score "$CRM" compliance 2 "Consent records"
score "$DWH" growth 3 "Better pricing"
score "$DWH" efficiency 4 "Reports without spreadsheets"
score "$DWH" compliance 3 "Audit trails"
put "$F/$PF/budget" '{"amount":"6000000"}'
put "$F/$PF/capacities/architect" '{"amount":"3"}'

say "the ranking: value = sum of weight x score, every term shown"
get "$F/$PF/ranking"
python3 - "$BODY" "$PG:program" "$CRM:CRM" "$DWH:DWH" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
names = dict(a.split(":") for a in sys.argv[2:])
for r in d["items"]:
    terms = " + ".join(f"{t['weight']} x {t['score']}" for t in r["terms"])
    print(f"{r['rank']}. {names[r['component_id']]:<8} value {r['value']} = {terms}")
PY
say "the exact selection under budget 6,000,000 and 3 architects (HiGHS), with the reasons"
get "$F/$PF/selection"
python3 - "$BODY" "$PG:program" "$CRM:CRM" "$DWH:DWH" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
names = dict(a.split(":") for a in sys.argv[2:])
print("selected " + ", ".join(sorted(names[c] for c in d["selected"])) + f": value {d['value']}, cost {d['cost']}")
for r in sorted(d["reasons"], key=lambda r: names[r["component_id"]]):
    print(f"  {names[r['component_id']]}: {r['kind']}" + (f" ({r['role']})" if r["role"] else ""))
for s in d["slacks"]:
    print(f"  {s['constraint']}{' ' + s['role'] if s['role'] else ''}: used {s['used']} of {s['limit']}, slack {s['slack']}")
PY
say "a scenario with 5 architects, compared with the baseline"
put "$F/$PF/scenarios/more-architects" '{"capacities":{"architect":"5"}}'
get "$F/$PF/scenarios/more-architects/comparison"
python3 - "$BODY" "$PG:program" "$CRM:CRM" "$DWH:DWH" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
names = dict(a.split(":") for a in sys.argv[2:])
listed = lambda ids: ", ".join(sorted(names[i] for i in ids)) or "-"
b, w = d["baseline"], d["with_scenario"]
print(f"baseline {listed(b['selected'])}: value {b['value']}, cost {b['cost']}")
print(f"with the scenario {listed(w['selected'])}: value {w['value']}, cost {w['cost']}")
print(f"delta value {d['value_delta']}, delta cost {d['cost_delta']}; in: {listed(d['selected_in'])}; out: {listed(d['selected_out'])}")
PY
say "adopt the baseline selection (with its frontier), then decide: fund the program and the CRM, defer the warehouse"
post "$F/$PF/selection/adoption" '{"points":11}'
post "$F/$PF/decisions" '{"component_id":"'"$PG"'","decision":"approve","rationale":"Selected: payroll must run"}'
post "$F/$PF/decisions" '{"component_id":"'"$CRM"'","decision":"approve","rationale":"Selected: highest value"}'
post "$F/$PF/decisions" '{"component_id":"'"$DWH"'","decision":"defer","rationale":"Architects are fully booked"}'
FRONTIER=".data/$PROFILE/frontier.svg"
curl -sf "${HEADERS[@]}" "$F/$PF/frontier.svg?points=11" -o "$FRONTIER" \
  || fail "GET $F/$PF/frontier.svg failed"
echo "efficient frontier: $FRONTIER ($(wc -c <"$FRONTIER") bytes)"

say "project-svc follows the decision (from portfolio-svc's events): the sponsor approves the CRM"
as_user "$SPONSOR"
until_known POST "$P/$CRM/approve" "" "portfolio-decision-required"
fields status

say "reporting-svc: the portfolio roll-up (the program through its members, the projects directly)"
# Wait (at most 20 s) until the roll-up shows the three decisions and the adopted selection.
for _ in $(seq 1 400); do
  request GET "$R/portfolios/$PF"
  [[ "$CODE" == 200 ]] && python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d["selection"] and sum(d["decisions"].values()) == 3 else 1)' "$BODY" && break
  sleep 0.05
done
[[ "$CODE" == 200 ]] || fail "GET $R/portfolios/$PF answered $CODE: $BODY"
python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
print(f"portfolio {d['code']} \"{d['name']}\" ({d['currency']}) as of {d['as_of']}: "
      f"{d['component_count']} components, budget {d['budget']}")
for c in sorted(d["components"], key=lambda c: c["code"]):
    value = c["value"]["value"]
    status = c["decision"]["status"] if c["decision"] else "undecided"
    f = c["figures"] or {}
    print(f"  {c['code']:<18} {c['kind']:<8} cost {c['cost']:>11}  value {value:<9} risk "
          f"{c['risk_score']:<4} {status:<9} SPI {f.get('spi') or '-':<7} CPI {f.get('cpi') or '-'}")
print(f"ΣBAC {d['bac']} ΣPV {d['pv']} ΣEV {d['ev']} ΣAC {d['ac']}: SPI {d['spi']} CPI {d['cpi']}; "
      f"health {d['health']['overall']}; distribution " + ", ".join(
          f"{k} {v}" for k, v in d["health_distribution"].items()))
print("decisions: " + ", ".join(f"{k} {v}" for k, v in d["decisions"].items() if v))
s = d["selection"]
print(f"adopted selection on {s['adopted_on']}: value {s['value']}, cost {s['cost']} "
      f"of budget {s['budget']}")
for o in d["coverage"]:
    print(f"  {o['objective']:<11} weight {o['weight']:<9} share {o['share']:>11} funded "
          f"{o['funded']:>11} coverage {o['coverage']}")
PY
for chart in bubble frontier; do
  FILE=".data/$PROFILE/portfolio-$chart.svg"
  curl -sf "${HEADERS[@]}" "$R/portfolios/$PF/$chart.svg" -o "$FILE" \
    || fail "GET $R/portfolios/$PF/$chart.svg failed"
  echo "portfolio $chart chart: $FILE ($(wc -c <"$FILE") bytes)"
done

# ---- the PMO learns from finished projects --------------------------------------------------

as_user "$TOKEN"
say "history from a spreadsheet: pmoctl import (back-dated, through project-svc's commands; a re-run sends nothing)"
# The importer mints a proposer's and an approver's token from the stack's JWT secret (loaded
# from the env file above); it prints a progress bar per project, then a summary.
JWT_SECRET="$JWT_SECRET" "$VENV/bin/pmoctl" import deploy/local/history-sample.csv \
  --tenant demo --url "$PROJECT_URL" | tail -n 1 || fail "pmoctl import failed"

say "reporting-svc: closure scorecards of the finished projects"
# Wait (at most 20 s) until reporting knows the 15 imported projects as closed.
HISTORY='("-2019", "-2020", "-2021", "-2022", "-2023", "-2024", "-2025")'
for _ in $(seq 1 400); do
  request GET "$R/pmo/scorecards?status=closed&limit=200"
  [[ "$CODE" == 200 ]] && python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if sum(1 for s in d["items"] if s["code"].endswith('"$HISTORY"')) >= 15 else 1)' "$BODY" && break
  sleep 0.05
done
[[ "$CODE" == 200 ]] || fail "GET $R/pmo/scorecards answered $CODE: $BODY"
python3 - "$BODY" "$HISTORY" <<'PY'
import ast, json, sys
d = json.loads(sys.argv[1])
history = ast.literal_eval(sys.argv[2])
row = "{:<10} {:<10} {:<9} {:>6} {:>6} {:>9} {:>6} {:>4} {:>9} {:>7}".format
print(row("", "closed on", "as", "SPI", "CPI", "cost var", "slip", "rebl", "risks r/m", "lessons"))
for s in sorted(d["items"], key=lambda s: s["code"]):
    if not s["code"].endswith(history):
        continue
    p, c, t, r = s["performance"], s["cost"], s["schedule"], s["risks"]
    print(row(s["code"], s["closed_on"], s["closed_as"], p["spi"] or "-", p["cpi"] or "-",
              f"{c['variance_pct_vs_first']}%", f"{t['slip_days_vs_first']}d", s["rebaselines"],
              f"{r['raised']}/{r['materialised']}", s["lessons"]))
PY

say "PMO benchmarks by methodology (cost overrun and slip against the first baseline)"
get "$R/pmo/benchmarks?group_by=methodology"
python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
print(f"{d['closed_count']} closed projects; percentiles: {d['percentile_method']}")
row = "{:<10} {:>3} {:>12} {:>12} {:>9} {:>9} {:>10}".format
print(row("", "n", "overrun p50", "overrun p80", "slip p50", "slip p80", "cancelled"))
for g in d["groups"]:
    c, o, s = g["completed"], g["completed"]["cost_overrun_pct"], g["completed"]["schedule_slip_days"]
    mark = "  (below the minimum group size)" if g["below_minimum"] else ""
    print(row(g["label"], c["count"], f"{o['median']}%", f"{o['p80']}%", f"{s['median']}d",
              f"{s['p80']}d", g["cancelled"]["count"]) + mark)
PY
BOXPLOT=".data/$PROFILE/benchmarks.svg"
curl -sf "${HEADERS[@]}" "$R/pmo/benchmarks.svg?group_by=methodology" -o "$BOXPLOT" \
  || fail "GET $R/pmo/benchmarks.svg failed"
echo "box plot: $BOXPLOT ($(wc -c <"$BOXPLOT") bytes)"

say "a reference-class forecast for the CRM from the organisation's own history, beside EVM"
get "$R/projects/$CRM/forecast"
python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
c, f, e = d["reference_class"], d["reference_class_forecast"], d["evm_forecast"]
used = f"{c['methodology']} projects of size class {c['size_class']}"
if c["fallback"]:
    used = (f"size class {c['size_class']} alone (fewer than {c['minimum']} {c['methodology']} "
            f"{c['size_class']} projects)")
small = f", below the minimum of {c['minimum']}" if c["below_minimum"] else ""
print(f"reference class: {used}: {c['size']} closed projects{small}")
if f:
    print(f"cost at completion: P50 {f['cost_at_completion_p50']}, P80 {f['cost_at_completion_p80']} "
          f"(x{f['cost_ratio_p50']} / x{f['cost_ratio_p80']} of BAC {d['first_bac']}); "
          f"EVM EAC {e['eac'] or '- (no CPI yet)'}")
    print(f"finish: P50 {f['finish_p50']}, P80 {f['finish_p80']}; planned {e['planned_finish']}; "
          f"EVM {e['finish'] or '- (no SPI yet)'}")
else:
    print(f"no forecast: {d['reason']}")
PY

say "lessons of finished projects suggested for the CRM, with the reasons; the PMO marks the first useful"
get "$R/projects/$CRM/suggested-lessons?limit=3"
LESSON="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["items"][0]["lesson_id"])' "$BODY")"
suggestions() {
  python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
for i, x in enumerate(d["items"], 1):
    print(f"{i}. {x['project']['code']} ({x['category']}) score {x['score']}: {x['reason']}")
    print(f"   {x['recommendation']}")
PY
}
suggestions
post "$PORTFOLIO_URL/v1/pmo/lesson-verdicts" '{"project_id":"'"$CRM"'","lesson_id":"'"$LESSON"'","useful":true,"note":"Plan the de-duplication"}'
for _ in $(seq 1 400); do
  request GET "$R/projects/$CRM/suggested-lessons?limit=3"
  [[ "$CODE" == 200 && "$BODY" == *'"useful":true'* ]] && break
  sleep 0.05
done
suggestions
