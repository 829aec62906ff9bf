"""Every fact program-svc records, as explicit, versioned schemas (stream type `program`,
published on `pmo.program.events`, Kafka key = the program id).

A published version never changes: a new shape is a new class with `schema_version = 2` plus
an upcaster (see `pmo_shared.domain.events`). Every fact carries its business date
(`effective_on`, `as_of`, ...) beside the instant it was recorded (the envelope's
`occurred_at`), so the program roll-up answers in business time and in record time.

Personal data: `manager`, `sponsor`, `activated_by`, a person resource's `person`, a benefit's
`owner` (and every event's actor) are `PersonalUserId`: stored and published sealed with the
person's key, read back as the user id or `[erased]` (docs/personal-data.md). A resource's cost
rate is not sealed: it is the rate of the resource, and a person resource's rate names nobody
once the person is erased.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import Field

from pmo_shared.domain.events import DomainEvent, EventRegistry
from pmo_shared.domain.values import CurrencyCode, LongText, PositiveAmount, Text
from pmo_shared.privacy.fields import PersonalUserId
from program_svc.domain.values import DependencyKind, Hours, IsoWeek, ResourceKind

registry = EventRegistry()

PROGRAM = "program"

Reason = Annotated[str, Field(max_length=2000)]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]


# -- charter and lifecycle -----------------------------------------------------------------------
@registry.register
class ProgramProposed(DomainEvent):
    """A program was proposed: its charter, its manager and sponsor, its one currency."""

    event_type = "ProgramProposed"
    program_id: UUID
    code: Code
    name: Text
    area: Text
    description: Annotated[str, Field(max_length=10_000)]
    manager: PersonalUserId
    sponsor: PersonalUserId
    currency: CurrencyCode
    proposed_on: date


@registry.register
class ProgramActivated(DomainEvent):
    """The program was activated (by the PMO or its sponsor, never its own manager)."""

    event_type = "ProgramActivated"
    activated_by: PersonalUserId
    effective_on: date


@registry.register
class ProgramPutOnHold(DomainEvent):
    """The program was paused."""

    event_type = "ProgramPutOnHold"
    reason: LongText
    effective_on: date


@registry.register
class ProgramResumed(DomainEvent):
    """The paused program resumed."""

    event_type = "ProgramResumed"
    effective_on: date


@registry.register
class ProgramClosed(DomainEvent):
    """The program was closed: each member had ended (completed, cancelled or closed) or been
    removed."""

    event_type = "ProgramClosed"
    effective_on: date


@registry.register
class ProgramCancelled(DomainEvent):
    """The program was stopped before it delivered."""

    event_type = "ProgramCancelled"
    reason: LongText
    effective_on: date


# -- member projects -----------------------------------------------------------------------------
@registry.register
class MemberProjectAdded(DomainEvent):
    """A project of the tenant joined the program (a project belongs to one program at most)."""

    event_type = "MemberProjectAdded"
    project_id: UUID
    effective_on: date


@registry.register
class MemberProjectRemoved(DomainEvent):
    """A member project left the program; its allocation and assignments end with it."""

    event_type = "MemberProjectRemoved"
    project_id: UUID
    reason: Reason = ""
    effective_on: date


# -- the shared funding pool ----------------------------------------------------------------------
@registry.register
class FundingPoolSet(DomainEvent):
    """The program's funding pool was set to an amount (in the program's currency)."""

    event_type = "FundingPoolSet"
    amount: Annotated[Decimal, Field(ge=0)]
    reason: Reason = ""
    effective_on: date


@registry.register
class FundingPoolIncreased(DomainEvent):
    """The pool grew by an amount."""

    event_type = "FundingPoolIncreased"
    amount: PositiveAmount
    reason: LongText
    effective_on: date


@registry.register
class FundingPoolDecreased(DomainEvent):
    """The pool shrank by an amount (never below what is allocated)."""

    event_type = "FundingPoolDecreased"
    amount: PositiveAmount
    reason: LongText
    effective_on: date


@registry.register
class FundsAllocated(DomainEvent):
    """Funds of the pool were allocated to a member (its allocation grows by `amount`)."""

    event_type = "FundsAllocated"
    project_id: UUID
    amount: PositiveAmount
    effective_on: date


@registry.register
class FundsReallocated(DomainEvent):
    """Funds moved from one member's allocation to another's, in one step."""

    event_type = "FundsReallocated"
    from_project_id: UUID
    to_project_id: UUID
    amount: PositiveAmount
    reason: Reason = ""
    effective_on: date


# -- the shared resource pool ---------------------------------------------------------------------
@registry.register
class ResourceAdded(DomainEvent):
    """A resource joined the pool: a named person (`person`) or a role (`role`), its skills
    and weekly capacity, optionally its cost rate per hour."""

    event_type = "ResourceAdded"
    resource_id: UUID
    kind: ResourceKind
    person: PersonalUserId | None = None
    role: Annotated[str, Field(max_length=200)] | None = None
    skills: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = ()
    weekly_capacity_hours: Hours
    cost_rate: Annotated[Decimal, Field(ge=0)] | None = None
    effective_on: date


@registry.register
class ResourceAssigned(DomainEvent):
    """A resource was assigned to a member for hours per week over a range of ISO weeks."""

    event_type = "ResourceAssigned"
    assignment_id: UUID
    resource_id: UUID
    project_id: UUID
    hours_per_week: Hours
    first_week: IsoWeek
    last_week: IsoWeek
    effective_on: date


@registry.register
class AssignmentHoursChanged(DomainEvent):
    """An assignment's hours per week changed (for all its weeks)."""

    event_type = "AssignmentHoursChanged"
    assignment_id: UUID
    hours_per_week: Hours
    effective_on: date


@registry.register
class AssignmentEndedEarly(DomainEvent):
    """An assignment now ends with `last_week` (earlier than planned)."""

    event_type = "AssignmentEndedEarly"
    assignment_id: UUID
    last_week: IsoWeek
    effective_on: date


@registry.register
class AssignmentReleased(DomainEvent):
    """An assignment was released: none of its weeks count any more."""

    event_type = "AssignmentReleased"
    assignment_id: UUID
    effective_on: date


# -- benefits ------------------------------------------------------------------------------------
@registry.register
class BenefitPlanned(DomainEvent):
    """A benefit the program is to deliver: what is measured, in which unit, the target value
    by a date, and who owns it."""

    event_type = "BenefitPlanned"
    benefit_id: UUID
    name: Text
    measure: Text
    unit: Annotated[str, Field(min_length=1, max_length=50)]
    target_value: Annotated[Decimal, Field(gt=0)]
    target_date: date
    owner: PersonalUserId
    effective_on: date


@registry.register
class BenefitRealisationReported(DomainEvent):
    """The value a benefit has reached, as of a date."""

    event_type = "BenefitRealisationReported"
    benefit_id: UUID
    value: Annotated[Decimal, Field(ge=0)]
    as_of: date


# -- dependencies between members -----------------------------------------------------------------
@registry.register
class DependencyAdded(DomainEvent):
    """A member needs another (`dependent_project_id` needs `prerequisite_project_id`): to
    finish before it starts, or one of its deliverables. The graph stays acyclic."""

    event_type = "DependencyAdded"
    dependency_id: UUID
    dependent_project_id: UUID
    prerequisite_project_id: UUID
    kind: DependencyKind
    deliverable: Annotated[str, Field(max_length=200)] | None = None
    effective_on: date


@registry.register
class DependencyRemoved(DomainEvent):
    """A dependency no longer holds."""

    event_type = "DependencyRemoved"
    dependency_id: UUID
    effective_on: date
