"""Response bodies of the reporting API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from pmo_shared.domain.values import CanonicalAmount
from reporting_svc.domain.health import Rag

# Every amount is the canonical string of the project's currency (exactly its ISO 4217 minor
# unit of decimals); ratios and percentages are not money and keep their own scale.
Money = CanonicalAmount
RATIO = "a ratio (not money), a decimal string with 4 decimal places; null when undefined"
PERCENT = "0..100 (not money), a decimal string with 2 decimal places"


class HealthRead(BaseModel):
    schedule: Rag | None
    cost: Rag | None
    overall: Rag | None


class HealthBandRead(BaseModel):
    green: Decimal = Field(description="the index is green at or above this")
    amber: Decimal = Field(description="amber at or above this (and below green), red below")


class ThresholdsRead(BaseModel):
    """The health thresholds a report rated by."""

    spi: HealthBandRead = Field(description="the band SPI is rated on (schedule health)")
    cpi: HealthBandRead = Field(description="the band CPI is rated on (cost health)")
    source: Literal["pmo-standards", "default"] = Field(
        description="pmo-standards: the tenant's PMO standards in force at the status date "
        "(as known at known_at); default: the service's own (HEALTH_GREEN / HEALTH_AMBER), "
        "for a tenant without standards in force then"
    )
    effective_on: date | None = Field(
        description="the day the standards in force took effect; null for the defaults"
    )


class MilestoneCounts(BaseModel):
    total: int
    achieved: int
    due: int
    overdue: int


PERSON = (
    'a user id, opened per request with the producer\'s key; "[erased]" once the person '
    'was erased, "[unavailable]" while the producer\'s key service cannot be reached, '
    '"[unknown]" when no key service knows the value'
)


class ProjectMetricsRead(BaseModel):
    project_id: UUID
    code: str
    name: str
    manager: str = Field(description=PERSON)
    status: str
    currency: str
    as_of: date = Field(description="the status date the figures are for (business time)")
    known_at: datetime = Field(description="the instant of knowledge (record time)")
    bac: Money | None
    pv: Money | None
    ev: Money | None
    ac: Money | None = Field(description="None only when it is too large to be computed")
    sv: Money | None
    cv: Money | None
    spi: Decimal | None = Field(description=f"EV / PV: {RATIO}")
    cpi: Decimal | None = Field(description=f"EV / AC: {RATIO}")
    eac: Money | None = Field(description="BAC / CPI")
    eac_atypical: Money | None = Field(description="AC + (BAC - EV)")
    eac_combined: Money | None = Field(description="AC + (BAC - EV) / (CPI x SPI)")
    etc: Money | None = Field(description="EAC - AC")
    vac: Money | None = Field(description="BAC - EAC")
    tcpi: Decimal | None = Field(description=f"(BAC - EV) / (BAC - AC): {RATIO}")
    percent_complete: Decimal = Field(description=PERCENT)
    health: HealthRead
    thresholds: ThresholdsRead = Field(description="what health was rated by")
    open_risks: int
    risk_exposure: Money | None = Field(
        description="sum of probability x impact of open risks (None if too large to compute)"
    )
    milestones: MilestoneCounts


class ProjectMetricsPage(BaseModel):
    items: list[ProjectMetricsRead]
    next_cursor: str | None


class SeriesPointRead(BaseModel):
    date: date
    pv: Money | None
    ev: Money | None
    ac: Money | None


class EvmSeriesRead(BaseModel):
    project_id: UUID
    currency: str
    bac: Money | None
    points: list[SeriesPointRead]


class LastReportRead(BaseModel):
    report_id: UUID
    kind: str
    period_end: date
    published_at: datetime
    published_on: date = Field(description="the day it was published, in the tenant's zone")


class CadenceRead(BaseModel):
    days: int = Field(
        description="the cadence applied: the smaller of the office's own and the PMO "
        "standards' (the standard is the longest allowed; an office may report more often)"
    )
    source: Literal["office", "pmo-standards"] = Field(
        description="whose cadence applied: the office's own (also on a tie, and without "
        "standards in force), or the PMO standards' (shorter than the office's)"
    )
    office_days: int = Field(description="the office's own cadence")
    standard_days: int | None = Field(
        description="the standards' cadence in force on the office's last day (the status "
        "date, or the day it was disbanded); null without standards in force then"
    )
    effective_on: date | None = Field(
        description="the day those standards took effect; null without standards in force"
    )


class OfficeLifecycleRead(BaseModel):
    office_id: UUID
    project_id: UUID
    project_code: str
    project_name: str
    lead: str = Field(description=PERSON)
    state: Literal["established", "disbanded"] = Field(
        description="established or disbanded, as in project-svc"
    )
    working: bool = Field(description="live and at work: it has staff or published a report")
    established_at: datetime = Field(description="when it was recorded")
    established_on: date = Field(description="the business date it was established")
    disbanded_at: datetime | None
    disbanded_on: date | None = Field(description="the business date it was disbanded")
    disband_reason: str | None
    disbanded_automatically: bool | None
    lifetime_days: int
    staff_count: int
    reports_by_kind: dict[str, int]
    last_report: LastReportRead | None
    documents: int
    reporting_cadence_days: int = Field(description="the office's own cadence, as established")
    reporting_cadence: CadenceRead = Field(
        description="the cadence reporting compliance was judged on"
    )
    reports_expected: int = Field(
        description="whole cadences (as applied) in its lifetime: reports it should have published"
    )
    reports_published: int
    reporting_overdue: bool = Field(
        description="live, and its last report (else its establishment) is more than one "
        "cadence (as applied) before the status date"
    )


UNBASELINED_AC = (
    "sum of the AC of the projects without a baseline: with no PV nor EV to set against it, "
    "it stays out of the sums and of CPI, and is shown here so that no spend is hidden"
)
BASELINED_SUMS = "the sums over the projects with a baseline: None only when too large"


class RollupRead(BaseModel):
    currency: str
    project_count: int
    bac: Money | None = Field(description=BASELINED_SUMS)
    pv: Money | None
    ev: Money | None
    ac: Money | None = Field(description="of the projects with a baseline (see unbaselined_ac)")
    spi: Decimal | None = Field(description=f"sum of EV / sum of PV: {RATIO}")
    cpi: Decimal | None = Field(description=f"sum of EV / sum of AC: {RATIO}")
    health: HealthRead = Field(description="of these SPI and CPI, on the overview's thresholds")
    unbaselined_count: int = Field(
        description="projects without a baseline: counted in project_count, not in the sums"
    )
    unbaselined_ac: Money | None = Field(description=UNBASELINED_AC)


class OverviewRead(BaseModel):
    as_of: date = Field(description="the status date (business time)")
    known_at: datetime = Field(description="the instant of knowledge (record time)")
    thresholds: ThresholdsRead = Field(
        description="the thresholds in force at the status date, which the totals' health "
        "is rated by (each project's own health by those in force at its own status date)"
    )
    projects_by_status: dict[str, int]
    projects_by_health: dict[str, int]
    active_project_offices: int
    totals: list[RollupRead] = Field(description="one roll-up per currency")
    lessons_by_category: dict[str, int]


class LessonRead(BaseModel):
    lesson_id: UUID
    project_id: UUID
    project_code: str
    project_name: str
    category: str
    what_happened: str
    recommendation: str
    occurred_at: datetime


class LessonPage(BaseModel):
    items: list[LessonRead]
    next_cursor: str | None


class PartitionRead(BaseModel):
    topic: str
    partition: int
    consumed_offset: int
    end_offset: int
    lag: int


class GenerationRead(BaseModel):
    generation: int
    status: str
    schema_name: str
    consumer_group: str
    requested_by: str
    started_at: datetime
    switched_at: datetime | None
    partitions: list[PartitionRead]
    lag: int
    events_applied: int
    last_event_applied_at: datetime | None
    dead_letters: int
    progress: Decimal | None = Field(description="for a rebuild: share of its target consumed")


class ProjectionRead(BaseModel):
    name: str
    generations: list[GenerationRead]
