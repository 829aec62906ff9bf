"""Reads for the PMO's evaluation of finished work (benchmarks across closed projects,
reference-class forecasts): the evaluation settings of the PMO's standards, and the facts of
each of a tenant's projects that the evaluation needs, at a report's two time axes.

The evaluation settings (`EvaluationStandards`: the size classes by BAC per currency, the
minimum benchmark group, the minimum reference class, the month the fiscal year starts) come
from the same `pmo_standards` rows as the rest of the standards (`readmodel.standards_queries`),
sets recorded by `known_at`, the one in force on a day the greatest `effective_on` on or before
it (of two sets dated the same day, the later one in the stream). A set recorded before these
settings existed reads with the standards' defaults (no size classes: the defaults of
`application.standards`; minimum sizes 5; fiscal year from January).

The project facts (`ProjectFacts`) are read in one snapshot per report: each project's
methodology, currency, manager (sealed), actual start and finish and its status on the status
date as known at the instant (`project_status`, the latest effective by `as_of`, of those the
latest recorded), its first baseline (number 1) and the latest in force on the status date, and
the actual cost recorded up to a day (the closing date for a closed project, the status date for
a running one); the program it was a member of on a day (`program_members`)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.statements import statement
from reporting_svc.readmodel.queries import Cutoff, business_day

# --- the evaluation settings of the PMO's standards ----------------------------------------


@dataclass(frozen=True, slots=True)
class SizeBand:
    """A size class by BAC: `name`, up to `up_to` inclusive (None: unbounded)."""

    name: str
    up_to: Decimal | None


@dataclass(frozen=True, slots=True)
class EvaluationStandards:
    """The evaluation settings of one set of the tenant's standards, in force from
    `effective_on` (`version`: its place in the standards stream): the size classes per
    currency (bands rising, the last one possibly unbounded), the minimum size of a benchmark
    group and of a reference class, the month (1-12) the fiscal year starts in."""

    version: int
    effective_on: date
    size_classes: Mapping[str, tuple[SizeBand, ...]] = field(default_factory=dict)
    benchmark_min_group: int = 5
    reference_class_min: int = 5
    fiscal_year_start_month: int = 1


@dataclass(frozen=True, slots=True)
class KnownEvaluationStandards:
    """Every set of one tenant's standards recorded by an instant, as its evaluation settings,
    in force order (by `effective_on`, then `version`)."""

    sets: tuple[EvaluationStandards, ...] = ()

    def in_force(self, day: date) -> EvaluationStandards | None:
        """The set in force on `day` (None before the first takes effect, or without any)."""
        i = bisect_right([(s.effective_on, s.version) for s in self.sets], (day, _LAST))
        return self.sets[i - 1] if i else None


_LAST = 2**63  # beyond any stream version: every set effective on a day sorts at or before it


def _bands(raw: Sequence[Mapping[str, Any]]) -> tuple[SizeBand, ...]:
    return tuple(
        SizeBand(
            name=str(b["name"]),
            up_to=None if b.get("up_to") is None else Decimal(str(b["up_to"])),
        )
        for b in raw
    )


def evaluation_standards(row: Any) -> EvaluationStandards:
    """A stored set (its `standards` as the tolerant reader wrote them) as its evaluation
    settings; a setting the stored set lacks takes the standards' default."""
    data: Mapping[str, Any] = row.standards
    return EvaluationStandards(
        version=int(row.version),
        effective_on=row.effective_on,
        size_classes={
            str(currency): _bands(bands)
            for currency, bands in (data.get("size_classes") or {}).items()
        },
        benchmark_min_group=int(data.get("benchmark_min_group", 5)),
        reference_class_min=int(data.get("reference_class_min", 5)),
        fiscal_year_start_month=int(data.get("fiscal_year_start_month", 1)),
    )


_KNOWN_STANDARDS = """
SELECT version, effective_on, standards FROM pmo_standards
WHERE tenant_id = :tenant AND occurred_at <= :known
ORDER BY effective_on, version
"""


async def known_evaluation_standards(
    conn: AsyncConnection, *, tenant_id: str, known_at: datetime
) -> KnownEvaluationStandards:
    """The evaluation settings of the tenant's standards sets recorded by `known_at`."""
    rows = await conn.execute(text(_KNOWN_STANDARDS), {"tenant": tenant_id, "known": known_at})
    return KnownEvaluationStandards(tuple(evaluation_standards(row) for row in rows))


async def evaluation_standards_in_force(
    conn: AsyncConnection, *, tenant_id: str, day: date, known_at: datetime
) -> EvaluationStandards | None:
    """The tenant's evaluation settings in force on `day` as known at `known_at` (None: no
    set in force then; the defaults apply)."""
    known = await known_evaluation_standards(conn, tenant_id=tenant_id, known_at=known_at)
    return known.in_force(day)


# --- the projects as the evaluation reads them ----------------------------------------------

_STATUS_ON = business_day("s.effective_on", "s.occurred_at")

# Each project known by the instant: its closing (the completed or cancelled status change,
# known and in effect by the day: none while it runs), its actual start (the first change to
# active, as known), its first baseline (number 1: the lowest number known), the AC at its
# closing (costs known, incurred by then), and the program it was a member of on its closing
# day (a membership counts from the day it began to the day before it ended, as known; of two,
# the one begun last).
_EVALUATED = f"""
SELECT p.project_id, p.code, p.name, p.methodology, p.currency, p.manager, p.manager_ref,
  e.status AS outcome, e.closed_on,
  (SELECT {_STATUS_ON} FROM project_status s WHERE s.project_id = p.project_id
     AND s.status = 'active' AND s.occurred_at <= :known ORDER BY s.version LIMIT 1)
     AS actual_start,
  fb.budget_at_completion::text AS first_bac, fb.planned_start AS first_planned_start,
  fb.planned_finish AS first_planned_finish,
  CASE WHEN e.closed_on IS NOT NULL THEN
    (SELECT coalesce(sum(c.amount), 0)::text FROM costs c WHERE c.project_id = p.project_id
       AND c.occurred_at <= :known AND c.incurred_on <= e.closed_on) END AS closing_ac,
  (SELECT json_build_object('program_id', g.program_id, 'code', g.code, 'name', g.name)
     FROM program_members m JOIN programs g ON g.program_id = m.program_id
     WHERE m.project_id = p.project_id AND g.tenant_id = p.tenant_id
     AND g.proposed_at <= :known AND m.joined_at <= :known AND m.joined_on <= e.closed_on
     AND NOT coalesce(m.left_at <= :known AND m.left_on <= e.closed_on, false)
     ORDER BY m.joined_on DESC, g.code, g.program_id LIMIT 1) AS program
FROM projects p
LEFT JOIN LATERAL (
  SELECT s.status, {_STATUS_ON} AS closed_on FROM project_status s
  WHERE s.project_id = p.project_id AND s.status IN ('completed', 'cancelled')
  AND s.occurred_at <= :known AND {_STATUS_ON} <= :day
  ORDER BY s.version DESC LIMIT 1) e ON true
LEFT JOIN LATERAL (
  SELECT b.budget_at_completion, b.planned_start, b.planned_finish FROM baselines b
  WHERE b.project_id = p.project_id AND b.occurred_at <= :known
  ORDER BY b.number LIMIT 1) fb ON true
WHERE p.tenant_id = :tenant AND p.proposed_at <= :known
"""  # noqa: S608 - built from the constant fragments above, never from input


async def evaluated_projects(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    cutoff: Cutoff,
    closed: bool = True,
    project_id: UUID | None = None,
) -> Sequence[Any]:
    """The tenant's projects known by the cut-off's instant as the evaluation reads them (by
    code): those closed by its day (`closed`), or the one `project_id` whether closed or not.
    `outcome` ("completed" or "cancelled") and `closed_on` are NULL for a project not closed
    by then, and so are `closing_ac` and `program`; the first baseline's fields are NULL
    without one; `manager` as stored (sealed)."""
    sql = _EVALUATED
    params: dict[str, Any] = {"tenant": tenant_id, **cutoff.params()}
    if closed:
        sql += " AND e.status IS NOT NULL"
    if project_id is not None:
        sql += " AND p.project_id = :project_id"
        params["project_id"] = project_id
    return (await conn.execute(statement(sql + " ORDER BY p.code, p.project_id"), params)).all()
