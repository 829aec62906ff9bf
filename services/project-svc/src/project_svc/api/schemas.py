"""Request and response bodies of the project-svc API (`XCreate` in, `XRead` out)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from pmo_shared.domain.values import (
    Amount,
    CurrencyCode,
    LongText,
    NonNegativeAmount,
    Percent,
    PositiveAmount,
    Probability,
    Text,
    UserId,
)
from pmo_shared.web.requests import RequestBody
from project_svc.domain.events import OfficeReportKind
from project_svc.domain.values import Methodology, PlannedValuePoint, ProjectStatus, Rag

Reason = Annotated[str, Field(max_length=2000)]
TODAY_BY_DEFAULT = "the business date it takes effect: not in the future; defaults to today"


def effective_date(what: str = TODAY_BY_DEFAULT) -> Any:
    """An optional business date of a command (the tenant's today when left out)."""
    return Field(default=None, description=what)


class Body(RequestBody):
    """A request body of project-svc."""


class ProjectCreate(Body):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    name: Text
    description: Annotated[str, Field(max_length=10_000)] = ""
    manager: UserId
    sponsor: UserId
    methodology: Methodology
    currency: CurrencyCode
    flagged_large: bool = False


class BaselineCreate(Body):
    budget_at_completion: PositiveAmount
    planned_start: date
    planned_finish: date
    planned_values: list[PlannedValuePoint] = Field(default_factory=list, max_length=500)
    reason: Reason = ""
    effective_on: date | None = effective_date(
        "the day the baseline comes into force: not in the future, not before the previous "
        "baseline's, once started not before the actual start; defaults to today"
    )


class DatedRequest(Body):
    effective_on: date | None = effective_date()


class StartRequest(Body):
    actual_start: date | None = effective_date(
        "not in the future, not after a cost already recorded; defaults to today"
    )


class DatedReasonRequest(Body):
    reason: LongText
    effective_on: date | None = effective_date(
        "the business date it takes effect: not in the future nor before the project's last "
        "lifecycle change; defaults to today"
    )


class CompleteRequest(Body):
    actual_finish: date | None = effective_date(
        "not in the future nor before the project's last lifecycle change; defaults to today"
    )


class CloseRequest(Body):
    no_lessons_reason: Reason | None = Field(
        default=None, description="required when the project has no lessons learned"
    )
    effective_on: date | None = effective_date(
        "not in the future nor before the project ended; defaults to today"
    )


class ProgressCreate(Body):
    percent_complete: Percent
    as_of: date | None = effective_date("between the actual start and today; defaults to today")


class CostCreate(Body):
    amount: PositiveAmount
    incurred_on: date = Field(description="between the actual start (once started) and today")
    category: Text
    description: Reason = ""


class MilestoneCreate(Body):
    name: Text
    due_date: date


class MilestoneAchieve(Body):
    achieved_on: date | None = effective_date(
        "between the actual start and today; defaults to today"
    )


class RiskCreate(Body):
    title: Text
    probability: Probability
    impact: NonNegativeAmount
    owner: UserId


class RiskClose(Body):
    resolution: LongText


class StatusReportCreate(Body):
    schedule: Rag
    cost: Rag
    scope: Rag
    summary: LongText


class LessonCreate(Body):
    category: Text
    what_happened: LongText
    recommendation: LongText


class OfficeCreate(Body):
    lead: UserId
    reporting_cadence_days: Annotated[int, Field(ge=1, le=366)]
    charter: Annotated[str, Field(max_length=20_000)] = ""
    established_on: date | None = effective_date()


class DisbandRequest(Body):
    reason: LongText
    disbanded_on: date | None = effective_date(
        "not in the future nor before the office was established; defaults to today"
    )


class StaffAssign(Body):
    user_id: UserId
    role: Text


class OfficeReportCreate(Body):
    kind: OfficeReportKind
    period_end: date
    summary: LongText
    metrics: dict[Annotated[str, Field(min_length=1, max_length=100)], Amount] = Field(
        default_factory=dict, max_length=100
    )


class DocumentCreate(Body):
    title: Text
    kind: Text
    link: Annotated[str, Field(min_length=1, max_length=2000)]


class BaselineRead(BaseModel):
    number: int
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    planned_values: list[PlannedValuePoint]
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
    probability: Decimal
    impact: Decimal
    owner: str
    open: bool
    resolution: str | None


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
    large: bool
    status: ProjectStatus
    status_since: date | None = Field(description="the business date the status took effect")
    baseline: BaselineRead | None
    baselines: list[BaselineRead]
    approved_by: str | None
    approved_on: date | None
    actual_start: date | None
    actual_finish: date | None
    percent_complete: Decimal
    progress_as_of: date | None
    actual_cost: Decimal
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
    large: bool
    budget_at_completion: Decimal | None
    currency: str
    version: int


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
