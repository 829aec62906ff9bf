"""Properties: whatever commands run, in whatever order, with whatever figures, the funding
invariant (Σ allocations ≤ pool) and the capacity invariant (no resource booked beyond its
capacity in any ISO week) hold after every step, dependencies stay acyclic and between members,
a refused command changes nothing, and replaying the serialised events rebuilds the same state."""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from pmo_shared.domain.errors import DomainError
from program_svc.domain.capacity import overbooked_weeks
from program_svc.domain.events import registry
from program_svc.domain.outcomes import needs_path
from program_svc.domain.parts import Assignment
from program_svc.domain.program import Program
from program_svc.domain.values import DependencyKind, ResourceKind, weeks_between

from .given import PROGRAM_ID, PROPOSED_ON, A, B, C, D, proposed, state, uid

PROJECTS = [A, B, C, uid(0xD)]
RESOURCES = [uid(0x100), uid(0x101), uid(0x102)]
ASSIGNMENTS = [uid(0x200 + n) for n in range(8)]
BENEFITS = [uid(0x300), uid(0x301)]
DEPENDENCIES = [uid(0x400 + n) for n in range(6)]
WEEKS = ["2026-W51", "2026-W52", "2026-W53", "2027-W01", "2027-W02", "2027-W03"]

# Mostly figures a command takes, sometimes ones it refuses (too early, too precise, negative).
days = st.sampled_from([PROPOSED_ON + timedelta(n) for n in range(-1, 60)])
money = st.one_of(
    st.sampled_from([D("50"), D("100"), D("250.50"), D("400"), D("600")]),
    st.decimals(min_value=0, max_value=1500, places=2),
    st.decimals(min_value=-10, max_value=100, places=3),
)
costs = st.sampled_from([D(0), D(0), D("10.50"), D(100), D(-1)])
hours = st.one_of(
    st.sampled_from([D(4), D(8), D(16), D(20), D(24), D(40)]),
    st.decimals(min_value=-1, max_value=200, places=2),
)
words = st.sampled_from(["reason", "scope change", "reason", ""])
Command = Callable[[Program, st.DataObject], Any]


def pick(values: Collection[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(sorted(values))


def some(d: st.DataObject, existing: Collection[UUID], every: list[UUID]) -> UUID:
    """Mostly one that exists, now and then any (a new one, or one that is gone)."""
    use_existing = existing and d.draw(st.integers(0, 4)) > 0
    return d.draw(pick(existing if use_existing else every))  # type: ignore[no-any-return]


def member(p: Program, d: st.DataObject) -> UUID:
    return some(d, p.members, PROJECTS)


def weeks(d: st.DataObject) -> tuple[str, str]:
    first, last = sorted(d.draw(st.lists(pick(WEEKS), min_size=2, max_size=2)))
    if d.draw(st.integers(0, 9)) == 0:  # now and then the wrong way round, or no such week
        return d.draw(pick([*WEEKS, "2027-W53"])), d.draw(pick(WEEKS))
    return first, last


def _assign(p: Program, d: st.DataObject) -> None:
    first, last = weeks(d)
    p.assign(
        some(d, (), ASSIGNMENTS),
        resource_id=some(d, p.resources, RESOURCES),
        project_id=member(p, d),
        hours_per_week=d.draw(hours),
        first_week=first,
        last_week=last,
        on=d.draw(days),
    )


def _add_resource(p: Program, d: st.DataObject) -> None:
    p.add_resource(
        d.draw(pick(RESOURCES)),
        kind=d.draw(pick(list(ResourceKind))),
        person=d.draw(st.sampled_from([None, "dev-dan", "qa-quinn"])),
        role=d.draw(st.sampled_from([None, "developer"])),
        skills=d.draw(st.lists(pick(["python", "sql", " "]), max_size=3)),
        weekly_capacity_hours=d.draw(hours),
        cost_rate=d.draw(st.one_of(st.none(), money)),
        on=d.draw(days),
    )


def _add_dependency(p: Program, d: st.DataObject) -> None:
    p.add_dependency(
        d.draw(pick(DEPENDENCIES)),
        dependent_project_id=member(p, d),
        prerequisite_project_id=member(p, d),
        kind=d.draw(pick(list(DependencyKind))),
        deliverable=d.draw(st.sampled_from([None, "", "API", "data"])),
        on=d.draw(days),
    )


def _close(p: Program, d: st.DataObject) -> None:
    statuses = st.sampled_from(["active", "completed", "cancelled", "closed"])
    p.close(member_statuses=d.draw(st.dictionaries(pick(PROJECTS), statuses)), on=d.draw(days))


def _assignment(p: Program, d: st.DataObject) -> UUID:
    return some(d, p.assignments, ASSIGNMENTS)


COMMANDS: dict[str, Command] = {
    "activate": lambda p, d: p.activate(by=d.draw(pick(["pmo", "pgm-ann"])), on=d.draw(days)),
    "hold": lambda p, d: p.put_on_hold(reason=d.draw(words), on=d.draw(days)),
    "resume": lambda p, d: p.resume(on=d.draw(days)),
    "close": _close,
    "cancel": lambda p, d: p.cancel(reason=d.draw(words), on=d.draw(days)),
    "add_member": lambda p, d: p.add_member(
        d.draw(pick(PROJECTS)),
        currency=d.draw(st.sampled_from(["EUR", "EUR", "EUR", "USD"])),
        on=d.draw(days),
    ),
    "remove_member": lambda p, d: p.remove_member(member(p, d), on=d.draw(days)),
    "set_pool": lambda p, d: p.set_pool(d.draw(money), on=d.draw(days)),
    "increase_pool": lambda p, d: p.increase_pool(
        d.draw(money), reason=d.draw(words), on=d.draw(days)
    ),
    "decrease_pool": lambda p, d: p.decrease_pool(
        d.draw(money), reason=d.draw(words), on=d.draw(days)
    ),
    "allocate": lambda p, d: p.allocate(member(p, d), d.draw(money), on=d.draw(days)),
    "reallocate": lambda p, d: p.reallocate(
        member(p, d), member(p, d), d.draw(money), actual_cost=d.draw(costs), on=d.draw(days)
    ),
    "add_resource": _add_resource,
    "assign": _assign,
    "change_hours": lambda p, d: p.change_hours(
        _assignment(p, d), hours_per_week=d.draw(hours), on=d.draw(days)
    ),
    "end_early": lambda p, d: p.end_early(
        _assignment(p, d), last_week=d.draw(pick(WEEKS)), on=d.draw(days)
    ),
    "release": lambda p, d: p.release(_assignment(p, d), on=d.draw(days)),
    "plan_benefit": lambda p, d: p.plan_benefit(
        d.draw(pick(BENEFITS)),
        name="benefit",
        measure="measure",
        unit="unit",
        target_value=d.draw(money),
        target_date=date(2027, 1, 1),
        owner="owner",
        on=d.draw(days),
    ),
    "report_benefit": lambda p, d: p.report_benefit(
        some(d, p.benefits, BENEFITS), value=d.draw(money), as_of=d.draw(days)
    ),
    "add_dependency": _add_dependency,
    "remove_dependency": lambda p, d: p.remove_dependency(
        some(d, p.dependencies, DEPENDENCIES), on=d.draw(days)
    ),
}
# The lifecycle's ends stop every other command: drawn less often, sequences stay eventful;
# the resource pool's commands more often, since they need an assignment to act on.
ENDS = ("close", "cancel")
POOL = ("assign", "change_hours", "end_early", "allocate", "reallocate")
RARE = (*ENDS, "remove_member")
NAMES = [*RARE, *RARE, *[n for n in sorted(COMMANDS) if n not in RARE] * 8, *POOL * 8]


def _proposed() -> Program:
    details = proposed().model_dump(exclude={"program_id", "proposed_on"})
    return Program.propose(PROGRAM_ID, **details, on=PROPOSED_ON)


def _started() -> Program:
    """An active program with three members, a pool and two resources, all pending."""
    program = _proposed()
    program.activate(by="pmo", on=PROPOSED_ON)
    for project_id in PROJECTS[:3]:
        program.add_member(project_id, currency="EUR", on=PROPOSED_ON)
    program.set_pool(D(1000), on=PROPOSED_ON)
    for resource_id, capacity in zip(RESOURCES[:2], (D(40), D(20)), strict=True):
        program.add_resource(
            resource_id,
            kind=ResourceKind.ROLE,
            role="developer",
            weekly_capacity_hours=capacity,
            on=PROPOSED_ON,
        )
    return program


def _check_invariants(program: Program) -> None:
    assert program.allocated <= program.pool
    assert all(amount >= 0 for amount in program.allocations.values())
    assert set(program.allocations) <= program.members
    for resource_id, resource in program.resources.items():
        booked = program.booked_hours(resource_id)
        assert all(h <= resource.weekly_capacity_hours for h in booked.values()), booked
    for dependency in program.dependencies.values():
        ends = {dependency.dependent_project_id, dependency.prerequisite_project_id}
        assert ends <= program.members
        back = needs_path(
            program.dependencies.values(),
            start=dependency.prerequisite_project_id,
            goal=dependency.dependent_project_id,
        )
        assert back is None


@settings(max_examples=200, deadline=None)
@for_all(st.data())
def test_no_command_sequence_breaks_the_invariants_and_replay_rebuilds_the_state(
    data: st.DataObject,
) -> None:
    program = _started() if data.draw(st.integers(0, 3)) else _proposed()
    for _ in range(data.draw(st.integers(min_value=10, max_value=60))):
        name = data.draw(pick(NAMES))
        before, facts = len(program.pending), copy.deepcopy(state(program))
        try:
            COMMANDS[name](program, data)
        except DomainError:
            assert len(program.pending) == before
            assert state(program) == facts
        _check_invariants(program)

    stored = [
        (e.event_type, e.schema_version, orjson.loads(orjson.dumps(e.model_dump(mode="json"))))
        for e in program.pending
    ]
    replayed = Program.rehydrate(PROGRAM_ID, (registry.decode(*row) for row in stored))
    assert state(replayed) == state(program)
    assert replayed.version == len(program.pending)
    assert replayed.benefits_realisation == program.benefits_realisation


span = st.tuples(st.integers(0, 12), st.integers(0, 12), st.sampled_from([D(5), D(10), D(25)]))


@settings(max_examples=200, deadline=None)
@for_all(
    others=st.lists(span, max_size=6),
    new=span,
    capacity=st.sampled_from([D(10), D(30), D(40)]),
)
def test_the_overbooking_check_names_exactly_the_weeks_a_week_by_week_count_finds(
    others: list[tuple[int, int, Decimal]],
    new: tuple[int, int, Decimal],
    capacity: Decimal,
) -> None:
    every_week = weeks_between("2026-W50", "2027-W10")  # across 2026-W53

    def assignment(first: int, last: int, h: Decimal) -> Assignment:
        span = sorted((first, last))
        return Assignment(A, B, h, every_week[span[0]], every_week[span[1]], PROPOSED_ON)

    booked = [assignment(*o) for o in others]
    wanted = assignment(*new)
    expected = []
    for week in wanted.weeks:
        total = wanted.hours_per_week + sum(
            (a.hours_per_week for a in booked if a.covers(week)), D(0)
        )
        if total > capacity:
            expected.append((week, total, total - capacity))

    found = overbooked_weeks(
        booked,
        first_week=wanted.first_week,
        last_week=wanted.last_week,
        hours=wanted.hours_per_week,
        capacity=capacity,
    )
    assert [(w.week, w.booked_hours, w.over_by_hours) for w in found] == expected
