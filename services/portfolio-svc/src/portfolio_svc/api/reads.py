"""Response bodies of the portfolio-svc API (`XRead`). Money is the canonical string of the
portfolio's currency; weights, scores, values and quantities are plain decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from pmo_shared.domain.values import CanonicalAmount
from portfolio_svc.api.figures import Figure
from portfolio_svc.domain.standards_events import Gate


class WeightingRead(BaseModel):
    effective_on: date
    method: Literal["direct", "ahp"]
    weights: dict[str, Figure] = Field(description="per objective, summing to exactly 1")
    cr: Figure | None = Field(description="the AHP consistency ratio (None: set directly)")


class DatedAmountRead(BaseModel):
    effective_on: date
    amount: CanonicalAmount


class DatedQuantityRead(BaseModel):
    effective_on: date
    amount: Figure


class CapacityRead(BaseModel):
    role: str
    timeline: list[DatedQuantityRead]


class CostRead(BaseModel):
    effective_on: date
    amount: CanonicalAmount
    is_estimate: bool


class ScoreRead(BaseModel):
    objective: str
    effective_on: date
    score: Figure
    rationale: str


class DecisionRead(BaseModel):
    decided_on: date
    decision: Literal["approve", "defer", "terminate"]
    rationale: str
    decided_by: str
    covers: list[UUID] = Field(description="for a program: its member projects when decided")


class ComponentRead(BaseModel):
    component_id: UUID
    kind: Literal["program", "project"]
    added_on: date
    removed_on: date | None
    risk_score: Figure
    demand: dict[str, Figure]
    costs: list[CostRead]
    scores: list[ScoreRead]
    decisions: list[DecisionRead]


class DependencyRead(BaseModel):
    component_id: UUID
    needs: UUID
    effective_on: date


class ExclusiveGroupRead(BaseModel):
    name: str
    components: list[UUID]
    effective_on: date


class ScenarioRead(BaseModel):
    name: str
    effective_on: date
    budget: CanonicalAmount | None
    capacities: dict[str, Figure]
    weights: dict[str, Figure] | None
    forced_in: list[UUID]
    forced_out: list[UUID]


class FrontierPointRead(BaseModel):
    budget: CanonicalAmount
    feasible: bool = Field(description="false: the forced-in components do not fit")
    value: Figure | None
    cost: CanonicalAmount | None
    current: bool = Field(description="the budget the selection is made under")
    selected: list[UUID] | None = Field(
        default=None, description="the optimum's components (not kept by an adopted frontier)"
    )


class AdoptedSelectionRead(BaseModel):
    adopted_on: date
    adopted_by: str
    as_of: date
    scenario: str | None
    budget: CanonicalAmount
    value: Figure
    cost: CanonicalAmount
    selected: list[UUID]
    excluded: list[UUID]
    frontier: list[FrontierPointRead]


class PortfolioRead(BaseModel):
    portfolio_id: UUID
    version: int
    code: str
    name: str
    manager: str
    currency: str
    created_on: date | None
    weights: list[WeightingRead] = Field(description="every weighting, by effective date")
    budget: list[DatedAmountRead]
    capacities: list[CapacityRead]
    components: list[ComponentRead]
    dependencies: list[DependencyRead]
    exclusive_groups: list[ExclusiveGroupRead]
    scenarios: list[ScenarioRead]
    adopted_selections: list[AdoptedSelectionRead]


class PortfolioSummary(BaseModel):
    portfolio_id: UUID
    code: str
    name: str
    manager: str
    currency: str
    version: int


class PortfolioPage(BaseModel):
    items: list[PortfolioSummary]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")


class EventRead(BaseModel):
    event_id: UUID
    event_type: str
    schema_version: int
    stream_type: str
    stream_id: UUID
    stream_version: int
    occurred_at: datetime
    actor: str
    correlation_id: str
    causation_id: str | None
    payload: dict[str, Any]


# -- analyses ------------------------------------------------------------------------------------
class Analysis(BaseModel):
    """What every analysis answers for."""

    portfolio_id: UUID
    version: int = Field(description="the portfolio's version it was computed from")
    as_of: date
    known_at: datetime | None = Field(description="record time asked for (None: now)")
    scenario: str | None


class TermRead(BaseModel):
    objective: str
    weight: Figure
    score: Figure
    product: Figure = Field(description="weight x score")
    rationale: str


class RankedRead(BaseModel):
    component_id: UUID
    rank: int = Field(description="competition rank: equal values share the best rank")
    value: Figure = Field(description="the sum of the terms' products")
    terms: list[TermRead]


class RankingRead(Analysis):
    items: list[RankedRead]


class ReasonRead(BaseModel):
    component_id: UUID
    selected: bool
    kind: str = Field(
        description="selected, forced_in, forced_out, excluded_by_budget, excluded_by_capacity, "
        "excluded_by_dependency, excluded_by_exclusive_group or excluded_by_tie_break"
    )
    role: str | None = None
    needs: UUID | None = None
    group: list[UUID] | None = None
    chosen: UUID | None = None


class SlackRead(BaseModel):
    """A constraint's limit, use and slack: the budget's in money (canonical, in the
    portfolio's currency), a role's capacity as a plain decimal in that role's units."""

    constraint: Literal["budget", "capacity"]
    role: str | None
    limit: CanonicalAmount | Figure
    used: CanonicalAmount | Figure
    slack: CanonicalAmount | Figure
    binding: bool


class SelectionRead(Analysis):
    budget: CanonicalAmount
    selected: list[UUID]
    value: Figure
    cost: CanonicalAmount
    reasons: list[ReasonRead] = Field(description="why each component is in or out")
    slacks: list[SlackRead] = Field(description="the budget's, then each role's capacity's")


class FrontierRead(Analysis):
    budget: CanonicalAmount = Field(description="the current budget (its point is `current`)")
    points: list[FrontierPointRead]


class SelectedRead(BaseModel):
    selected: list[UUID]
    value: Figure
    cost: CanonicalAmount


class ComparisonRead(Analysis):
    baseline: SelectedRead
    with_scenario: SelectedRead
    value_delta: Figure = Field(description="the scenario's value minus the baseline's")
    cost_delta: CanonicalAmount = Field(description="the scenario's cost minus the baseline's")
    selected_in: list[UUID] = Field(description="selected with the scenario, not the baseline")
    selected_out: list[UUID] = Field(description="selected by the baseline, not the scenario")


# -- the PMO's standards -------------------------------------------------------------------------
class BandRead(BaseModel):
    green: Figure
    amber: Figure


class SizeClassRead(BaseModel):
    name: str
    up_to: str | None


class StandardsRead(BaseModel):
    version: int = Field(description="the version of the tenant's standards (the ETag)")
    effective_on: date
    recorded_at: datetime | None = Field(
        default=None, description="when the set was recorded (history only)"
    )
    spi: BandRead
    cpi: BandRead
    large_project_threshold: dict[str, str]
    portfolio_approval_threshold: dict[str, str]
    reporting_cadence_days: int
    required_gates: list[Gate]
    size_classes: dict[str, list[SizeClassRead]]
    benchmark_min_group: int
    reference_class_min: int
    fiscal_year_start_month: int
    time_zone: str


class StandardsHistoryRead(BaseModel):
    items: list[StandardsRead] = Field(description="every set, in the order recorded")


class LessonVerdictRead(BaseModel):
    version: int = Field(description="the version of the tenant's PMO stream it made (the ETag)")
    project_id: UUID
    lesson_id: UUID
    useful: bool
    note: str
    judged_on: date
    judged_by: str
    replaces: date | None = Field(
        description="the date of the verdict on the same project and lesson it replaces from "
        "its own date (None: the first)"
    )
