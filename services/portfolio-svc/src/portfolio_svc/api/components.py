"""Task-based commands on a portfolio's components, with If-Match: add a program or a large
project of the tenant, refresh its cost, score it, remove it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from portfolio_svc.api import reads, schemas
from portfolio_svc.api.deps import OnRoute
from portfolio_svc.api.parts import ObjectivePath
from portfolio_svc.application import commands as c

router = APIRouter(prefix="/v1/portfolios/{portfolio_id}/components", tags=["portfolio components"])
Read = reads.PortfolioRead


@router.post("", response_model=Read)
async def add_component(body: schemas.ComponentCreate, on: OnRoute) -> Read:
    """Take a program, or a large project (flagged large, or its BAC at or above the PMO's
    large-project threshold in force), of the tenant as a component: 422 while portfolio-svc
    does not know it yet or it is in another currency; 409 naming the portfolio that has it,
    or when the portfolio would count a project twice (through a program it holds)."""
    command = c.AddComponent(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        component_id=body.component_id,
        kind=body.kind,
        estimate=body.estimate,
        demand=body.demand,
        risk_score=body.risk_score,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.put("/{component_id}/cost", response_model=Read)
async def change_cost(component_id: UUID, body: schemas.CostChange, on: OnRoute) -> Read:
    """Refresh a component's cost from what portfolio-svc knows now (a program's pool, a
    project's latest BAC), or give a new estimate while none is known."""
    command = c.ChangeComponentCost(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        component_id=component_id,
        estimate=body.estimate,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.put("/{component_id}/scores/{objective}", response_model=Read)
async def score(
    component_id: UUID, objective: ObjectivePath, body: schemas.ScoreSet, on: OnRoute
) -> Read:
    """Score a component 0..5 on a weighted objective, with the rationale."""
    command = c.ScoreComponent(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        component_id=component_id,
        objective=objective,
        score=body.score,
        rationale=body.rationale,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.post("/{component_id}/removal", response_model=Read)
async def remove(component_id: UUID, body: schemas.ComponentRemoval, on: OnRoute) -> Read:
    """Remove a component from a date (earlier dates' rankings keep it); it may then join
    another portfolio."""
    command = c.RemoveComponent(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        component_id=component_id,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)
