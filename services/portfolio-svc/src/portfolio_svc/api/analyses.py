"""The analyses of a portfolio, on both time axes: each answers for the business date `as_of`
(default the tenant's today) the portfolio as known at `known_at` (default now), under a saved
scenario if one is named."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from pmo_shared.web.commands import CallerDep
from portfolio_svc.api import reads
from portfolio_svc.api.analysis_views import (
    comparison_read,
    frontier_read,
    ranking_read,
    selection_read,
)
from portfolio_svc.api.deps import AsOf, Bus, KnownAt
from portfolio_svc.api.frontier_svg import frontier_svg
from portfolio_svc.api.parts import NAMED, ScenarioPath
from portfolio_svc.application import analysis
from portfolio_svc.domain.selection import MAX_FRONTIER_POINTS

router = APIRouter(prefix="/v1/portfolios/{portfolio_id}", tags=["portfolio analyses"])

Scenario = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        pattern=NAMED,
        description="a scenario saved on or before `as_of` (its weights, budget, capacities "
        "and forced sets instead of the portfolio's); none: the baseline",
    ),
]
Points = Annotated[
    int,
    Query(ge=2, le=MAX_FRONTIER_POINTS, description="budgets evenly spaced from 0 to Σ cost"),
]
SVG = "image/svg+xml"


@router.get("/ranking", response_model=reads.RankingRead)
async def ranking(
    portfolio_id: UUID,
    bus: Bus,
    caller: CallerDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    scenario: Scenario = None,
) -> reads.RankingRead:
    """The components ranked by value = Σ weight x score (best first, every term visible), from
    the weights and scores in force on `as_of`."""
    asked = analysis.Asked(portfolio_id, as_of, known_at, scenario)
    at, ranked = await analysis.ranking(bus, caller, asked)
    return ranking_read(at, asked, ranked)


@router.get("/selection", response_model=reads.SelectionRead)
async def selection(
    portfolio_id: UUID,
    bus: Bus,
    caller: CallerDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    scenario: Scenario = None,
) -> reads.SelectionRead:
    """The exact optimal selection under the budget, capacities, forced sets (approved
    components in, terminated out), dependencies and exclusive groups in force on `as_of`;
    why each component is in or out, and each constraint's slack."""
    asked = analysis.Asked(portfolio_id, as_of, known_at, scenario)
    at, chosen = await analysis.selected(bus, caller, asked)
    return selection_read(at, asked, chosen)


@router.get("/frontier", response_model=reads.FrontierRead)
async def frontier(
    portfolio_id: UUID,
    bus: Bus,
    caller: CallerDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    scenario: Scenario = None,
    points: Points = 21,
) -> reads.FrontierRead:
    """The efficient frontier: the optimum for `points` budgets from 0 to the sum of all costs,
    and for the current budget (marked `current`)."""
    asked = analysis.Asked(portfolio_id, as_of, known_at, scenario)
    at, curve = await analysis.frontier(bus, caller, asked, points=points)
    return frontier_read(at, asked, curve)


@router.get(
    "/frontier.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {"schema": {"type": "string"}}}, "description": "SVG"}},
)
async def frontier_image(
    portfolio_id: UUID,
    bus: Bus,
    caller: CallerDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    scenario: Scenario = None,
    points: Points = 21,
) -> Response:
    """The efficient frontier as an SVG image: value against budget, each optimum a point, the
    current budget marked."""
    asked = analysis.Asked(portfolio_id, as_of, known_at, scenario)
    at, curve = await analysis.frontier(bus, caller, asked, points=points)
    what = f" ({asked.scenario})" if asked.scenario else ""
    title = f"Efficient frontier of {at.portfolio.code}{what} on {at.as_of.isoformat()}"
    image = frontier_svg(curve.points, currency=at.portfolio.currency, title=title)
    return Response(content=image, media_type=SVG)


@router.get("/scenarios/{name}/comparison", response_model=reads.ComparisonRead)
async def compare_scenario(
    portfolio_id: UUID,
    name: ScenarioPath,
    bus: Bus,
    caller: CallerDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> reads.ComparisonRead:
    """A scenario's optimal selection against the baseline's on the same `as_of`: Δ value,
    Δ cost, and the components it selects in and out."""
    asked = analysis.Asked(portfolio_id, as_of, known_at, name)
    at, compared = await analysis.comparison(bus, caller, asked, name=name)
    return comparison_read(at, asked, compared, name=name)
