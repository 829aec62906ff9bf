"""The project events portfolio-svc reads (`pmo.project.events`), as tolerant readers of
project-svc's published schemas (services/project-svc/events/schemas), in a registry of their
own (`registry`; the consumer decodes with this one and the program events' together:
`events.registry`): only the fields portfolio-svc uses, unknown fields ignored, so project-svc
can add optional fields without breaking portfolio-svc. A contract test
(tests/contracts/test_portfolio_reads_project_events.py) checks every field here against the
committed producer schemas.

portfolio-svc reads no personal field (a project's manager and sponsor, who approved it, a
risk's owner, office staff): whatever shape they have on the wire, they are ignored.

Every event type on the topic is known to the registry, including the ones portfolio-svc passes
over (progress, costs, milestones, risks, reports, lessons, the Project Office's events): see
`tolerant`. The versions that added a business date (`effective_on` ...) read exactly the fields
of their v1, and v1 upcasts to v2 unchanged (`add_upcasters`). The kernel's bookkeeping events
(`PersonalDataErased`) are in every registry already; the fold passes over them.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ConfigDict

from pmo_shared.domain.events import DomainEvent, EventRegistry, JsonDict
from portfolio_svc.references.tolerant import register_passed_over

registry = EventRegistry()

PROJECT_STREAM = "project"
"""The stream type of a project's events (a Project Office's are `project_office`)."""


class ProjectEvent(DomainEvent):
    """A project-svc event as portfolio-svc reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# The events that change a project reference.


@registry.register
class ProjectProposed(ProjectEvent):
    event_type = "ProjectProposed"
    code: str
    name: str
    currency: str
    flagged_large: bool = False


@registry.register
class ProjectBaselinedV1(ProjectEvent):
    event_type = "ProjectBaselined"
    budget_at_completion: Decimal


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


# The events portfolio-svc passes over: known, so that they decode, with no fields read.


class PassedOver(ProjectEvent):
    """An event of the topic that changes nothing portfolio-svc knows."""


PASSED_OVER: dict[str, int] = {
    "ProgressReported": 1,
    "CostRecorded": 1,
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

register_passed_over(registry, PassedOver, PASSED_OVER)

DATED_IN_V2: tuple[str, ...] = (
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
"""The event types whose v2 only added a business date (or, for a Project Office and a risk
closure's outcome, fields portfolio-svc passes over)."""


def _same_fields(payload: JsonDict) -> JsonDict:
    """v1 → v2: the fields portfolio-svc reads are the same in both."""
    return payload


def add_upcasters(target: EventRegistry) -> None:
    """Register the v1 → v2 upcasters of the project events on `target` (this module's
    registry, or one that decodes both topics)."""
    for event_type in DATED_IN_V2:
        target.upcaster(event_type, from_version=1)(_same_fields)


add_upcasters(registry)
