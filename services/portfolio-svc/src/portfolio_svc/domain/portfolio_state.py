"""What a portfolio is, as its events made it: dated timelines folded from its events, and the
queries that read them as they stood on a business date. The decisions live in
`portfolio.Portfolio`.

Every changeable fact (the weights, a component's cost, a score, the budget, a role's capacity,
a scenario) is a timeline of (effective date, value) entries whose dates never go back (the
commands refuse a backdated one), so the value in force on a date is the last entry dated on or
before it, and a later change never alters an earlier date's answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar
from uuid import UUID

from pmo_shared.domain.aggregate import Aggregate, applies
from portfolio_svc.domain import events as ev

T = TypeVar("T")


@dataclass
class Timeline(Generic[T]):
    """Values by effective date, dates non-decreasing."""

    entries: list[tuple[date, T]] = field(default_factory=list)

    def add(self, on: date, value: T) -> None:
        """A new entry (the commands keep dates non-decreasing)."""
        self.entries.append((on, value))

    def at(self, as_of: date) -> T | None:
        """The value in force on `as_of` (the last entry dated on or before it), if any."""
        found: T | None = None
        for on, value in self.entries:
            if on > as_of:
                break
            found = value
        return found

    @property
    def last_on(self) -> date | None:
        """The date of the latest entry."""
        return self.entries[-1][0] if self.entries else None


@dataclass(frozen=True)
class Cost:
    """A component's cost, or an estimate of it."""

    amount: Decimal
    is_estimate: bool


@dataclass(frozen=True)
class ScoreEntry:
    """A score 0..5 on one objective and why."""

    value: Decimal
    rationale: str


@dataclass(frozen=True)
class Weighting:
    """Objective weights summing to 1 and how they were set."""

    weights: Mapping[str, Decimal]
    method: str
    cr: Decimal | None = None


@dataclass(frozen=True)
class Scenario:
    """A named what-if as saved."""

    name: str
    budget: Decimal | None
    capacities: Mapping[str, Decimal]
    weights: Mapping[str, Decimal] | None
    forced_in: frozenset[UUID]
    forced_out: frozenset[UUID]


@dataclass(frozen=True)
class DecisionEntry:
    """A decision on a component (`covers`: a program's member projects it covered)."""

    decision: str
    rationale: str
    decided_on: date
    decided_by: str
    covers: tuple[UUID, ...] = ()


@dataclass
class ComponentFacts:
    """A component: when it was in the portfolio and its dated facts."""

    kind: str
    added_on: date
    risk_score: Decimal
    demand: Mapping[str, Decimal]
    removed_on: date | None = None
    cost: Timeline[Cost] = field(default_factory=Timeline)
    scores: dict[str, Timeline[ScoreEntry]] = field(default_factory=dict)
    decisions: Timeline[DecisionEntry] = field(default_factory=Timeline)

    def present(self, as_of: date) -> bool:
        """Whether it is in the portfolio on `as_of` (from its addition until its removal)."""
        return self.added_on <= as_of and (self.removed_on is None or as_of < self.removed_on)


class PortfolioState(Aggregate):
    """A portfolio's facts, changed only by applying its events."""

    stream_type = ev.PORTFOLIO

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.code = self.name = self.manager = self.currency = ""
        self.created_on: date | None = None
        self.weighting: Timeline[Weighting] = Timeline()
        self.budget: Timeline[Decimal] = Timeline()
        self.capacity: dict[str, Timeline[Decimal]] = {}
        self.components: dict[UUID, ComponentFacts] = {}
        self.dependencies: list[tuple[date, UUID, UUID]] = []
        self.exclusive_groups: list[tuple[date, str, frozenset[UUID]]] = []
        self.scenarios: dict[str, Timeline[Scenario]] = {}
        self.adopted: Timeline[ev.SelectionAdopted] = Timeline()

    @applies(ev.PortfolioCreated)
    def _on_created(self, e: ev.PortfolioCreated) -> None:
        self.code, self.name, self.manager, self.currency = e.code, e.name, e.manager, e.currency
        self.created_on = e.created_on

    @applies(ev.ObjectivesWeighted)
    def _on_weighted(self, e: ev.ObjectivesWeighted) -> None:
        self.weighting.add(e.effective_on, Weighting(dict(e.weights), e.method, e.cr))

    @applies(ev.ComponentAdded)
    def _on_component_added(self, e: ev.ComponentAdded) -> None:
        facts = ComponentFacts(e.kind, e.effective_on, e.risk_score, dict(e.demand))
        facts.cost.add(e.effective_on, Cost(e.cost, e.cost_is_estimate))
        self.components[e.component_id] = facts

    @applies(ev.ComponentCostChanged)
    def _on_cost_changed(self, e: ev.ComponentCostChanged) -> None:
        self.components[e.component_id].cost.add(e.effective_on, Cost(e.cost, e.cost_is_estimate))

    @applies(ev.ComponentScored)
    def _on_scored(self, e: ev.ComponentScored) -> None:
        scores = self.components[e.component_id].scores
        scores.setdefault(e.objective, Timeline()).add(
            e.effective_on, ScoreEntry(e.score, e.rationale)
        )

    @applies(ev.ComponentRemoved)
    def _on_removed(self, e: ev.ComponentRemoved) -> None:
        self.components[e.component_id].removed_on = e.effective_on

    @applies(ev.BudgetSet)
    def _on_budget_set(self, e: ev.BudgetSet) -> None:
        self.budget.add(e.effective_on, e.amount)

    @applies(ev.CapacitySet)
    def _on_capacity_set(self, e: ev.CapacitySet) -> None:
        self.capacity.setdefault(e.role, Timeline()).add(e.effective_on, e.amount)

    @applies(ev.DependencyDeclared)
    def _on_dependency(self, e: ev.DependencyDeclared) -> None:
        self.dependencies.append((e.effective_on, e.component_id, e.needs))

    @applies(ev.ExclusiveGroupDeclared)
    def _on_exclusive_group(self, e: ev.ExclusiveGroupDeclared) -> None:
        self.exclusive_groups.append((e.effective_on, e.name, frozenset(e.components)))

    @applies(ev.ScenarioSaved)
    def _on_scenario(self, e: ev.ScenarioSaved) -> None:
        scenario = Scenario(
            e.name,
            e.budget,
            dict(e.capacities),
            None if e.weights is None else dict(e.weights),
            frozenset(e.forced_in),
            frozenset(e.forced_out),
        )
        self.scenarios.setdefault(e.name, Timeline()).add(e.effective_on, scenario)

    @applies(ev.DecisionRecorded)
    def _on_decision(self, e: ev.DecisionRecorded) -> None:
        self.components[e.component_id].decisions.add(
            e.decided_on,
            DecisionEntry(e.decision, e.rationale, e.decided_on, e.decided_by, tuple(e.covers)),
        )

    @applies(ev.SelectionAdopted)
    def _on_selection_adopted(self, e: ev.SelectionAdopted) -> None:
        self.adopted.add(e.adopted_on, e)
