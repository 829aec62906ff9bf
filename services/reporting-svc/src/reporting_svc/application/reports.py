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

A report asked for without `as_of` and `known_at` (the tenant's today, known now) over many
projects (the list, the overview, the program and portfolio roll-ups) reads each project's
current figures (`readmodel.figures`, `application.figures`) instead of folding its facts:
rows computed for the tenant's today and standards, in bulk and once (`ReportService.reading`
computes the rows a read finds stale, under a per-tenant lock, in chunks), marked stale by the
projection in the transaction that changes the facts. Their answers are the fold's. A report
with `as_of` or `known_at`, or of one project (its metrics, its S-curve), still folds.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
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
from reporting_svc.application import figures as stored
from reporting_svc.application.standards import (
    Cadence,
    cadence_applied,
    thresholds_on,
    time_zone_on,
)
from reporting_svc.domain import evm
from reporting_svc.domain.health import Health, HealthThresholds
from reporting_svc.domain.rollup import (
    Rollup,
    exact_sum,
    risk_exposure,
    rollup,
    rollup_of_totals,
    total_of,
)
from reporting_svc.readmodel import figures, queries, standards_queries
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
    current: bool = False
    """Asked for the tenant's today as known now, and read where every project's current
    figures were valid (`ReportService.reading`): its reports come from those rows."""

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


SORT_KEYS = ("code", "name", "status", "bac", "spi", "cpi")


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """Which page of the project list: the reports with `status` (at the date) and overall
    `health`, sorted by `sort` (a key of `SORT_KEYS`, `-` first for descending; ties by id),
    from the `start`-th, at most `limit`."""

    status: str | None = None
    health: str | None = None
    sort: str = "code"
    start: int = 0
    limit: int = 100

    @property
    def key(self) -> figures.SortKey:
        """The sort key without its direction."""
        key = self.sort.lstrip("-")
        assert key in SORT_KEYS
        return key  # type: ignore[return-value]

    def fold(self, items: list[ProjectReport]) -> tuple[list[ProjectReport], bool]:
        """The page of every report (none of their managers looked at), and whether more
        follow."""
        kept = [
            r
            for r in items
            if (self.status is None or r.status == self.status)
            and (self.health is None or r.metrics.health.overall == self.health)
        ]
        key = self.key
        kept.sort(
            key=lambda r: (sort_value(r, key), str(r.project_id)),
            reverse=self.sort.startswith("-"),
        )
        return kept[self.start : self.start + self.limit], self.start + self.limit < len(kept)


def sort_value(report: ProjectReport, key: str) -> tuple[bool, Any]:
    """What the list sorts a report by on `key`: missing values last (ascending)."""
    value = {
        "code": report.code,
        "name": report.name,
        "status": report.status,
        "bac": report.metrics.bac,
        "spi": report.metrics.spi,
        "cpi": report.metrics.cpi,
    }[key]
    return (value is None, value if value is not None else 0)


_FAR = datetime(9999, 12, 31, tzinfo=UTC)
"""The instant the current figures are computed as known at: every fact recorded (a row is
used by a read only when each fact it counts was recorded by the read's instant)."""

ROLLUPS_AT_ONCE = 2
"""Program and portfolio roll-ups one process computes at once; the others wait their turn.
Each holds its members' reports (a portfolio's can be thousands), so under 32 clients the
process would otherwise hold 32 of them at the same time (about 200 MiB more at 10,000
projects) for no gain: the work is CPU in one event loop either way."""

REFRESH_CHUNK = 500
"""How many projects' figures one transaction computes (the tenant's lock is held that long)."""

_READ_ATTEMPTS = 3
"""How often a read computes stale rows and looks again before it folds (the projection may
mark rows stale between a computation and the read's snapshot)."""


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
        self._refreshing: dict[str, asyncio.Lock] = {}

    def snapshot(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection on one snapshot of the live generation (`queries.snapshot`)."""
        return queries.snapshot(self._supervisor.live_engine())

    @asynccontextmanager
    async def reading(
        self, tenant: str, when: When
    ) -> AsyncIterator[tuple[AsyncConnection, Asked]]:
        """A connection on one snapshot (`snapshot`) and `when` resolved on it (`asked_in`);
        asked for the tenant's today as known now, one where every project's current figures
        serve the read (`Asked.current`), after computing the stale ones (a bounded number of
        tries; then, or when a row counts facts stamped after now, the fold's)."""
        if when.as_of is None and when.known_at is None:
            for _ in range(_READ_ATTEMPTS):
                async with self.snapshot() as conn:
                    asked = await self.asked_in(conn, tenant, when)
                    state = await figures.state(
                        conn,
                        tenant_id=tenant,
                        today=asked.today,
                        key=self._rated_key(asked),
                        now=asked.cutoff.known_at,
                    )
                    if state.valid:
                        yield conn, replace(asked, current=True)
                        return
                if state.ahead:
                    break
                await self.refresh(tenant)
        async with self.snapshot() as conn:
            yield conn, await self.asked_in(conn, tenant, when)

    def _rated_key(self, asked: Asked) -> str:
        return stored.rated_key(asked.cutoff.zone, asked.standards, self.thresholds)

    async def refresh(self, tenant: str) -> int:
        """Compute every stale row of the tenant's current figures, `REFRESH_CHUNK` projects
        per transaction, each under the exclusive lock of the tenant's figures (no batch of
        the projection writes the tenant's facts meanwhile); one computation per tenant and
        process at a time (the others wait for it, then find nothing left). How many rows
        were computed."""
        lock = self._refreshing.setdefault(tenant, asyncio.Lock())
        computed: set[UUID] = set()
        async with lock:
            missing = True
            while True:  # each round computes new rows (or stops): bounded by the tenant's
                async with self._supervisor.live_engine().begin() as conn:
                    await figures.lock_exclusive(conn, tenant)
                    asked = await self.asked_in(conn, tenant, When())
                    ids = await figures.stale(
                        conn,
                        tenant_id=tenant,
                        today=asked.today,
                        key=self._rated_key(asked),
                        limit=REFRESH_CHUNK,
                        missing=missing,
                    )
                    missing = False
                    if computed.issuperset(ids):  # none, or marked again since: no chasing
                        return len(computed)
                    await self._compute(conn, tenant, asked, ids)
                    computed.update(ids)

    async def _compute(
        self, conn: AsyncConnection, tenant: str, asked: Asked, ids: list[UUID]
    ) -> None:
        everything = replace(asked, cutoff=replace(asked.cutoff, known_at=_FAR))
        rows = await queries.project_facts(
            conn, tenant_id=tenant, cutoff=everything.cutoff, project_ids=ids
        )
        through = await figures.recorded_through(conn, ids)
        key = self._rated_key(asked)
        computed = [
            {
                **stored.encode(self.report_of(row, everything)),
                "valid_on": asked.today,
                "key": key,
                "through": through[row.project_id],
            }
            for row in rows
        ]
        orphans = set(ids) - {row.project_id for row in rows}
        await figures.store(conn, computed, orphans=orphans)

    async def current_reports(
        self,
        conn: AsyncConnection,
        tenant: str,
        asked: Asked,
        project_ids: Collection[UUID],
        *,
        summary: bool = False,
    ) -> dict[UUID, ProjectReport]:
        """The current figures of the tenant's projects among `project_ids`, read on `conn`
        (where `asked`, `current`, was resolved: `reading`); no person opened; without their
        point series when `summary`."""
        rows = await figures.reports(
            conn, tenant_id=tenant, project_ids=project_ids, summary=summary
        )
        known_at = asked.cutoff.known_at
        return {
            row.project_id: stored.decode(
                row.project_id, row.report, manager=NOT_OPENED, known_at=known_at
            )
            for row in rows
        }

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
        self, tenant: str, *, when: When, manager: str | None = None
    ) -> list[ProjectReport]:
        """Every project the tenant knew at the instant, at the status date (those `manager`
        manages: by the pseudonyms the key services know of that user id; none once the
        person is erased; 503 `KeyServiceUnavailableError` while a key service is down)."""
        anybody, person = await self._managed_by(tenant, manager)
        if not anybody:
            return []
        return await self._projects(tenant, when, people=True, manager=person)

    async def project_page(
        self, tenant: str, *, when: When, page: ProjectPage, manager: str | None = None
    ) -> tuple[list[ProjectReport], bool]:
        """A page of the list (`projects`, filtered, sorted and paged as `page` says), and
        whether more follow; only the page's managers are opened. From the current figures
        when asked for today as known now (filtered, sorted and paged by PostgreSQL), else
        from the fold of every project."""
        anybody, person = await self._managed_by(tenant, manager)
        if not anybody:
            return [], False
        async with self.reading(tenant, when) as (conn, asked):
            if asked.current:
                rows = await figures.page(
                    conn,
                    tenant_id=tenant,
                    status=page.status,
                    health=page.health,
                    manager=person,
                    sort=page.key,
                    descending=page.sort.startswith("-"),
                    offset=page.start,
                    limit=page.limit + 1,
                )
                more = len(rows) > page.limit
                kept = [
                    stored.decode(
                        r.project_id, r.report, manager=NOT_OPENED, known_at=asked.cutoff.known_at
                    )
                    for r in rows[: page.limit]
                ]
                sealed = [r.manager for r in rows[: page.limit]]
            else:
                facts = await queries.project_facts(
                    conn, tenant_id=tenant, cutoff=asked.cutoff, manager=person
                )
                by_id = {row.project_id: row.manager for row in facts}
                kept, more = page.fold([self.report_of(row, asked) for row in facts])
                sealed = [by_id[r.project_id] for r in kept]
        managers = await self._opened(tenant, sealed, people=True)
        return [replace(r, manager=m) for r, m in zip(kept, managers, strict=True)], more

    async def _managed_by(
        self, tenant: str, manager: str | None
    ) -> tuple[bool, PersonFilter | None]:
        """Whether anybody can match `manager`, and the filter by it (None: none asked);
        nobody matches a user id the key services know no pseudonym of."""
        if manager is None:
            return True, None
        refs = await self.keys.lookup(tenant, manager)
        if not refs:
            return False, None
        return True, PersonFilter(frozenset(refs), manager)

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
        async with self.reading(tenant, when) as (conn, asked):
            counted = None
            if asked.current:
                counted = await self._current_overview(conn, tenant)
            if counted is None:
                rows = await queries.project_facts(conn, tenant_id=tenant, cutoff=asked.cutoff)
                counted = _counted([self.report_of(row, asked) for row in rows])
            live = await queries.live_offices(conn, tenant_id=tenant, cutoff=asked.cutoff)
            categories = await queries.lesson_categories(conn, tenant_id=tenant)
        by_status, by_health, totals = counted
        thresholds = self.thresholds_on(asked.standards, asked.cutoff.day)
        return {
            "as_of": asked.cutoff.day,
            "known_at": asked.cutoff.known_at,
            "thresholds": thresholds,
            "projects_by_status": by_status,
            "projects_by_health": by_health,
            "active_project_offices": live,
            "totals": {
                c: CurrencyTotals(t, thresholds.rate(t.spi, t.cpi)) for c, t in totals.items()
            },
            "lessons_by_category": categories,
        }

    async def _current_overview(
        self, conn: AsyncConnection, tenant: str
    ) -> tuple[dict[str, int], dict[str, int], dict[str, Rollup]] | None:
        """The overview's counts and roll-ups from the current figures, summed by
        PostgreSQL; None when a sum may have more digits than the fold's arithmetic keeps
        (the fold's answer is then the one given)."""
        read = await figures.overview(conn, tenant_id=tenant)
        totals: dict[str, Rollup] = {}
        for t in sorted(read.totals, key=lambda t: str(t.currency)):
            money = money_quantum(t.currency)
            sums = (t.bac, t.pv, t.ev, t.ac, t.unbaselined_ac)
            if not all(exact_sum(v, t.magnitude, money) for v in sums if v is not None):
                return None
            totals[t.currency] = rollup_of_totals(
                int(t.projects),
                bac=total_of(t.bac, money),
                pv=total_of(t.pv, money),
                ev=total_of(t.ev, money),
                ac=total_of(t.ac, money),
                unbaselined_count=int(t.unbaselined),
                unbaselined_ac=total_of(t.unbaselined_ac, money),
            )
        return read.by_status, read.by_health, totals

    async def lessons(self, tenant: str, **filters: Any) -> Sequence[Any]:
        """Lessons learned matching a full-text query and a category, newest first."""
        async with self._supervisor.live_engine().connect() as conn:
            return await queries.lessons(conn, tenant_id=tenant, **filters)

    async def reports_of(
        self,
        conn: AsyncConnection,
        tenant: str,
        asked: Asked,
        project_ids: Collection[UUID],
        *,
        summary: bool = False,
    ) -> dict[UUID, ProjectReport]:
        """The reports of the tenant's projects among `project_ids` that it knew, read on
        `conn` (the caller's snapshot, in which `asked` was resolved: `asked_in` or `reading`),
        exactly as `/v1/reports/projects/{id}/metrics` computes them (no person opened): from
        their current figures when `asked` is `current` (then, when `summary`, without the
        point series: what a roll-up needs)."""
        if not project_ids:
            return {}
        if asked.current:
            return await self.current_reports(conn, tenant, asked, project_ids, summary=summary)
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


def _counted(
    reports: list[ProjectReport],
) -> tuple[dict[str, int], dict[str, int], dict[str, Rollup]]:
    """The overview's counts by status and by overall health (in the reports' order) and its
    roll-ups per currency, folded from every report."""
    by_currency: dict[str, list[evm.Metrics]] = defaultdict(list)
    for report in reports:
        by_currency[report.currency].append(report.metrics)
    return (
        dict(Counter(r.status for r in reports)),
        dict(Counter((r.metrics.health.overall or "unknown") for r in reports)),
        {c: rollup(m, money=money_quantum(c)) for c, m in sorted(by_currency.items())},
    )
