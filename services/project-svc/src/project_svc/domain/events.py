"""Every fact project-svc records, as explicit, versioned schemas.

A published version never changes. To change a shape, add a class with `schema_version = 2`,
keep this one, and register an upcaster from 1 to 2 (see `pmo_shared.domain.events`).

Every fact has a business date, the day it took effect (`effective_on`, `actual_start`,
`as_of`, `incurred_on`, `established_on` ...), beside the instant it was recorded (the
envelope's `occurred_at`). The versions before the business dates (kept at the end of this
module) are read with the date they were recorded on, in the tenant's calendar.

Personal data: the fields typed `PersonalUserId` name a person (`ProjectProposed.manager` and
`sponsor`, `ProjectApproved.approved_by`, `RiskRaised.owner`, `ProjectOfficeEstablished.lead`,
`OfficeStaffAssigned.user_id` and `OfficeStaffReleased.user_id`), and so does every event's
actor. In memory they hold the user id; in the store, the outbox and on Kafka each is a sealed
value, `{"subject_ref", "key_id", "ciphertext"}`, encrypted with the person's own key from the
key store, and the actor is the person's pseudonym; reads show the user id, or `[erased]` once
the person was erased (`pmo_shared.privacy`, docs/personal-data.md). Free text (descriptions,
charters, summaries, lessons) is not sealed: keep names out of it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from pmo_shared.domain.events import DatedUpcaster, DomainEvent, EventRegistry, JsonDict
from pmo_shared.domain.values import (
    Amount,
    CurrencyCode,
    LongText,
    NonNegativeAmount,
    Percent,
    PositiveAmount,
    Probability,
    Text,
)
from pmo_shared.privacy.fields import PersonalUserId
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
    manager: PersonalUserId
    sponsor: PersonalUserId
    methodology: Methodology
    currency: CurrencyCode
    flagged_large: bool


@registry.register
class ProjectBaselined(DomainEvent):
    """A (re-)baseline was set: budget at completion, schedule, optional planned values; it is
    in force from `effective_on`."""

    event_type = "ProjectBaselined"
    schema_version = 2
    effective_on: date
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
    schema_version = 2
    approved_by: PersonalUserId
    effective_on: date


@registry.register
class ProjectStarted(DomainEvent):
    """Work started."""

    event_type = "ProjectStarted"
    actual_start: date


@registry.register
class ProjectPutOnHold(DomainEvent):
    """Work was paused."""

    event_type = "ProjectPutOnHold"
    schema_version = 2
    reason: LongText
    effective_on: date


@registry.register
class ProjectResumed(DomainEvent):
    """Paused work resumed."""

    event_type = "ProjectResumed"
    schema_version = 2
    effective_on: date


@registry.register
class ProjectCompleted(DomainEvent):
    """The project delivered and finished."""

    event_type = "ProjectCompleted"
    actual_finish: date


@registry.register
class ProjectCancelled(DomainEvent):
    """The project was stopped before finishing."""

    event_type = "ProjectCancelled"
    schema_version = 2
    reason: LongText
    effective_on: date


@registry.register
class ProjectClosed(DomainEvent):
    """The project was administratively closed; `no_lessons_reason` is set when it closed
    without lessons learned."""

    event_type = "ProjectClosed"
    schema_version = 2
    no_lessons_reason: Annotated[str, Field(max_length=2000)] | None = None
    effective_on: date


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
    """A risk was identified on `raised_on`."""

    event_type = "RiskRaised"
    schema_version = 2
    risk_id: UUID
    title: Text
    probability: Probability
    impact: NonNegativeAmount
    owner: PersonalUserId
    raised_on: date


RiskOutcome = Literal["materialised", "avoided", "mitigated", "expired", "unrecorded"]
"""How a risk ended: "materialised" = it happened; "avoided", "mitigated", "expired" = it did
not (prevented, reduced, or its window passed); "unrecorded" = nobody said (every v1 closure)."""


@registry.register
class RiskClosed(DomainEvent):
    """A risk was closed on `closed_on`, with its resolution and its outcome."""

    event_type = "RiskClosed"
    schema_version = 2
    risk_id: UUID
    resolution: LongText
    closed_on: date
    outcome: RiskOutcome


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
    schema_version = 2
    office_id: UUID
    project_id: UUID
    lead: PersonalUserId
    reporting_cadence_days: Annotated[int, Field(ge=1, le=366)]
    charter: Annotated[str, Field(max_length=20_000)]
    established_on: date


@registry.register
class OfficeStaffAssigned(DomainEvent):
    """Someone joined the Project Office."""

    event_type = "OfficeStaffAssigned"
    user_id: PersonalUserId
    role: Text


@registry.register
class OfficeStaffReleased(DomainEvent):
    """Someone left the Project Office."""

    event_type = "OfficeStaffReleased"
    user_id: PersonalUserId


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
    schema_version = 2
    reason: LongText
    automatic: bool
    disbanded_on: date


# -- superseded versions: as first published, before facts carried their business date ------
def _v1(event_type: str) -> ConfigDict:
    """The config of a superseded version: its published schema keeps the type's name."""
    return ConfigDict(title=event_type)


@registry.register
class ProjectBaselinedV1(DomainEvent):
    """A (re-)baseline was set: budget at completion, schedule, optional planned values."""

    model_config = _v1("ProjectBaselined")
    event_type = "ProjectBaselined"
    baseline_number: Annotated[int, Field(ge=1)]
    budget_at_completion: PositiveAmount
    planned_start: date
    planned_finish: date
    planned_values: tuple[PlannedValuePoint, ...] = ()
    reason: Annotated[str, Field(max_length=2000)] = ""


@registry.register
class ProjectApprovedV1(DomainEvent):
    """The project was approved to go ahead."""

    model_config = _v1("ProjectApproved")
    event_type = "ProjectApproved"
    approved_by: PersonalUserId


@registry.register
class ProjectPutOnHoldV1(DomainEvent):
    """Work was paused."""

    model_config = _v1("ProjectPutOnHold")
    event_type = "ProjectPutOnHold"
    reason: LongText


@registry.register
class ProjectResumedV1(DomainEvent):
    """Paused work resumed."""

    model_config = _v1("ProjectResumed")
    event_type = "ProjectResumed"


@registry.register
class ProjectCancelledV1(DomainEvent):
    """The project was stopped before finishing."""

    model_config = _v1("ProjectCancelled")
    event_type = "ProjectCancelled"
    reason: LongText


@registry.register
class ProjectClosedV1(DomainEvent):
    """The project was administratively closed; `no_lessons_reason` is set when it closed
    without lessons learned."""

    model_config = _v1("ProjectClosed")
    event_type = "ProjectClosed"
    no_lessons_reason: Annotated[str, Field(max_length=2000)] | None = None


@registry.register
class ProjectOfficeEstablishedV1(DomainEvent):
    """A Project Office was set up for one large project."""

    model_config = _v1("ProjectOfficeEstablished")
    event_type = "ProjectOfficeEstablished"
    office_id: UUID
    project_id: UUID
    lead: PersonalUserId
    reporting_cadence_days: Annotated[int, Field(ge=1, le=366)]
    charter: Annotated[str, Field(max_length=20_000)]


@registry.register
class ProjectOfficeDisbandedV1(DomainEvent):
    """The Project Office was disbanded; `automatic` when its project ended."""

    model_config = _v1("ProjectOfficeDisbanded")
    event_type = "ProjectOfficeDisbanded"
    reason: LongText
    automatic: bool


@registry.register
class RiskRaisedV1(DomainEvent):
    """A risk was identified."""

    model_config = _v1("RiskRaised")
    event_type = "RiskRaised"
    risk_id: UUID
    title: Text
    probability: Probability
    impact: NonNegativeAmount
    owner: PersonalUserId


@registry.register
class RiskClosedV1(DomainEvent):
    """A risk was closed."""

    model_config = _v1("RiskClosed")
    event_type = "RiskClosed"
    risk_id: UUID
    resolution: LongText


def _dated_when_recorded(field: str, defaults: JsonDict) -> DatedUpcaster:
    """v1 → v2: the new business date is the date the event was recorded on; any other field
    the v2 added takes its value from `defaults`."""

    def upcast(payload: JsonDict, recorded_on: date) -> JsonDict:
        return {**payload, **defaults, field: recorded_on.isoformat()}

    return upcast


BUSINESS_DATE_OF_V1: dict[str, str] = {
    "ProjectBaselined": "effective_on",
    "ProjectApproved": "effective_on",
    "ProjectPutOnHold": "effective_on",
    "ProjectResumed": "effective_on",
    "ProjectCancelled": "effective_on",
    "ProjectClosed": "effective_on",
    "ProjectOfficeEstablished": "established_on",
    "ProjectOfficeDisbanded": "disbanded_on",
    "RiskRaised": "raised_on",
    "RiskClosed": "closed_on",
}
"""The field each v2 added, which its upcaster fills with the v1 event's recorded date."""

V2_DEFAULTS: dict[str, JsonDict] = {"RiskClosed": {"outcome": "unrecorded"}}
"""The other fields a v2 added, with the value its upcaster gives a v1 event: a v1 closure
recorded no outcome."""

for _event_type, _field in BUSINESS_DATE_OF_V1.items():
    _upcast = _dated_when_recorded(_field, V2_DEFAULTS.get(_event_type, {}))
    registry.dated_upcaster(_event_type, from_version=1)(_upcast)
