"""Report queries: facts from the live read models, figures from the pure EVM domain."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_shared.domain.errors import Refusal
from reporting_svc.application.supervisor import ProjectionSupervisor
from reporting_svc.domain import evm
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.domain.rollup import risk_exposure, rollup
from reporting_svc.readmodel import queries


class ReportNotFoundError(Refusal):
    """Nothing to report for this tenant (or nothing yet at that date) (404)."""

    status = 404
    code = "not-found"


@dataclass(frozen=True, slots=True)
class ProjectReport:
    """One project's figures at a status date."""

    project_id: UUID
    code: str
    name: str
    manager: str
    currency: str
    status: str
    metrics: evm.Metrics
    baseline: evm.Baseline | None
    progress: tuple[evm.ProgressPoint, ...]
    costs: tuple[evm.CostPoint, ...]
    open_risks: int
    risk_exposure: Decimal
    milestones: dict[str, int]


@dataclass(frozen=True, slots=True)
class OfficeReport:
    """A Project Office's lifecycle and reporting compliance."""

    row: Any
    state: str
    lifetime_days: int
    reports_published: int
    reports_expected: int
    overdue: bool


def _baseline(data: dict[str, Any] | None) -> evm.Baseline | None:
    if data is None:
        return None
    points = tuple(
        evm.PlannedPoint(date.fromisoformat(p["date"]), Decimal(p["planned_value"]))
        for p in data["points"]
    )
    return evm.Baseline(
        budget_at_completion=Decimal(data["bac"]),
        planned_start=date.fromisoformat(data["start"]),
        planned_finish=date.fromisoformat(data["finish"]),
        planned_values=points,
    )


def status_date(row: Any, *, asked: date | None, today: date) -> date:
    """The date figures are computed for: the one asked for; else today, or the day the
    project ended if it has (its figures are final then)."""
    if asked is not None:
        return asked
    if row.ended_at is None:
        return today
    ended: date = row.actual_finish or row.ended_at.date()
    return min(ended, today)


def project_report(row: Any, *, at: date, thresholds: HealthThresholds) -> ProjectReport:
    """Figures of one project from its fact row."""
    baseline = _baseline(row.baseline)
    progress = tuple(evm.ProgressPoint(date.fromisoformat(d), Decimal(p)) for d, p in row.progress)
    costs = tuple(evm.CostPoint(date.fromisoformat(d), Decimal(a)) for d, a in row.costs)
    risks = [(Decimal(p), Decimal(i)) for p, i in row.open_risks]
    return ProjectReport(
        project_id=row.project_id,
        code=row.code,
        name=row.name,
        manager=row.manager,
        currency=row.currency,
        status=row.status,
        metrics=evm.compute_metrics(baseline, progress, costs, at=at, thresholds=thresholds),
        baseline=baseline,
        progress=progress,
        costs=costs,
        open_risks=len(risks),
        risk_exposure=risk_exposure(risks),
        milestones=dict(row.milestones),
    )


def office_report(row: Any, *, now: datetime) -> OfficeReport:
    """State, lifetime and compliance of one office at `now`."""
    end = row.disbanded_at or now
    alive_days = max((end - row.established_at).days, 0)
    published = sum(int(n) for n in row.reports_by_kind.values())
    if row.disbanded_at is not None:
        state = "disbanded"
    elif row.staff_events or published:
        state = "active"
    else:
        state = "established"
    last = row.last_report
    since = datetime.fromisoformat(last["published_at"]) if last else row.established_at
    overdue = state != "disbanded" and (now - since).days > row.reporting_cadence_days
    return OfficeReport(
        row=row,
        state=state,
        lifetime_days=alive_days,
        reports_published=published,
        reports_expected=alive_days // row.reporting_cadence_days,
        overdue=overdue,
    )


class ReportService:
    """Answers the reports from the live generation of the read models."""

    def __init__(
        self,
        supervisor: ProjectionSupervisor,
        *,
        thresholds: HealthThresholds,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._supervisor = supervisor
        self.thresholds = thresholds
        self.now = now

    async def project(self, tenant: str, project_id: UUID, *, as_of: date | None) -> ProjectReport:
        """One project's metrics, now or as of a past date."""
        today = self.now().date()
        rows = await self._facts(tenant, as_of or today, project_id=project_id)
        if not rows or rows[0].status is None:
            raise ReportNotFoundError(f"project {project_id} not found")
        at = status_date(rows[0], asked=as_of, today=today)
        return project_report(rows[0], at=at, thresholds=self.thresholds)

    async def projects(
        self, tenant: str, *, as_of: date | None, manager: str | None = None
    ) -> list[ProjectReport]:
        """Every project of the tenant that existed at the date."""
        today = self.now().date()
        rows = await self._facts(tenant, as_of or today, manager=manager)
        return [
            project_report(
                r, at=status_date(r, asked=as_of, today=today), thresholds=self.thresholds
            )
            for r in rows
            if r.status
        ]

    async def series(
        self, tenant: str, project_id: UUID, *, as_of: date | None
    ) -> tuple[ProjectReport, list[evm.SeriesPoint]]:
        """The S-curve of a project from its start to the status date."""
        report = await self.project(tenant, project_id, as_of=as_of)
        end = report.metrics.as_of
        starts = [d for d in (report.baseline and report.baseline.planned_start,) if d]
        starts += [p.as_of for p in report.progress] + [c.incurred_on for c in report.costs]
        start = min([*starts, end])
        series = evm.evm_series(
            report.baseline, report.progress, report.costs, start=start, end=end
        )
        return report, series

    async def offices(self, tenant: str, *, project_id: UUID | None = None) -> list[OfficeReport]:
        """The tenant's Project Offices with their lifecycle state."""
        async with self._supervisor.live_engine().connect() as conn:
            rows = await queries.offices(conn, tenant_id=tenant, project_id=project_id)
        now = self.now()
        return [office_report(r, now=now) for r in rows]

    async def overview(self, tenant: str) -> dict[str, Any]:
        """The PMO's view of the tenant: counts, roll-ups per currency, offices, lessons."""
        reports = await self.projects(tenant, as_of=None)
        offices = await self.offices(tenant)
        async with self._supervisor.live_engine().connect() as conn:
            categories = await queries.lesson_categories(conn, tenant_id=tenant)
        by_currency: dict[str, list[evm.Metrics]] = defaultdict(list)
        for report in reports:
            by_currency[report.currency].append(report.metrics)
        return {
            "projects_by_status": dict(Counter(r.status for r in reports)),
            "projects_by_health": dict(
                Counter((r.metrics.health.overall or "unknown") for r in reports)
            ),
            "active_project_offices": sum(o.state != "disbanded" for o in offices),
            "totals": {c: rollup(m) for c, m in sorted(by_currency.items())},
            "lessons_by_category": categories,
        }

    async def lessons(self, tenant: str, **filters: Any) -> Sequence[Any]:
        """Lessons learned matching a full-text query and a category, newest first."""
        async with self._supervisor.live_engine().connect() as conn:
            return await queries.lessons(conn, tenant_id=tenant, **filters)

    async def _facts(self, tenant: str, at: date, **filters: Any) -> Sequence[Any]:
        async with self._supervisor.live_engine().connect() as conn:
            return await queries.project_facts(conn, tenant_id=tenant, as_of=at, **filters)
