"""Dependencies between members: "B needs A", to finish first or for one of its deliverables.
Both are members, nothing is recorded twice, and the graph stays acyclic (a refusal names the
cycle)."""

from __future__ import annotations

import pytest

from pmo_shared.domain.errors import InvalidValueError, NotFoundError
from program_svc.domain.errors import (
    AlreadyExistsError,
    DependencyCycleError,
    DuplicateDependencyError,
    NotAMemberError,
)
from program_svc.domain.program import Program
from program_svc.domain.values import DependencyKind

from .given import ON, OUTSIDER, WITH_MEMBERS, A, B, C, given, member, needs, recorded, uid

F2S, DELIVERABLE = DependencyKind.FINISH_TO_START, DependencyKind.DELIVERABLE


def _needs(
    program: Program,
    n: int,
    dependent: object,
    prerequisite: object,
    kind: DependencyKind = F2S,
    deliverable: str | None = None,
) -> None:
    program.add_dependency(
        uid(n),
        dependent_project_id=dependent,  # type: ignore[arg-type]
        prerequisite_project_id=prerequisite,  # type: ignore[arg-type]
        kind=kind,
        deliverable=deliverable,
        on=ON,
    )


def test_b_needs_a_to_finish_first() -> None:
    program = given(*WITH_MEMBERS)
    _needs(program, 1, B, A)
    assert recorded(program) == [
        {
            "type": "DependencyAdded",
            "dependency_id": uid(1),
            "dependent_project_id": B,
            "prerequisite_project_id": A,
            "kind": F2S,
            "deliverable": None,
            "effective_on": ON,
        }
    ]
    dependency = program.dependencies[uid(1)]
    assert (dependency.dependent_project_id, dependency.prerequisite_project_id) == (B, A)


def test_b_needs_a_deliverable_of_a_which_it_names() -> None:
    program = given(*WITH_MEMBERS)
    _needs(program, 1, B, A, DELIVERABLE, " payroll API ")
    assert program.dependencies[uid(1)].deliverable == "payroll API"
    with pytest.raises(InvalidValueError, match="deliverable") as refused:
        _needs(program, 2, C, A, DELIVERABLE, "  ")
    assert refused.value.status == 422
    with pytest.raises(InvalidValueError, match="deliverable"):
        _needs(program, 2, C, A, DELIVERABLE)


def test_a_finish_to_start_dependency_names_no_deliverable() -> None:
    program = given(*WITH_MEMBERS)
    with pytest.raises(InvalidValueError, match="no deliverable"):
        _needs(program, 1, B, A, F2S, "the API")
    _needs(program, 1, B, A, F2S, "")
    assert program.dependencies[uid(1)].deliverable is None


@pytest.mark.parametrize(("dependent", "prerequisite"), [(OUTSIDER, A), (B, OUTSIDER)])
def test_both_ends_are_members(dependent: object, prerequisite: object) -> None:
    program = given(*WITH_MEMBERS)
    with pytest.raises(NotAMemberError) as refused:
        _needs(program, 1, dependent, prerequisite)
    assert refused.value.problem_extra() == {"project_id": str(OUTSIDER)}


def test_a_project_does_not_need_itself() -> None:
    with pytest.raises(InvalidValueError, match="itself"):
        _needs(given(*WITH_MEMBERS), 1, A, A)


def test_a_dependency_is_not_recorded_twice() -> None:
    program = given(*WITH_MEMBERS, needs(uid(1), B, A), needs(uid(2), C, A, "API spec"))
    with pytest.raises(DuplicateDependencyError) as refused:
        _needs(program, 3, B, A)
    assert refused.value.problem_extra() == {"dependency_id": str(uid(1))}
    with pytest.raises(DuplicateDependencyError):
        _needs(program, 3, C, A, DELIVERABLE, "api  SPEC")
    with pytest.raises(AlreadyExistsError):
        _needs(program, 1, C, B)
    _needs(program, 3, C, A, DELIVERABLE, "test data")  # another deliverable of A
    _needs(program, 4, C, A)  # and to finish first


def test_a_two_member_cycle_is_refused_naming_it() -> None:
    program = given(*WITH_MEMBERS, needs(uid(1), B, A))
    with pytest.raises(DependencyCycleError) as refused:
        _needs(program, 2, A, B)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {"cycle": [str(A), str(B), str(A)]}
    assert program.pending == []


def test_a_longer_cycle_is_named_in_order() -> None:
    d = uid(0xD)
    program = given(
        *WITH_MEMBERS, member(d), needs(uid(1), A, C), needs(uid(2), C, B), needs(uid(3), d, A)
    )
    with pytest.raises(DependencyCycleError) as refused:
        _needs(program, 4, B, A)  # B needs A, A needs C, C needs B
    assert refused.value.cycle == (B, A, C, B)
    assert " -> ".join(str(p) for p in (B, A, C, B)) in refused.value.problem_detail()


def test_a_diamond_is_no_cycle() -> None:
    d = uid(0xD)
    program = given(*WITH_MEMBERS, member(d), needs(uid(1), B, A), needs(uid(2), C, A))
    _needs(program, 3, d, B)
    _needs(program, 4, d, C)
    assert len(program.dependencies) == 4


def test_a_removed_dependency_no_longer_holds() -> None:
    program = given(*WITH_MEMBERS, needs(uid(1), B, A))
    program.remove_dependency(uid(1), on=ON)
    assert recorded(program) == [
        {"type": "DependencyRemoved", "dependency_id": uid(1), "effective_on": ON}
    ]
    assert program.dependencies == {}
    _needs(program, 2, A, B)
    with pytest.raises(NotFoundError):
        program.remove_dependency(uid(1), on=ON)
