"""Reads of the live generation's tables. Each report is one round trip: the facts of a
project come back aggregated as JSON (numbers as text, so money stays exact).

A report has two time axes (`Cutoff`): business time, the status date `day` (a fact counts
when its business date is on or before it), and record time, `known_at` (a fact counts when it
was recorded by then). A fact without a business date of its own (a v1 lifecycle event, a
v1 risk, a staff change, a published report) takes effect on the day it was recorded, in the
tenant's time zone: `recorded_day` below. A risk's dates are its own since RiskRaised and
RiskClosed v2 (`raised_on`, `closed_on`); a v1 risk's are the days it was recorded on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.statements import statement
from reporting_svc.readmodel.personal import PersonFilter


@dataclass(frozen=True, slots=True)
class Cutoff:
    """Which facts a report counts: business dates up to `day`, recorded up to `known_at`;
    `zone` (IANA name) is the tenant's, in which a recording instant falls on a day."""

    day: date
    known_at: datetime
    zone: str

    def params(self) -> dict[str, Any]:
        """The bind parameters of the cut-off."""
        return {"day": self.day, "known": self.known_at, "zone": self.zone}


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection reading one snapshot of the read models: a read-only REPEATABLE READ
    transaction, so every statement of a report (the tenant's standards, its facts) sees the
    same committed state, whatever the consumer commits meanwhile."""
    async with engine.connect() as conn:
        reading = await conn.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        async with reading.begin():
            yield reading


def recorded_day(column: str) -> str:
    """SQL: the day, in the tenant's zone, on which the instant in `column` fell."""
    return f"(({column}) AT TIME ZONE :zone)::date"


def business_day(date_column: str, recorded_column: str) -> str:
    """SQL: a fact's business date, or the day it was recorded on when it has none."""
    return f"coalesce({date_column}, {recorded_day(recorded_column)})"


_STATUS_ON = business_day("s.effective_on", "s.occurred_at")
_BASELINE_ON = business_day("b.effective_on", "b.occurred_at")
_RAISED_ON = business_day("r.raised_on", "r.raised_at")
_CLOSED_ON = business_day("r.closed_on", "r.closed_at")

# The status at the day: the last change (in stream order) known and in effect by then;
# "proposed" before any. The baseline in force: the latest one effective on or before the day,
# else (before the first takes effect) the first one.
_PROJECT_FACTS = f"""
SELECT p.project_id, p.code, p.name, p.manager, p.currency, p.flagged_large,
  coalesce((SELECT s.status FROM project_status s WHERE s.project_id = p.project_id
     AND s.status <> 'proposed' AND s.occurred_at <= :known AND {_STATUS_ON} <= :day
     ORDER BY s.version DESC LIMIT 1), 'proposed') AS status,
  (SELECT min({_STATUS_ON}) FROM project_status s WHERE s.project_id = p.project_id
     AND s.status IN ('completed', 'cancelled') AND s.occurred_at <= :known) AS ended_on,
  (SELECT json_build_object('number', b.number, 'bac', b.budget_at_completion::text,
          'start', b.planned_start, 'finish', b.planned_finish, 'points', b.planned_values,
          'effective_on', b.effective)
     FROM (SELECT b.*, {_BASELINE_ON} AS effective FROM baselines b
           WHERE b.project_id = p.project_id AND b.occurred_at <= :known) b
     ORDER BY b.effective <= :day DESC,
              CASE WHEN b.effective <= :day THEN b.effective END DESC NULLS LAST,
              CASE WHEN b.effective <= :day THEN b.number ELSE -b.number END DESC
     LIMIT 1) AS baseline,
  (SELECT coalesce(json_agg(json_build_array(g.as_of, g.percent_complete::text)
          ORDER BY g.version), '[]') FROM progress g
     WHERE g.project_id = p.project_id AND g.occurred_at <= :known AND g.as_of <= :day)
     AS progress,
  (SELECT coalesce(json_agg(json_build_array(c.incurred_on, c.amount::text)), '[]') FROM costs c
     WHERE c.project_id = p.project_id AND c.occurred_at <= :known AND c.incurred_on <= :day)
     AS costs,
  (SELECT coalesce(json_agg(json_build_array(r.probability::text, r.impact::text)), '[]')
     FROM risks r WHERE r.project_id = p.project_id
     AND r.raised_at <= :known AND {_RAISED_ON} <= :day
     AND NOT coalesce(r.closed_at <= :known AND {_CLOSED_ON} <= :day, false)) AS open_risks,
  (SELECT json_build_object(
          'total', count(*),
          'achieved', count(*) FILTER (WHERE m.achieved),
          'due', count(*) FILTER (WHERE NOT m.achieved AND m.due_date >= :day),
          'overdue', count(*) FILTER (WHERE NOT m.achieved AND m.due_date < :day))
     FROM (SELECT m.due_date,
                  coalesce(m.achieved_at <= :known AND m.achieved_on <= :day, false) AS achieved
           FROM milestones m WHERE m.project_id = p.project_id AND m.added_at <= :known
             AND {recorded_day("m.added_at")} <= :day) m)
     AS milestones
FROM projects p
WHERE p.tenant_id = :tenant AND p.proposed_at <= :known
"""  # noqa: S608 - built from the constant fragments above, never from input


async def project_facts(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    cutoff: Cutoff,
    project_id: UUID | None = None,
    project_ids: Collection[UUID] | None = None,
    manager: PersonFilter | None = None,
) -> Sequence[Any]:
    """Every fact of one project (or of the tenant's projects, of those among `project_ids`,
    or those `manager` manages) as of the cut-off: recorded by `known_at`, in effect by `day`.
    A project known by then is always there, whatever the day (with no figures before its
    first dated fact). `manager` comes back as stored: sealed (or a plain value from before
    sealing)."""
    sql = _PROJECT_FACTS
    params: dict[str, Any] = {"tenant": tenant_id, **cutoff.params()}
    if project_id is not None:
        sql += " AND p.project_id = :project_id"
        params["project_id"] = project_id
    if project_ids is not None:
        sql += " AND p.project_id = ANY(CAST(:project_ids AS uuid[]))"
        params["project_ids"] = sorted(project_ids)
    if manager is not None:
        condition, person = manager.sql("p.manager", "p.manager_ref", prefix="manager")
        sql += f" AND {condition}"
        params.update(person)
    return (await conn.execute(statement(sql + " ORDER BY p.code"), params)).all()


_ESTABLISHED_ON = business_day("o.established_on", "o.established_at")
_DISBANDED_ON = business_day("o.disbanded_on", "o.disbanded_at")
_DISBANDED = f"coalesce(o.disbanded_at <= :known AND {_DISBANDED_ON} <= :day, false)"

_OFFICES_WHERE = (
    "FROM offices o JOIN projects p ON p.project_id = o.project_id\n"
    f"WHERE o.tenant_id = :tenant AND o.established_at <= :known AND {_ESTABLISHED_ON} <= :day"
)

# An office counts from the day it was established; its staff changes, reports and documents
# from the day each was recorded.
_OFFICES = f"""
SELECT o.office_id, o.project_id, p.code, p.name, o.lead, o.reporting_cadence_days,
  o.established_at, {_ESTABLISHED_ON} AS established_on,
  CASE WHEN {_DISBANDED} THEN o.disbanded_at END AS disbanded_at,
  CASE WHEN {_DISBANDED} THEN {_DISBANDED_ON} END AS disbanded_on,
  CASE WHEN {_DISBANDED} THEN o.disband_reason END AS disband_reason,
  CASE WHEN {_DISBANDED} THEN o.disbanded_automatically END AS disbanded_automatically,
  (SELECT coalesce(sum(s.change), 0) FROM office_staff s WHERE s.office_id = o.office_id
     AND s.occurred_at <= :known AND {recorded_day("s.occurred_at")} <= :day) AS staff_count,
  (SELECT count(*) FROM office_staff s WHERE s.office_id = o.office_id
     AND s.occurred_at <= :known AND {recorded_day("s.occurred_at")} <= :day) AS staff_events,
  (SELECT coalesce(json_object_agg(k.kind, k.n), '{{}}') FROM (
     SELECT r.kind, count(*) AS n FROM office_reports r WHERE r.office_id = o.office_id
     AND r.published_at <= :known AND {recorded_day("r.published_at")} <= :day
     GROUP BY r.kind) k) AS reports_by_kind,
  (SELECT json_build_object('report_id', r.report_id, 'kind', r.kind,
          'period_end', r.period_end, 'published_at', r.published_at,
          'published_on', {recorded_day("r.published_at")})
     FROM office_reports r WHERE r.office_id = o.office_id
     AND r.published_at <= :known AND {recorded_day("r.published_at")} <= :day
     ORDER BY r.published_at DESC LIMIT 1) AS last_report,
  (SELECT count(*) FROM office_documents d WHERE d.office_id = o.office_id
     AND d.filed_at <= :known AND {recorded_day("d.filed_at")} <= :day) AS documents
{_OFFICES_WHERE}
"""  # noqa: S608 - built from the constant fragments above, never from input


async def offices(
    conn: AsyncConnection, *, tenant_id: str, cutoff: Cutoff, project_id: UUID | None = None
) -> Sequence[Any]:
    """The tenant's Project Offices established by the cut-off, as they were then (of one
    project: newest first); `lead` as stored (sealed)."""
    sql = _OFFICES
    params: dict[str, Any] = {"tenant": tenant_id, **cutoff.params()}
    if project_id is not None:
        sql += " AND o.project_id = :project_id"
        params["project_id"] = project_id
    return (await conn.execute(statement(sql + " ORDER BY o.established_at DESC"), params)).all()


_LIVE_OFFICES = f"SELECT count(*) {_OFFICES_WHERE} AND NOT {_DISBANDED}"


async def live_offices(conn: AsyncConnection, *, tenant_id: str, cutoff: Cutoff) -> int:
    """How many of the tenant's Project Offices `offices` gives as not disbanded at the
    cut-off: counted by PostgreSQL, without the offices' staff, reports and documents."""
    params = {"tenant": tenant_id, **cutoff.params()}
    return int((await conn.execute(statement(_LIVE_OFFICES), params)).scalar_one())


async def lessons(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    query: str | None,
    category: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Sequence[Any]:
    """Lessons learned, newest first, matching a web-style full-text query."""
    sql = (
        "SELECT l.lesson_id, l.category, l.what_happened, l.recommendation, l.occurred_at,"
        " l.project_id, p.code, p.name FROM lessons l JOIN projects p USING (project_id)"
        " WHERE l.tenant_id = :tenant"
    )
    params: dict[str, Any] = {"tenant": tenant_id, "limit": limit}
    if query:
        sql += " AND l.search @@ websearch_to_tsquery('english', :q)"
        params["q"] = query
    if category:
        sql += " AND l.category = :category"
        params["category"] = category
    if after is not None:
        sql += " AND (l.occurred_at, l.lesson_id) < (:after_at, :after_id)"
        params["after_at"], params["after_id"] = after
    sql += " ORDER BY l.occurred_at DESC, l.lesson_id DESC LIMIT :limit"
    return (await conn.execute(statement(sql), params)).all()


async def lesson_categories(conn: AsyncConnection, *, tenant_id: str) -> dict[str, int]:
    """How many lessons per category."""
    rows = await conn.execute(
        text("SELECT category, count(*) FROM lessons WHERE tenant_id = :t GROUP BY category"),
        {"t": tenant_id},
    )
    return {row[0]: int(row[1]) for row in rows}


# --- the closure scorecard ------------------------------------------------------------------

_CLOSED_AS = "('completed', 'cancelled')"

# A project's facts for its scorecard, as known at `known` and in effect by `day`: the status
# then; its closing (the first completion or cancellation in effect by then: its status and
# business date, the actual finish or the cancellation's effective date); its actual start (the
# first day it was active); every baseline recorded (the domain picks those in force on the
# evaluation date); progress and costs dated by the day; every milestone and risk recorded (a
# milestone has no day it was added on; an achievement, a closing counts when recorded); the
# lessons recorded for it by the day; the programs it was a member of (its memberships, each
# with the day it ended when known to have: the domain picks those on the evaluation date).
_SCORECARD_FACTS = f"""
SELECT p.project_id, p.code, p.name, p.currency, p.methodology,
  coalesce((SELECT s.status FROM project_status s WHERE s.project_id = p.project_id
     AND s.status <> 'proposed' AND s.occurred_at <= :known AND {_STATUS_ON} <= :day
     ORDER BY s.version DESC LIMIT 1), 'proposed') AS status,
  (SELECT json_build_array(s.status, {_STATUS_ON}) FROM project_status s
     WHERE s.project_id = p.project_id AND s.status IN {_CLOSED_AS}
     AND s.occurred_at <= :known AND {_STATUS_ON} <= :day
     ORDER BY s.version LIMIT 1) AS closing,
  (SELECT min({_STATUS_ON}) FROM project_status s WHERE s.project_id = p.project_id
     AND s.status = 'active' AND s.occurred_at <= :known AND {_STATUS_ON} <= :day)
     AS actual_start,
  (SELECT coalesce(json_agg(json_build_object('number', b.number,
          'bac', b.budget_at_completion::text, 'start', b.planned_start,
          'finish', b.planned_finish, 'points', b.planned_values, 'effective_on', {_BASELINE_ON})
          ORDER BY b.number), '[]')
     FROM baselines b WHERE b.project_id = p.project_id AND b.occurred_at <= :known)
     AS baselines,
  (SELECT coalesce(json_agg(json_build_array(g.as_of, g.percent_complete::text)
          ORDER BY g.version), '[]') FROM progress g
     WHERE g.project_id = p.project_id AND g.occurred_at <= :known AND g.as_of <= :day)
     AS progress,
  (SELECT coalesce(json_agg(json_build_array(c.incurred_on, c.amount::text)), '[]') FROM costs c
     WHERE c.project_id = p.project_id AND c.occurred_at <= :known AND c.incurred_on <= :day)
     AS costs,
  (SELECT coalesce(json_agg(json_build_array(m.due_date,
          CASE WHEN m.achieved_at <= :known THEN m.achieved_on END)
          ORDER BY m.due_date, m.milestone_id), '[]')
     FROM milestones m WHERE m.project_id = p.project_id AND m.added_at <= :known)
     AS milestones,
  (SELECT coalesce(json_agg(json_build_array({_RAISED_ON},
          CASE WHEN r.closed_at <= :known THEN {_CLOSED_ON} END,
          CASE WHEN r.closed_at <= :known THEN coalesce(r.outcome, 'unrecorded') END)
          ORDER BY r.raised_at, r.risk_id), '[]')
     FROM risks r WHERE r.project_id = p.project_id AND r.raised_at <= :known) AS risks,
  (SELECT count(*) FROM lessons l WHERE l.project_id = p.project_id
     AND l.occurred_at <= :known AND {recorded_day("l.occurred_at")} <= :day) AS lessons,
  (SELECT coalesce(json_agg(json_build_array(m.program_id, m.joined_on,
          CASE WHEN m.left_at <= :known THEN m.left_on END)
          ORDER BY m.joined_on, m.program_id), '[]')
     FROM program_members m WHERE m.project_id = p.project_id AND m.joined_at <= :known)
     AS memberships
FROM projects p
WHERE p.tenant_id = :tenant AND p.proposed_at <= :known
"""  # noqa: S608 - built from the constant fragments above, never from input


async def scorecard_facts(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    cutoff: Cutoff,
    project_id: UUID | None = None,
    closed: bool | None = None,
    after: tuple[str, UUID] | None = None,
    limit: int | None = None,
) -> Sequence[Any]:
    """The scorecard facts of one project (or of the tenant's projects: only those closed by
    the day, or only those not, when `closed` says; by code, after the `(code, id)` of `after`,
    at most `limit`) as of the cut-off. A project known by then is always there."""
    sql = f"SELECT * FROM ({_SCORECARD_FACTS}) f WHERE true"  # noqa: S608 - constant
    params: dict[str, Any] = {"tenant": tenant_id, **cutoff.params()}
    if project_id is not None:
        sql += " AND f.project_id = :project_id"
        params["project_id"] = project_id
    if closed is not None:
        sql += " AND f.closing IS NOT NULL" if closed else " AND f.closing IS NULL"
    if after is not None:
        sql += " AND (f.code, f.project_id) > (:after_code, :after_id)"
        params["after_code"], params["after_id"] = after
    sql += " ORDER BY f.code, f.project_id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return (await conn.execute(statement(sql), params)).all()
