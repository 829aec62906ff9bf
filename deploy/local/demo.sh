#!/usr/bin/env bash
# One full project life with its Project Office, driven by curl against a running stack
# (`make up` first): project-svc commands, then what reporting-svc made of them.
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

# Loads the stack's addresses and secret; stops unless project-svc and reporting-svc are ready.
require_running_stack() {
  [[ -f "$ENV_FILE" ]] || not_running "no $ENV_FILE"
  # shellcheck source=/dev/null
  source "$ENV_FILE"
  local url code
  for url in "$PROJECT_URL" "$REPORTING_URL"; do
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

say() { printf '\n$ %s\n' "$1"; }

require_running_stack
TOKEN="$("$VENV/bin/pmo-dev-token" --tenant demo --roles pmo --sub dev-user)"
HEADERS=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
P="$PROJECT_URL/v1/projects"
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
HEADERS=(-H "Authorization: Bearer $SPONSOR" -H "Content-Type: application/json")
post "$P/$ID/approve"
HEADERS=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
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
