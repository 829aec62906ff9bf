"""Closure scorecard routes: how a project performed (final once it has closed, the same numbers
at any status date while it runs), one project's or a page of the tenant's. Each answers at a
status date (`as_of`, business time) as known at an instant (`known_at`, record time), for any
role of the caller's tenant; another tenant's project is a 404."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from pmo_shared.web.auth import TenantPrincipal
from pmo_shared.web.cursors import bad_cursor, decode_cursor, encode_cursor
from reporting_svc.api import scorecard_schemas as schemas
from reporting_svc.api.reports import AskedWhen, health_read, shown, thresholds_read
from reporting_svc.application.scorecards import (
    ProjectScorecard,
    ScorecardService,
    ScorecardStatus,
)

router = APIRouter(prefix="/v1/reports", tags=["scorecards"])


async def get_scorecards(request: Request) -> ScorecardService:
    """The scorecard service built by the composition root."""
    scorecards: ScorecardService = request.app.state.scorecards
    return scorecards


Scorecards = Annotated[ScorecardService, Depends(get_scorecards)]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "The tenant has (or knew at `known_at`) no such project",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
}


def scorecard_read(s: ProjectScorecard) -> schemas.ScorecardRead:
    """A scorecard as a response body."""
    c, card = s.currency, s.card
    p, cost, sched, m, r = card.performance, card.cost, card.schedule, card.milestones, card.risks
    office, benefits = card.office, card.benefits
    return schemas.ScorecardRead(
        project_id=s.project_id,
        code=s.code,
        name=s.name,
        currency=c,
        methodology=s.methodology,
        status=s.status,
        as_of=card.as_of,
        known_at=s.known_at,
        evaluated_on=card.evaluated_on,
        closed=card.closed,
        closed_as=card.closed_as,
        closed_on=card.closed_on,
        size_class=s.size_class,
        rebaselines=card.rebaselines,
        performance=schemas.PerformanceRead(
            spi=p.spi,
            cpi=p.cpi,
            percent_complete=p.percent_complete,
            health=health_read(p.health),
        ),
        thresholds=thresholds_read(s.thresholds),
        cost=schemas.CostRead(
            ac=shown(cost.ac, c),
            bac_first=shown(cost.bac_first, c),
            bac_last=shown(cost.bac_last, c),
            variance_pct_vs_first=cost.variance_pct_vs_first,
            variance_pct_vs_last=cost.variance_pct_vs_last,
            cost_at_completion=shown(cost.cost_at_completion, c),
            cost_at_completion_basis=cost.cost_at_completion_basis,
            forecast_variance_pct_vs_first=cost.forecast_variance_pct_vs_first,
            forecast_variance_pct_vs_last=cost.forecast_variance_pct_vs_last,
            overrun_ratio=cost.overrun_ratio,
        ),
        schedule=schemas.ScheduleRead(
            planned_finish_first=sched.planned_finish_first,
            planned_finish_last=sched.planned_finish_last,
            finish=sched.finish,
            finish_basis=sched.finish_basis,
            slip_days_vs_first=sched.slip_days_vs_first,
            slip_days_vs_last=sched.slip_days_vs_last,
            schedule_ratio=sched.schedule_ratio,
        ),
        milestones=schemas.MilestonesRead(
            counted=m.counted,
            on_time=m.on_time,
            late=m.late,
            missed=m.missed,
            on_time_percent=m.on_time_percent,
        ),
        risks=schemas.RisksRead(
            raised=r.raised, materialised=r.materialised, open=r.open, by_outcome=r.by_outcome
        ),
        office_compliance=None
        if office is None
        else schemas.OfficeComplianceRead(
            offices=office.offices,
            reports_expected=office.reports_expected,
            reports_published=office.reports_published,
            overdue=office.overdue,
            compliance_percent=office.compliance_percent,
        ),
        benefits=None
        if benefits is None
        else schemas.BenefitsRead(
            programs=list(s.programs),
            planned=benefits.planned,
            reported=benefits.reported,
            at_target=benefits.at_target,
            realised_percent=benefits.realised_percent,
        ),
        lessons=card.lessons,
    )


@router.get(
    "/projects/{project_id}/scorecard", response_model=schemas.ScorecardRead, responses=NOT_FOUND
)
async def project_scorecard(
    project_id: UUID, scorecards: Scorecards, principal: TenantPrincipal, when: AskedWhen
) -> schemas.ScorecardRead:
    """A project's closure scorecard: evaluated on its closing date (actual finish, or the
    cancellation's effective date) when it had closed by the status date, its figures final,
    else on the status date. Final (or current) SPI and CPI against the last baseline in force;
    cost variance % of AC and of the cost at completion (AC once closed, EAC = BAC / CPI while
    it runs) against the first and the last baseline's BAC; schedule slip in days of the
    finish (actual, or forecast while it runs: planned start + planned duration / SPI, not
    before the status date) against the first and the last planned finish; re-baselines;
    milestones on time; risks raised, materialised and still open; Project Office reporting
    compliance; the benefits realised of the programs it is a member of; lessons recorded; its
    size class. A project known at `known_at` is never a 404 because of the date."""
    return scorecard_read(await scorecards.scorecard(principal.tenant, project_id, when=when))


@router.get("/pmo/scorecards", response_model=schemas.ScorecardPage)
async def pmo_scorecards(
    scorecards: Scorecards,
    principal: TenantPrincipal,
    when: AskedWhen,
    status: Annotated[
        ScorecardStatus | None,
        Query(
            description="closed: completed or cancelled (or closed after one of those) by the "
            "status date; running: any other status then; default both"
        ),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.ScorecardPage:
    """The scorecards of the tenant's projects known at `known_at`, by code, each as
    `/v1/reports/projects/{id}/scorecard` computes it."""
    items, more = await scorecards.scorecards(
        principal.tenant, when=when, status=status, after=_after(cursor), limit=limit
    )
    last = items[-1] if items and more else None
    return schemas.ScorecardPage(
        items=[scorecard_read(s) for s in items],
        next_cursor=encode_cursor(f"{last.code}|{last.project_id}") if last else None,
    )


def _after(cursor: str | None) -> tuple[str, UUID] | None:
    """The (code, project id) after which the next page starts; 400 `bad-cursor` for anything
    this API did not return."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    code, sep, project = value.rpartition("|")
    try:
        if not sep:
            raise ValueError("no separator")
        return code, UUID(project)
    except ValueError:
        raise bad_cursor() from None
