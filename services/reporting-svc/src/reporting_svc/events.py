"""The project events reporting-svc reads, as tolerant readers of project-svc's published
schemas (services/project-svc/events/schemas): only the fields reporting uses, unknown fields
ignored, so project-svc can add optional fields without breaking reporting. A contract test
checks every field here against the committed producer schemas.

The versions that added a business date (`effective_on`, `established_on`, `disbanded_on`,
`raised_on`, `closed_on`) are read with it optional: a v1 event has none, and the read model
then takes the day it was recorded on, in the tenant's time zone (`readmodel.queries`).

Personal fields (`manager`, `sponsor`, `owner`, `lead`, `user_id`) are `Personal`: the sealed
value project-svc publishes (`SealedValue`: the pseudonym, the key id, the ciphertext), or a
plain user id in a message published before sealing existed (those stay on the topics and are
still read). Reporting never opens them here: it keeps them as they came (`readmodel.personal`)
and opens them per request with the producer's keys (`pmo_shared.privacy.remote`).

The kernel's bookkeeping events (`PersonalDataErased` on this topic) are in every registry
already; the projection passes over them. program-svc's events have readers (and a registry)
of their own: `program_events`; the projection decodes with both (`projection.readers`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from pmo_shared.domain.events import DomainEvent, EventRegistry, JsonDict
from pmo_shared.privacy.fields import SealedValue

registry = EventRegistry()

Personal = SealedValue | str
"""A personal field as published: sealed, or (before sealing existed) the plain user id."""


class ProjectEvent(DomainEvent):
    """A project-svc event as reporting reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class PlannedPointRead(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    date: date
    planned_value: Decimal


@registry.register
class ProjectProposed(ProjectEvent):
    event_type = "ProjectProposed"
    project_id: UUID
    code: str
    name: str
    manager: Personal
    sponsor: Personal
    methodology: str
    currency: str
    flagged_large: bool
    description: str = ""


@registry.register
class ProjectBaselinedV1(ProjectEvent):
    event_type = "ProjectBaselined"
    baseline_number: int
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    planned_values: tuple[PlannedPointRead, ...] = ()
    reason: str = ""


@registry.register
class ProjectBaselined(ProjectBaselinedV1):
    schema_version = 2
    effective_on: date | None = None


@registry.register
class ProjectApprovedV1(ProjectEvent):
    event_type = "ProjectApproved"


@registry.register
class ProjectApproved(ProjectApprovedV1):
    schema_version = 2
    effective_on: date | None = None


@registry.register
class ProjectStarted(ProjectEvent):
    event_type = "ProjectStarted"
    actual_start: date


@registry.register
class ProjectPutOnHoldV1(ProjectEvent):
    event_type = "ProjectPutOnHold"


@registry.register
class ProjectPutOnHold(ProjectPutOnHoldV1):
    schema_version = 2
    effective_on: date | None = None


@registry.register
class ProjectResumedV1(ProjectEvent):
    event_type = "ProjectResumed"


@registry.register
class ProjectResumed(ProjectResumedV1):
    schema_version = 2
    effective_on: date | None = None


@registry.register
class ProjectCompleted(ProjectEvent):
    event_type = "ProjectCompleted"
    actual_finish: date


@registry.register
class ProjectCancelledV1(ProjectEvent):
    event_type = "ProjectCancelled"


@registry.register
class ProjectCancelled(ProjectCancelledV1):
    schema_version = 2
    effective_on: date | None = None


@registry.register
class ProjectClosedV1(ProjectEvent):
    event_type = "ProjectClosed"


@registry.register
class ProjectClosed(ProjectClosedV1):
    schema_version = 2
    effective_on: date | None = None


@registry.register
class ProgressReported(ProjectEvent):
    event_type = "ProgressReported"
    percent_complete: Decimal
    as_of: date


@registry.register
class CostRecorded(ProjectEvent):
    event_type = "CostRecorded"
    cost_id: UUID
    amount: Decimal
    incurred_on: date
    category: str


@registry.register
class MilestoneAdded(ProjectEvent):
    event_type = "MilestoneAdded"
    milestone_id: UUID
    name: str
    due_date: date


@registry.register
class MilestoneAchieved(ProjectEvent):
    event_type = "MilestoneAchieved"
    milestone_id: UUID
    achieved_on: date


@registry.register
class RiskRaisedV1(ProjectEvent):
    event_type = "RiskRaised"
    risk_id: UUID
    title: str
    probability: Decimal
    impact: Decimal
    owner: Personal


@registry.register
class RiskRaised(RiskRaisedV1):
    schema_version = 2
    raised_on: date | None = None


@registry.register
class RiskClosedV1(ProjectEvent):
    event_type = "RiskClosed"
    risk_id: UUID


@registry.register
class RiskClosed(RiskClosedV1):
    """`outcome` is read as text (a value project-svc adds later never breaks reporting);
    a v1 closure recorded none: "unrecorded", as project-svc's own upcaster says."""

    schema_version = 2
    closed_on: date | None = None
    outcome: str = "unrecorded"


@registry.register
class StatusReportSubmitted(ProjectEvent):
    event_type = "StatusReportSubmitted"
    report_id: UUID
    schedule: str
    cost: str
    scope: str
    summary: str


@registry.register
class LessonLearned(ProjectEvent):
    event_type = "LessonLearned"
    lesson_id: UUID
    category: str
    what_happened: str
    recommendation: str


@registry.register
class ProjectOfficeEstablishedV1(ProjectEvent):
    event_type = "ProjectOfficeEstablished"
    office_id: UUID
    project_id: UUID
    lead: Personal
    reporting_cadence_days: int


@registry.register
class ProjectOfficeEstablished(ProjectOfficeEstablishedV1):
    schema_version = 2
    established_on: date | None = None


@registry.register
class OfficeStaffAssigned(ProjectEvent):
    event_type = "OfficeStaffAssigned"
    user_id: Personal
    role: str


@registry.register
class OfficeStaffReleased(ProjectEvent):
    event_type = "OfficeStaffReleased"
    user_id: Personal


@registry.register
class OfficeReportPublished(ProjectEvent):
    event_type = "OfficeReportPublished"
    report_id: UUID
    kind: str
    period_end: date
    summary: str


@registry.register
class OfficeDocumentFiled(ProjectEvent):
    event_type = "OfficeDocumentFiled"
    document_id: UUID
    title: str
    kind: str
    link: str


@registry.register
class ProjectOfficeDisbandedV1(ProjectEvent):
    event_type = "ProjectOfficeDisbanded"
    reason: str
    automatic: bool


@registry.register
class ProjectOfficeDisbanded(ProjectOfficeDisbandedV1):
    schema_version = 2
    disbanded_on: date | None = None


def undated(payload: JsonDict) -> JsonDict:
    """v1 → v2: no business date (the read model falls back to the recorded date)."""
    return payload


UNDATED: tuple[str, ...] = (
    "ProjectBaselined",
    "ProjectApproved",
    "ProjectPutOnHold",
    "ProjectResumed",
    "ProjectCancelled",
    "ProjectClosed",
    "ProjectOfficeEstablished",
    "ProjectOfficeDisbanded",
    "RiskRaised",
    "RiskClosed",
)
"""The event types whose v1 had no business date: upcast by `undated`."""

for _event_type in UNDATED:
    registry.upcaster(_event_type, from_version=1)(undated)
