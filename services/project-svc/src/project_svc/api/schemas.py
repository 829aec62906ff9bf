"""Request and response bodies of the project-svc API (`XCreate` in, `XRead` out)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, field_serializer

from pmo_shared.domain.values import (
    BUSINESS_DATE_RANGE,
    CANONICAL_MONEY,
    Amount,
    BusinessDate,
    CanonicalAmount,
    CurrencyCode,
    NonNegativeAmount,
    Percent,
    PositiveAmount,
    Probability,
    canonical,
)
from pmo_shared.web.requests import Name, Prose, RequestBody, UserRef, not_blank
from project_svc.domain.events import OfficeReportKind, RiskOutcome
from project_svc.domain.values import Methodology, PlannedValuePoint, ProjectStatus, Rag

Reason = Annotated[str, Field(max_length=2000)]
MONEY_IN = (
    "money in the project's currency: at most its ISO 4217 minor unit of decimal places (EUR 2, "
    "JPY 0, BHD 3; trailing zeros do not count), else 422"
)
PERCENT_OUT = "a percentage 0..100 (a decimal string as reported, not money)"
LARGE = (
    "flagged large, or a budget at completion at the PMO's large-project threshold in force "
    "today for the project's currency (a currency the PMO's standards do not list: only the "
    "flag; a tenant without standards: LARGE_PROJECT_THRESHOLD in any currency)"
)
TODAY_BY_DEFAULT = "the business date it takes effect: not in the future; defaults to today"


def effective_date(what: str = TODAY_BY_DEFAULT) -> Any:
    """An optional business date of a command (the tenant's today when left out)."""
    return Field(default=None, description=f"{what}; within {BUSINESS_DATE_RANGE}")


def business_date(what: str) -> Any:
    """A required business date of a command."""
    return Field(description=f"{what}; within {BUSINESS_DATE_RANGE}")


class Body(RequestBody):
    """A request body of project-svc."""


class ProjectCreate(Body):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    name: Name
    description: Annotated[str, Field(max_length=10_000)] = ""
    manager: UserRef
    sponsor: UserRef
    methodology: Methodology
    currency: CurrencyCode = Field(
        description="an ISO 4217 code with a minor unit (EUR, JPY, BHD ...); 422 otherwise"
    )
    flagged_large: bool = False


class BaselineCreate(Body):
    budget_at_completion: PositiveAmount = Field(description=MONEY_IN)
    planned_start: BusinessDate = business_date("the first day of the planned schedule")
    planned_finish: BusinessDate = business_date("the last day, not before the start")
    planned_values: list[PlannedValuePoint] = Field(
        default_factory=list, max_length=500, description=f"planned_value: {MONEY_IN}"
    )
    reason: Reason = ""
    effective_on: BusinessDate | None = effective_date(
        "the day the baseline comes into force: not in the future, not before the previous "
        "baseline's, once started not before the actual start; defaults to today"
    )


class DatedRequest(Body):
    effective_on: BusinessDate | None = effective_date()


class StartRequest(Body):
    actual_start: BusinessDate | None = effective_date(
        "not in the future, not after a cost already recorded; defaults to today"
    )


class DatedReasonRequest(Body):
    reason: Prose
    effective_on: BusinessDate | None = effective_date(
        "the business date it takes effect: not in the future nor before the project's last "
        "lifecycle change; defaults to today"
    )


class CompleteRequest(Body):
    actual_finish: BusinessDate | None = effective_date(
        "not in the future nor before the project's last lifecycle change; defaults to today"
    )


class CloseRequest(Body):
    no_lessons_reason: Reason | None = Field(
        default=None, description="required when the project has no lessons learned"
    )
    effective_on: BusinessDate | None = effective_date(
        "not in the future nor before the project ended; defaults to today"
    )


class ProgressCreate(Body):
    percent_complete: Percent
    as_of: BusinessDate | None = effective_date(
        "between the actual start and today; defaults to today"
    )


class CostCreate(Body):
    amount: PositiveAmount = Field(description=MONEY_IN)
    incurred_on: BusinessDate = business_date("between the actual start (once started) and today")
    category: Name
    description: Reason = ""


class MilestoneCreate(Body):
    name: Name
    due_date: BusinessDate = business_date("the day it is due")


class MilestoneAchieve(Body):
    achieved_on: BusinessDate | None = effective_date(
        "between the actual start and today; defaults to today"
    )


RISK_DATE = (
    "not in the future nor, once the project went ahead (approved, or started where work "
    "started first), before that day"
)
OUTCOME = (
    'how the risk ended: "materialised" (it happened), "avoided", "mitigated", "expired" or '
    '"unrecorded" (the default, and what every closure before outcomes were recorded reads)'
)


class RiskCreate(Body):
    title: Name
    probability: Probability
    impact: NonNegativeAmount = Field(description=MONEY_IN)
    owner: UserRef
    raised_on: BusinessDate | None = effective_date(
        f"the day the risk was identified: {RISK_DATE}; defaults to today"
    )


class RiskClose(Body):
    resolution: Prose
    outcome: RiskOutcome = Field(default="unrecorded", description=OUTCOME)
    closed_on: BusinessDate | None = effective_date(
        f"the day the risk was closed: not before it was raised, {RISK_DATE}; defaults to today"
    )


class StatusReportCreate(Body):
    schedule: Rag
    cost: Rag
    scope: Rag
    summary: Prose


class LessonCreate(Body):
    category: Name
    what_happened: Prose
    recommendation: Prose


class OfficeCreate(Body):
    lead: UserRef
    reporting_cadence_days: Annotated[int, Field(ge=1, le=366)]
    charter: Annotated[str, Field(max_length=20_000)] = ""
    established_on: BusinessDate | None = effective_date()


class DisbandRequest(Body):
    reason: Prose
    disbanded_on: BusinessDate | None = effective_date(
        "not in the future nor before the office was established; defaults to today"
    )


class StaffAssign(Body):
    user_id: UserRef
    role: Name


class OfficeReportCreate(Body):
    kind: OfficeReportKind
    period_end: BusinessDate = business_date("the last day of the period it reports on")
    summary: Prose
    metrics: dict[Annotated[str, Field(min_length=1, max_length=100)], Amount] = Field(
        default_factory=dict, max_length=100
    )


class DocumentCreate(Body):
    title: Name
    kind: Name
    link: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(not_blank)]


class PlannedValueRead(BaseModel):
    date: date
    planned_value: CanonicalAmount
    label: str


class BaselineRead(BaseModel):
    number: int
    budget_at_completion: CanonicalAmount
    planned_start: date
    planned_finish: date
    planned_values: list[PlannedValueRead]
    reason: str
    effective_on: date


class MilestoneRead(BaseModel):
    milestone_id: UUID
    name: str
    due_date: date
    achieved_on: date | None


class RiskRead(BaseModel):
    risk_id: UUID
    title: str
    probability: Decimal = Field(description="0..1 (a decimal string as given, not money)")
    impact: CanonicalAmount
    owner: str
    raised_on: date = Field(description="the day the risk was identified")
    open: bool
    resolution: str | None
    closed_on: date | None = Field(description="the day the risk was closed; null while open")
    outcome: RiskOutcome | None = Field(description=f"{OUTCOME}; null while open")


class StatusRead(BaseModel):
    schedule: Rag
    cost: Rag
    scope: Rag


class ProjectRead(BaseModel):
    project_id: UUID
    version: int
    code: str
    name: str
    description: str
    manager: str
    sponsor: str
    methodology: Methodology
    currency: str
    flagged_large: bool
    large: bool = Field(description=LARGE)
    status: ProjectStatus
    status_since: date | None = Field(description="the business date the status took effect")
    baseline: BaselineRead | None
    baselines: list[BaselineRead]
    approved_by: str | None
    approved_on: date | None
    actual_start: date | None
    actual_finish: date | None
    percent_complete: Decimal = Field(description=PERCENT_OUT)
    progress_as_of: date | None
    actual_cost: CanonicalAmount
    milestones: list[MilestoneRead]
    risks: list[RiskRead]
    last_status_report: StatusRead | None
    status_reports: int
    lessons_learned: int
    hold_reason: str | None
    cancel_reason: str | None
    no_lessons_reason: str | None


class ProjectSummary(BaseModel):
    project_id: UUID
    code: str
    name: str
    status: ProjectStatus
    manager: str
    large: bool = Field(description=LARGE)
    budget_at_completion: Decimal | None = Field(description=CANONICAL_MONEY)
    currency: str
    version: int

    @field_serializer("budget_at_completion")
    def _canonical_budget(self, budget: Decimal | None) -> str | None:
        """The list row's amount (stored with 4 decimals) as the canonical string."""
        return None if budget is None else canonical(budget, self.currency)


class ProjectPage(BaseModel):
    items: list[ProjectSummary]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")


class Created(BaseModel):
    """The id of what a command added, and the version its aggregate reached."""

    id: UUID
    version: int


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


class StaffRead(BaseModel):
    user_id: str
    role: str


class OfficeReportRead(BaseModel):
    report_id: UUID
    kind: str
    period_end: date


class OfficeRead(BaseModel):
    office_id: UUID
    project_id: UUID
    version: int
    state: str
    lead: str
    reporting_cadence_days: int
    charter: str
    staff: list[StaffRead]
    reports: list[OfficeReportRead]
    documents: int
    disband_reason: str | None
    disbanded_automatically: bool
    established_on: date
    disbanded_on: date | None
