"""Response bodies of the PMO's evaluation reports (benchmarks, reference-class forecasts), as
`schemas`: amounts are canonical strings of the project's currency; percentages, days and
ratios are not money and keep their own scale (percent and days to 0.01, ratios to 0.0001)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from reporting_svc.api.schemas import Money
from reporting_svc.domain.benchmarks import PERCENTILE_METHOD

PERCENTILES = (
    "on the sorted values x[0..n-1]: h = (n - 1) q, P(q) = x[floor h] + (h - floor h) "
    "(x[floor h + 1] - x[floor h]), exact, rounded once to 0.01"
)
COST_OVERRUN = (
    "cost overrun % = (AC at closing / the first baseline's BAC - 1) x 100 (a project whose "
    "first BAC is 0 has none)"
)
SCHEDULE_SLIP = (
    "schedule slip in days = closing date (actual finish, or the cancellation's effective "
    "date) - the first baseline's planned finish (negative: early)"
)
CLOSED = (
    "closed: completed or cancelled (or closed after one of those) by as_of, as known at "
    "known_at; closing date: the actual finish (completed) or the cancellation's effective "
    "date (cancelled); first baseline: baseline number 1"
)


class SizeClassRead(BaseModel):
    name: str
    up_to: Decimal | None = Field(description="the BAC up to which (inclusive); null: unbounded")


class EvaluationStandardsRead(BaseModel):
    """The evaluation settings a report applied."""

    source: Literal["defaults", "pmo-standards"]
    effective_on: date | None = Field(description="the day the set in force took effect")
    version: int | None = Field(description="the set's place in the standards stream")
    benchmark_min_group: int
    reference_class_min: int
    fiscal_year_start_month: int = Field(ge=1, le=12)
    size_classes: dict[str, list[SizeClassRead]] = Field(
        description="the set's size classes by BAC per currency (a currency not listed, or "
        "no set in force: default_size_classes)"
    )
    default_size_classes: list[SizeClassRead] = Field(
        description="S up to 250,000, M up to 1,000,000, L above, in any currency"
    )


class DistributionRead(BaseModel):
    n: int = Field(description="how many values (a project without one is left out)")
    min: Decimal | None
    p25: Decimal | None
    median: Decimal | None
    p75: Decimal | None
    p80: Decimal | None
    max: Decimal | None


class OutcomeStatsRead(BaseModel):
    count: int
    below_minimum: bool = Field(description="fewer than benchmark_min_group projects")
    cost_overrun_pct: DistributionRead = Field(description=COST_OVERRUN)
    schedule_slip_days: DistributionRead = Field(description=SCHEDULE_SLIP)


class BenchmarkGroupRead(BaseModel):
    key: str = Field(
        description='methodology; size class; program id or "none"; the manager\'s user id '
        'as opened (two erased managers: two groups, both "[erased]")'
    )
    label: str
    below_minimum: bool = Field(
        description="fewer completed projects (the benchmark proper) than benchmark_min_group: "
        "shown, but marked"
    )
    completed: OutcomeStatsRead
    cancelled: OutcomeStatsRead = Field(
        description="apart: a cancellation's cost and date are no outcome of completed work"
    )


class QuarterOutcomeRead(BaseModel):
    count: int
    median_cost_overrun_pct: Decimal | None
    median_schedule_slip_days: Decimal | None


class QuarterRead(BaseModel):
    quarter: str = Field(
        description='like "FY2026 Q3": the fiscal year is named by the calendar year it '
        "ends in, starting in fiscal_year_start_month",
        examples=["FY2026 Q3"],
    )
    fiscal_year: int
    quarter_number: int = Field(ge=1, le=4)
    starts_on: date
    ends_on: date
    completed: QuarterOutcomeRead
    cancelled: QuarterOutcomeRead


class BenchmarksRead(BaseModel):
    """The PMO's benchmarks across the tenant's closed projects."""

    group_by: Literal["methodology", "size_class", "program", "manager"]
    as_of: date
    known_at: datetime
    definitions: str = Field(description="what counts as closed, and the first baseline")
    percentile_method: str = Field(examples=[PERCENTILE_METHOD], description=PERCENTILES)
    standards: EvaluationStandardsRead
    closed_count: int = Field(description="closed projects, measured or not")
    unmeasured_count: int = Field(
        description="closed projects without a first baseline: in no group"
    )
    groups: list[BenchmarkGroupRead]
    trend: list[QuarterRead] = Field(
        description="by fiscal quarter of closing, oldest first, over every measured closed "
        "project (quarters without a closing are not listed)"
    )


class ReferenceClassRead(BaseModel):
    class_used: Literal["methodology and size class", "size class"]
    fallback: bool = Field(
        description="the methodology and size class had fewer completed projects than "
        "reference_class_min: the size class alone was used"
    )
    methodology: str
    size_class: str
    size: int = Field(description="completed projects in the class used (not the project)")
    minimum: int = Field(description="reference_class_min of the standards in force")
    below_minimum: bool = Field(description="fewer members than the minimum even so")
    preferred_size: int = Field(description="completed projects of methodology and size class")
    cancelled_excluded: int = Field(description="cancelled projects of the class, left out")
    empty: bool


class ReferenceForecastRead(BaseModel):
    cost_ratios: int = Field(description="members with a cost overrun ratio")
    cost_ratio_p50: Decimal | None = Field(description="of AC at closing / first BAC")
    cost_ratio_p80: Decimal | None
    cost_at_completion_p50: Money | None = Field(description="current BAC x cost ratio P50")
    cost_at_completion_p80: Money | None = Field(description="current BAC x cost ratio P80")
    schedule_ratios: int = Field(description="members with a schedule ratio")
    schedule_ratio_p50: Decimal | None = Field(
        description="of (closing - actual start, or first planned start) / first planned days"
    )
    schedule_ratio_p80: Decimal | None
    finish_p50: date | None = Field(
        description="planned start + planned days x schedule ratio P50, rounded up to a day"
    )
    finish_p80: date | None


class EvmForecastRead(BaseModel):
    as_of: date = Field(description="the project report's status date")
    bac: Money | None = Field(description="of the baseline in force")
    cpi: Decimal | None
    spi: Decimal | None
    eac: Money | None = Field(description="BAC / CPI")
    planned_start: date | None
    planned_finish: date | None
    finish: date | None = Field(
        description="planned start + planned duration in days / SPI, rounded up to a day"
    )


class ForecastRead(BaseModel):
    """A project's reference-class forecast beside its earned-value forecasts."""

    project_id: UUID
    code: str
    name: str
    status: str
    methodology: str
    currency: str
    as_of: date
    known_at: datetime
    definitions: str
    percentile_method: str = Field(examples=[PERCENTILE_METHOD], description=PERCENTILES)
    standards: EvaluationStandardsRead
    first_bac: Money | None = Field(description="BAC of baseline number 1: tells the size class")
    size_class: str | None
    reference_class: ReferenceClassRead | None
    reference_class_forecast: ReferenceForecastRead | None = Field(
        description="null when there is nothing to learn from (see reason)"
    )
    evm_forecast: EvmForecastRead
    reason: str | None = Field(description="why there are no reference-class figures")
