"""The resource pool: for every ISO week, the hours assigned to a resource never exceed its
weekly capacity; an overbooking names each week and by how much."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from pmo_shared.domain.errors import InvalidValueError, NotFoundError, RuleViolationError
from pmo_shared.domain.values import AmountPrecisionError
from program_svc.domain import events as ev
from program_svc.domain.errors import AlreadyExistsError, NotAMemberError, OverbookedError
from program_svc.domain.program import Program
from program_svc.domain.values import ResourceKind

from .given import (
    DEV,
    ON,
    OUTSIDER,
    TESTER,
    WITH_MEMBERS,
    A,
    B,
    D,
    assigned,
    given,
    person,
    recorded,
    uid,
)

STAFFED = (*WITH_MEMBERS, person(DEV, capacity="40"))


def _assign(
    program: Program, n: int, first: str, last: str, hours: str, project: object = A
) -> None:
    program.assign(
        uid(n),
        resource_id=DEV,
        project_id=project,  # type: ignore[arg-type]
        hours_per_week=D(hours),
        first_week=first,
        last_week=last,
        on=ON,
    )


def test_a_person_joins_the_pool_with_skills_capacity_and_rate() -> None:
    program = given(*WITH_MEMBERS)
    program.add_resource(
        DEV,
        kind=ResourceKind.PERSON,
        person="dev-dan",
        skills=["python", " sql ", "python"],
        weekly_capacity_hours=D("37.5"),
        cost_rate=D("95.5"),
        on=ON,
    )
    assert recorded(program) == [
        {
            "type": "ResourceAdded",
            "resource_id": DEV,
            "kind": ResourceKind.PERSON,
            "person": "dev-dan",
            "role": None,
            "skills": ("python", "sql"),
            "weekly_capacity_hours": D("37.5"),
            "cost_rate": D("95.50"),
            "effective_on": ON,
        }
    ]
    resource = program.resources[DEV]
    assert (resource.kind, resource.person, resource.weekly_capacity_hours) == (
        "person",
        "dev-dan",
        D("37.5"),
    )


def test_a_role_joins_the_pool_without_a_person() -> None:
    program = given(*WITH_MEMBERS)
    program.add_resource(
        TESTER, kind=ResourceKind.ROLE, role="tester", weekly_capacity_hours=D(80), on=ON
    )
    assert program.resources[TESTER].role == "tester"
    assert program.resources[TESTER].cost_rate is None
    with pytest.raises(InvalidValueError, match="names no person"):
        program.add_resource(
            uid(3),
            kind=ResourceKind.ROLE,
            role="qa",
            person="someone",
            weekly_capacity_hours=D(8),
            on=ON,
        )


@pytest.mark.parametrize(
    ("kind", "person", "role", "what"),
    [(ResourceKind.PERSON, None, "dev", "user id"), (ResourceKind.ROLE, None, " ", "role")],
)
def test_a_person_needs_a_user_id_and_a_role_its_role(
    kind: ResourceKind, person: str | None, role: str | None, what: str
) -> None:
    program = given(*WITH_MEMBERS)
    with pytest.raises(InvalidValueError, match=what):
        program.add_resource(
            uid(3), kind=kind, person=person, role=role, weekly_capacity_hours=D(8), on=ON
        )


def test_a_person_is_in_the_pool_once_and_a_resource_id_is_used_once() -> None:
    program = given(*STAFFED)
    with pytest.raises(RuleViolationError, match="dev-dan is already in the pool"):
        program.add_resource(
            uid(3), kind=ResourceKind.PERSON, person="dev-dan", weekly_capacity_hours=D(8), on=ON
        )
    with pytest.raises(AlreadyExistsError):
        program.add_resource(
            DEV, kind=ResourceKind.ROLE, role="qa", weekly_capacity_hours=D(8), on=ON
        )


@pytest.mark.parametrize("capacity", ["0", "-1", "168.01", "12.345"])
def test_a_weekly_capacity_is_positive_at_most_168_hours_with_two_decimals(capacity: str) -> None:
    program = given(*WITH_MEMBERS)
    with pytest.raises(InvalidValueError, match="weekly capacity") as refused:
        program.add_resource(
            DEV, kind=ResourceKind.ROLE, role="dev", weekly_capacity_hours=D(capacity), on=ON
        )
    assert refused.value.status == 422


def test_a_cost_rate_is_money_of_the_programs_currency() -> None:
    program = given(*WITH_MEMBERS)
    with pytest.raises(AmountPrecisionError):
        program.add_resource(
            DEV,
            kind=ResourceKind.ROLE,
            role="dev",
            weekly_capacity_hours=D(40),
            cost_rate=D("9.999"),
            on=ON,
        )
    with pytest.raises(InvalidValueError, match="negative"):
        program.add_resource(
            DEV,
            kind=ResourceKind.ROLE,
            role="dev",
            weekly_capacity_hours=D(40),
            cost_rate=D("-1"),
            on=ON,
        )


def test_an_assignment_books_hours_per_week_over_its_weeks() -> None:
    program = given(*STAFFED)
    _assign(program, 1, "2027-W01", "2027-W04", "24")
    assert recorded(program) == [
        {
            "type": "ResourceAssigned",
            "assignment_id": uid(1),
            "resource_id": DEV,
            "project_id": A,
            "hours_per_week": D(24),
            "first_week": "2027-W01",
            "last_week": "2027-W04",
            "effective_on": ON,
        }
    ]
    assert program.booked_hours(DEV) == {f"2027-W0{n}": D(24) for n in range(1, 5)}


def test_the_worked_overbooking_check() -> None:
    """Capacity 40 h; 24 h in 2027-W01..W04, then 20 h in 2027-W03..W06: 2027-W03 and W04
    would be booked 44 h, 4 h over each."""
    program = given(*STAFFED, assigned(uid(1), "2027-W01", "2027-W04", "24"))
    with pytest.raises(OverbookedError) as refused:
        _assign(program, 2, "2027-W03", "2027-W06", "20", project=B)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {
        "resource_id": str(DEV),
        "capacity_hours": "40",
        "overbooked": [
            {"week": "2027-W03", "booked_hours": "44", "over_by_hours": "4"},
            {"week": "2027-W04", "booked_hours": "44", "over_by_hours": "4"},
        ],
        "overbooked_week_count": 2,
    }
    detail = refused.value.problem_detail()
    assert "2027-W03 by 4 h" in detail
    assert "2027-W04 by 4 h" in detail
    assert program.pending == []


def test_a_booking_may_fill_the_capacity_exactly() -> None:
    program = given(*STAFFED, assigned(uid(1), "2027-W01", "2027-W04", "24"))
    _assign(program, 2, "2027-W03", "2027-W06", "16", project=B)
    assert program.booked_hours(DEV, first_week="2027-W02", last_week="2027-W05") == {
        "2027-W02": D(24),
        "2027-W03": D(40),
        "2027-W04": D(40),
        "2027-W05": D(16),
    }


def test_each_overbooked_week_is_named_with_its_own_excess() -> None:
    program = given(
        *STAFFED,
        assigned(uid(1), "2027-W01", "2027-W10", "20"),
        assigned(uid(2), "2027-W03", "2027-W04", "15", project_id=B),
    )
    with pytest.raises(OverbookedError) as refused:
        _assign(program, 3, "2027-W02", "2027-W05", "10")
    assert [
        (w["week"], w["booked_hours"], w["over_by_hours"])
        for w in refused.value.problem_extra()["overbooked"]
    ] == [("2027-W03", "45", "5"), ("2027-W04", "45", "5")]


def test_iso_weeks_run_across_2026_w53_into_2027_w01() -> None:
    program = given(*STAFFED, assigned(uid(1), "2026-W52", "2027-W02", "30"))
    assert list(program.booked_hours(DEV)) == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    with pytest.raises(OverbookedError) as refused:
        _assign(program, 2, "2026-W53", "2027-W01", "12", project=B)
    assert [w["week"] for w in refused.value.problem_extra()["overbooked"]] == [
        "2026-W53",
        "2027-W01",
    ]
    _assign(program, 3, "2026-W50", "2026-W51", "12", project=B)
    _assign(program, 4, "2027-W03", "2027-W03", "40", project=B)


@pytest.mark.parametrize("week", ["2027-W53", "2026-W54", "2026-W00", "2026-53", "26-W01"])
def test_a_week_that_does_not_exist_is_refused(week: str) -> None:
    program = given(*STAFFED)
    with pytest.raises(InvalidValueError, match="ISO week") as refused:
        _assign(program, 1, week, "2028-W01", "8")
    assert refused.value.status == 422


def test_the_first_week_is_not_after_the_last() -> None:
    program = given(*STAFFED)
    with pytest.raises(InvalidValueError, match="before first week") as refused:
        _assign(program, 1, "2027-W02", "2027-W01", "8")
    assert refused.value.status == 422
    _assign(program, 1, "2027-W02", "2027-W02", "8")


def test_assignments_are_of_a_known_resource_to_a_member() -> None:
    program = given(*STAFFED)
    with pytest.raises(NotAMemberError):
        _assign(program, 1, "2027-W01", "2027-W02", "8", project=OUTSIDER)
    with pytest.raises(NotFoundError):
        program.assign(
            uid(1),
            resource_id=TESTER,
            project_id=A,
            hours_per_week=D(8),
            first_week="2027-W01",
            last_week="2027-W01",
            on=ON,
        )


def test_an_assignment_id_is_used_once() -> None:
    program = given(*STAFFED, assigned(uid(1), "2027-W01", "2027-W02", "8"))
    with pytest.raises(AlreadyExistsError):
        _assign(program, 1, "2027-W05", "2027-W06", "8")


@pytest.mark.parametrize("hours", ["0", "168.5", "8.125"])
def test_hours_per_week_are_positive_at_most_168_with_two_decimals(hours: str) -> None:
    program = given(*STAFFED)
    with pytest.raises(InvalidValueError, match="hours per week"):
        _assign(program, 1, "2027-W01", "2027-W01", hours)


def test_changing_hours_rechecks_every_week_without_counting_the_old_hours() -> None:
    program = given(
        *STAFFED,
        assigned(uid(1), "2027-W01", "2027-W04", "24"),
        assigned(uid(2), "2027-W04", "2027-W06", "10", project_id=B),
    )
    program.change_hours(uid(1), hours_per_week=D(30), on=ON)
    assert program.booked_hours(DEV)["2027-W04"] == D(40)
    with pytest.raises(OverbookedError) as refused:
        program.change_hours(uid(1), hours_per_week=D("30.5"), on=ON)
    assert refused.value.problem_extra()["overbooked"] == [
        {"week": "2027-W04", "booked_hours": "40.5", "over_by_hours": "0.5"}
    ]
    assert [e["type"] for e in recorded(program)] == ["AssignmentHoursChanged"]


def test_ending_early_frees_the_later_weeks() -> None:
    program = given(*STAFFED, assigned(uid(1), "2027-W01", "2027-W06", "40"))
    program.end_early(uid(1), last_week="2027-W03", on=ON)
    assert recorded(program) == [
        {
            "type": "AssignmentEndedEarly",
            "assignment_id": uid(1),
            "last_week": "2027-W03",
            "effective_on": ON,
        }
    ]
    assert list(program.booked_hours(DEV)) == ["2027-W01", "2027-W02", "2027-W03"]
    _assign(program, 2, "2027-W04", "2027-W06", "40", project=B)


@pytest.mark.parametrize("last", ["2026-W53", "2027-W06", "2027-W07"])
def test_ending_early_ends_within_the_assignment_before_its_last_week(last: str) -> None:
    program = given(*STAFFED, assigned(uid(1), "2027-W01", "2027-W06", "40"))
    with pytest.raises(InvalidValueError, match="ends early") as refused:
        program.end_early(uid(1), last_week=last, on=ON)
    assert refused.value.status == 422


def test_a_released_assignment_books_nothing_and_takes_no_more_commands() -> None:
    program = given(*STAFFED, assigned(uid(1), "2027-W01", "2027-W06", "40"))
    program.release(uid(1), on=ON)
    assert recorded(program) == [
        {"type": "AssignmentReleased", "assignment_id": uid(1), "effective_on": ON}
    ]
    assert program.assignments == {}
    assert program.booked_hours(DEV) == {}
    _assign(program, 2, "2027-W01", "2027-W06", "40", project=B)
    commands: list[Callable[[], None]] = [
        lambda: program.release(uid(1), on=ON),
        lambda: program.change_hours(uid(1), hours_per_week=D(1), on=ON),
        lambda: program.end_early(uid(1), last_week="2027-W02", on=ON),
    ]
    for command in commands:
        with pytest.raises(RuleViolationError, match="released"):
            command()


def test_an_unknown_assignment_is_not_found() -> None:
    program = given(*STAFFED)
    with pytest.raises(NotFoundError):
        program.release(uid(1), on=ON)
    with pytest.raises(NotFoundError):
        program.change_hours(uid(1), hours_per_week=D(1), on=ON)


def test_an_assignment_of_a_removed_member_may_only_be_released() -> None:
    program = given(
        *STAFFED,
        assigned(uid(1), "2026-W01", "2026-W40", "10"),
        ev.MemberProjectRemoved(project_id=A, effective_on=date(2026, 3, 2)),
    )
    assert program.assignments[uid(1)].last_week == "2026-W10"
    with pytest.raises(NotAMemberError):
        program.change_hours(uid(1), hours_per_week=D(5), on=ON)
    program.release(uid(1), on=ON)
    assert program.assignments == {}


def test_resources_are_booked_separately() -> None:
    program = given(*STAFFED, person(TESTER, capacity="20", who="qa-quinn"))
    _assign(program, 1, "2027-W01", "2027-W01", "40")
    program.assign(
        uid(2),
        resource_id=TESTER,
        project_id=A,
        hours_per_week=D(20),
        first_week="2027-W01",
        last_week="2027-W01",
        on=ON,
    )
    assert program.booked_hours(TESTER) == {"2027-W01": D(20)}
    assert set(program.assignments_of(DEV)) == {uid(1)}


def test_a_long_overbooking_counts_every_week_and_lists_five_years() -> None:
    program = given(*STAFFED, assigned(uid(1), "2000-W01", "2099-W52", "40"))
    with pytest.raises(OverbookedError) as refused:
        _assign(program, 2, "2000-W01", "2099-W52", "1", project=B)
    extra = refused.value.problem_extra()
    assert extra["overbooked_week_count"] == len(refused.value.weeks) > 5000
    assert len(extra["overbooked"]) == 260
    assert "and " in refused.value.problem_detail()
