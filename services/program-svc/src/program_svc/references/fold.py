"""How one project event changes program-svc's reference of its project: a pure function, so
the projection (`projection`) only loads, folds and writes.

A reference is made by `ProjectProposed` (its stream's first event) and then changed only by an
event of a later stream version than the last one it took (`last_version`): a duplicate or an
out-of-order delivery of an event it has already taken changes nothing, so a cost is never
counted twice, whatever the consumer's own dedupe (`processed_events`) let through. Events of
other streams on the topic (a Project Office's), the kernel's bookkeeping events
(`PersonalDataErased`) and the events program-svc passes over change nothing and leave
`last_version` alone: a later event's version is still higher.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from pmo_shared.domain.events import DomainEvent, EventEnvelope
from program_svc.references import events as ev
from program_svc.references.model import ProjectRef


class ForeignTenantError(ValueError):
    """An event names a project that program-svc knows under another tenant."""


def changes_anything(envelope: EventEnvelope, event: DomainEvent) -> bool:
    """Whether an event can change a reference at all (else the projection skips it unread)."""
    if envelope.stream_type != ev.PROJECT_STREAM or event.bookkeeping:
        return False
    return isinstance(
        event,
        ev.ProjectProposed | ev.ProjectBaselined | ev.ProgressReported | ev.CostRecorded,
    ) or (type(event) in ev.STATUS_AFTER)


def fold(ref: ProjectRef | None, envelope: EventEnvelope, event: DomainEvent) -> ProjectRef | None:
    """The reference after `event` (of `envelope`), given the one before (None: not known).

    Returns `ref` itself when the event changes nothing (see the module docstring); None only
    when the project is still unknown (an event of a project whose proposal never came).
    Raises `ForeignTenantError` when the event's tenant is not the reference's.
    """
    if not changes_anything(envelope, event):
        return ref
    if ref is None:
        return _proposed(envelope, event) if isinstance(event, ev.ProjectProposed) else None
    if envelope.tenant_id != ref.tenant_id:
        raise ForeignTenantError(
            f"project {ref.project_id} is known under another tenant than {envelope.tenant_id!r}"
        )
    if isinstance(event, ev.ProjectProposed) or envelope.stream_version <= ref.last_version:
        return ref
    taken = replace(ref, last_version=envelope.stream_version, updated_at=envelope.occurred_at)
    if isinstance(event, ev.ProjectBaselined):
        return replace(
            taken,
            budget_at_completion=event.budget_at_completion,
            planned_start=event.planned_start,
            planned_finish=event.planned_finish,
        )
    if isinstance(event, ev.ProgressReported):
        return replace(taken, percent_complete=event.percent_complete)
    if isinstance(event, ev.CostRecorded):
        return replace(taken, actual_cost=taken.actual_cost + event.amount)
    return replace(taken, status=ev.STATUS_AFTER[type(event)])


def _proposed(envelope: EventEnvelope, event: ev.ProjectProposed) -> ProjectRef:
    return ProjectRef(
        project_id=envelope.stream_id,
        tenant_id=envelope.tenant_id,
        code=event.code,
        name=event.name,
        status="proposed",
        currency=event.currency,
        budget_at_completion=None,
        actual_cost=Decimal(0),
        planned_start=None,
        planned_finish=None,
        percent_complete=None,
        last_version=envelope.stream_version,
        updated_at=envelope.occurred_at,
    )
