"""Reads of the live generation's tables. Each report is one round trip: the facts of a
project come back aggregated as JSON (numbers as text, so money stays exact)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_PROJECT_FACTS = """
SELECT p.project_id, p.code, p.name, p.manager, p.currency, p.flagged_large,
  (SELECT s.status FROM project_status s WHERE s.project_id = p.project_id
     AND s.occurred_at < :cutoff ORDER BY s.version DESC LIMIT 1) AS status,
  (SELECT min(s.occurred_at) FROM project_status s WHERE s.project_id = p.project_id
     AND s.status IN ('completed', 'cancelled') AND s.occurred_at < :cutoff) AS ended_at,
  p.actual_finish,
  (SELECT json_build_object('bac', b.budget_at_completion::text, 'start', b.planned_start,
          'finish', b.planned_finish, 'points', b.planned_values)
     FROM baselines b WHERE b.project_id = p.project_id AND b.occurred_at < :cutoff
     ORDER BY b.number DESC LIMIT 1) AS baseline,
  (SELECT coalesce(json_agg(json_build_array(g.as_of, g.percent_complete::text)
          ORDER BY g.version), '[]') FROM progress g
     WHERE g.project_id = p.project_id AND g.occurred_at < :cutoff) AS progress,
  (SELECT coalesce(json_agg(json_build_array(c.incurred_on, c.amount::text)), '[]') FROM costs c
     WHERE c.project_id = p.project_id AND c.occurred_at < :cutoff) AS costs,
  (SELECT coalesce(json_agg(json_build_array(r.probability::text, r.impact::text)), '[]')
     FROM risks r WHERE r.project_id = p.project_id AND r.raised_at < :cutoff
     AND (r.closed_at IS NULL OR r.closed_at >= :cutoff)) AS open_risks,
  (SELECT json_build_object(
          'total', count(*),
          'achieved', count(*) FILTER (WHERE m.achieved_at < :cutoff),
          'due', count(*) FILTER (WHERE (m.achieved_at IS NULL OR m.achieved_at >= :cutoff)
                                  AND m.due_date >= :day),
          'overdue', count(*) FILTER (WHERE (m.achieved_at IS NULL OR m.achieved_at >= :cutoff)
                                      AND m.due_date < :day))
     FROM milestones m WHERE m.project_id = p.project_id AND m.added_at < :cutoff) AS milestones
FROM projects p
WHERE p.tenant_id = :tenant AND p.proposed_at < :cutoff
"""


def cutoff_of(day: date) -> datetime:
    """Facts recorded on `day` count for it: everything before the next day began (UTC)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


async def project_facts(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    as_of: date,
    project_id: UUID | None = None,
    manager: str | None = None,
) -> Sequence[Any]:
    """Every fact of one project (or of the tenant's projects) recorded by the end of `as_of`."""
    sql = _PROJECT_FACTS
    params: dict[str, Any] = {"tenant": tenant_id, "cutoff": cutoff_of(as_of), "day": as_of}
    if project_id is not None:
        sql += " AND p.project_id = :project_id"
        params["project_id"] = project_id
    if manager is not None:
        sql += " AND p.manager = :manager"
        params["manager"] = manager
    return (await conn.execute(text(sql + " ORDER BY p.code"), params)).all()


_OFFICES = """
SELECT o.office_id, o.project_id, p.code, p.name, o.lead, o.reporting_cadence_days,
  o.established_at, o.disbanded_at, o.disband_reason, o.disbanded_automatically,
  (SELECT coalesce(sum(s.change), 0) FROM office_staff s WHERE s.office_id = o.office_id)
     AS staff_count,
  (SELECT count(*) FROM office_staff s WHERE s.office_id = o.office_id) AS staff_events,
  (SELECT coalesce(json_object_agg(k.kind, k.n), '{}') FROM (
     SELECT r.kind, count(*) AS n FROM office_reports r WHERE r.office_id = o.office_id
     GROUP BY r.kind) k) AS reports_by_kind,
  (SELECT json_build_object('report_id', r.report_id, 'kind', r.kind,
          'period_end', r.period_end, 'published_at', r.published_at)
     FROM office_reports r WHERE r.office_id = o.office_id
     ORDER BY r.published_at DESC LIMIT 1) AS last_report,
  (SELECT count(*) FROM office_documents d WHERE d.office_id = o.office_id) AS documents
FROM offices o JOIN projects p ON p.project_id = o.project_id
WHERE o.tenant_id = :tenant
"""


async def offices(
    conn: AsyncConnection, *, tenant_id: str, project_id: UUID | None = None
) -> Sequence[Any]:
    """The tenant's Project Offices (of one project: newest first)."""
    sql = _OFFICES
    params: dict[str, Any] = {"tenant": tenant_id}
    if project_id is not None:
        sql += " AND o.project_id = :project_id"
        params["project_id"] = project_id
    return (await conn.execute(text(sql + " ORDER BY o.established_at DESC"), params)).all()


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
    return (await conn.execute(text(sql), params)).all()


async def lesson_categories(conn: AsyncConnection, *, tenant_id: str) -> dict[str, int]:
    """How many lessons per category."""
    rows = await conn.execute(
        text("SELECT category, count(*) FROM lessons WHERE tenant_id = :t GROUP BY category"),
        {"t": tenant_id},
    )
    return {row[0]: int(row[1]) for row in rows}
