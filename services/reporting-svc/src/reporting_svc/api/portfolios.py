"""Portfolio report routes: the roll-up of a portfolio's components (earned value, health,
decisions, selection, value terms, budget coverage per objective) as JSON, its components as an
SVG bubble chart and its adopted selection's frontier as SVG. Each answers at a status date
(`as_of`, business time) as known at an instant (`known_at`, record time), for any role of the
caller's tenant; another tenant's portfolio is a 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from pmo_shared.web.auth import TenantPrincipal
from pmo_shared.web.cursors import bad_cursor, decode_cursor, encode_cursor
from reporting_svc.api import portfolio_schemas as schemas
from reporting_svc.api.reports import AskedWhen, health_read, shown, thresholds_read
from reporting_svc.application.portfolio_facts import SelectionReport
from reporting_svc.application.portfolios import (
    ComponentReport,
    PortfolioReport,
    PortfolioReportService,
)
from reporting_svc.domain import bubble
from reporting_svc.domain.frontier import Adopted, render_frontier
from reporting_svc.domain.portfolio_rollup import DECISION_STATUSES, ObjectiveCoverage

router = APIRouter(prefix="/v1/reports", tags=["portfolio reports"])


async def get_portfolios(request: Request) -> PortfolioReportService:
    """The portfolio report service built by the composition root."""
    portfolios: PortfolioReportService = request.app.state.portfolios
    return portfolios


Portfolios = Annotated[PortfolioReportService, Depends(get_portfolios)]
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "The tenant has (or knew at `known_at`) no such portfolio",
        "content": _PROBLEM,
    }
}


def exact(number: Decimal) -> str:
    """A figure that is not money as `schemas.Exact`: fixed-point, no trailing zeros."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _exact(number: Decimal | None) -> str | None:
    return None if number is None else exact(number)


def _selection_summary(s: SelectionReport, r: PortfolioReport) -> schemas.SelectionSummaryRead:
    in_force = {c.component_id for c in r.components}
    c = r.row.currency
    return schemas.SelectionSummaryRead(
        as_of=s.as_of,
        scenario=s.scenario,
        budget=shown(s.budget, c),
        value=exact(s.value),
        cost=shown(s.cost, c),
        adopted_on=s.adopted_on,
        selected_in_force=sum(cid in in_force for cid in s.selected),
    )


def summary_read(r: PortfolioReport) -> schemas.PortfolioSummaryRead:
    """A portfolio report as a list item."""
    c, totals = r.row.currency, r.performance.totals
    known = {k: v for k, v in r.decisions.items() if k in DECISION_STATUSES}
    return schemas.PortfolioSummaryRead(
        portfolio_id=r.row.portfolio_id,
        code=r.row.code,
        name=r.row.name,
        manager=r.manager,
        currency=c,
        as_of=r.as_of,
        known_at=r.known_at,
        component_count=len(r.components),
        budget=shown(r.budget, c),
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
        health_distribution=schemas.HealthCountsRead(**r.health),
        decisions=schemas.DecisionCountsRead(
            **known, other=sum(v for k, v in r.decisions.items() if k not in known)
        ),
        selection=_selection_summary(r.selection, r) if r.selection else None,
    )


def _component(c: ComponentReport, r: PortfolioReport) -> schemas.ComponentRead:
    f, v, d = c.figures, c.valuation, c.decision
    currency = c.figures_currency
    return schemas.ComponentRead(
        component_id=c.component_id,
        kind=c.kind,
        known=c.known,
        code=c.code,
        name=c.name,
        added_on=c.added_on,
        cost=shown(c.cost, r.row.currency),
        cost_is_estimate=c.cost_is_estimate,
        risk_score=exact(c.risk_score),
        value=schemas.ValueRead(
            value=_exact(v.value),
            terms=[
                schemas.TermRead(
                    objective=t.objective,
                    weight=exact(t.weight),
                    score=_exact(t.score),
                    product=_exact(t.product),
                    rationale=t.rationale,
                )
                for t in v.terms
            ],
            missing_scores=list(v.missing),
        ),
        decision=schemas.DecisionRead(
            status=d.status,
            decided_on=d.decided_on,
            rationale=d.rationale,
            covers=list(d.covers),
            decided_by=d.decided_by if d.decided_on is not None else None,
        ),
        selected=c.selected,
        counted_through=c.counted_through,
        figures=schemas.FiguresRead(
            currency=currency,
            bac=shown(f.bac, currency) if currency else None,
            pv=shown(f.pv, currency) if currency else None,
            ev=shown(f.ev, currency) if currency else None,
            ac=shown(f.ac, currency) if currency else None,
            spi=f.spi,
            cpi=f.cpi,
            health=health_read(f.health),
        ),
        members=[
            schemas.MemberRead(
                project_id=m.project_id,
                known=m.project is not None,
                code=m.project.code if m.project else None,
                name=m.project.name if m.project else None,
                counted=m.counted,
            )
            for m in c.members
        ],
    )


def _coverage(o: ObjectiveCoverage, currency: str) -> schemas.CoverageRead:
    return schemas.CoverageRead(
        objective=o.objective,
        weight=exact(o.weight),
        share=shown(o.share, currency),
        funded=shown(o.funded, currency),
        coverage=o.coverage,
        gap=shown(o.gap, currency),
        unscored_components=list(o.unscored),
    )


def _selection(s: SelectionReport, r: PortfolioReport) -> schemas.SelectionRead:
    c = r.row.currency
    return schemas.SelectionRead(
        **_selection_summary(s, r).model_dump(),
        adopted_by=s.adopted_by,
        selected=list(s.selected),
        excluded=list(s.excluded),
        frontier=[
            schemas.FrontierPointRead(
                budget=shown(p.budget, c),
                feasible=p.feasible,
                value=_exact(p.value),
                cost=shown(p.cost, c),
                current=p.current,
            )
            for p in sorted(s.frontier, key=lambda p: p.budget)
        ],
    )


def portfolio_read(r: PortfolioReport) -> schemas.PortfolioRead:
    """A portfolio report as a response body, with its components, selection and coverage."""
    return schemas.PortfolioRead(
        **summary_read(r).model_dump(),
        weighting_method=r.weighting_method,
        weights=[schemas.WeightRead(objective=o, weight=exact(w)) for o, w in r.weights or ()],
        components=[_component(c, r) for c in r.components],
        selection_details=_selection(r.selection, r) if r.selection else None,
        coverage=[_coverage(o, r.row.currency) for o in r.coverage],
    )


@router.get("/portfolios", response_model=schemas.PortfolioPage)
async def list_portfolios(
    portfolios: Portfolios,
    principal: TenantPrincipal,
    when: AskedWhen,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.PortfolioPage:
    """Every portfolio of the tenant known at `known_at`, by code, with its roll-up at the
    status date: earned value summed over the components (programs through their members, none
    twice) then divided, health, components per health and per decision, the selection."""
    items, more = await portfolios.portfolios(
        principal.tenant, when=when, after=_after(cursor), limit=limit
    )
    last = items[-1].row if items and more else None
    return schemas.PortfolioPage(
        items=[summary_read(r) for r in items],
        next_cursor=encode_cursor(f"{last.code}|{last.portfolio_id}") if last else None,
    )


def _after(cursor: str | None) -> tuple[str, UUID] | None:
    """The (code, portfolio id) after which the next page starts; 400 `bad-cursor` for
    anything this API did not return."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    code, sep, portfolio = value.rpartition("|")
    try:
        if not sep:
            raise ValueError("no separator")
        return code, UUID(portfolio)
    except ValueError:
        raise bad_cursor() from None


@router.get("/portfolios/{portfolio_id}", response_model=schemas.PortfolioRead, responses=NOT_FOUND)
async def portfolio(
    portfolio_id: UUID, portfolios: Portfolios, principal: TenantPrincipal, when: AskedWhen
) -> schemas.PortfolioRead:
    """A portfolio's roll-up at the status date: its components then (added, not removed)
    with cost, risk, value = sum of weight x score (every term), decision, selection and earned
    value; sum of BAC, PV, EV, AC over them (a program through its member projects, none twice)
    and SPI, CPI from the sums; components per health and per decision; the adopted selection;
    the budget and its coverage of each objective (see `coverage`)."""
    return portfolio_read(await portfolios.portfolio(principal.tenant, portfolio_id, when=when))


def _bubble(c: ComponentReport, currency: str) -> bubble.Bubble:
    assert c.valuation.value is not None  # only those are placed
    assert c.cost is not None
    return bubble.Bubble(
        key=str(c.component_id),
        label=c.label,
        description=bubble.description(
            code=c.label,
            name=c.name,
            value=c.valuation.value,
            risk=c.risk_score,
            cost=c.cost,
            currency=currency,
            health=c.figures.health.overall,
            decision=c.decision.status,
            selected=c.selected,
        ),
        value=c.valuation.value,
        risk=c.risk_score,
        cost=c.cost,
        health=c.figures.health.overall,
        selected=c.selected,
    )


_SVG: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}}}}


@router.get(
    "/portfolios/{portfolio_id}/bubble.svg",
    response_class=Response,
    responses={**_SVG, **NOT_FOUND},
)
async def bubble_chart(
    portfolio_id: UUID, portfolios: Portfolios, principal: TenantPrincipal, when: AskedWhen
) -> Response:
    """The components at the status date as an SVG bubble chart: value (sum of weight x
    score) across, risk score up, area in proportion to cost, colour by health (as in the
    roll-up, on the thresholds it states), labelled with their codes; the adopted selection's
    ringed, those without a value named below."""
    r = await portfolios.portfolio(principal.tenant, portfolio_id, when=when)
    placed = [c for c in r.components if c.valuation.value is not None and c.cost is not None]
    svg = bubble.render_bubbles(
        [_bubble(c, r.row.currency) for c in placed],
        unplotted=[c.label for c in r.components if c not in placed],
        title=f"{r.row.code} {r.row.name}: value, risk and cost",
        subtitle=f"as of {r.as_of.isoformat()}, {len(r.components)} components",
        currency=r.row.currency,
        thresholds=r.thresholds,
    )
    return Response(svg, media_type="image/svg+xml")


@router.get(
    "/portfolios/{portfolio_id}/frontier.svg",
    response_class=Response,
    responses={
        **_SVG,
        404: {
            "description": "No such portfolio, or it had no selection adopted by `as_of` "
            "(problem type `no-selection-adopted`)",
            "content": _PROBLEM,
        },
    },
)
async def frontier_chart(
    portfolio_id: UUID, portfolios: Portfolios, principal: TenantPrincipal, when: AskedWhen
) -> Response:
    """The efficient frontier of the adopted selection in force at the status date (its
    optimal value at each budget, as adopted) as SVG, the adopted budget and selection marked."""
    r = await portfolios.selection(principal.tenant, portfolio_id, when=when)
    s = r.selection
    assert s is not None  # `selection` refuses a portfolio without one
    scenario = f", scenario {s.scenario}" if s.scenario else ""
    svg = render_frontier(
        s.frontier,
        adopted=Adopted(s.budget, s.value, s.cost),
        title=f"{r.row.code} {r.row.name}: efficient frontier",
        subtitle=f"adopted on {s.adopted_on.isoformat()}, solved as of {s.as_of.isoformat()}"
        f"{scenario}; shown as of {r.as_of.isoformat()}",
        currency=r.row.currency,
    )
    return Response(svg, media_type="image/svg+xml")
