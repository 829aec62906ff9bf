"""Given-when-then helpers for Program tests: build history, compare recorded events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_shared.domain.events import DomainEvent
from program_svc.domain import events as ev
from program_svc.domain.program import Program
from program_svc.domain.values import DependencyKind, ResourceKind

D = Decimal
PROGRAM_ID = UUID("00000000-0000-4000-8000-0000000000a1")
PROPOSED_ON = date(2026, 1, 5)
ON = date(2026, 3, 2)
A = UUID("00000000-0000-4000-8000-00000000000a")
B = UUID("00000000-0000-4000-8000-00000000000b")
C = UUID("00000000-0000-4000-8000-00000000000c")
OUTSIDER = UUID("00000000-0000-4000-8000-0000000000ff")
DEV = UUID("00000000-0000-4000-8000-0000000000d1")
TESTER = UUID("00000000-0000-4000-8000-0000000000d2")


def uid(n: int) -> UUID:
    """A readable fixed id."""
    return UUID(int=n)


def proposed(**overrides: Any) -> ev.ProgramProposed:
    details: dict[str, Any] = {
        "program_id": PROGRAM_ID,
        "code": "PAYROLL",
        "name": "Improve the Payroll application",
        "area": "Payroll",
        "description": "Every payroll project of the year",
        "manager": "pgm-ann",
        "sponsor": "cfo-bob",
        "currency": "EUR",
        "proposed_on": PROPOSED_ON,
    }
    return ev.ProgramProposed(**{**details, **overrides})


def activated(on: date = date(2026, 1, 12)) -> ev.ProgramActivated:
    return ev.ProgramActivated(activated_by="pmo-carol", effective_on=on)


def member(project_id: UUID, on: date = date(2026, 1, 20)) -> ev.MemberProjectAdded:
    return ev.MemberProjectAdded(project_id=project_id, effective_on=on)


def pool(amount: str, on: date = date(2026, 1, 20)) -> ev.FundingPoolSet:
    return ev.FundingPoolSet(amount=D(amount), effective_on=on)


def allocated(project_id: UUID, amount: str) -> ev.FundsAllocated:
    return ev.FundsAllocated(project_id=project_id, amount=D(amount), effective_on=ON)


def person(resource_id: UUID = DEV, capacity: str = "40", who: str = "dev-dan") -> ev.ResourceAdded:
    return ev.ResourceAdded(
        resource_id=resource_id,
        kind=ResourceKind.PERSON,
        person=who,
        skills=("python",),
        weekly_capacity_hours=D(capacity),
        cost_rate=D("95.00"),
        effective_on=ON,
    )


def assigned(
    assignment_id: UUID,
    first: str,
    last: str,
    hours: str,
    *,
    resource_id: UUID = DEV,
    project_id: UUID = A,
) -> ev.ResourceAssigned:
    return ev.ResourceAssigned(
        assignment_id=assignment_id,
        resource_id=resource_id,
        project_id=project_id,
        hours_per_week=D(hours),
        first_week=first,
        last_week=last,
        effective_on=ON,
    )


def needs(
    dependency_id: UUID, dependent: UUID, prerequisite: UUID, deliverable: str | None = None
) -> ev.DependencyAdded:
    kind = DependencyKind.DELIVERABLE if deliverable else DependencyKind.FINISH_TO_START
    return ev.DependencyAdded(
        dependency_id=dependency_id,
        dependent_project_id=dependent,
        prerequisite_project_id=prerequisite,
        kind=kind,
        deliverable=deliverable,
        effective_on=ON,
    )


ACTIVE: tuple[DomainEvent, ...] = (proposed(), activated())
WITH_MEMBERS: tuple[DomainEvent, ...] = (*ACTIVE, member(A), member(B), member(C))


def given(*history: DomainEvent) -> Program:
    """A program rebuilt from `history`, with nothing pending."""
    return Program.rehydrate(PROGRAM_ID, history)


def recorded(program: Program) -> list[dict[str, Any]]:
    """The pending events as (type, fields), for comparison."""
    return [{"type": e.event_type, **e.model_dump()} for e in program.pending]


def state(program: Program) -> dict[str, Any]:
    """Everything the fold built (not the version or the pending events)."""
    return {k: v for k, v in vars(program).items() if k not in ("_pending", "version")}
