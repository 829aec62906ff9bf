"""Report routes: project metrics, S-curve, Project Offices, PMO overview, lessons. Each report
but the lessons answers at a status date (`as_of`, business time) as known at an instant
(`known_at`, record time)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from pmo_shared.domain.values import (
    BUSINESS_DATE_RANGE,
    BusinessDate,
    RecordInstant,
    canonical,
    in_business_range,
)
from pmo_shared.web.auth import TenantPrincipal
from pmo_shared.web.cursors import (
    bad_cursor,
    decode_cursor,
    decode_cursor_number,
    encode_cursor,
    encode_cursor_number,
)
from pmo_shared.web.problems import Problem
from pmo_shared.web.requests import QueryText
from reporting_svc.api import schemas
from reporting_svc.api.deps import Reports
from reporting_svc.application.reports import (
    CurrencyTotals,
    OfficeReport,
    ProjectPage,
    ProjectReport,
    When,
    sort_value,
)
from reporting_svc.application.standards import Cadence
from reporting_svc.domain.chart import render_evm_chart
from reporting_svc.domain.evm import SeriesPoint
from reporting_svc.domain.health import Health, HealthBand, HealthThresholds, Rag
from reporting_svc.readmodel.dates import iso_date

router = APIRouter(prefix="/v1/reports", tags=["reports"])
AsOf = Annotated[
    BusinessDate | None,
    Query(
        description=(
            "business time: the status date (YYYY-MM-DD, within "
            f"{BUSINESS_DATE_RANGE}). Facts count when their business "
            "date (progress as_of, cost incurred_on, a baseline's or lifecycle change's "
            "effective_on ...) is on or before it; default the tenant's today (in the time "
            "zone of its PMO standards, else the service's zone of the tenant)"
        )
    ),
]


KnownAt = Annotated[
    RecordInstant | None,
    Query(
        description=(
            "record time: the instant of knowledge (ISO 8601 with its offset, within "
            f"{BUSINESS_DATE_RANGE} in UTC). Only facts recorded by then count, as the system "
            "knew them; default now"
        )
    ),
]


def asked_when(as_of: AsOf = None, known_at: KnownAt = None) -> When:
    """The two time axes of a report request."""
    return When(as_of=as_of, known_at=known_at)


AskedWhen = Annotated[When, Depends(asked_when)]
ProjectStatus = Literal[
    "proposed", "approved", "active", "on_hold", "completed", "cancelled", "closed"
]
SortKey = Literal[
    "code",
    "name",
    "status",
    "bac",
    "spi",
    "cpi",
    "-code",
    "-name",
    "-status",
    "-bac",
    "-spi",
    "-cpi",
]


def shown(amount: Decimal | None, currency: str) -> str | None:
    """An amount as every response shows it: the canonical string of its currency (exactly
    its ISO 4217 minor unit of decimals); None stays None."""
    return None if amount is None else canonical(amount, currency)


def health_read(health: Health) -> schemas.HealthRead:
    """A rating as a response body."""
    return schemas.HealthRead(schedule=health.schedule, cost=health.cost, overall=health.overall)


def _band(band: HealthBand) -> schemas.HealthBandRead:
    return schemas.HealthBandRead(green=band.green, amber=band.amber)


def thresholds_read(t: HealthThresholds) -> schemas.ThresholdsRead:
    """The thresholds a report rated by, and where they came from, as a response body."""
    return schemas.ThresholdsRead(
        spi=_band(t.spi), cpi=_band(t.cpi), source=t.source, effective_on=t.effective_on
    )


def metrics_read(r: ProjectReport) -> schemas.ProjectMetricsRead:
    """A project report as a response body."""
    m = r.metrics
    return schemas.ProjectMetricsRead(
        project_id=r.project_id,
        code=r.code,
        name=r.name,
        manager=r.manager,
        status=r.status,
        currency=r.currency,
        as_of=m.as_of,
        known_at=r.known_at,
        bac=shown(m.bac, r.currency),
        pv=shown(m.pv, r.currency),
        ev=shown(m.ev, r.currency),
        ac=shown(m.ac, r.currency),
        sv=shown(m.sv, r.currency),
        cv=shown(m.cv, r.currency),
        spi=m.spi,
        cpi=m.cpi,
        eac=shown(m.eac, r.currency),
        eac_atypical=shown(m.eac_atypical, r.currency),
        eac_combined=shown(m.eac_combined, r.currency),
        etc=shown(m.etc, r.currency),
        vac=shown(m.vac, r.currency),
        tcpi=m.tcpi,
        percent_complete=m.percent_complete,
        health=health_read(m.health),
        thresholds=thresholds_read(r.thresholds),
        open_risks=r.open_risks,
        risk_exposure=shown(r.risk_exposure, r.currency),
        milestones=schemas.MilestoneCounts(**r.milestones),
    )


@router.get("/projects/{project_id}/metrics", response_model=schemas.ProjectMetricsRead)
async def project_metrics(
    project_id: UUID, reports: Reports, principal: TenantPrincipal, when: AskedWhen
) -> schemas.ProjectMetricsRead:
    """Earned value, forecasts, health, risks and milestones of a project at a status date:
    PV from the baseline in force then, EV from the latest progress dated on or before it, AC
    from the costs incurred by then; health on the PMO's standards in force then (else the
    defaults), as `thresholds` states. A project known at `known_at` is never a 404 because of
    the date: before its first dated fact its figures are zero."""
    return metrics_read(await reports.project(principal.tenant, project_id, when=when))


def _sort_value(report: ProjectReport, key: str) -> Any:
    return sort_value(report, key)


KEY_SERVICE_DOWN: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "A producer's key service cannot be reached to look up `manager` "
        "(retry after `Retry-After` seconds)",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
}


@router.get("/projects", response_model=schemas.ProjectMetricsPage, responses=KEY_SERVICE_DOWN)
async def list_project_metrics(
    reports: Reports,
    principal: TenantPrincipal,
    when: AskedWhen,
    status: Annotated[ProjectStatus | None, Query(description="the status at the date")] = None,
    health: Rag | None = None,
    manager: Annotated[QueryText | None, Query()] = None,
    sort: SortKey = "code",
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> schemas.ProjectMetricsPage:
    """Every project's metrics at a status date, filtered by status (then), overall health and
    manager (a user id: the projects it manages by the pseudonyms the key services know of
    it; none once that person is erased), sorted. Filtered, sorted and paged before any
    manager is opened: only the page's are."""
    start = _offset(cursor)
    page = ProjectPage(status=status, health=health, sort=sort, start=start, limit=limit)
    items, more = await reports.project_page(
        principal.tenant, when=when, page=page, manager=manager
    )
    return schemas.ProjectMetricsPage(
        items=[metrics_read(r) for r in items],
        next_cursor=encode_cursor_number("o", start + limit) if more else None,
    )


def _offset(cursor: str | None) -> int:
    return decode_cursor_number(cursor, "o") or 0


@router.get("/projects/{project_id}/evm-series", response_model=schemas.EvmSeriesRead)
async def evm_series(
    project_id: UUID, reports: Reports, principal: TenantPrincipal, when: AskedWhen
) -> schemas.EvmSeriesRead:
    """PV, EV and AC by date from the project's start to the status date (the S-curve)."""
    report, series = await reports.series(principal.tenant, project_id, when=when)
    return schemas.EvmSeriesRead(
        project_id=project_id,
        currency=report.currency,
        bac=shown(report.metrics.bac, report.currency),
        points=[_series_point(p, report.currency) for p in series],
    )


def _series_point(point: SeriesPoint, currency: str) -> schemas.SeriesPointRead:
    return schemas.SeriesPointRead(
        date=point.date,
        pv=shown(point.pv, currency),
        ev=shown(point.ev, currency),
        ac=shown(point.ac, currency),
    )


@router.get(
    "/projects/{project_id}/evm-chart.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "the S-curve as SVG"}},
)
async def evm_chart(
    project_id: UUID, reports: Reports, principal: TenantPrincipal, when: AskedWhen
) -> Response:
    """The earned-value S-curve as an SVG chart."""
    report, series = await reports.series(principal.tenant, project_id, when=when)
    svg = render_evm_chart(
        series,
        title=f"{report.code} {report.name}",
        currency=report.currency,
        bac=report.metrics.bac,
    )
    return Response(svg, media_type="image/svg+xml")


def office_read(o: OfficeReport) -> schemas.OfficeLifecycleRead:
    """An office report as a response body."""
    r = o.row
    last = r.last_report
    return schemas.OfficeLifecycleRead(
        office_id=r.office_id,
        project_id=r.project_id,
        project_code=r.code,
        project_name=r.name,
        lead=o.lead,
        state=o.state,
        working=o.working,
        established_at=r.established_at,
        established_on=r.established_on,
        disbanded_at=r.disbanded_at,
        disbanded_on=r.disbanded_on,
        disband_reason=r.disband_reason,
        disbanded_automatically=r.disbanded_automatically,
        lifetime_days=o.lifetime_days,
        staff_count=int(r.staff_count),
        reports_by_kind=dict(r.reports_by_kind),
        last_report=_last_report(last) if last else None,
        documents=int(r.documents),
        reporting_cadence_days=r.reporting_cadence_days,
        reporting_cadence=_cadence(o.cadence),
        reports_expected=o.reports_expected,
        reports_published=o.reports_published,
        reporting_overdue=o.overdue,
    )


def _cadence(c: Cadence) -> schemas.CadenceRead:
    return schemas.CadenceRead(
        days=c.days,
        source=c.source,
        office_days=c.office_days,
        standard_days=c.standard_days,
        effective_on=c.effective_on,
    )


@router.get("/project-offices", response_model=list[schemas.OfficeLifecycleRead])
async def project_offices(
    reports: Reports,
    principal: TenantPrincipal,
    when: AskedWhen,
    state: Literal["established", "disbanded"] | None = None,
    working: bool | None = None,
) -> list[schemas.OfficeLifecycleRead]:
    """Every Project Office of the tenant established by the status date, with its lifecycle
    state and reporting compliance then (on the shorter of its own cadence and the PMO
    standards'), only those in `state`, only those `working` or not, when given; newest
    first."""
    offices = await reports.offices(principal.tenant, when=when)
    return [
        office_read(o)
        for o in offices
        if (state is None or o.state == state) and (working is None or o.working == working)
    ]


@router.get("/project-offices/{project_id}", response_model=schemas.OfficeLifecycleRead)
async def project_office(
    project_id: UUID, reports: Reports, principal: TenantPrincipal, when: AskedWhen
) -> schemas.OfficeLifecycleRead:
    """The lifecycle of a project's (latest) Project Office at the status date."""
    offices = await reports.offices(principal.tenant, when=when, project_id=project_id)
    if not offices:
        raise Problem(404, detail=f"project {project_id} has no Project Office (at that date)")
    return office_read(offices[0])


@router.get("/pmo/overview", response_model=schemas.OverviewRead)
async def pmo_overview(
    reports: Reports, principal: TenantPrincipal, when: AskedWhen
) -> schemas.OverviewRead:
    """The tenant's projects by status and health, live offices and roll-ups at the status
    date (Σ over the projects with a baseline, then divided; the AC of those without one
    apart), with their health on the thresholds in force then; lessons learned."""
    data = await reports.overview(principal.tenant, when=when)
    totals = [_rollup_read(c, t) for c, t in data["totals"].items()]
    thresholds = thresholds_read(data["thresholds"])
    return schemas.OverviewRead(**{**data, "totals": totals, "thresholds": thresholds})


def _rollup_read(currency: str, totals: CurrencyTotals) -> schemas.RollupRead:
    t = totals.rollup
    return schemas.RollupRead(
        currency=currency,
        project_count=t.project_count,
        bac=shown(t.bac, currency),
        pv=shown(t.pv, currency),
        ev=shown(t.ev, currency),
        ac=shown(t.ac, currency),
        spi=t.spi,
        cpi=t.cpi,
        health=health_read(totals.health),
        unbaselined_count=t.unbaselined_count,
        unbaselined_ac=shown(t.unbaselined_ac, currency),
    )


@router.get("/lessons", response_model=schemas.LessonPage)
async def lessons(
    reports: Reports,
    principal: TenantPrincipal,
    q: Annotated[QueryText | None, Query(description="full-text query (web search syntax)")] = None,
    category: Annotated[QueryText | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.LessonPage:
    """Lessons learned across the tenant's projects, newest first."""
    rows = await reports.lessons(
        principal.tenant, query=q, category=category, after=_lesson_cursor(cursor), limit=limit
    )
    items = [
        schemas.LessonRead(
            lesson_id=r.lesson_id,
            project_id=r.project_id,
            project_code=r.code,
            project_name=r.name,
            category=r.category,
            what_happened=r.what_happened,
            recommendation=r.recommendation,
            occurred_at=r.occurred_at,
        )
        for r in rows
    ]
    last = rows[-1] if len(rows) == limit else None
    next_cursor = (
        encode_cursor(f"{last.occurred_at.isoformat()}|{last.lesson_id}") if last else None
    )
    return schemas.LessonPage(items=items, next_cursor=next_cursor)


def _lesson_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    """The (occurred_at, lesson id) after which the next page starts; 400 `bad-cursor` for
    anything this API did not return (an instant without its offset or out of range too)."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        at, lesson = value.split("|")
        instant = datetime.fromisoformat(at)
        if instant.tzinfo is None:
            raise ValueError("the cursor's instant has no offset")
        return in_business_range(instant), UUID(lesson)
    except ValueError:
        raise bad_cursor() from None


def _last_report(last: dict[str, Any]) -> schemas.LastReportRead:
    """The last published report of an office, its dates read as PostgreSQL wrote them."""
    dates = {key: iso_date(last[key]) for key in ("period_end", "published_on")}
    return schemas.LastReportRead(**{**last, **dates})
