"""The project events program-svc reads, as tolerant readers of project-svc's published schemas
(services/project-svc/events/schemas): only the fields program-svc uses, unknown fields
ignored, so project-svc can add optional fields without breaking program-svc. A contract test
(tests/contracts/test_program_reads_project_events.py) checks every field here against the
committed producer schemas.

program-svc reads no personal field at all (a project's manager and sponsor, a risk's owner,
office staff): it never holds personal data, sealed or plain, so an erasure has nothing to do
here. Whatever shape a personal field has on the wire, it is ignored.

Every event type on `pmo.project.events` is known to the registry, including the ones
program-svc passes over (milestones, risks, reports, lessons, the Project Office's events):
the consumer runner dead-letters an event its registry does not know, so each published type
and version must decode, even to a reader with no fields. The versions that added a business
date (`effective_on` ...), and a risk closure's outcome, read exactly the fields of their v1,
and v1 upcasts to v2 unchanged.

The kernel's bookkeeping events (`PersonalDataErased` on this topic) are in every registry
already; the projection passes over them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

from pydantic import ConfigDict

from pmo_shared.domain.events import DomainEvent, EventRegistry, JsonDict

registry = EventRegistry()

PROJECT_STREAM = "project"
"""The stream type of a project's events (a Project Office's are `project_office`)."""


class ProjectEvent(DomainEvent):
    """A project-svc event as program-svc reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# The events that change a project reference.


@registry.register
class ProjectProposed(ProjectEvent):
    event_type = "ProjectProposed"
    code: str
    name: str
    currency: str


@registry.register
class ProjectBaselinedV1(ProjectEvent):
    event_type = "ProjectBaselined"
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date


@registry.register
class ProjectBaselined(ProjectBaselinedV1):
    schema_version = 2


@registry.register
class ProjectApprovedV1(ProjectEvent):
    event_type = "ProjectApproved"


@registry.register
class ProjectApproved(ProjectApprovedV1):
    schema_version = 2


@registry.register
class ProjectStarted(ProjectEvent):
    event_type = "ProjectStarted"


@registry.register
class ProjectPutOnHoldV1(ProjectEvent):
    event_type = "ProjectPutOnHold"


@registry.register
class ProjectPutOnHold(ProjectPutOnHoldV1):
    schema_version = 2


@registry.register
class ProjectResumedV1(ProjectEvent):
    event_type = "ProjectResumed"


@registry.register
class ProjectResumed(ProjectResumedV1):
    schema_version = 2


@registry.register
class ProjectCompleted(ProjectEvent):
    event_type = "ProjectCompleted"


@registry.register
class ProjectCancelledV1(ProjectEvent):
    event_type = "ProjectCancelled"


@registry.register
class ProjectCancelled(ProjectCancelledV1):
    schema_version = 2


@registry.register
class ProjectClosedV1(ProjectEvent):
    event_type = "ProjectClosed"


@registry.register
class ProjectClosed(ProjectClosedV1):
    schema_version = 2


@registry.register
class ProgressReported(ProjectEvent):
    event_type = "ProgressReported"
    percent_complete: Decimal


@registry.register
class CostRecorded(ProjectEvent):
    event_type = "CostRecorded"
    amount: Decimal


STATUS_AFTER: dict[type[DomainEvent], str] = {
    ProjectApproved: "approved",
    ProjectStarted: "active",
    ProjectPutOnHold: "on_hold",
    ProjectResumed: "active",
    ProjectCompleted: "completed",
    ProjectCancelled: "cancelled",
    ProjectClosed: "closed",
}
"""The status a lifecycle event moves its project to (project-svc's `ProjectStatus` values)."""


# The events program-svc passes over: known, so that they decode, with no fields read.


class PassedOver(ProjectEvent):
    """An event of the topic that changes nothing program-svc knows."""


PASSED_OVER: dict[str, int] = {
    "MilestoneAdded": 1,
    "MilestoneAchieved": 1,
    "RiskRaised": 2,
    "RiskClosed": 2,
    "StatusReportSubmitted": 1,
    "LessonLearned": 1,
    "ProjectOfficeEstablished": 2,
    "OfficeStaffAssigned": 1,
    "OfficeStaffReleased": 1,
    "OfficeReportPublished": 1,
    "OfficeDocumentFiled": 1,
    "ProjectOfficeDisbanded": 2,
}
"""Each passed-over event type with its newest published schema version."""


def _passed_over(event_type: str, version: int) -> type[PassedOver]:
    """The reader of one version of a passed-over event type."""
    namespace = {"event_type": event_type, "schema_version": version, "__module__": __name__}
    return cast(type[PassedOver], type(f"{event_type}V{version}", (PassedOver,), namespace))


for _event_type, _latest in PASSED_OVER.items():
    for _version in range(1, _latest + 1):
        registry.register(_passed_over(_event_type, _version))


def _same_fields(payload: JsonDict) -> JsonDict:
    """v1 → v2: the fields program-svc reads are the same in both (v2 only adds a date)."""
    return payload


for _event_type in (
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
):
    registry.upcaster(_event_type, from_version=1)(_same_fields)
