"""How one event changes portfolio-svc's reference of its program or project: pure functions,
so the projection (`projection`) only loads, folds and writes.

A reference is made by its stream's proposal (`ProgramProposed`, `ProjectProposed`: the first
event) and then changed only by an event of a later stream version than the last one it took
(`last_version`): a duplicate or an out-of-order delivery of an event it has already taken
changes nothing, so a pool increase is never counted twice, whatever the consumer's own dedupe
(`processed_events`) let through. Events of other streams on the topics (a Project Office's),
the kernel's bookkeeping events (`PersonalDataErased`) and the events portfolio-svc passes over
change nothing and leave `last_version` alone: a later event's version is still higher.

A program's pool is None until a pool event comes; an increase or decrease before any
`FundingPoolSet` starts from zero, as in program-svc. A closed or cancelled program keeps its
members as they were when it ended (no event removes them): that is who it delivered through,
and `ProgramRef.ended` tells such a program apart from one that can still count its members.

Each kind of reference has one table from event type to change (`PROGRAM_CHANGES`,
`PROJECT_CHANGES`), keyed by the reader's exact type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from pmo_shared.domain.events import DomainEvent, EventEnvelope
from portfolio_svc.references import program_events as pg
from portfolio_svc.references import project_events as pj
from portfolio_svc.references.model import ProgramRef, ProjectRef

E = TypeVar("E", bound=DomainEvent)
R = TypeVar("R", ProgramRef, ProjectRef)
Change = Callable[[R, DomainEvent], R]


class ForeignTenantError(ValueError):
    """An event names a program or project that portfolio-svc knows under another tenant."""


def _on(event_type: type[E], change: Callable[[R, E], R]) -> tuple[type[DomainEvent], Change[R]]:
    """A table entry: `change` for events of exactly `event_type`."""

    def apply(ref: R, event: DomainEvent) -> R:
        assert isinstance(event, event_type)  # the table is keyed by the event's own type
        return change(ref, event)

    return event_type, apply


def _status(status: str) -> Callable[[R, DomainEvent], R]:
    return lambda ref, _event: replace(ref, status=status)


def _pool_set(ref: ProgramRef, event: pg.FundingPoolSet) -> ProgramRef:
    return replace(ref, pool=event.amount)


def _pool_increased(ref: ProgramRef, event: pg.FundingPoolIncreased) -> ProgramRef:
    return replace(ref, pool=(ref.pool or Decimal(0)) + event.amount)


def _pool_decreased(ref: ProgramRef, event: pg.FundingPoolDecreased) -> ProgramRef:
    return replace(ref, pool=(ref.pool or Decimal(0)) - event.amount)


def _member_added(ref: ProgramRef, event: pg.MemberProjectAdded) -> ProgramRef:
    return replace(ref, members=ref.members | {event.project_id})


def _member_removed(ref: ProgramRef, event: pg.MemberProjectRemoved) -> ProgramRef:
    return replace(ref, members=ref.members - {event.project_id})


def _baselined(ref: ProjectRef, event: pj.ProjectBaselined) -> ProjectRef:
    return replace(ref, budget_at_completion=event.budget_at_completion)


PROGRAM_CHANGES: Mapping[type[DomainEvent], Change[ProgramRef]] = dict(
    [
        _on(pg.FundingPoolSet, _pool_set),
        _on(pg.FundingPoolIncreased, _pool_increased),
        _on(pg.FundingPoolDecreased, _pool_decreased),
        _on(pg.MemberProjectAdded, _member_added),
        _on(pg.MemberProjectRemoved, _member_removed),
        *((kind, _status(status)) for kind, status in pg.STATUS_AFTER.items()),
    ]
)
"""How each program event after the proposal changes a program reference."""

PROJECT_CHANGES: Mapping[type[DomainEvent], Change[ProjectRef]] = dict(
    [
        _on(pj.ProjectBaselined, _baselined),
        *((kind, _status(status)) for kind, status in pj.STATUS_AFTER.items()),
    ]
)
"""How each project event after the proposal changes a project reference."""


def changes_anything(envelope: EventEnvelope, event: DomainEvent) -> bool:
    """Whether an event can change a reference at all (else the projection skips it unread)."""
    if event.bookkeeping:
        return False
    if envelope.stream_type == pg.PROGRAM_STREAM:
        return type(event) is pg.ProgramProposed or type(event) in PROGRAM_CHANGES
    if envelope.stream_type == pj.PROJECT_STREAM:
        return type(event) is pj.ProjectProposed or type(event) in PROJECT_CHANGES
    return False


def fold_program(
    ref: ProgramRef | None, envelope: EventEnvelope, event: DomainEvent
) -> ProgramRef | None:
    """The program reference after `event` (of `envelope`), given the one before (None: not
    known). Returns `ref` itself when the event changes nothing (see the module docstring);
    None only while the program is unknown (an event of a program whose proposal never came).
    Raises `ForeignTenantError` when the event's tenant is not the reference's."""
    if envelope.stream_type != pg.PROGRAM_STREAM or not changes_anything(envelope, event):
        return ref
    if ref is None:
        return _program(envelope, event) if isinstance(event, pg.ProgramProposed) else None
    _same_tenant(ref.tenant_id, envelope, what=f"program {ref.program_id}")
    return _taken(ref, envelope, event, PROGRAM_CHANGES)


def fold_project(
    ref: ProjectRef | None, envelope: EventEnvelope, event: DomainEvent
) -> ProjectRef | None:
    """The project reference after `event` (of `envelope`), given the one before (None: not
    known), as `fold_program` does for programs."""
    if envelope.stream_type != pj.PROJECT_STREAM or not changes_anything(envelope, event):
        return ref
    if ref is None:
        return _project(envelope, event) if isinstance(event, pj.ProjectProposed) else None
    _same_tenant(ref.tenant_id, envelope, what=f"project {ref.project_id}")
    return _taken(ref, envelope, event, PROJECT_CHANGES)


def _same_tenant(tenant_id: str, envelope: EventEnvelope, *, what: str) -> None:
    if envelope.tenant_id != tenant_id:
        raise ForeignTenantError(
            f"{what} is known under another tenant than {envelope.tenant_id!r}"
        )


def _taken(
    ref: R,
    envelope: EventEnvelope,
    event: DomainEvent,
    changes: Mapping[type[DomainEvent], Change[R]],
) -> R:
    """`ref` with `event` applied, unless it is a proposal again or a version already taken."""
    change = changes.get(type(event))
    if change is None or envelope.stream_version <= ref.last_version:
        return ref
    moved = replace(ref, last_version=envelope.stream_version, updated_at=envelope.occurred_at)
    return change(moved, event)


def _program(envelope: EventEnvelope, event: pg.ProgramProposed) -> ProgramRef:
    return ProgramRef(
        program_id=envelope.stream_id,
        tenant_id=envelope.tenant_id,
        code=event.code,
        name=event.name,
        status="proposed",
        currency=event.currency,
        pool=None,
        members=frozenset(),
        last_version=envelope.stream_version,
        updated_at=envelope.occurred_at,
    )


def _project(envelope: EventEnvelope, event: pj.ProjectProposed) -> ProjectRef:
    return ProjectRef(
        project_id=envelope.stream_id,
        tenant_id=envelope.tenant_id,
        code=event.code,
        name=event.name,
        status="proposed",
        currency=event.currency,
        flagged_large=event.flagged_large,
        budget_at_completion=None,
        last_version=envelope.stream_version,
        updated_at=envelope.occurred_at,
    )
