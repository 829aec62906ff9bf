"""Request bodies of the portfolio-svc API (`XCreate`, `XSet` in; the responses are in
`reads`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, Field

from pmo_shared.domain.values import (
    BUSINESS_DATE_RANGE,
    BusinessDate,
    CurrencyCode,
    NonNegativeAmount,
)
from pmo_shared.web.requests import VISIBLE, Name, RequestBody, UserRef, not_blank
from portfolio_svc.domain.standards_events import Gate
from portfolio_svc.domain.weights import MAX_OBJECTIVES

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
Objective = Annotated[Name, Field(description="a strategic objective's name")]
RoleName = Annotated[Name, Field(description="a role whose capacity limits the selection")]
Why = Annotated[
    str,
    Field(min_length=1, max_length=2000, json_schema_extra={"pattern": VISIBLE}),
    AfterValidator(not_blank),
]
WeightIn = Annotated[
    Decimal,
    Field(ge=0, max_digits=19, decimal_places=6, allow_inf_nan=False),
]
Weights = Annotated[
    dict[Objective, WeightIn],
    Field(
        min_length=1,
        max_length=50,
        description="weight per objective, at least one positive: normalised to sum 1 (each "
        "weight to 6 decimal places, the rounding remainder on the largest)",
    ),
]
Quantity = Annotated[
    Decimal,
    Field(ge=0, max_digits=19, decimal_places=4, allow_inf_nan=False),
]
Demand = Annotated[
    dict[RoleName, Quantity],
    Field(max_length=50, description="demand per role, in the units of that role's capacity"),
]
MatrixEntry = Annotated[
    Decimal | Annotated[str, Field(pattern=r"^([0-9]{1,9}(\.[0-9]{1,9})?|[0-9]{1,9}/[0-9]{1,9})$")],
    Field(
        description="a_ij, how much more objective i matters than j: a positive number, or a "
        'fraction as a string ("1/3"); a_ji must be 1/a_ij (within 1 %)'
    ),
]
Score = Annotated[Decimal, Field(ge=0, le=5, max_digits=9, decimal_places=4, allow_inf_nan=False)]
Risk = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4, allow_inf_nan=False)]
Index = Annotated[Decimal, Field(gt=0, le=10, max_digits=7, decimal_places=4, allow_inf_nan=False)]
Thresholds = Annotated[
    dict[CurrencyCode, NonNegativeAmount],
    Field(max_length=50, description="amount per ISO 4217 currency; an unlisted one has none"),
]
MONEY_IN = (
    "money in the portfolio's currency: at most its ISO 4217 minor unit of decimal places (EUR "
    "2, JPY 0), else 422"
)
TODAY_BY_DEFAULT = (
    "the business date it takes effect: not in the future, not before the portfolio was "
    "created nor before the fact it replaces; defaults to today"
)


def effective_date(what: str = TODAY_BY_DEFAULT) -> Any:
    """An optional business date of a command (the tenant's today when left out)."""
    return Field(default=None, description=f"{what}; within {BUSINESS_DATE_RANGE}")


class Body(RequestBody):
    """A request body of portfolio-svc."""


class PortfolioCreate(Body):
    code: Code = Field(description="unique in the tenant")
    name: Name
    manager: UserRef = Field(description="the portfolio manager's user id")
    currency: CurrencyCode = Field(
        description="an ISO 4217 code with a minor unit (EUR, JPY ...): every component's"
    )
    created_on: BusinessDate | None = effective_date("not in the future; defaults to today")


class WeightsSet(Body):
    weights: Weights
    effective_on: BusinessDate | None = effective_date()


class AhpWeightsSet(Body):
    objectives: list[Objective] = Field(min_length=2, max_length=MAX_OBJECTIVES)
    matrix: list[Annotated[list[MatrixEntry], Field(max_length=MAX_OBJECTIVES)]] = Field(
        max_length=MAX_OBJECTIVES,
        description="the n x n pairwise comparison matrix, rows in the objectives' order; its "
        "consistency ratio CR must not exceed 0.10 (else 422 stating the CR)",
    )
    effective_on: BusinessDate | None = effective_date()


class ComponentCreate(Body):
    component_id: UUID = Field(
        description="a program or a large project of the tenant (as portfolio-svc knows it "
        "from their services' events), in the portfolio's currency, in no other portfolio"
    )
    kind: Literal["program", "project"]
    estimate: NonNegativeAmount | None = Field(
        default=None,
        description=f"its cost while none is known (a program without a funding pool, a "
        f"project without a baseline); 422 when one is known; {MONEY_IN}",
    )
    demand: Demand = Field(default_factory=dict)
    risk_score: Risk = Field(default=Decimal(0), description="0 (no risk) to 1")
    effective_on: BusinessDate | None = effective_date()


class CostChange(Body):
    estimate: NonNegativeAmount | None = Field(
        default=None,
        description="a new estimate while no cost is known; left out: the cost known now (the "
        f"program's pool, the project's latest BAC); {MONEY_IN}",
    )
    effective_on: BusinessDate | None = effective_date()


class ScoreSet(Body):
    score: Score = Field(description="0 (does not serve the objective) to 5")
    rationale: Why
    effective_on: BusinessDate | None = effective_date()


class ComponentRemoval(Body):
    reason: Why
    effective_on: BusinessDate | None = effective_date()


class DependencyCreate(Body):
    component_id: UUID = Field(description="the component that needs the other")
    needs: UUID = Field(description="the component it needs (selected only with it)")
    effective_on: BusinessDate | None = effective_date()


class ExclusiveGroupCreate(Body):
    name: Name
    components: list[UUID] = Field(
        min_length=2, max_length=200, description="at most one of them may be selected"
    )
    effective_on: BusinessDate | None = effective_date()


class BudgetSet(Body):
    amount: NonNegativeAmount = Field(description=MONEY_IN)
    effective_on: BusinessDate | None = effective_date()


class CapacitySet(Body):
    amount: Quantity = Field(description="the role's capacity, in the units of its demands")
    effective_on: BusinessDate | None = effective_date()


class ScenarioSave(Body):
    budget: NonNegativeAmount | None = Field(
        default=None, description=f"instead of the portfolio's; {MONEY_IN}"
    )
    capacities: Demand = Field(
        default_factory=dict, description="per role, over the portfolio's capacities"
    )
    weights: Weights | None = Field(default=None, description="instead of the portfolio's")
    forced_in: list[UUID] = Field(default_factory=list, max_length=200)
    forced_out: list[UUID] = Field(default_factory=list, max_length=200)
    effective_on: BusinessDate | None = effective_date()


class DecisionCreate(Body):
    component_id: UUID
    decision: Literal["approve", "defer", "terminate"] = Field(
        description="approve (fund: forced into the selection), defer, or terminate (final: "
        "forced out)"
    )
    rationale: Why
    decided_on: BusinessDate | None = effective_date(
        "the decision's business date: not in the future; defaults to today"
    )


class AdoptionCreate(Body):
    as_of: BusinessDate | None = effective_date(
        "the business date the selection is computed on: not in the future; defaults to today"
    )
    scenario: Name | None = Field(default=None, description="a saved scenario; none: baseline")
    points: int = Field(default=21, ge=2, le=201, description="budgets on the frontier")


class BandSet(Body):
    green: Index = Field(description="green at or above this")
    amber: Index = Field(description="amber at or above this (at most green), red below")


class SizeClassSet(Body):
    name: Code
    up_to: NonNegativeAmount | None = Field(
        default=None, description="its upper BAC bound (inclusive); null for the last class"
    )


class StandardsSet(Body):
    spi: BandSet
    cpi: BandSet
    large_project_threshold: Thresholds = Field(
        default_factory=dict, description="BAC from which a project is large, per currency"
    )
    portfolio_approval_threshold: Thresholds = Field(
        default_factory=dict,
        description="BAC from which approving a project needs a portfolio approve decision",
    )
    reporting_cadence_days: int = Field(
        ge=1, le=366, description="the longest a Project Office may go without a status report"
    )
    required_gates: list[Gate] = Field(default_factory=list, max_length=10)
    size_classes: dict[CurrencyCode, Annotated[list[SizeClassSet], Field(max_length=20)]] = Field(
        default_factory=dict, max_length=50, description="benchmark size classes per currency"
    )
    benchmark_min_group: int = Field(default=5, ge=1, le=1000)
    reference_class_min: int = Field(default=5, ge=1, le=1000)
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    time_zone: str = Field(min_length=1, max_length=64, description="an IANA time zone")
    effective_on: BusinessDate | None = effective_date(
        "from when the set is in force: not in the future, not before the set it replaces; "
        "defaults to today"
    )


class LessonVerdictCreate(Body):
    project_id: UUID = Field(description="the project the lesson was suggested for")
    lesson_id: UUID = Field(description="the suggested lesson (of another, closed project)")
    useful: bool = Field(
        description="useful: the lesson ranks higher for the project; not useful: it is not "
        "suggested for it again, and sinks for the others the more projects judge it so"
    )
    note: str = Field(default="", max_length=2000, description="why (may be empty)")
    judged_on: BusinessDate | None = effective_date(
        "the verdict's business date: not in the future, not before the verdict on the same "
        "project and lesson it replaces; defaults to today"
    )
