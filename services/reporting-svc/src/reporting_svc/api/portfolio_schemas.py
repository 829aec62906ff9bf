"""Response bodies of the portfolio reports (as `schemas`: amounts are canonical strings of the
portfolio's currency, or of a component's own where it says so; ratios keep their own scale;
weights, scores, values and risk scores are `Exact`: the decimal portfolio-svc computes, never
rounded, written as portfolio-svc writes its figures)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from reporting_svc.api.schemas import (
    PERSON,
    RATIO,
    UNBASELINED_AC,
    HealthRead,
    Money,
    ThresholdsRead,
)

Exact = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+(\.[0-9]*[1-9])?$",
        description="an exact decimal, fixed-point, without trailing zeros (never rounded)",
        examples=["0.75"],
    ),
]
EXACT = "exact, never rounded"
COVERAGE = (
    "Budget coverage of one objective at the status date: share = weight x budget in force; "
    "funded = the sum over the components approved then (latest decision in force: approve) "
    "of cost in force x score on this objective / 5 (the part of the cost that serves it; a "
    "component serves every objective it scores on, so the funded amounts need not add up to "
    "the approved cost); coverage = funded / share (1.0000: exactly its weight's share; null "
    "without a budget or at a share of 0); gap = share - funded (negative: beyond its share)"
)


class WeightRead(BaseModel):
    objective: str
    weight: Exact = Field(description=f"in force at the status date (weights sum to 1): {EXACT}")


class TermRead(BaseModel):
    objective: str
    weight: Exact = Field(description=EXACT)
    score: Exact | None = Field(description="0..5, in force at the status date; null: none")
    product: Exact | None = Field(description=f"weight x score: {EXACT}")
    rationale: str | None = Field(description="why the component scored so")


class ValueRead(BaseModel):
    value: Exact | None = Field(
        description=f"sum of the terms' products: {EXACT}; null when a weighted objective has "
        "no score (never taken as 0) or no weights are in force"
    )
    terms: list[TermRead] = Field(description="one per objective weighted, in their order")
    missing_scores: list[str] = Field(description="weighted objectives it has no score on")


class DecisionRead(BaseModel):
    status: str = Field(
        description="approved, deferred or terminated by the latest decision in force at the "
        "status date; undecided before any"
    )
    decided_on: date | None
    rationale: str | None
    covers: list[UUID] = Field(description="for a program: its member projects when decided")
    decided_by: str | None = Field(description=f"{PERSON}; null while undecided")


class FiguresRead(BaseModel):
    currency: str | None = Field(description="of the amounts here: the program's or project's")
    bac: Money | None
    pv: Money | None
    ev: Money | None
    ac: Money | None
    spi: Decimal | None = Field(description=f"EV / PV (a program: sum of EV / sum of PV): {RATIO}")
    cpi: Decimal | None = Field(description=f"EV / AC (a program: sum of EV / sum of AC): {RATIO}")
    health: HealthRead = Field(
        description="from SPI and CPI: a program's on the portfolio's thresholds, a project's "
        "as its own report rates it (on the thresholds in force at its status date)"
    )


class MemberRead(BaseModel):
    project_id: UUID
    known: bool = Field(description="reporting knows the project (its events have arrived)")
    code: str | None
    name: str | None
    counted: bool = Field(
        description="its figures count in the portfolio's sums (known, in the portfolio's "
        "currency, and counted through this program)"
    )


class ComponentRead(BaseModel):
    component_id: UUID
    kind: str = Field(description="program or project")
    known: bool = Field(description="reporting knows the program or project itself")
    code: str | None
    name: str | None
    added_on: date = Field(description="in the portfolio from this business date")
    cost: Money | None = Field(
        description="the portfolio's cost of it in force (a program's pool, a project's BAC, or "
        "an estimate), in the portfolio's currency"
    )
    cost_is_estimate: bool
    risk_score: Exact = Field(description="0..1 (a probability-like share; 0: no risk)")
    value: ValueRead
    decision: DecisionRead
    selected: bool = Field(description="in the adopted selection in force at the status date")
    counted_through: UUID | None = Field(
        description="a project that is also a member of a program component counts through "
        "that program (never twice): the program's id"
    )
    figures: FiguresRead = Field(description="its earned value at the status date")
    members: list[MemberRead] = Field(description="a program's members at the status date")


class HealthCountsRead(BaseModel):
    red: int
    amber: int
    green: int
    none: int = Field(description="components without health (no figures yet)")


class DecisionCountsRead(BaseModel):
    approved: int
    deferred: int
    terminated: int
    undecided: int
    other: int = Field(description="components whose decision reporting does not know yet")


class SelectionSummaryRead(BaseModel):
    as_of: date = Field(description="the business date the selection was solved for")
    scenario: str | None = Field(description="the scenario it was solved under; null: baseline")
    budget: Money = Field(description="the budget it was solved under")
    value: Exact = Field(description=f"its value, as adopted: {EXACT}")
    cost: Money = Field(description="its cost, as adopted")
    adopted_on: date
    selected_in_force: int = Field(description="of its components, those in the portfolio now")


class FrontierPointRead(BaseModel):
    budget: Money
    feasible: bool = Field(description="false: the forced-in components do not fit")
    value: Exact | None = Field(description=f"the optimum's value: {EXACT}")
    cost: Money | None
    current: bool = Field(description="the adopted budget's point")


class SelectionRead(SelectionSummaryRead):
    adopted_by: str = Field(description=PERSON)
    selected: list[UUID]
    excluded: list[UUID]
    frontier: list[FrontierPointRead] = Field(description="as adopted, by budget")


class CoverageRead(BaseModel):
    objective: str
    weight: Exact = Field(description=EXACT)
    share: Money | None = Field(description="weight x budget")
    funded: Money | None = Field(description="sum of cost x score / 5 over approved components")
    coverage: Decimal | None = Field(description=f"funded / share: {RATIO}")
    gap: Money | None = Field(description="share - funded")
    unscored_components: list[UUID] = Field(description="approved, without a score on it")


class PortfolioSummaryRead(BaseModel):
    portfolio_id: UUID
    code: str
    name: str
    manager: str = Field(description=PERSON)
    currency: str
    as_of: date = Field(description="the status date (business time)")
    known_at: datetime = Field(description="the instant of knowledge (record time)")
    component_count: int = Field(description="components in the portfolio at the status date")
    budget: Money | None = Field(description="the budget in force")
    bac: Money | None = Field(
        description="sum of BAC over the components: a program through its member projects, a "
        "project directly, none twice; projects in the portfolio's currency with a baseline"
    )
    pv: Money | None = Field(description="sum of PV, likewise")
    ev: Money | None = Field(description="sum of EV, likewise")
    ac: Money | None = Field(description="sum of AC, likewise (see unbaselined_ac)")
    unbaselined_count: int = Field(
        description="projects counted (likewise) without a baseline: not in the sums"
    )
    unbaselined_ac: Money | None = Field(description=UNBASELINED_AC)
    sv: Money | None = Field(description="sum of EV - sum of PV")
    cv: Money | None = Field(description="sum of EV - sum of AC")
    spi: Decimal | None = Field(description=f"sum of EV / sum of PV (never an average): {RATIO}")
    cpi: Decimal | None = Field(description=f"sum of EV / sum of AC (never an average): {RATIO}")
    health: HealthRead = Field(description="of the sums, on the PMO's thresholds")
    thresholds: ThresholdsRead = Field(
        description="what health was rated by (the portfolio's and its program components'): "
        "the thresholds in force at the status date"
    )
    health_distribution: HealthCountsRead = Field(description="components per health")
    decisions: DecisionCountsRead = Field(description="components per decision status")
    selection: SelectionSummaryRead | None = Field(
        description="the adopted selection in force (the latest adopted by the status date)"
    )


class PortfolioPage(BaseModel):
    items: list[PortfolioSummaryRead]
    next_cursor: str | None


class PortfolioRead(PortfolioSummaryRead):
    weighting_method: str | None = Field(description="direct or ahp; null: no weights yet")
    weights: list[WeightRead]
    components: list[ComponentRead]
    selection_details: SelectionRead | None = Field(
        description="the adopted selection in force, with its components and frontier"
    )
    coverage: list[CoverageRead] = Field(description=COVERAGE)
