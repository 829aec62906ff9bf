"""The program events portfolio-svc reads (`pmo.program.events`), as tolerant readers of
program-svc's published schemas (services/program-svc/events/schemas), in a registry of their
own (`registry`; the consumer decodes with this one and the project events' together:
`events.registry`): only the fields portfolio-svc uses, unknown fields ignored, so program-svc
can add optional fields without breaking portfolio-svc. A contract test
(tests/contracts/test_portfolio_reads_program_events.py) checks every field here against the
committed producer schemas.

portfolio-svc reads no personal field (a program's manager and sponsor, who activated it, a
resource's person, a benefit's owner): whatever shape they have on the wire, they are ignored.
It reads no business date either: a reference is the program as it is now, not as of a date.

Every event type on the topic is known to the registry, including the ones portfolio-svc passes
over (allocations, resources, assignments, benefits, dependencies): see `tolerant`. Every
program event is still at its first version. The kernel's bookkeeping events
(`PersonalDataErased`) are in every registry already; the fold passes over them.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import ConfigDict

from pmo_shared.domain.events import DomainEvent, EventRegistry
from portfolio_svc.references.tolerant import register_passed_over

registry = EventRegistry()

PROGRAM_STREAM = "program"
"""The stream type of a program's events."""


class ProgramEvent(DomainEvent):
    """A program-svc event as portfolio-svc reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# The events that change a program reference.


@registry.register
class ProgramProposed(ProgramEvent):
    event_type = "ProgramProposed"
    code: str
    name: str
    currency: str


@registry.register
class ProgramActivated(ProgramEvent):
    event_type = "ProgramActivated"


@registry.register
class ProgramPutOnHold(ProgramEvent):
    event_type = "ProgramPutOnHold"


@registry.register
class ProgramResumed(ProgramEvent):
    event_type = "ProgramResumed"


@registry.register
class ProgramClosed(ProgramEvent):
    event_type = "ProgramClosed"


@registry.register
class ProgramCancelled(ProgramEvent):
    event_type = "ProgramCancelled"


@registry.register
class MemberProjectAdded(ProgramEvent):
    event_type = "MemberProjectAdded"
    project_id: UUID


@registry.register
class MemberProjectRemoved(ProgramEvent):
    event_type = "MemberProjectRemoved"
    project_id: UUID


@registry.register
class FundingPoolSet(ProgramEvent):
    event_type = "FundingPoolSet"
    amount: Decimal


@registry.register
class FundingPoolIncreased(ProgramEvent):
    event_type = "FundingPoolIncreased"
    amount: Decimal


@registry.register
class FundingPoolDecreased(ProgramEvent):
    event_type = "FundingPoolDecreased"
    amount: Decimal


STATUS_AFTER: dict[type[DomainEvent], str] = {
    ProgramActivated: "active",
    ProgramPutOnHold: "on_hold",
    ProgramResumed: "active",
    ProgramClosed: "closed",
    ProgramCancelled: "cancelled",
}
"""The status a lifecycle event moves its program to (program-svc's `ProgramStatus` values)."""


# The events portfolio-svc passes over: known, so that they decode, with no fields read.


class PassedOver(ProgramEvent):
    """An event of the topic that changes nothing portfolio-svc knows."""


PASSED_OVER: dict[str, int] = {
    "FundsAllocated": 1,
    "FundsReallocated": 1,
    "ResourceAdded": 1,
    "ResourceAssigned": 1,
    "AssignmentHoursChanged": 1,
    "AssignmentEndedEarly": 1,
    "AssignmentReleased": 1,
    "BenefitPlanned": 1,
    "BenefitRealisationReported": 1,
    "DependencyAdded": 1,
    "DependencyRemoved": 1,
}
"""Each passed-over event type with its newest published schema version."""

register_passed_over(registry, PassedOver, PASSED_OVER)
