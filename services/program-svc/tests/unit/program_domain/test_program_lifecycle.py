"""Program lifecycle: proposed → active ⇄ on_hold → closed; cancelled from any open state; a
closed or cancelled program takes no command; nobody activates the program they manage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from pmo_shared.domain.errors import DomainError, InvalidTransitionError, InvalidValueError
from pmo_shared.domain.events import DomainEvent
from program_svc.domain import events as ev
from program_svc.domain.errors import OpenMembersError, SelfActivationError
from program_svc.domain.program import Program
from program_svc.domain.values import DependencyKind, ResourceKind

from .given import (
    ACTIVE,
    ON,
    PROGRAM_ID,
    PROPOSED_ON,
    WITH_MEMBERS,
    A,
    B,
    C,
    D,
    activated,
    given,
    member,
    proposed,
    recorded,
    uid,
)

HELD = (*ACTIVE, ev.ProgramPutOnHold(reason="budget freeze", effective_on=ON))
CLOSED = (*ACTIVE, ev.ProgramClosed(effective_on=ON))
CANCELLED = (*ACTIVE, ev.ProgramCancelled(reason="strategy changed", effective_on=ON))


def test_propose_records_the_charter() -> None:
    program = Program.propose(
        PROGRAM_ID,
        code="PAYROLL",
        name="Improve the Payroll application",
        area="Payroll",
        description="Every payroll project of the year",
        manager="pgm-ann",
        sponsor="cfo-bob",
        currency="EUR",
        on=PROPOSED_ON,
    )
    assert recorded(program) == [{"type": "ProgramProposed", **proposed().model_dump()}]
    assert program.stream_type == "program"
    assert (program.status, program.code, program.area) == ("proposed", "PAYROLL", "Payroll")
    assert (program.manager, program.sponsor, program.currency) == ("pgm-ann", "cfo-bob", "EUR")
    assert program.pool == 0
    assert program.members == frozenset()


@pytest.mark.parametrize("currency", ["XYZ", "XAU"])
def test_a_program_is_kept_in_an_iso_4217_currency_with_a_minor_unit(currency: str) -> None:
    with pytest.raises(InvalidValueError, match=currency) as refused:
        Program.propose(
            PROGRAM_ID,
            code="P",
            name="n",
            area="a",
            description="",
            manager="m",
            sponsor="s",
            currency=currency,
            on=PROPOSED_ON,
        )
    assert refused.value.status == 422


def test_the_pmo_activates_a_proposal() -> None:
    program = given(proposed())
    program.activate(by="pmo-carol", on=date(2026, 1, 12))
    assert recorded(program) == [
        {"type": "ProgramActivated", "activated_by": "pmo-carol", "effective_on": date(2026, 1, 12)}
    ]
    assert program.status == "active"
    assert (program.activated_by, program.activated_on) == ("pmo-carol", date(2026, 1, 12))


def test_the_manager_does_not_activate_their_own_program() -> None:
    program = given(proposed())
    with pytest.raises(SelfActivationError, match="segregation of duties") as refused:
        program.activate(by="pgm-ann", on=date(2026, 1, 12))
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert program.pending == []
    assert program.status == "proposed"


def test_the_whole_happy_lifecycle() -> None:
    program = given(proposed())
    program.activate(by="cfo-bob", on=date(2026, 1, 12))
    program.put_on_hold(reason="budget freeze", on=date(2026, 2, 1))
    program.resume(on=date(2026, 3, 1))
    program.close(member_statuses={}, on=date(2026, 12, 1))
    assert [e.event_type for e in program.pending] == [
        "ProgramActivated",
        "ProgramPutOnHold",
        "ProgramResumed",
        "ProgramClosed",
    ]
    assert program.status == "closed"
    assert program.status_since == date(2026, 12, 1)


def test_hold_keeps_its_reason_until_resumed() -> None:
    program = given(*HELD)
    assert (program.status, program.hold_reason) == ("on_hold", "budget freeze")
    program.resume(on=ON)
    assert (program.status, program.hold_reason) == ("active", None)


@pytest.mark.parametrize(
    "history", [(proposed(),), ACTIVE, HELD], ids=["proposed", "active", "on_hold"]
)
def test_any_open_program_can_be_cancelled(history: tuple[DomainEvent, ...]) -> None:
    program = given(*history)
    program.cancel(reason="strategy changed", on=ON)
    assert recorded(program) == [
        {"type": "ProgramCancelled", "reason": "strategy changed", "effective_on": ON}
    ]
    assert (program.status, program.cancel_reason) == ("cancelled", "strategy changed")


@pytest.mark.parametrize(
    ("history", "command", "current"),
    [
        (ACTIVE, lambda p: p.activate(by="pmo-carol", on=ON), "active"),
        ((proposed(),), lambda p: p.put_on_hold(reason="x", on=ON), "proposed"),
        (ACTIVE, lambda p: p.resume(on=ON), "active"),
        ((proposed(),), lambda p: p.close(member_statuses={}, on=ON), "proposed"),
        (HELD, lambda p: p.close(member_statuses={}, on=ON), "on_hold"),
        (CLOSED, lambda p: p.cancel(reason="x", on=ON), "closed"),
        (CANCELLED, lambda p: p.resume(on=ON), "cancelled"),
    ],
)
def test_transitions_outside_the_lifecycle_are_refused_naming_the_state(
    history: tuple[DomainEvent, ...], command: Callable[[Program], None], current: str
) -> None:
    program = given(*history)
    with pytest.raises(InvalidTransitionError) as refused:
        command(program)
    assert refused.value.status == 409
    assert refused.value.current_state == current
    assert current in str(refused.value)
    assert program.pending == []


EVERY_COMMAND: dict[str, Callable[[Program], None]] = {
    "add_member": lambda p: p.add_member(uid(9), currency="EUR", on=ON),
    "remove_member": lambda p: p.remove_member(A, on=ON),
    "set_pool": lambda p: p.set_pool(D("10"), on=ON),
    "increase_pool": lambda p: p.increase_pool(D("10"), reason="r", on=ON),
    "decrease_pool": lambda p: p.decrease_pool(D("10"), reason="r", on=ON),
    "allocate": lambda p: p.allocate(A, D("10"), on=ON),
    "reallocate": lambda p: p.reallocate(A, B, D("1"), actual_cost=D(0), on=ON),
    "add_resource": lambda p: p.add_resource(
        uid(7), kind=ResourceKind.ROLE, role="tester", weekly_capacity_hours=D(40), on=ON
    ),
    "assign": lambda p: p.assign(
        uid(8),
        resource_id=uid(7),
        project_id=A,
        hours_per_week=D(8),
        first_week="2026-W10",
        last_week="2026-W12",
        on=ON,
    ),
    "change_hours": lambda p: p.change_hours(uid(8), hours_per_week=D(4), on=ON),
    "end_early": lambda p: p.end_early(uid(8), last_week="2026-W10", on=ON),
    "release": lambda p: p.release(uid(8), on=ON),
    "plan_benefit": lambda p: p.plan_benefit(
        uid(6),
        name="n",
        measure="m",
        unit="u",
        target_value=D(1),
        target_date=ON,
        owner="o",
        on=ON,
    ),
    "report_benefit": lambda p: p.report_benefit(uid(6), value=D(1), as_of=ON),
    "add_dependency": lambda p: p.add_dependency(
        uid(5),
        dependent_project_id=B,
        prerequisite_project_id=A,
        kind=DependencyKind.FINISH_TO_START,
        on=ON,
    ),
    "remove_dependency": lambda p: p.remove_dependency(uid(5), on=ON),
}


@pytest.mark.parametrize("ending", ["ProgramClosed", "ProgramCancelled"])
@pytest.mark.parametrize("name", sorted(EVERY_COMMAND))
def test_a_closed_or_cancelled_program_takes_no_command(name: str, ending: str) -> None:
    end = (
        ev.ProgramClosed(effective_on=ON)
        if ending == "ProgramClosed"
        else ev.ProgramCancelled(reason="stopped", effective_on=ON)
    )
    program = given(*WITH_MEMBERS, end)
    with pytest.raises(InvalidTransitionError) as refused:
        EVERY_COMMAND[name](program)
    assert refused.value.allowed_from == ("proposed", "active", "on_hold")
    assert program.pending == []


def test_closing_needs_every_member_ended_and_names_the_open_ones() -> None:
    program = given(*WITH_MEMBERS)
    with pytest.raises(OpenMembersError) as refused:
        program.close(member_statuses={A: "completed", B: "active", C: "on_hold"}, on=ON)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {
        "open_members": [
            {"project_id": str(B), "status": "active"},
            {"project_id": str(C), "status": "on_hold"},
        ]
    }
    assert str(B) in refused.value.problem_detail()
    assert program.pending == []


def test_a_member_whose_status_the_caller_does_not_know_is_open() -> None:
    program = given(*ACTIVE, member(A))
    with pytest.raises(OpenMembersError) as refused:
        program.close(member_statuses={}, on=ON)
    assert refused.value.problem_extra()["open_members"] == [
        {"project_id": str(A), "status": "unknown"}
    ]


def test_a_program_closes_when_each_member_ended_or_was_removed() -> None:
    program = given(
        *WITH_MEMBERS, ev.MemberProjectRemoved(project_id=C, reason="moved", effective_on=ON)
    )
    program.close(member_statuses={A: "completed", B: "cancelled", C: "active"}, on=ON)
    assert program.status == "closed"


def test_closed_members_count_as_ended() -> None:
    program = given(*ACTIVE, member(A))
    program.close(member_statuses={A: "closed"}, on=ON)
    assert [e.event_type for e in program.pending] == ["ProgramClosed"]


@pytest.mark.parametrize(
    ("history", "command", "what"),
    [
        ((proposed(),), lambda p: p.activate(by="pmo", on=date(2026, 1, 4)), "activation"),
        (ACTIVE, lambda p: p.put_on_hold(reason="x", on=date(2026, 1, 11)), "hold"),
        (HELD, lambda p: p.resume(on=date(2026, 3, 1)), "resumption"),
        (ACTIVE, lambda p: p.close(member_statuses={}, on=date(2026, 1, 11)), "closing"),
        (HELD, lambda p: p.cancel(reason="x", on=date(2026, 3, 1)), "cancellation"),
    ],
)
def test_a_lifecycle_change_is_not_dated_before_the_one_it_follows(
    history: tuple[DomainEvent, ...], command: Callable[[Program], None], what: str
) -> None:
    program = given(*history)
    with pytest.raises(InvalidValueError, match=what) as refused:
        command(program)
    assert refused.value.status == 422


@pytest.mark.parametrize("name", ["add_member", "set_pool", "add_resource", "plan_benefit"])
def test_no_fact_is_dated_before_the_proposal(name: str) -> None:
    program = given(*WITH_MEMBERS)
    early = date(2026, 1, 4)
    commands: dict[str, Callable[[Program], None]] = {
        "add_member": lambda p: p.add_member(uid(9), currency="EUR", on=early),
        "set_pool": lambda p: p.set_pool(D("10"), on=early),
        "add_resource": lambda p: p.add_resource(
            uid(7), kind=ResourceKind.ROLE, role="qa", weekly_capacity_hours=D(8), on=early
        ),
        "plan_benefit": lambda p: p.plan_benefit(
            uid(6),
            name="n",
            measure="m",
            unit="u",
            target_value=D(1),
            target_date=ON,
            owner="o",
            on=early,
        ),
    }
    with pytest.raises(InvalidValueError, match="before the program was proposed"):
        commands[name](program)


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_hold_or_cancellation_says_why(blank: str) -> None:
    program = given(*ACTIVE)
    with pytest.raises(InvalidValueError, match="reason"):
        program.put_on_hold(reason=blank, on=ON)
    with pytest.raises(InvalidValueError, match="reason"):
        program.cancel(reason=blank, on=ON)


def test_every_refusal_is_a_domain_error_with_a_problem() -> None:
    program = given(proposed())
    with pytest.raises(DomainError) as refused:
        program.activate(by="pgm-ann", on=ON)
    assert refused.value.problem_extra() == {}
    assert "manager" in refused.value.problem_detail()


def test_activation_keeps_the_sponsor_and_area_of_the_charter() -> None:
    program = given(proposed(sponsor="cfo-eve", area="Web"), activated())
    assert (program.sponsor, program.area) == ("cfo-eve", "Web")
    assert program.pool == Decimal(0)
