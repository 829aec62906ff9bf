"""Closure scorecards: how each project performed (final once it has closed, the same numbers at
any status date while it runs), facts from the live read models, figures from the pure domain
(`domain.scorecard`, which states every definition).

Asked like every report (`When`: `as_of` in business time, default the tenant's today;
`known_at` in record time, default now), from one snapshot of the live generation
(`ReportService.snapshot`): the project's facts, its Project Offices, the programs it belongs
to and their benefits, the PMO's standards. A project is evaluated on its closing date when it
had closed by the status date, else on the status date; what is judged on which day:

- SPI, CPI (health on the thresholds in force on the evaluation date), cost, schedule,
  re-baselines, milestones, risks: on the evaluation date;
- Project Office reporting compliance: each office the project had by the status date, as the
  office report (`application.reports.office_report`) judges it on the evaluation date;
- benefits realised: the programs it is a member of on the evaluation date (a membership from
  the day it began to the day before it ended), their benefits as reported by the status date
  (benefits are realised after delivery: a closed project's grow after its closing);
- lessons: those recorded for it by the status date (a lesson has no business date: it counts
  from the day it was recorded, in the tenant's time zone, like every such fact);
- size class: by the first baseline's BAC in the project's currency, in the bands of the PMO
  standards in force on the status date (`application.standards.size_class_of`; the defaults
  without them); None without a baseline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, cast
from uuid import UUID

import structlog

from pmo_shared.domain.values import money_quantum
from reporting_svc.application import program_facts
from reporting_svc.application.reports import (
    NOT_OPENED,
    Asked,
    LiveReadModel,
    ReportNotFoundError,
    ReportService,
    When,
    office_report,
)
from reporting_svc.application.standards import size_class_of
from reporting_svc.domain import evm
from reporting_svc.domain import scorecard as sc
from reporting_svc.domain.benefits import BenefitProgress, BenefitSummary, summary
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.readmodel import evaluation_queries, program_queries, queries
from reporting_svc.readmodel.dates import iso_date
from reporting_svc.readmodel.evaluation_queries import KnownEvaluationStandards

log = structlog.get_logger(__name__)

ScorecardStatus = Literal["closed", "running"]
"""closed: completed or cancelled (or closed after one of those) by the status date; running:
any other status then (proposed, approved, active, on hold)."""


@dataclass(frozen=True, slots=True)
class ProjectScorecard:
    """One project's scorecard at a status date, as known at an instant."""

    project_id: UUID
    code: str
    name: str
    currency: str
    methodology: str
    status: str
    """The project's status on the status date."""
    known_at: datetime
    size_class: str | None
    programs: tuple[UUID, ...]
    """The programs it is a member of on the evaluation date."""
    thresholds: HealthThresholds
    """What its health was rated by (the standards in force on the evaluation date)."""
    card: sc.Scorecard


@dataclass(frozen=True, slots=True)
class _Read:
    """What one request read in its snapshot: the question as resolved, the projects' facts,
    their offices' rows, the benefits of their programs and the evaluation standards."""

    asked: Asked
    rows: Sequence[Any]
    offices: dict[UUID, list[Any]]
    benefits: dict[UUID, list[BenefitProgress]]
    standards: KnownEvaluationStandards


# --- the facts as the domain's values ------------------------------------------------------


def _baseline(data: dict[str, Any]) -> sc.BaselineFact:
    return sc.BaselineFact(
        number=int(data["number"]),
        budget_at_completion=Decimal(data["bac"]),
        planned_start=iso_date(data["start"]),
        planned_finish=iso_date(data["finish"]),
        effective_on=iso_date(data["effective_on"]),
        planned_values=tuple(
            evm.PlannedPoint(iso_date(p["date"]), Decimal(p["planned_value"]))
            for p in data["points"]
        ),
    )


def _progress(rows: Iterable[Sequence[str]]) -> tuple[evm.ProgressPoint, ...]:
    """The progress reports the EVM can use (a percent outside 0..100 is left out)."""
    points = []
    for day, percent in rows:
        try:
            points.append(evm.ProgressPoint(iso_date(day), Decimal(percent)))
        except (ValueError, ArithmeticError):
            log.warning("scorecards.progress_unmeasurable", as_of=day, percent=percent)
    return tuple(points)


def _day(value: str | None) -> date | None:
    return None if value is None else iso_date(value)


def history(row: Any) -> sc.ProjectHistory:
    """A project's scorecard facts (`queries.scorecard_facts`) as the domain's history."""
    closed_as: sc.ClosedAs | None = None
    closed_on = None
    if row.closing is not None:
        status, day = row.closing
        closed_as, closed_on = cast(sc.ClosedAs, status), iso_date(day)
    return sc.ProjectHistory(
        closed_as=closed_as,
        closed_on=closed_on,
        actual_start=row.actual_start,
        baselines=tuple(_baseline(b) for b in row.baselines),
        progress=_progress(row.progress),
        costs=tuple(evm.CostPoint(iso_date(d), Decimal(a)) for d, a in row.costs),
        milestones=tuple(
            sc.MilestoneFact(iso_date(due), _day(done)) for due, done in row.milestones
        ),
        risks=tuple(
            sc.RiskFact(iso_date(raised), _day(closed), outcome)
            for raised, closed, outcome in row.risks
        ),
    )


def programs_on(row: Any, day: date) -> tuple[UUID, ...]:
    """The programs the project is a member of on `day`: a membership counts from the day it
    began to the day before it ended."""
    found = {
        UUID(program)
        for program, joined, left in row.memberships
        if iso_date(joined) <= day and (left is None or iso_date(left) > day)
    }
    return tuple(sorted(found))


def benefits_of(
    programs: Sequence[UUID], benefits: dict[UUID, list[BenefitProgress]]
) -> BenefitSummary | None:
    """The summary of the benefits of `programs` (each benefit once; None: a member of none)."""
    if not programs:
        return None
    return summary(b for p in programs for b in benefits.get(p, []))


# --- the service ---------------------------------------------------------------------------


class ScorecardService:
    """Answers the scorecards from the live generation (the same supervisor, thresholds and
    time zones as the project reports: `reports`)."""

    def __init__(self, supervisor: LiveReadModel, *, reports: ReportService) -> None:
        self._supervisor = supervisor
        self._reports = reports

    async def scorecard(self, tenant: str, project_id: UUID, *, when: When) -> ProjectScorecard:
        """One project's scorecard; 404 only when the tenant has (or then knew) no such
        project, never because of the date."""
        read = await self._read(tenant, when, project_id=project_id)
        if not read.rows:
            raise ReportNotFoundError(f"project {project_id} not found")
        return self._card(read.rows[0], read)

    async def scorecards(
        self,
        tenant: str,
        *,
        when: When,
        status: ScorecardStatus | None,
        after: tuple[str, UUID] | None,
        limit: int,
    ) -> tuple[list[ProjectScorecard], bool]:
        """A page of the tenant's scorecards (by code, after `after`; only the projects closed,
        or running, at the status date when `status` says), and whether more follow."""
        closed = None if status is None else status == "closed"
        read = await self._read(tenant, when, closed=closed, after=after, limit=limit + 1)
        cards = [self._card(row, read) for row in read.rows[:limit]]
        return cards, len(read.rows) > limit

    async def _read(self, tenant: str, when: When, **filters: Any) -> _Read:
        async with self._reports.snapshot() as conn:
            asked = await self._reports.asked_in(conn, tenant, when)
            rows = await queries.scorecard_facts(
                conn, tenant_id=tenant, cutoff=asked.cutoff, **filters
            )
            offices: dict[UUID, list[Any]] = defaultdict(list)
            if rows:
                one = filters.get("project_id")
                office_rows = await queries.offices(
                    conn, tenant_id=tenant, cutoff=asked.cutoff, project_id=one
                )
                for office in office_rows:
                    offices[office.project_id].append(office)
            wanted = sorted(
                {p for row in rows for p in programs_on(row, self._evaluated_on(row, asked))}
            )
            benefits: dict[UUID, list[BenefitProgress]] = {}
            for program_id in wanted:
                found = await program_queries.program_facts(
                    conn, tenant_id=tenant, cutoff=asked.cutoff, program_id=program_id
                )
                for program in found:
                    reports = program_facts.benefit_reports(program.benefits, None)
                    benefits[program.program_id] = [progress for *_, progress in reports]
            standards = await evaluation_queries.known_evaluation_standards(
                conn, tenant_id=tenant, known_at=asked.cutoff.known_at
            )
        return _Read(asked, rows, offices, benefits, standards)

    @staticmethod
    def _evaluated_on(row: Any, asked: Asked) -> date:
        closed_on = None if row.closing is None else iso_date(row.closing[1])
        return sc.evaluation_date(closed_on, as_of=asked.cutoff.day)

    def _card(self, row: Any, read: _Read) -> ProjectScorecard:
        asked = read.asked
        as_of = asked.cutoff.day
        facts = history(row)
        on = sc.evaluation_date(facts.closed_on, as_of=as_of)
        thresholds = self._reports.thresholds_on(asked.standards, on)
        offices = [
            office_report(o, on=on, lead=NOT_OPENED, standards=asked.standards)
            for o in read.offices.get(row.project_id, [])
            if o.established_on <= on
        ]
        programs = programs_on(row, on)
        card = sc.scorecard(
            facts,
            as_of=as_of,
            thresholds=thresholds,
            money=money_quantum(row.currency),
            offices=[
                sc.OfficeFact(o.reports_expected, o.reports_published, o.overdue) for o in offices
            ],
            benefits=benefits_of(programs, read.benefits),
            lessons=int(row.lessons),
        )
        first = sc.first_baseline(facts.baselines)
        size = None
        if first is not None:
            in_force = read.standards.in_force(as_of)
            size = size_class_of(first.budget_at_completion, row.currency, in_force)
        return ProjectScorecard(
            project_id=row.project_id,
            code=row.code,
            name=row.name,
            currency=row.currency,
            methodology=row.methodology,
            status=row.status,
            known_at=asked.cutoff.known_at,
            size_class=size,
            programs=programs,
            thresholds=thresholds,
            card=card,
        )
