"""Every fact portfolio-svc records, as explicit, versioned schemas (stream type `portfolio`,
published on `pmo.portfolio.events`, Kafka key = the portfolio id).

A published version never changes: a new shape is a new class with `schema_version = 2` plus
an upcaster (see `pmo_shared.domain.events`). Every fact carries its business date
(`effective_on`, `decided_on`, `created_on`), so a ranking or a selection can be asked for as it
stood on any business date.

Decisions recorded here:
- Weights are Decimals (JSON: canonical strings), normalised to sum exactly 1 (`weights`).
- A risk score is a decimal from 0 to 1 (a probability-like share; 0 = no risk). It is carried
  for reporting; the selection does not use it.
- Demand per role is a non-negative decimal in the units of that role's capacity.

Personal data: `manager` and `decided_by` are `PersonalUserId` (docs/personal-data.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pmo_shared.domain.events import DomainEvent, EventRegistry
from pmo_shared.domain.values import CurrencyCode, NonNegativeAmount, Text
from pmo_shared.privacy.fields import PersonalUserId

registry = EventRegistry()

PORTFOLIO = "portfolio"
TOPIC = "pmo.portfolio.events"

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
Objective = Annotated[str, Field(min_length=1, max_length=200)]
Role = Annotated[str, Field(min_length=1, max_length=200)]
Rationale = Annotated[str, Field(max_length=2000)]
Weight = Annotated[Decimal, Field(ge=0, le=1, allow_inf_nan=False)]
ScoreValue = Annotated[Decimal, Field(ge=0, le=5, allow_inf_nan=False)]
RiskScore = Annotated[Decimal, Field(ge=0, le=1, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
ComponentKind = Literal["program", "project"]
WeightingMethod = Literal["direct", "ahp"]
Decision = Literal["approve", "defer", "terminate"]


@registry.register
class PortfolioCreated(DomainEvent):
    """A portfolio was created, with its manager and its one currency."""

    event_type = "PortfolioCreated"
    portfolio_id: UUID
    code: Code
    name: Text
    manager: PersonalUserId
    currency: CurrencyCode
    created_on: date


@registry.register
class ObjectivesWeighted(DomainEvent):
    """The strategic objectives were (re)weighted from `effective_on`: weights summing to 1, set
    directly or derived from an AHP matrix (`matrix` rows as entered, as strings, and its `cr`)."""

    event_type = "ObjectivesWeighted"
    weights: dict[Objective, Weight]
    method: WeightingMethod
    matrix: list[list[str]] | None = None
    cr: Decimal | None = None
    effective_on: date


@registry.register
class ComponentAdded(DomainEvent):
    """A program or large project of the tenant became a component (a candidate) from
    `effective_on`, with its cost (or an estimate), risk score 0..1 and demand per role."""

    event_type = "ComponentAdded"
    component_id: UUID
    kind: ComponentKind
    cost: NonNegativeAmount
    cost_is_estimate: bool
    risk_score: RiskScore
    demand: dict[Role, Quantity] = Field(default_factory=dict)
    currency: CurrencyCode
    effective_on: date


@registry.register
class ComponentCostChanged(DomainEvent):
    """A component's cost (or estimate) changed from `effective_on`."""

    event_type = "ComponentCostChanged"
    component_id: UUID
    cost: NonNegativeAmount
    cost_is_estimate: bool
    effective_on: date


@registry.register
class ComponentScored(DomainEvent):
    """A component was scored 0..5 on one objective, with its rationale, from `effective_on`."""

    event_type = "ComponentScored"
    component_id: UUID
    objective: Objective
    score: ScoreValue
    rationale: Rationale
    effective_on: date


@registry.register
class ComponentRemoved(DomainEvent):
    """A component left the portfolio from `effective_on`."""

    event_type = "ComponentRemoved"
    component_id: UUID
    reason: Rationale = ""
    effective_on: date


@registry.register
class BudgetSet(DomainEvent):
    """The portfolio's budget from `effective_on` (in its currency)."""

    event_type = "BudgetSet"
    amount: NonNegativeAmount
    effective_on: date


@registry.register
class CapacitySet(DomainEvent):
    """One role's capacity from `effective_on`."""

    event_type = "CapacitySet"
    role: Role
    amount: Quantity
    effective_on: date


@registry.register
class DependencyDeclared(DomainEvent):
    """Component `component_id` needs component `needs` (selected only with it)."""

    event_type = "DependencyDeclared"
    component_id: UUID
    needs: UUID
    effective_on: date


@registry.register
class ExclusiveGroupDeclared(DomainEvent):
    """At most one of `components` may be selected."""

    event_type = "ExclusiveGroupDeclared"
    name: Text
    components: list[UUID]
    effective_on: date


@registry.register
class ScenarioSaved(DomainEvent):
    """A named what-if from `effective_on`: a budget, capacities (per role, over the portfolio's),
    weights (normalised, instead of the portfolio's) and forced sets. A later save of the same
    name replaces it from its own date."""

    event_type = "ScenarioSaved"
    name: Text
    budget: NonNegativeAmount | None = None
    capacities: dict[Role, Quantity] = Field(default_factory=dict)
    weights: dict[Objective, Weight] | None = None
    forced_in: list[UUID] = Field(default_factory=list)
    forced_out: list[UUID] = Field(default_factory=list)
    effective_on: date


@registry.register
class DecisionRecorded(DomainEvent):
    """A component was approved (funded), deferred or terminated, with the rationale. `covers`
    lists, for a program, the member projects it had when decided (as portfolio-svc knew them
    from program-svc's events): a decision on a program is the decision on each of them (they
    are counted through the program, never as components of their own); empty for a project."""

    event_type = "DecisionRecorded"
    component_id: UUID
    kind: ComponentKind
    covers: list[UUID] = Field(default_factory=list)
    decision: Decision
    rationale: Rationale
    decided_on: date
    decided_by: PersonalUserId


class AdoptedFrontierPoint(BaseModel):
    """One point of the efficient frontier as adopted: the optimum at `budget` (`feasible`
    False: the forced-in components do not fit; no value nor cost then)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    budget: NonNegativeAmount
    feasible: bool
    value: Decimal | None = None
    cost: NonNegativeAmount | None = None
    current: bool = False


@registry.register
class SelectionAdopted(DomainEvent):
    """The portfolio manager adopted the optimal selection computed on `as_of` (under
    `scenario`, None: the baseline) as the portfolio's current selection, with its value, its
    cost, the budget it was solved under, and the efficient frontier around it (the adopted
    budget marked `current`). It funds nothing by itself: a decision does."""

    event_type = "SelectionAdopted"
    as_of: date
    scenario: Text | None = None
    budget: NonNegativeAmount
    value: Decimal
    cost: NonNegativeAmount
    selected: list[UUID]
    excluded: list[UUID]
    frontier: list[AdoptedFrontierPoint]
    adopted_on: date
    adopted_by: PersonalUserId
