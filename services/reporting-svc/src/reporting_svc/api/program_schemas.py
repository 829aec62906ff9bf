"""Response bodies of the program reports (as `schemas`: amounts are canonical strings of the
program's currency, ratios and percentages keep their own scale)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from reporting_svc.api.schemas import (
    PERCENT,
    PERSON,
    RATIO,
    UNBASELINED_AC,
    HealthRead,
    Money,
    ThresholdsRead,
)
from reporting_svc.domain.dependencies import DependencyRisk, Reason

HOURS = "hours (not money), a decimal string"


class FundsRead(BaseModel):
    pool: Money | None = Field(description="the funding pool at the status date")
    allocated: Money | None = Field(description="sum of the members' allocations")
    unallocated: Money | None = Field(description="pool - allocated")
    spent: Money | None = Field(
        description="sum of the members' AC (members in the program's currency)"
    )
    unfunded: Money | None = Field(description="sum of the members' unfunded BAC")
    overspent_members: int = Field(description="members whose AC exceeds their allocation")


class BenefitSummaryRead(BaseModel):
    planned: int = Field(description="benefits planned by the status date")
    reported: int = Field(description="of them, those with a realisation reported by then")
    at_target: int = Field(description="of them, those realised at or above target")
    at_target_share: Decimal | None = Field(
        description=f"at_target / planned: {RATIO} (null without benefits)"
    )
    mean_percent: Decimal | None = Field(
        description="mean of the reported benefits' realised percentages (as shown; units "
        f"are never summed): {PERCENT}; null before any report"
    )


class ProgramSummaryRead(BaseModel):
    program_id: UUID
    code: str
    name: str
    area: str
    manager: str = Field(description=PERSON)
    sponsor: str = Field(description=PERSON)
    status: str = Field(description="at the status date")
    currency: str
    as_of: date = Field(description="the status date (business time)")
    known_at: datetime = Field(description="the instant of knowledge (record time)")
    member_count: int = Field(description="member projects at the status date")
    bac: Money | None = Field(
        description="sum of the BAC of the members with a baseline (program currency)"
    )
    pv: Money | None = Field(description="sum of the members' PV")
    ev: Money | None = Field(description="sum of the members' EV")
    ac: Money | None = Field(description="sum of the AC of the members with a baseline")
    unbaselined_count: int = Field(
        description="members without a baseline: they count in member_count, not in the sums"
    )
    unbaselined_ac: Money | None = Field(description=UNBASELINED_AC)
    sv: Money | None = Field(description="sum of EV - sum of PV")
    cv: Money | None = Field(description="sum of EV - sum of AC")
    spi: Decimal | None = Field(description=f"sum of EV / sum of PV (never an average): {RATIO}")
    cpi: Decimal | None = Field(description=f"sum of EV / sum of AC (never an average): {RATIO}")
    health: HealthRead = Field(description="from SPI and CPI on the PMO's thresholds")
    thresholds: ThresholdsRead = Field(
        description="what health was rated by: the thresholds in force at the status date"
    )
    funds: FundsRead
    benefits: BenefitSummaryRead
    members_at_risk: int = Field(description="members at risk from a dependency")


class ProgramPage(BaseModel):
    items: list[ProgramSummaryRead]
    next_cursor: str | None


class MemberRead(BaseModel):
    project_id: UUID
    joined_on: date = Field(description="the business date it joined the program")
    known: bool = Field(description="reporting knows the project (its events have arrived)")
    code: str | None
    name: str | None
    status: str | None = Field(description="the project's status at its status date")
    currency: str | None
    in_program_currency: bool = Field(
        description="its currency is the program's; only then do its figures count in the sums"
    )
    as_of: date | None = Field(description="the member's own status date, as its report's")
    bac: Money | None = Field(description="in the member's currency")
    pv: Money | None
    ev: Money | None
    ac: Money | None
    spi: Decimal | None = Field(description=f"EV / PV: {RATIO}")
    cpi: Decimal | None = Field(description=f"EV / AC: {RATIO}")
    health: HealthRead
    allocation: Money | None = Field(description="its allocation from the pool (program currency)")
    overspent: bool = Field(description="its AC exceeds its allocation (a flag, not a refusal)")
    unfunded: Money | None = Field(
        description="BAC - allocation where positive, else 0; null without a BAC"
    )
    dependency_risk: DependencyRisk = Field(description="the worst risk its dependencies put on it")


class BenefitRead(BaseModel):
    benefit_id: UUID
    name: str
    measure: str
    unit: str = Field(description="the benefit's own unit: never added to another benefit's")
    target_value: Decimal
    target_date: date
    owner: str = Field(description=PERSON)
    realised_value: Decimal | None = Field(
        description="the latest value reported as of the status date; null before any"
    )
    realised_as_of: date | None
    realised_percent: Decimal | None = Field(
        description=f"realised / target x 100 (beyond 100 when exceeded): {PERCENT}"
    )
    at_target: bool


class DependencyRead(BaseModel):
    dependency_id: UUID
    dependent_project_id: UUID
    prerequisite_project_id: UUID
    kind: str = Field(description="finish_to_start or deliverable")
    dependent_planned_start: date | None
    prerequisite_forecast_finish: date | None = Field(
        description="its planned start + planned duration / SPI (whole days, rounded up); "
        "null when unknown (no baseline, SPI null or 0)"
    )
    risk: DependencyRisk = Field(
        description="at_risk: the prerequisite is red or forecast to finish after the "
        "dependent's planned start; unknown: that cannot be told; none otherwise"
    )
    reasons: list[Reason]


class ProgramRead(ProgramSummaryRead):
    members: list[MemberRead]
    benefit_details: list[BenefitRead]
    dependencies: list[DependencyRead]


class WeekRead(BaseModel):
    week: str = Field(description="ISO 8601 week, YYYY-Www")
    assigned_hours: Decimal = Field(description=HOURS)
    capacity_hours: Decimal = Field(description=HOURS)
    utilisation: Decimal | None = Field(
        description=f"assigned / capacity: {RATIO} (1.0000 = full); null without capacity"
    )
    overbooked: bool = Field(description="assigned beyond capacity")


class ResourceUtilisationRead(BaseModel):
    resource_id: UUID
    kind: str = Field(description="person or role")
    label: str = Field(description=f"the person ({PERSON}) or the role")
    weekly_capacity_hours: Decimal = Field(description=HOURS)
    weeks: list[WeekRead]
    overbooked_weeks: list[str]


class UtilisationRead(BaseModel):
    program_id: UUID
    as_of: date = Field(description="the status date (business time)")
    known_at: datetime = Field(description="the instant of knowledge (record time)")
    weeks: list[str] = Field(description="the ISO weeks answered for, in order")
    truncated: bool = Field(description="more weeks were asked for (or covered) than answered")
    resources: list[ResourceUtilisationRead]
    overbooked_resource_weeks: int
