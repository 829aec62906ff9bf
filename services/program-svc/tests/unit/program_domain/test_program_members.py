"""Member projects: added once, in the program's currency; removed with their allocation and
assignments ending, and the dependencies they are party to removed first."""

from __future__ import annotations

from datetime import date

import pytest

from pmo_shared.domain.errors import NotFoundError
from program_svc.domain import events as ev
from program_svc.domain.errors import AlreadyExistsError, CurrencyMismatchError

from .given import (
    ACTIVE,
    DEV,
    ON,
    WITH_MEMBERS,
    A,
    B,
    C,
    D,
    allocated,
    assigned,
    given,
    member,
    needs,
    person,
    pool,
    proposed,
    recorded,
    uid,
)


def test_a_project_in_the_programs_currency_joins() -> None:
    program = given(*ACTIVE)
    program.add_member(A, currency="EUR", on=ON)
    assert recorded(program) == [
        {"type": "MemberProjectAdded", "project_id": A, "effective_on": ON}
    ]
    assert program.members == frozenset({A})
    assert program.member_since == {A: ON}


def test_a_proposed_program_takes_members_too() -> None:
    program = given(proposed())
    program.add_member(A, currency="EUR", on=ON)
    assert program.members == frozenset({A})


def test_a_project_in_another_currency_is_refused_naming_both() -> None:
    program = given(*ACTIVE)
    with pytest.raises(CurrencyMismatchError) as refused:
        program.add_member(A, currency="USD", on=ON)
    assert refused.value.status == 422
    assert refused.value.problem_extra() == {
        "project_id": str(A),
        "project_currency": "USD",
        "program_currency": "EUR",
    }
    assert "USD" in str(refused.value)
    assert "EUR" in str(refused.value)
    assert program.pending == []


def test_a_member_is_not_added_twice() -> None:
    program = given(*ACTIVE, member(A))
    with pytest.raises(AlreadyExistsError) as refused:
        program.add_member(A, currency="EUR", on=ON)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {"what": "member project", "id": str(A)}


def test_removing_a_non_member_is_not_found() -> None:
    program = given(*ACTIVE, member(A))
    with pytest.raises(NotFoundError) as refused:
        program.remove_member(B, reason="x", on=ON)
    assert refused.value.status == 404


def test_removal_returns_the_allocation_to_the_pool() -> None:
    program = given(*ACTIVE, member(A), member(B), pool("1000"), allocated(A, "600"))
    program.allocate(B, D("300"), on=ON)
    program.remove_member(A, reason="descoped", on=ON)
    assert recorded(program)[-1] == {
        "type": "MemberProjectRemoved",
        "project_id": A,
        "reason": "descoped",
        "effective_on": ON,
    }
    assert program.members == frozenset({B})
    assert program.allocations == {B: D("300")}
    assert (program.pool, program.allocated, program.available) == (D(1000), D(300), D(700))


def test_a_removed_project_may_join_again_without_its_old_allocation() -> None:
    program = given(
        *ACTIVE,
        member(A),
        pool("100"),
        allocated(A, "60"),
        ev.MemberProjectRemoved(project_id=A, effective_on=ON),
    )
    program.add_member(A, currency="EUR", on=ON)
    assert program.allocations == {}


def test_removal_ends_the_members_assignments_with_the_week_it_leaves() -> None:
    history = (
        *ACTIVE,
        member(A),
        member(B),
        person(),
        assigned(uid(1), "2026-W05", "2026-W20", "10"),  # underway: ends with 2026-W10
        assigned(uid(2), "2026-W12", "2026-W14", "10"),  # not begun: no longer counts
        assigned(uid(3), "2026-W01", "2026-W04", "10"),  # over already: unchanged
        assigned(uid(4), "2026-W05", "2026-W20", "10", project_id=B),  # another member's
    )
    program = given(*history)
    program.remove_member(A, on=date(2026, 3, 4))  # a Wednesday of 2026-W10
    assert program.assignments[uid(1)].last_week == "2026-W10"
    assert uid(2) not in program.assignments
    assert program.assignments[uid(3)].last_week == "2026-W04"
    assert program.assignments[uid(4)].last_week == "2026-W20"
    booked = program.booked_hours(DEV)
    assert booked["2026-W10"] == D(20)
    assert booked["2026-W11"] == D(10)


def test_removal_removes_the_dependencies_the_member_is_party_to_first() -> None:
    program = given(*WITH_MEMBERS, needs(uid(1), B, A), needs(uid(2), C, B), needs(uid(3), C, A))
    program.remove_member(B, on=ON)
    assert [(e["type"], e.get("dependency_id")) for e in recorded(program)] == [
        ("DependencyRemoved", uid(1)),
        ("DependencyRemoved", uid(2)),
        ("MemberProjectRemoved", None),
    ]
    assert set(program.dependencies) == {uid(3)}
