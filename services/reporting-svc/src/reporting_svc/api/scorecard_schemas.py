"""Response bodies of the closure scorecards (as `schemas`: amounts are canonical strings of the
project's currency, ratios and percentages keep their own scale)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from reporting_svc.api.schemas import RATIO, HealthRead, Money, ThresholdsRead

SIGNED_PERCENT = (
    "a percentage (not money), a decimal string with 2 decimal places, negative when under; "
    "null when undefined"
)


class PerformanceRead(BaseModel):
    spi: Decimal | None = Field(
        description=f"EV / PV on the evaluation date against the last baseline: {RATIO}"
    )
    cpi: Decimal | None = Field(description=f"EV / AC on the evaluation date: {RATIO}")
    percent_complete: Decimal = Field(description="the latest progress reported by then")
    health: HealthRead


class CostRead(BaseModel):
    ac: Money | None = Field(description="the costs incurred by the evaluation date")
    bac_first: Money | None = Field(description="BAC of the first baseline (number 1)")
    bac_last: Money | None = Field(
        description="BAC of the last baseline in force on the evaluation date"
    )
    variance_pct_vs_first: Decimal | None = Field(
        description=f"(AC - first BAC) / first BAC x 100: {SIGNED_PERCENT}"
    )
    variance_pct_vs_last: Decimal | None = Field(
        description=f"(AC - last BAC) / last BAC x 100: {SIGNED_PERCENT}"
    )
    cost_at_completion: Money | None = Field(
        description="AC for a closed project; while it runs the EVM forecast EAC = BAC / CPI "
        "against the last baseline (null while CPI is undefined)"
    )
    cost_at_completion_basis: Literal["actual", "eac-forecast"] | None
    forecast_variance_pct_vs_first: Decimal | None = Field(
        description=f"(cost at completion - first BAC) / first BAC x 100: {SIGNED_PERCENT}"
    )
    forecast_variance_pct_vs_last: Decimal | None = Field(
        description=f"(cost at completion - last BAC) / last BAC x 100: {SIGNED_PERCENT}"
    )
    overrun_ratio: Decimal | None = Field(
        description=f"cost at completion / first BAC (closed: AC at closing / first BAC): {RATIO}"
    )


class ScheduleRead(BaseModel):
    planned_finish_first: date | None
    planned_finish_last: date | None
    finish: date | None = Field(
        description="the closing date for a closed project; while it runs the forecast finish "
        "(see finish_basis)"
    )
    finish_basis: Literal["actual", "spi-forecast", "planned", "status-date"] | None = Field(
        description="actual: the closing date; spi-forecast: the last baseline's planned start "
        "+ its planned duration / SPI (unrounded; days rounded up), not before the status "
        "date; planned: no SPI above 0 yet, the last planned finish still ahead; status-date: "
        "still running on the status date past its forecast or planned finish"
    )
    slip_days_vs_first: int | None = Field(
        description="finish - first planned finish, in days (negative: early)"
    )
    slip_days_vs_last: int | None = Field(description="finish - last planned finish, in days")
    schedule_ratio: Decimal | None = Field(
        description="(finish - actual start, or the first planned start without one) / (first "
        f"planned finish - first planned start): {RATIO}"
    )


class MilestonesRead(BaseModel):
    counted: int = Field(
        description="milestones due by the evaluation date, or achieved by then whatever their "
        "due date"
    )
    on_time: int = Field(description="of them, achieved on or before their due date")
    late: int = Field(description="achieved after their due date")
    missed: int = Field(description="due by the evaluation date, not achieved by then")
    on_time_percent: Decimal | None = Field(
        description="on_time / counted x 100, 2 decimal places; null when none counts"
    )


class RisksRead(BaseModel):
    raised: int = Field(description="risks raised by the evaluation date")
    materialised: int = Field(description='closed by then with the outcome "materialised"')
    open: int = Field(description="not closed by then")
    by_outcome: dict[str, int] = Field(
        description="the risks closed by then, per outcome (a v1 closure: unrecorded)"
    )


class OfficeComplianceRead(BaseModel):
    offices: int = Field(description="the project's Project Offices by the status date")
    reports_expected: int = Field(
        description="per office: its days alive on its cadence (the shorter of its own and the "
        "PMO standards'), summed"
    )
    reports_published: int
    overdue: bool = Field(description="an office still working is past its cadence")
    compliance_percent: Decimal | None = Field(
        description="reports published (of each office at most as many as expected) / reports "
        "expected x 100; null when none was expected yet"
    )


class BenefitsRead(BaseModel):
    programs: list[UUID] = Field(
        description="the programs the project is a member of on the evaluation date"
    )
    planned: int = Field(description="their benefits planned by the status date")
    reported: int = Field(description="of them, those with a realisation reported by then")
    at_target: int
    realised_percent: Decimal | None = Field(
        description="the mean over their benefits reported of latest value / target x 100 "
        "(each as the program report shows it), 2 decimal places; null before any report"
    )


class ScorecardRead(BaseModel):
    project_id: UUID
    code: str
    name: str
    currency: str
    methodology: str
    status: str = Field(description="the project's status on the status date")
    as_of: date = Field(description="the status date asked (business time)")
    known_at: datetime = Field(description="the instant of knowledge (record time)")
    evaluated_on: date = Field(
        description="the closing date when the project had closed by the status date (its "
        "figures are final), else the status date"
    )
    closed: bool = Field(
        description="completed or cancelled (or closed after one of those) by the status date"
    )
    closed_as: Literal["completed", "cancelled"] | None
    closed_on: date | None = Field(
        description="the actual finish (completed) or the cancellation's effective date"
    )
    size_class: str | None = Field(
        description="by the first baseline's BAC, in the size bands of the PMO standards in "
        "force on the status date (defaults: S up to 250,000, M up to 1,000,000, L above); "
        "null without a baseline"
    )
    rebaselines: int = Field(
        description="baselines in force by the evaluation date after the first"
    )
    performance: PerformanceRead
    thresholds: ThresholdsRead = Field(description="what health was rated by")
    cost: CostRead
    schedule: ScheduleRead
    milestones: MilestonesRead
    risks: RisksRead
    office_compliance: OfficeComplianceRead | None = Field(
        description="null when the project had no Project Office by the status date"
    )
    benefits: BenefitsRead | None = Field(
        description="null when the project is a member of no program on the evaluation date"
    )
    lessons: int = Field(description="lessons recorded for the project by the status date")


class ScorecardPage(BaseModel):
    items: list[ScorecardRead]
    next_cursor: str | None
