"""Reads of the program tables of the live generation, at a `Cutoff` (business dates up to its
day, recorded by its instant), like `queries`: one round trip per read, facts aggregated as
JSON (numbers as text, so money stays exact). The folding (the pool at the day, allocations,
assignments in force, risk) is the domain's; here only what was known and in effect.

A membership counts from the day it began (`joined_on`) to the day before it ended
(`left_on`), as known then: a removal recorded after `known_at`, or dated after the day, has
not ended it yet. A dependency counts from the day it was added until the day it was removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.statements import statement
from reporting_svc.readmodel.queries import Cutoff

_KNOWN = "occurred_at <= :known"
_LEFT = "coalesce(m.left_at <= :known AND m.left_on <= :day, false)"

MEMBERS = f"""
  (SELECT coalesce(json_agg(json_build_object('project_id', m.project_id,
          'joined_version', m.joined_version, 'joined_on', m.joined_on)
          ORDER BY m.joined_version), '[]')
     FROM program_members m WHERE m.program_id = g.program_id
     AND m.joined_at <= :known AND m.joined_on <= :day AND NOT {_LEFT}) AS members"""  # noqa: S608

# The latest status change (in stream order) known and in effect by the day; "proposed" before.
_PROGRAM = f"""
SELECT g.program_id, g.code, g.name, g.area, g.manager, g.sponsor, g.currency, g.proposed_on,
  coalesce((SELECT s.status FROM program_status s WHERE s.program_id = g.program_id
     AND s.{_KNOWN} AND s.effective_on <= :day ORDER BY s.version DESC LIMIT 1), 'proposed')
     AS status,
  {MEMBERS},
  (SELECT coalesce(json_agg(json_build_array(p.effective_on, p.version, p.change,
          p.amount::text) ORDER BY p.version), '[]')
     FROM program_pool p WHERE p.program_id = g.program_id
     AND p.{_KNOWN} AND p.effective_on <= :day) AS pool,
  (SELECT coalesce(json_agg(json_build_array(a.project_id, a.version, a.amount::text)
          ORDER BY a.version, a.leg), '[]')
     FROM program_allocations a WHERE a.program_id = g.program_id
     AND a.{_KNOWN} AND a.effective_on <= :day) AS allocations,
  (SELECT coalesce(json_agg(json_build_object('benefit_id', b.benefit_id, 'name', b.name,
          'measure', b.measure, 'unit', b.unit, 'target', b.target_value::text,
          'target_date', b.target_date, 'owner', b.owner,
          'realised', r.value::text, 'realised_as_of', r.as_of)
          ORDER BY b.target_date, b.name, b.benefit_id), '[]')
     FROM program_benefits b
     LEFT JOIN LATERAL (SELECT x.value, x.as_of FROM program_benefit_reports x
          WHERE x.benefit_id = b.benefit_id AND x.program_id = b.program_id
          AND x.{_KNOWN} AND x.as_of <= :day
          ORDER BY x.as_of DESC, x.version DESC LIMIT 1) r ON true
     WHERE b.program_id = g.program_id AND b.{_KNOWN} AND b.effective_on <= :day)
     AS benefits,
  (SELECT coalesce(json_agg(json_build_object('dependency_id', d.dependency_id,
          'dependent', d.dependent_project_id, 'prerequisite', d.prerequisite_project_id,
          'kind', d.kind, 'deliverable', d.deliverable, 'added_on', d.added_on)
          ORDER BY d.added_on, d.dependency_id), '[]')
     FROM program_dependencies d WHERE d.program_id = g.program_id
     AND d.added_at <= :known AND d.added_on <= :day
     AND NOT coalesce(d.removed_at <= :known AND d.removed_on <= :day, false)) AS dependencies
FROM programs g
WHERE g.tenant_id = :tenant AND g.proposed_at <= :known
"""  # noqa: S608 - built from the constant fragments above, never from input


async def program_facts(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    cutoff: Cutoff,
    program_id: UUID | None = None,
    after: tuple[str, UUID] | None = None,
    limit: int | None = None,
) -> Sequence[Any]:
    """The facts of one program (or of the tenant's programs, by code, after the `(code, id)`
    of `after`, at most `limit`) as of the cut-off. A program known by then is always there,
    whatever the day; `manager`, `sponsor` and benefit owners as stored (sealed)."""
    sql = _PROGRAM
    params: dict[str, Any] = {"tenant": tenant_id, "day": cutoff.day, "known": cutoff.known_at}
    if program_id is not None:
        sql += " AND g.program_id = :program_id"
        params["program_id"] = program_id
    if after is not None:
        sql += " AND (g.code, g.program_id) > (:after_code, :after_id)"
        params["after_code"], params["after_id"] = after
    sql += " ORDER BY g.code, g.program_id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return (await conn.execute(statement(sql), params)).all()


_RESOURCES = """
SELECT r.resource_id, r.kind, r.person, r.role, r.weekly_capacity_hours::text AS capacity
FROM program_resources r
WHERE r.program_id = :program_id AND r.occurred_at <= :known AND r.effective_on <= :day
ORDER BY r.version, r.resource_id
"""

# Each assignment made by the day, with its changes (hours, an early end, a release) in force
# by then, in stream order.
_ASSIGNMENTS = f"""
SELECT a.assignment_id, a.version, a.resource_id, a.project_id,
  a.hours_per_week::text AS hours, a.first_week, a.last_week,
  (SELECT coalesce(json_agg(json_build_array(c.version, c.change, c.hours_per_week::text,
          c.last_week) ORDER BY c.version), '[]')
     FROM program_assignment_changes c WHERE c.assignment_id = a.assignment_id
     AND c.program_id = a.program_id AND c.{_KNOWN} AND c.effective_on <= :day) AS changes
FROM program_assignments a
WHERE a.program_id = :program_id AND a.{_KNOWN} AND a.effective_on <= :day
ORDER BY a.version
"""  # noqa: S608 - built from the constant fragments above, never from input


# Every membership begun by the day, with its end when it had ended by then (an assignment of a
# member ends with the week its membership did).
_MEMBERSHIPS = f"""
SELECT m.project_id, m.joined_version, m.joined_on,
  CASE WHEN {_LEFT} THEN m.left_version END AS left_version,
  CASE WHEN {_LEFT} THEN m.left_on END AS left_on
FROM program_members m
WHERE m.program_id = :program_id AND m.joined_at <= :known AND m.joined_on <= :day
ORDER BY m.joined_version
"""  # noqa: S608 - built from the constant fragments above, never from input


@dataclass(frozen=True, slots=True)
class ResourceFacts:
    """What a program's utilisation needs: its resources (a person as stored: sealed), its
    assignments with their changes, and its memberships, as of a cut-off."""

    resources: Sequence[Any]
    assignments: Sequence[Any]
    memberships: Sequence[Any]


async def resources(conn: AsyncConnection, *, program_id: UUID, cutoff: Cutoff) -> ResourceFacts:
    """The program's resources, assignments and memberships as of the cut-off."""
    params = {"program_id": program_id, "day": cutoff.day, "known": cutoff.known_at}
    return ResourceFacts(
        (await conn.execute(text(_RESOURCES), params)).all(),
        (await conn.execute(text(_ASSIGNMENTS), params)).all(),
        (await conn.execute(text(_MEMBERSHIPS), params)).all(),
    )
