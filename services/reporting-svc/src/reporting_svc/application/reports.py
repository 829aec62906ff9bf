"""Report queries: facts from the live read models, figures from the pure EVM domain.

Every report is asked for at a point of two axes (`When`): `as_of`, the status date (business
time: facts in effect by the end of that day; default the tenant's today), and `known_at`, the
instant of knowledge (record time: facts recorded by then; default now). Together they answer
"what did the March report say about February". "Today" is the tenant's, in its time zone.

A report rates by the PMO's standards of its tenant: those in force on its status date as
recorded by its instant of knowledge, read in the same snapshot as its facts
(`queries.snapshot`), applied as `application.standards` says (health bands, an office's
cadence, the tenant's time zone: the set in force on the date asked, or on today by the
environment's zone, chooses it: `ReportService.asked_in`); a tenant without standards in force
then keeps the defaults. Each report states what it rated by.

The read models hold personal values sealed (`readmodel.personal`). A report that shows one (a
project's manager, an office's lead) opens them per request with the producers' keys
(`RemoteKeys.open`: the user id, `[erased]`, or `[unavailable]` while a key service is down)
and forgets the keys with the response; a filter by manager asks the key services for the
person's pseudonyms (`RemoteKeys.lookup`). Reports that show no person (the overview, the
S-curve) ask no key service.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.domain.errors import Refusal
from pmo_shared.domain.values import money_quantum
from pmo_shared.privacy.remote import RemoteKeys
from reporting_svc.application.standards import (
    Cadence,
    cadence_applied,
    thresholds_on,
    time_zone_on,
)
from reporting_svc.domain import evm
from reporting_svc.domain.health import Health, HealthThresholds
from reporting_svc.domain.rollup import Rollup, risk_exposure, rollup
from reporting_svc.readmodel import queries, standards_queries
from reporting_svc.readmodel.dates import iso_date
from reporting_svc.readmodel.personal import PersonFilter
from reporting_svc.readmodel.queries import Cutoff
from reporting_svc.readmodel.standards_queries import NO_STANDARDS, KnownStandards

log = structlog.get_logger(__name__)


class LiveReadModel(Protocol):
    """Where the reports read: the live generation of the read models (the supervisor)."""

    def live_engine(self) -> AsyncEngine:
        """The engine of the live generation's schema."""
        ...


class ReportNotFoundError(Refusal):
    """Nothing to report: the tenant has no such project (or did not know it yet) (404)."""

    status = 404
    code = "not-found"


@dataclass(frozen=True, slots=True)
class When:
    """The point a report is asked for: a status date and an instant of knowledge (None: the
    defaults, the tenant's today and now)."""

    as_of: date | None = None
    known_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Asked:
    """A `When` resolved for one tenant: the cut-off of the facts, the tenant's date at the
    instant of knowledge (its today, unless asked about the past), and the standards the
    tenant had recorded by that instant."""

    cutoff: Cutoff
    today: date
    as_of: date | None
    standards: KnownStandards = NO_STANDARDS

    @classmethod
    def resolve(
        cls,
        when: When,
        *,
        zone: ZoneInfo,
        now: datetime,
        standards: KnownStandards = NO_STANDARDS,
    ) -> Asked:
        """The cut-off of `when` in the tenant's time zone `zone`."""
        known_at = when.known_at or now
        today = known_at.astimezone(zone).date()
        return cls(Cutoff(when.as_of or today, known_at, zone.key), today, when.as_of, standards)


@dataclass(frozen=True, slots=True)
class ProjectReport:
    """One project's figures at a status date, as known at an instant."""

    project_id: UUID
    code: str
    name: str
    manager: str
    """The manager's user id as the key services open it now (or `[erased]` ...)."""
    currency: str
    status: str
    metrics: evm.Metrics
    baseline: evm.Baseline | None
    progress: tuple[evm.ProgressPoint, ...]
    costs: tuple[evm.CostPoint, ...]
    open_risks: int
    risk_exposure: Decimal | None
    milestones: dict[str, int]
    known_at: datetime
    thresholds: HealthThresholds
    """What its health was rated by (the standards in force at its status date, or the
    defaults)."""


@dataclass(frozen=True, slots=True)
class OfficeReport:
    """A Project Office's lifecycle and reporting compliance."""

    row: Any
    lead: str
    """The lead's user id as the key services open it now (or `[erased]` ...)."""
    state: str
    """`established` or `disbanded`, as project-svc says."""
    working: bool
    """Live and at work: it has staff or has published a report."""
    lifetime_days: int
    reports_published: int
    reports_expected: int
    overdue: bool
    cadence: Cadence


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """The overview's roll-up of one currency and the health of its indices."""

    rollup: Rollup
    health: Health


# A stored fact the EVM domain cannot measure with (a schedule finishing before it starts,
# planned values outside it, a percent beyond 0..100: valid in an event's schema, refused by
# the domain) leaves out the figures it would feed, never the report: they are None.
_UNMEASURABLE = (ValueError, ArithmeticError)


def _baseline(data: dict[str, Any] | None) -> evm.Baseline | None:
    """The baseline in force, or None without one or when the EVM cannot measure against it."""
    if data is None:
        return None
    try:
        points = tuple(
            evm.PlannedPoint(iso_date(p["date"]), Decimal(p["planned_value"]))
            for p in data["points"]
        )
        return evm.Baseline(
            budget_at_completion=Decimal(data["bac"]),
            planned_start=iso_date(data["start"]),
            planned_finish=iso_date(data["finish"]),
            planned_values=points,
        )
    except _UNMEASURABLE as exc:
        log.warning("reports.baseline_unmeasurable", number=data.get("number"), reason=str(exc))
        return None


def _progress(rows: Iterable[Sequence[str]]) -> tuple[evm.ProgressPoint, ...]:
    """The progress reports the EVM can use (a percent outside 0..100 is left out)."""
    points = []
    for day, percent in rows:
        try:
            points.append(evm.ProgressPoint(iso_date(day), Decimal(percent)))
        except _UNMEASURABLE:
            log.warning("reports.progress_unmeasurable", as_of=day, percent=percent)
    return tuple(points)


def status_date(ended_on: date | None, *, asked: date | None, today: date) -> date:
    """The date figures are computed for: the one asked for; else today, or the day the
    project ended (its actual finish or cancellation date) if it has: its figures are final
    then."""
    if asked is not None:
        return asked
    if ended_on is None:
        return today
    return min(ended_on, today)


NOT_OPENED = ""
"""The person of a report asked for without people (the overview, the S-curve): never shown."""


def project_report(
    row: Any, *, at: date, known_at: datetime, thresholds: HealthThresholds, manager: str
) -> ProjectReport:
    """Figures of one project at the status date `at` from its fact row, health rated by
    `thresholds`; `manager` is the manager as opened."""
    baseline = _baseline(row.baseline)
    progress = _progress(row.progress)
    costs = tuple(evm.CostPoint(iso_date(d), Decimal(a)) for d, a in row.costs)
    risks = [(Decimal(p), Decimal(i)) for p, i in row.open_risks]
    money = money_quantum(row.currency)  # figures to the currency's ISO 4217 minor unit
    return ProjectReport(
        project_id=row.project_id,
        code=row.code,
        name=row.name,
        manager=manager,
        currency=row.currency,
        status=row.status,
        metrics=evm.compute_metrics(
            baseline, progress, costs, at=at, thresholds=thresholds, money=money
        ),
        baseline=baseline,
        progress=progress,
        costs=costs,
        open_risks=len(risks),
        risk_exposure=risk_exposure(risks, money=money),
        milestones=dict(row.milestones),
        known_at=known_at,
        thresholds=thresholds,
    )


def office_report(
    row: Any, *, on: date, lead: str, standards: KnownStandards = NO_STANDARDS
) -> OfficeReport:
    """State (`established` or `disbanded`), whether it is working (live, with staff or a
    report), lifetime (in days, from the day it was established) and reporting compliance of
    one office on the day `on`, on the cadence in force on its last day (`on`, or the day it
    was disbanded) by the tenant's `standards`; `lead` is the lead as opened."""
    end: date = row.disbanded_on or on
    alive_days = max((end - row.established_on).days, 0)
    published = sum(int(n) for n in row.reports_by_kind.values())
    state = "disbanded" if row.disbanded_on is not None else "established"
    last = row.last_report
    since: date = iso_date(last["published_on"]) if last else row.established_on
    applied = cadence_applied(int(row.reporting_cadence_days), standards.in_force(end))
    cadence = applied.days
    overdue = state != "disbanded" and (on - since).days > cadence
    return OfficeReport(
        row=row,
        lead=lead,
        state=state,
        working=state == "established" and (int(row.staff_count) > 0 or bool(published)),
        lifetime_days=alive_days,
        reports_published=published,
        reports_expected=alive_days // cadence,
        overdue=overdue,
        cadence=applied,
    )


class ReportService:
    """Answers the reports from the live generation of the read models, opening the personal
    values it shows with `keys` (no key service: none opens, see `RemoteKeys`); `thresholds`
    and `time_zone_of` are the defaults of a tenant without standards in force."""

    def __init__(
        self,
        supervisor: LiveReadModel,
        *,
        thresholds: HealthThresholds,
        keys: RemoteKeys | None = None,
        time_zone_of: Callable[[str], ZoneInfo] = lambda _tenant: ZoneInfo("UTC"),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._supervisor = supervisor
        self.thresholds = thresholds
        self.keys = keys or RemoteKeys({}, token=None)
        self.time_zone_of = time_zone_of
        self.now = now

    def snapshot(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection on one snapshot of the live generation (`queries.snapshot`)."""
        return queries.snapshot(self._supervisor.live_engine())

    def asked(self, tenant: str, when: When) -> Asked:
        """`when` resolved in the tenant's time zone from the environment, without standards
        (`asked_in` resolves it with them)."""
        return Asked.resolve(when, zone=self.time_zone_of(tenant), now=self.now())

    async def asked_in(self, conn: AsyncConnection, tenant: str, when: When) -> Asked:
        """`when` resolved for the tenant on `conn` (the report's snapshot), with the standards
        it had recorded by the instant of knowledge, in the time zone of the set in force on
        the status date (by default on today, by the environment's zone), else the
        environment's."""
        known_at = when.known_at or self.now()
        standards = await standards_queries.known_standards(
            conn, tenant_id=tenant, known_at=known_at
        )
        zone = self._zone(tenant, standards, as_of=when.as_of, known_at=known_at)
        known = When(when.as_of, known_at)
        return Asked.resolve(known, zone=zone, now=known_at, standards=standards)

    def _zone(
        self, tenant: str, standards: KnownStandards, *, as_of: date | None, known_at: datetime
    ) -> ZoneInfo:
        default = self.time_zone_of(tenant)
        day = as_of or known_at.astimezone(default).date()
        return time_zone_on(standards, day, default=default)

    def thresholds_on(self, standards: KnownStandards, day: date) -> HealthThresholds:
        """The health thresholds in force on `day`: the SPI and CPI bands of the standards set
        in force then, else the defaults (`application.standards.thresholds_on`)."""
        return thresholds_on(standards, day, defaults=self.thresholds)

    async def thresholds_at(
        self, conn: AsyncConnection, tenant: str, *, day: date, known_at: datetime
    ) -> HealthThresholds:
        """The tenant's health thresholds on the status date `day` as known at `known_at`,
        read on `conn` (the caller's snapshot): the standards' bands, or the defaults."""
        standards = await standards_queries.known_standards(
            conn, tenant_id=tenant, known_at=known_at
        )
        return self.thresholds_on(standards, day)

    async def project(self, tenant: str, project_id: UUID, *, when: When) -> ProjectReport:
        """One project's metrics at the status date, as known at the instant; 404 only when
        the tenant has (or then knew) no such project, never because of the date."""
        return await self._project(tenant, project_id, when=when, people=True)

    async def projects(
        self,
        tenant: str,
        *,
        when: When,
        manager: str | None = None,
        shown: Callable[[list[ProjectReport]], list[ProjectReport]] | None = None,
    ) -> list[ProjectReport]:
        """Every project the tenant knew at the instant, at the status date (those `manager`
        manages: by the pseudonyms the key services know of that user id; none once the
        person is erased; 503 `KeyServiceUnavailableError` while a key service is down).
        With `shown` (a filter, sort and page of the reports, which must not look at their
        `manager`), only the reports it keeps come back, and only their managers are opened."""
        managed_by = None
        if manager is not None:
            refs = await self.keys.lookup(tenant, manager)
            if not refs:
                return []
            managed_by = PersonFilter(frozenset(refs), manager)
        if shown is None:
            return await self._projects(tenant, when, people=True, manager=managed_by)
        async with self.snapshot() as conn:
            asked = await self.asked_in(conn, tenant, when)
            rows = await queries.project_facts(
                conn, tenant_id=tenant, cutoff=asked.cutoff, manager=managed_by
            )
        sealed = {row.project_id: row.manager for row in rows}
        kept = shown([self.report_of(row, asked) for row in rows])
        managers = await self._opened(tenant, [sealed[r.project_id] for r in kept], people=True)
        return [replace(r, manager=m) for r, m in zip(kept, managers, strict=True)]

    async def series(
        self, tenant: str, project_id: UUID, *, when: When
    ) -> tuple[ProjectReport, list[evm.SeriesPoint]]:
        """The S-curve of a project from its start to the status date, against the baseline
        in force then."""
        report = await self._project(tenant, project_id, when=when, people=False)
        end = report.metrics.as_of
        starts = [d for d in (report.baseline and report.baseline.planned_start,) if d]
        starts += [p.as_of for p in report.progress] + [c.incurred_on for c in report.costs]
        start = min([*starts, end])
        series = evm.evm_series(
            report.baseline,
            report.progress,
            report.costs,
            start=start,
            end=end,
            money=money_quantum(report.currency),
        )
        return report, series

    async def offices(
        self, tenant: str, *, when: When, project_id: UUID | None = None
    ) -> list[OfficeReport]:
        """The tenant's Project Offices established by the status date, with their lifecycle
        state and reporting compliance then."""
        async with self.snapshot() as conn:
            asked = await self.asked_in(conn, tenant, when)
            rows = await queries.offices(
                conn, tenant_id=tenant, cutoff=asked.cutoff, project_id=project_id
            )
        leads = await self._opened(tenant, [r.lead for r in rows], people=True)
        return [self._office(r, asked, lead) for r, lead in zip(rows, leads, strict=True)]

    async def overview(self, tenant: str, *, when: When) -> dict[str, Any]:
        """The PMO's view of the tenant at the status date, from one snapshot: counts,
        roll-ups per currency and their health, live offices, lessons, the thresholds."""
        async with self.snapshot() as conn:
            asked = await self.asked_in(conn, tenant, when)
            rows = await queries.project_facts(conn, tenant_id=tenant, cutoff=asked.cutoff)
            office_rows = await queries.offices(conn, tenant_id=tenant, cutoff=asked.cutoff)
            categories = await queries.lesson_categories(conn, tenant_id=tenant)
        reports = [self.report_of(row, asked) for row in rows]
        offices = [self._office(row, asked, NOT_OPENED) for row in office_rows]
        thresholds = self.thresholds_on(asked.standards, asked.cutoff.day)
        by_currency: dict[str, list[evm.Metrics]] = defaultdict(list)
        for report in reports:
            by_currency[report.currency].append(report.metrics)
        totals = {c: rollup(m, money=money_quantum(c)) for c, m in sorted(by_currency.items())}
        return {
            "as_of": asked.cutoff.day,
            "known_at": asked.cutoff.known_at,
            "thresholds": thresholds,
            "projects_by_status": dict(Counter(r.status for r in reports)),
            "projects_by_health": dict(
                Counter((r.metrics.health.overall or "unknown") for r in reports)
            ),
            "active_project_offices": sum(o.state != "disbanded" for o in offices),
            "totals": {
                c: CurrencyTotals(t, thresholds.rate(t.spi, t.cpi)) for c, t in totals.items()
            },
            "lessons_by_category": categories,
        }

    async def lessons(self, tenant: str, **filters: Any) -> Sequence[Any]:
        """Lessons learned matching a full-text query and a category, newest first."""
        async with self._supervisor.live_engine().connect() as conn:
            return await queries.lessons(conn, tenant_id=tenant, **filters)

    async def reports_of(
        self, conn: AsyncConnection, tenant: str, asked: Asked, project_ids: Collection[UUID]
    ) -> dict[UUID, ProjectReport]:
        """The reports of the tenant's projects among `project_ids` that it knew, read on
        `conn` (the caller's snapshot, in which `asked` was resolved: `asked_in`), exactly as
        `/v1/reports/projects/{id}/metrics` computes them (no person opened)."""
        if not project_ids:
            return {}
        rows = await queries.project_facts(
            conn, tenant_id=tenant, cutoff=asked.cutoff, project_ids=project_ids
        )
        return {row.project_id: self.report_of(row, asked) for row in rows}

    def report_of(self, row: Any, asked: Asked, manager: str = NOT_OPENED) -> ProjectReport:
        """A project's report from its fact row: at its status date, health rated by the
        thresholds in force then."""
        at = status_date(row.ended_on, asked=asked.as_of, today=asked.today)
        return project_report(
            row,
            at=at,
            known_at=asked.cutoff.known_at,
            thresholds=self.thresholds_on(asked.standards, at),
            manager=manager,
        )

    async def _project(
        self, tenant: str, project_id: UUID, *, when: When, people: bool
    ) -> ProjectReport:
        reports = await self._projects(tenant, when, people=people, project_id=project_id)
        if not reports:
            raise ReportNotFoundError(f"project {project_id} not found")
        return reports[0]

    async def _projects(
        self, tenant: str, when: When, *, people: bool, **filters: Any
    ) -> list[ProjectReport]:
        async with self.snapshot() as conn:
            asked = await self.asked_in(conn, tenant, when)
            rows = await queries.project_facts(
                conn, tenant_id=tenant, cutoff=asked.cutoff, **filters
            )
        managers = await self._opened(tenant, [r.manager for r in rows], people=people)
        return [self.report_of(r, asked, m) for r, m in zip(rows, managers, strict=True)]

    def _office(self, row: Any, asked: Asked, lead: str) -> OfficeReport:
        return office_report(row, on=asked.cutoff.day, lead=lead, standards=asked.standards)

    async def _opened(self, tenant: str, values: list[Any], *, people: bool) -> list[str]:
        if not people:
            return [NOT_OPENED] * len(values)
        return [str(v) for v in await self.keys.open(tenant, values)]
