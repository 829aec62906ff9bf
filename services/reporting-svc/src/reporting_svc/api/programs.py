"""Program report routes: the roll-up of a program's member projects (earned value, health,
funds, benefits, dependency risk) and its resource utilisation, as JSON and as an SVG heatmap.
Each answers at a status date (`as_of`, business time) as known at an instant (`known_at`,
record time), for any role of the caller's tenant; another tenant's program is a 404."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import AfterValidator

from pmo_shared.web.auth import TenantPrincipal
from pmo_shared.web.cursors import bad_cursor, decode_cursor, encode_cursor
from reporting_svc.api import program_schemas as schemas
from reporting_svc.api.deps import Programs
from reporting_svc.api.reports import AskedWhen, health_read, shown, thresholds_read
from reporting_svc.application.programs import (
    MemberReport,
    ProgramReport,
    ResourceReport,
    UtilisationReport,
)
from reporting_svc.domain.dependencies import Assessment, DependencyRisk
from reporting_svc.domain.health import Health
from reporting_svc.domain.heatmap import HeatmapRow, render_heatmap
from reporting_svc.domain.utilisation import is_week

router = APIRouter(prefix="/v1/reports", tags=["program reports"])


def _iso_week(value: str) -> str:
    if not is_week(value):
        raise ValueError(f"{value} is no ISO week")
    return value


Week = Annotated[str, AfterValidator(_iso_week)]
FirstWeek = Annotated[
    Week | None,
    Query(
        pattern=r"^[0-9]{4}-W[0-9]{2}$",
        description="the first ISO week (YYYY-Www) to answer for; default the first week an "
        "assignment in force covers",
    ),
]
LastWeek = Annotated[
    Week | None,
    Query(
        pattern=r"^[0-9]{4}-W[0-9]{2}$",
        description="the last ISO week to answer for; default the last one an assignment in "
        "force covers (at most 156 weeks are answered for)",
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "The tenant has (or knew at `known_at`) no such program",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
}


def summary_read(r: ProgramReport) -> schemas.ProgramSummaryRead:
    """A program report as a list item."""
    c, totals, f, b = r.row.currency, r.performance.totals, r.funds, r.benefit_summary
    return schemas.ProgramSummaryRead(
        program_id=r.row.program_id,
        code=r.row.code,
        name=r.row.name,
        area=r.row.area,
        manager=r.manager,
        sponsor=r.sponsor,
        status=r.status,
        currency=c,
        as_of=r.as_of,
        known_at=r.known_at,
        member_count=len(r.members),
        bac=shown(totals.bac, c),
        pv=shown(totals.pv, c),
        ev=shown(totals.ev, c),
        ac=shown(totals.ac, c),
        sv=shown(r.performance.sv, c),
        cv=shown(r.performance.cv, c),
        spi=totals.spi,
        cpi=totals.cpi,
        unbaselined_count=totals.unbaselined_count,
        unbaselined_ac=shown(totals.unbaselined_ac, c),
        health=health_read(r.performance.health),
        thresholds=thresholds_read(r.thresholds),
        funds=schemas.FundsRead(
            pool=shown(f.pool, c),
            allocated=shown(f.allocated, c),
            unallocated=shown(f.unallocated, c),
            spent=shown(f.spent, c),
            unfunded=shown(f.unfunded, c),
            overspent_members=f.overspent_members,
        ),
        benefits=schemas.BenefitSummaryRead(
            planned=b.planned,
            reported=b.reported,
            at_target=b.at_target,
            at_target_share=b.at_target_share,
            mean_percent=b.mean_percent,
        ),
        members_at_risk=sum(m.dependency_risk == DependencyRisk.AT_RISK for m in r.members),
    )


def _member(m: MemberReport, currency: str) -> schemas.MemberRead:
    p, funding = m.project, m.funding
    metrics = p.metrics if p is not None else None
    own = p.currency if p is not None else currency

    def money(name: str) -> str | None:
        return shown(getattr(metrics, name), own) if metrics is not None else None

    return schemas.MemberRead(
        project_id=m.membership.project_id,
        joined_on=m.membership.joined_on,
        known=p is not None,
        code=p.code if p else None,
        name=p.name if p else None,
        status=p.status if p else None,
        currency=p.currency if p else None,
        in_program_currency=m.in_program_currency,
        as_of=metrics.as_of if metrics else None,
        bac=money("bac"),
        pv=money("pv"),
        ev=money("ev"),
        ac=money("ac"),
        spi=metrics.spi if metrics else None,
        cpi=metrics.cpi if metrics else None,
        health=health_read(metrics.health if metrics else Health(None, None, None)),
        allocation=shown(funding.allocation, currency),
        overspent=funding.overspent,
        unfunded=shown(funding.unfunded, currency),
        dependency_risk=m.dependency_risk,
    )


def _dependency(a: Assessment) -> schemas.DependencyRead:
    d = a.dependency
    return schemas.DependencyRead(
        dependency_id=d.dependency_id,
        dependent_project_id=d.dependent,
        prerequisite_project_id=d.prerequisite,
        kind=d.kind,
        dependent_planned_start=a.dependent_start,
        prerequisite_forecast_finish=a.forecast_finish,
        risk=a.risk,
        reasons=list(a.reasons),
    )


def program_read(r: ProgramReport) -> schemas.ProgramRead:
    """A program report as a response body, with its members, benefits and dependencies."""
    return schemas.ProgramRead(
        **summary_read(r).model_dump(),
        members=[_member(m, r.row.currency) for m in r.members],
        benefit_details=[
            schemas.BenefitRead(
                benefit_id=b.fact.benefit_id,
                name=b.fact.name,
                measure=b.fact.measure,
                unit=b.fact.unit,
                target_value=b.progress.target,
                target_date=b.fact.target_date,
                owner=b.owner,
                realised_value=b.progress.realised,
                realised_as_of=b.fact.realised_as_of,
                realised_percent=b.progress.percent,
                at_target=b.progress.at_target,
            )
            for b in r.benefits
        ],
        dependencies=[_dependency(a) for a in r.dependencies],
    )


@router.get("/programs", response_model=schemas.ProgramPage)
async def list_programs(
    programs: Programs,
    principal: TenantPrincipal,
    when: AskedWhen,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.ProgramPage:
    """Every program of the tenant known at `known_at`, by code, with its roll-up at the
    status date: earned value summed over the members then divided, health, funds, benefits
    and how many members are at risk from a dependency."""
    items, more = await programs.programs(
        principal.tenant, when=when, after=_after(cursor), limit=limit
    )
    last = items[-1].row if items and more else None
    return schemas.ProgramPage(
        items=[summary_read(r) for r in items],
        next_cursor=encode_cursor(f"{last.code}|{last.program_id}") if last else None,
    )


def _after(cursor: str | None) -> tuple[str, UUID] | None:
    """The (code, program id) after which the next page starts; 400 `bad-cursor` for
    anything this API did not return."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    code, sep, program = value.rpartition("|")
    try:
        if not sep:
            raise ValueError("no separator")
        return code, UUID(program)
    except ValueError:
        raise bad_cursor() from None


@router.get("/programs/{program_id}", response_model=schemas.ProgramRead, responses=NOT_FOUND)
async def program(
    program_id: UUID, programs: Programs, principal: TenantPrincipal, when: AskedWhen
) -> schemas.ProgramRead:
    """A program's roll-up at the status date: its members (a project counts only while it
    is a member) with their own figures and health; ΣBAC, ΣPV, ΣEV, ΣAC and SPI = ΣEV/ΣPV,
    CPI = ΣEV/ΣAC; funds (pool, allocated, unallocated, spent, per member allocation against
    AC, unfunded BAC); benefits against their targets; dependencies and the risk they carry."""
    return program_read(await programs.program(principal.tenant, program_id, when=when))


def _resource(r: ResourceReport) -> schemas.ResourceUtilisationRead:
    return schemas.ResourceUtilisationRead(
        resource_id=r.fact.resource_id,
        kind=r.fact.kind,
        label=r.label,
        weekly_capacity_hours=r.fact.capacity,
        weeks=[
            schemas.WeekRead(
                week=w.week,
                assigned_hours=w.assigned,
                capacity_hours=w.capacity,
                utilisation=w.utilisation,
                overbooked=w.overbooked,
            )
            for w in r.load.weeks
        ],
        overbooked_weeks=list(r.load.overbooked_weeks),
    )


def utilisation_read(u: UtilisationReport) -> schemas.UtilisationRead:
    """A utilisation report as a response body."""
    return schemas.UtilisationRead(
        program_id=u.program.program_id,
        as_of=u.as_of,
        known_at=u.known_at,
        weeks=list(u.weeks),
        truncated=u.truncated,
        resources=[_resource(r) for r in u.resources],
        overbooked_resource_weeks=sum(len(r.load.overbooked_weeks) for r in u.resources),
    )


@router.get(
    "/programs/{program_id}/utilisation",
    response_model=schemas.UtilisationRead,
    responses=NOT_FOUND,
)
async def utilisation(
    program_id: UUID,
    programs: Programs,
    principal: TenantPrincipal,
    when: AskedWhen,
    first_week: FirstWeek = None,
    last_week: LastWeek = None,
) -> schemas.UtilisationRead:
    """Utilisation of the program's shared resources per ISO week at the status date: hours
    assigned over weekly capacity by the assignments in force then (changed, ended early or
    released by then; a member's assignments end with the week it left the program), and the
    weeks each resource is overbooked."""
    report = await programs.utilisation(
        principal.tenant, program_id, when=when, first_week=first_week, last_week=last_week
    )
    return utilisation_read(report)


@router.get(
    "/programs/{program_id}/utilisation.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "the utilisation heatmap"},
        **NOT_FOUND,
    },
)
async def utilisation_heatmap(
    program_id: UUID,
    programs: Programs,
    principal: TenantPrincipal,
    when: AskedWhen,
    first_week: FirstWeek = None,
    last_week: LastWeek = None,
) -> Response:
    """The utilisation as an SVG heatmap: resources by ISO week, coloured by assigned over
    capacity, overbooked weeks outlined, with a legend."""
    u = await programs.utilisation(
        principal.tenant, program_id, when=when, first_week=first_week, last_week=last_week
    )
    span = f"{u.weeks[0]} to {u.weeks[-1]}" if u.weeks else "no weeks"
    cut = " (cut to the first 156 weeks)" if u.truncated else ""
    svg = render_heatmap(
        [HeatmapRow(r.label, r.load) for r in u.resources],
        weeks=u.weeks,
        title=f"{u.program.code} {u.program.name}: resource utilisation",
        subtitle=f"as of {u.as_of.isoformat()}, {span}{cut}",
    )
    return Response(svg, media_type="image/svg+xml")
