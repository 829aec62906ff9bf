"""Every fact project-svc records, as explicit, versioned schemas.

A published version never changes. To change a shape, add a class with `schema_version = 2`,
keep this one, and register an upcaster from 1 to 2 (see `pmo_shared.domain.events`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from pmo_shared.domain.events import DomainEvent, EventRegistry
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
from project_svc.domain.values import Methodology, PlannedValuePoint, Rag

registry = EventRegistry()

PROJECT = "project"
PROJECT_OFFICE = "project_office"


@registry.register
class ProjectProposed(DomainEvent):
    """A project was proposed."""

    event_type = "ProjectProposed"
    project_id: UUID
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    name: Text
    description: Annotated[str, Field(max_length=10_000)]
    manager: UserId
    sponsor: UserId
    methodology: Methodology
    currency: CurrencyCode
    flagged_large: bool


@registry.register
class ProjectBaselined(DomainEvent):
    """A (re-)baseline was set: budget at completion, schedule, optional planned values."""

    event_type = "ProjectBaselined"
    baseline_number: Annotated[int, Field(ge=1)]
    budget_at_completion: PositiveAmount
    planned_start: date
    planned_finish: date
    planned_values: tuple[PlannedValuePoint, ...] = ()
    reason: Annotated[str, Field(max_length=2000)] = ""


@registry.register
class ProjectApproved(DomainEvent):
    """The project was approved to go ahead."""

    event_type = "ProjectApproved"
    approved_by: UserId


@registry.register
class ProjectStarted(DomainEvent):
    """Work started."""

    event_type = "ProjectStarted"
    actual_start: date


@registry.register
class ProjectPutOnHold(DomainEvent):
    """Work was paused."""

    event_type = "ProjectPutOnHold"
    reason: LongText


@registry.register
class ProjectResumed(DomainEvent):
    """Paused work resumed."""

    event_type = "ProjectResumed"


@registry.register
class ProjectCompleted(DomainEvent):
    """The project delivered and finished."""

    event_type = "ProjectCompleted"
    actual_finish: date


@registry.register
class ProjectCancelled(DomainEvent):
    """The project was stopped before finishing."""

    event_type = "ProjectCancelled"
    reason: LongText


@registry.register
class ProjectClosed(DomainEvent):
    """The project was administratively closed; `no_lessons_reason` is set when it closed
    without lessons learned."""

    event_type = "ProjectClosed"
    no_lessons_reason: Annotated[str, Field(max_length=2000)] | None = None


@registry.register
class ProgressReported(DomainEvent):
    """Percent complete as of a date."""

    event_type = "ProgressReported"
    percent_complete: Percent
    as_of: date


@registry.register
class CostRecorded(DomainEvent):
    """An actual cost was incurred."""

    event_type = "CostRecorded"
    cost_id: UUID
    amount: PositiveAmount
    incurred_on: date
    category: Text
    description: Annotated[str, Field(max_length=2000)] = ""


@registry.register
class MilestoneAdded(DomainEvent):
    """A milestone was planned."""

    event_type = "MilestoneAdded"
    milestone_id: UUID
    name: Text
    due_date: date


@registry.register
class MilestoneAchieved(DomainEvent):
    """A milestone was achieved."""

    event_type = "MilestoneAchieved"
    milestone_id: UUID
    achieved_on: date


@registry.register
class RiskRaised(DomainEvent):
    """A risk was identified."""

    event_type = "RiskRaised"
    risk_id: UUID
    title: Text
    probability: Probability
    impact: NonNegativeAmount
    owner: UserId


@registry.register
class RiskClosed(DomainEvent):
    """A risk was closed."""

    event_type = "RiskClosed"
    risk_id: UUID
    resolution: LongText


@registry.register
class StatusReportSubmitted(DomainEvent):
    """The project manager rated schedule, cost and scope."""

    event_type = "StatusReportSubmitted"
    report_id: UUID
    schedule: Rag
    cost: Rag
    scope: Rag
    summary: LongText


@registry.register
class LessonLearned(DomainEvent):
    """A lesson was recorded for the PMO's library."""

    event_type = "LessonLearned"
    lesson_id: UUID
    category: Text
    what_happened: LongText
    recommendation: LongText


OfficeReportKind = Literal["status", "financial", "risk", "metrics"]


@registry.register
class ProjectOfficeEstablished(DomainEvent):
    """A Project Office was set up for one large project."""

    event_type = "ProjectOfficeEstablished"
    office_id: UUID
    project_id: UUID
    lead: UserId
    reporting_cadence_days: Annotated[int, Field(ge=1, le=366)]
    charter: Annotated[str, Field(max_length=20_000)]


@registry.register
class OfficeStaffAssigned(DomainEvent):
    """Someone joined the Project Office."""

    event_type = "OfficeStaffAssigned"
    user_id: UserId
    role: Text


@registry.register
class OfficeStaffReleased(DomainEvent):
    """Someone left the Project Office."""

    event_type = "OfficeStaffReleased"
    user_id: UserId


@registry.register
class OfficeReportPublished(DomainEvent):
    """The Project Office published a report."""

    event_type = "OfficeReportPublished"
    report_id: UUID
    kind: OfficeReportKind
    period_end: date
    summary: LongText
    metrics: dict[Annotated[str, Field(min_length=1, max_length=100)], Amount] = Field(
        default_factory=dict
    )


@registry.register
class OfficeDocumentFiled(DomainEvent):
    """The Project Office filed a document."""

    event_type = "OfficeDocumentFiled"
    document_id: UUID
    title: Text
    kind: Text
    link: Annotated[str, Field(min_length=1, max_length=2000)]


@registry.register
class ProjectOfficeDisbanded(DomainEvent):
    """The Project Office was disbanded; `automatic` when its project ended."""

    event_type = "ProjectOfficeDisbanded"
    reason: LongText
    automatic: bool
