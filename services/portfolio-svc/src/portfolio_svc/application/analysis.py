"""The analyses of a portfolio on both time axes: the ranking, the optimal selection, the
efficient frontier and a scenario's comparison with the baseline, each computed from the facts
in force on `as_of` (business date, default the tenant's today) of the portfolio as it was
known at `known_at` (record time, default now). A `scenario` names a saved what-if in force on
`as_of` (its weights, budget, capacities and forced sets instead of the portfolio's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pmo_shared.application.caller import Caller
from portfolio_svc.application.queries import Bus, get_portfolio, today
from portfolio_svc.domain import ranking as rk
from portfolio_svc.domain import selection
from portfolio_svc.domain.errors import UnknownScenarioError
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.portfolio_state import Scenario, Timeline


@dataclass(frozen=True, slots=True)
class Asked:
    """Which portfolio, on which business date, as known when, under which scenario."""

    portfolio_id: UUID
    as_of: date | None = None
    known_at: datetime | None = None
    scenario: str | None = None


@dataclass(frozen=True, slots=True)
class Analysed:
    """The portfolio an analysis was made of, and the business date it answers for."""

    portfolio: Portfolio
    as_of: date


async def analysed(bus: Bus, caller: Caller, asked: Asked) -> Analysed:
    """The portfolio as known at `known_at` (404 if the tenant had none then), and the date."""
    portfolio = await get_portfolio(bus, caller, asked.portfolio_id, known_at=asked.known_at)
    return Analysed(portfolio, asked.as_of or today(bus, caller))


async def ranking(bus: Bus, caller: Caller, asked: Asked) -> tuple[Analysed, list[rk.Ranked[UUID]]]:
    """The components ranked by Σ weight x score on `as_of` (the scenario's weights if it has
    any)."""
    at = await analysed(bus, caller, asked)
    weights = None
    if asked.scenario is not None:
        weights = _scenario(at, asked.scenario).weights
    return at, at.portfolio.ranking(as_of=at.as_of, weights=weights)


async def selected(bus: Bus, caller: Caller, asked: Asked) -> tuple[Analysed, selection.Selection]:
    """The optimal selection on `as_of`, with why each component is in or out and the slack."""
    at = await analysed(bus, caller, asked)
    return at, at.portfolio.select(as_of=at.as_of, scenario=asked.scenario)


@dataclass(frozen=True, slots=True)
class Frontier:
    """The efficient frontier, and the selection at the model's own budget."""

    points: list[selection.FrontierPoint]
    budget: Decimal


async def frontier(
    bus: Bus, caller: Caller, asked: Asked, *, points: int
) -> tuple[Analysed, Frontier]:
    """The optimum for `points` budgets from 0 to the sum of all costs, and for the current
    budget (marked)."""
    at = await analysed(bus, caller, asked)
    model = at.portfolio.selection_model(as_of=at.as_of, scenario=asked.scenario)
    return at, Frontier(selection.frontier(model, points), model.budget)


@dataclass(frozen=True, slots=True)
class Comparison:
    """A scenario against the baseline on one date: both selections and what differs."""

    baseline: selection.Selection
    scenario: selection.Selection
    selected_in: tuple[str, ...]
    selected_out: tuple[str, ...]

    @property
    def value_delta(self) -> Decimal:
        """The scenario's value minus the baseline's."""
        return self.scenario.value - self.baseline.value

    @property
    def cost_delta(self) -> Decimal:
        """The scenario's cost minus the baseline's."""
        return self.scenario.cost - self.baseline.cost


async def comparison(
    bus: Bus, caller: Caller, asked: Asked, *, name: str
) -> tuple[Analysed, Comparison]:
    """The scenario `name`'s selection against the baseline's on the same `as_of`:
    components it selects that the baseline does not (`selected_in`) and the reverse."""
    at = await analysed(bus, caller, asked)
    _scenario(at, name)
    base = at.portfolio.select(as_of=at.as_of)
    what_if = at.portfolio.select(as_of=at.as_of, scenario=name)
    return at, Comparison(
        baseline=base,
        scenario=what_if,
        selected_in=tuple(sorted(set(what_if.selected) - set(base.selected))),
        selected_out=tuple(sorted(set(base.selected) - set(what_if.selected))),
    )


def _scenario(at: Analysed, name: str) -> Scenario:
    found = at.portfolio.scenarios.get(name, Timeline()).at(at.as_of)
    if found is None:
        raise UnknownScenarioError(name, on=at.as_of.isoformat())
    return found
