"""The program events reporting-svc reads (`pmo.program.events`), as tolerant readers of
program-svc's published schemas (services/program-svc/events/schemas), in a registry of their
own (`registry`; the projection decodes with this one and the project events' together): only
the fields reporting uses, unknown fields ignored, so program-svc can add optional fields
without breaking reporting. A contract test checks every field here against the producer's
schemas (`tests/contracts/test_reporting_reads_program_events.py`).

Every program fact carries its business date (`effective_on`, `proposed_on`, `as_of`) from its
first version. Personal fields (`manager`, `sponsor`, `activated_by`, a resource's `person`, a
benefit's `owner`) are `Personal`, as in the project events: the sealed value as published,
kept so and opened per request. Enumerations (a resource's or a dependency's `kind`) are read
as text, so a new value never breaks reporting; ISO weeks as text (`YYYY-Www`), checked where
they are used (`domain.utilisation`). The kernel's bookkeeping events (`PersonalDataErased`)
are in every registry already; the projection passes over them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import ConfigDict

from pmo_shared.domain.events import DomainEvent, EventRegistry
from reporting_svc.events import Personal

registry = EventRegistry()


class ProgramEvent(DomainEvent):
    """A program-svc event as reporting reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")


@registry.register
class ProgramProposed(ProgramEvent):
    event_type = "ProgramProposed"
    program_id: UUID
    code: str
    name: str
    area: str
    manager: Personal
    sponsor: Personal
    currency: str
    proposed_on: date


@registry.register
class ProgramActivated(ProgramEvent):
    event_type = "ProgramActivated"
    activated_by: Personal
    effective_on: date


@registry.register
class ProgramPutOnHold(ProgramEvent):
    event_type = "ProgramPutOnHold"
    reason: str
    effective_on: date


@registry.register
class ProgramResumed(ProgramEvent):
    event_type = "ProgramResumed"
    effective_on: date


@registry.register
class ProgramClosed(ProgramEvent):
    event_type = "ProgramClosed"
    effective_on: date


@registry.register
class ProgramCancelled(ProgramEvent):
    event_type = "ProgramCancelled"
    reason: str
    effective_on: date


@registry.register
class MemberProjectAdded(ProgramEvent):
    event_type = "MemberProjectAdded"
    project_id: UUID
    effective_on: date


@registry.register
class MemberProjectRemoved(ProgramEvent):
    event_type = "MemberProjectRemoved"
    project_id: UUID
    effective_on: date


@registry.register
class FundingPoolSet(ProgramEvent):
    event_type = "FundingPoolSet"
    amount: Decimal
    effective_on: date


@registry.register
class FundingPoolIncreased(ProgramEvent):
    event_type = "FundingPoolIncreased"
    amount: Decimal
    effective_on: date


@registry.register
class FundingPoolDecreased(ProgramEvent):
    event_type = "FundingPoolDecreased"
    amount: Decimal
    effective_on: date


@registry.register
class FundsAllocated(ProgramEvent):
    event_type = "FundsAllocated"
    project_id: UUID
    amount: Decimal
    effective_on: date


@registry.register
class FundsReallocated(ProgramEvent):
    event_type = "FundsReallocated"
    from_project_id: UUID
    to_project_id: UUID
    amount: Decimal
    effective_on: date


@registry.register
class ResourceAdded(ProgramEvent):
    event_type = "ResourceAdded"
    resource_id: UUID
    kind: str
    person: Personal | None = None
    role: str | None = None
    weekly_capacity_hours: Decimal
    effective_on: date


@registry.register
class ResourceAssigned(ProgramEvent):
    event_type = "ResourceAssigned"
    assignment_id: UUID
    resource_id: UUID
    project_id: UUID
    hours_per_week: Decimal
    first_week: str
    last_week: str
    effective_on: date


@registry.register
class AssignmentHoursChanged(ProgramEvent):
    event_type = "AssignmentHoursChanged"
    assignment_id: UUID
    hours_per_week: Decimal
    effective_on: date


@registry.register
class AssignmentEndedEarly(ProgramEvent):
    event_type = "AssignmentEndedEarly"
    assignment_id: UUID
    last_week: str
    effective_on: date


@registry.register
class AssignmentReleased(ProgramEvent):
    event_type = "AssignmentReleased"
    assignment_id: UUID
    effective_on: date


@registry.register
class BenefitPlanned(ProgramEvent):
    event_type = "BenefitPlanned"
    benefit_id: UUID
    name: str
    measure: str
    unit: str
    target_value: Decimal
    target_date: date
    owner: Personal
    effective_on: date


@registry.register
class BenefitRealisationReported(ProgramEvent):
    event_type = "BenefitRealisationReported"
    benefit_id: UUID
    value: Decimal
    as_of: date


@registry.register
class DependencyAdded(ProgramEvent):
    event_type = "DependencyAdded"
    dependency_id: UUID
    dependent_project_id: UUID
    prerequisite_project_id: UUID
    kind: str
    deliverable: str | None = None
    effective_on: date


@registry.register
class DependencyRemoved(ProgramEvent):
    event_type = "DependencyRemoved"
    dependency_id: UUID
    effective_on: date
