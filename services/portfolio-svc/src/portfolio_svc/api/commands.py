"""Task-based commands on a portfolio's objectives, budget, capacities, scenarios, the
constraints between its components, its decisions and its adopted selection, with If-Match.
Each route only translates the request into a command and the result into a response: the
portfolio with its new ETag."""

from __future__ import annotations

from fastapi import APIRouter

from portfolio_svc.api import reads, schemas
from portfolio_svc.api.deps import OnRoute
from portfolio_svc.api.parts import RolePath, ScenarioPath
from portfolio_svc.application import commands as c

router = APIRouter(prefix="/v1/portfolios/{portfolio_id}", tags=["portfolio commands"])
Read = reads.PortfolioRead


@router.put("/weights", response_model=Read)
async def weigh(body: schemas.WeightsSet, on: OnRoute) -> Read:
    """Weigh the strategic objectives directly (normalised to sum exactly 1) from a date."""
    command = c.WeighObjectives(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        weights=body.weights,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.put("/weights/ahp", response_model=Read)
async def weigh_by_ahp(body: schemas.AhpWeightsSet, on: OnRoute) -> Read:
    """Derive the weights from an AHP pairwise comparison matrix (the principal eigenvector;
    a consistency ratio CR above 0.10 is a 422 stating the CR)."""
    command = c.WeighObjectivesByAhp(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        objectives=tuple(body.objectives),
        matrix=tuple(tuple(str(entry) for entry in row) for row in body.matrix),
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.put("/budget", response_model=Read)
async def set_budget(body: schemas.BudgetSet, on: OnRoute) -> Read:
    """Set the budget the selection is made under, from a date."""
    command = c.SetBudget(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        amount=body.amount,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.put("/capacities/{role}", response_model=Read)
async def set_capacity(role: RolePath, body: schemas.CapacitySet, on: OnRoute) -> Read:
    """Set one role's capacity (in the units of the components' demands), from a date."""
    command = c.SetCapacity(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        role=role,
        amount=body.amount,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.put("/scenarios/{name}", response_model=Read)
async def save_scenario(name: ScenarioPath, body: schemas.ScenarioSave, on: OnRoute) -> Read:
    """Save a named what-if: a budget, capacities, weights and forced sets instead of the
    portfolio's; a later save of the name replaces it from its date."""
    command = c.SaveScenario(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        name=name,
        budget=body.budget,
        capacities=body.capacities,
        weights=body.weights,
        forced_in=tuple(body.forced_in),
        forced_out=tuple(body.forced_out),
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.post("/dependencies", response_model=Read)
async def declare_dependency(body: schemas.DependencyCreate, on: OnRoute) -> Read:
    """Declare that a component needs another: it is selected only with it."""
    command = c.DeclareDependency(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        component_id=body.component_id,
        needs=body.needs,
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.post("/exclusive-groups", response_model=Read)
async def declare_exclusive_group(body: schemas.ExclusiveGroupCreate, on: OnRoute) -> Read:
    """Declare that at most one of some components may be selected."""
    command = c.DeclareExclusiveGroup(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        name=body.name,
        components=tuple(body.components),
        effective_on=body.effective_on,
    )
    return await on.portfolio(command)


@router.post("/decisions", response_model=Read)
async def decide(body: schemas.DecisionCreate, on: OnRoute) -> Read:
    """Approve (fund), defer or terminate a component, with the rationale; a decision on a
    program covers its member projects. A terminated component takes no further decision."""
    command = c.DecideOnComponent(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        component_id=body.component_id,
        decision=body.decision,
        rationale=body.rationale,
        decided_on=body.decided_on,
    )
    return await on.portfolio(command)


@router.post("/selection/adoption", response_model=Read)
async def adopt_selection(on: OnRoute, body: schemas.AdoptionCreate | None = None) -> Read:
    """Adopt the optimal selection on a date (under a scenario if named) as the portfolio's
    current one, with the efficient frontier around it; it funds nothing by itself."""
    asked = body or schemas.AdoptionCreate()
    command = c.AdoptSelection(
        portfolio_id=on.portfolio_id,
        expected_version=on.if_match,
        as_of=asked.as_of,
        scenario=asked.scenario,
        points=asked.points,
    )
    return await on.portfolio(command)
