"""The program read model's rows as the domain's values: one membership per project (the
latest), assignments in force (cut at the week their membership ended), the weeks a
utilisation answers for (at most 156); and the projection's registry, which reads every topic
exactly as each producer's readers do, with a handler for every event that carries a fact
reporting keeps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

from reporting_svc import events, portfolio_events, program_events
from reporting_svc.application import program_facts as facts
from reporting_svc.domain.utilisation import MAX_WEEKS, Assignment
from reporting_svc.readmodel.projection import HANDLERS, readers

P1, P2 = uuid4(), uuid4()


def test_one_membership_per_project_the_latest_in_the_order_they_joined() -> None:
    found = facts.memberships(
        [
            {"project_id": str(P2), "joined_version": 3, "joined_on": "2026-01-10"},
            {"project_id": str(P1), "joined_version": 7, "joined_on": "2026-03-01"},
            {"project_id": str(P1), "joined_version": 2, "joined_on": "2026-01-05"},
        ]
    )
    assert [(m.project_id, m.joined_version) for m in found] == [(P2, 3), (P1, 7)]


def _row(project: UUID, version: int, first: str, last: str, changes: list[Any]) -> Any:
    return SimpleNamespace(
        assignment_id=uuid4(),
        version=version,
        resource_id=uuid4(),
        project_id=project,
        hours="10",
        first_week=first,
        last_week=last,
        changes=changes,
    )


def _membership(project: UUID, joined: int, left_on: date | None = None) -> Any:
    return SimpleNamespace(
        project_id=project, joined_version=joined, left_version=None, left_on=left_on
    )


def test_assignments_in_force_follow_their_changes_and_their_membership() -> None:
    rows = [
        _row(P1, 5, "2026-W01", "2026-W10", [[6, "hours", "12", None]]),
        _row(P1, 8, "2026-W01", "2026-W10", [[9, "released", None, None]]),
        _row(P2, 5, "2026-W01", "2026-W10", []),  # P2 left on 2026-02-04 (2026-W06)
        _row(P2, 6, "2026-W08", "2026-W10", []),  # not begun when P2 left
        _row(uuid4(), 5, "2026-W01", "2026-W02", []),  # of no membership
    ]
    found = facts.assignments_in_force(
        rows, memberships=[_membership(P1, 2), _membership(P2, 3, date(2026, 2, 4))]
    )
    assert [(a.project_id, a.hours, a.last_week) for a in found] == [
        (P1, Decimal(12), "2026-W10"),
        (P2, Decimal(10), "2026-W06"),
    ]


def _assignment(first: str, last: str) -> Assignment:
    return Assignment(uuid4(), uuid4(), P1, Decimal(1), first, last)


def test_the_weeks_asked_default_to_the_assignments_and_are_cut_at_156() -> None:
    covered = [_assignment("2026-W50", "2027-W02")]
    weeks, cut = facts.weeks_asked(covered, first=None, last=None)
    assert (weeks[0], weeks[-1], len(weeks), cut) == ("2026-W50", "2027-W02", 6, False)
    assert facts.weeks_asked(covered, first="2027-W01", last=None) == (
        ["2027-W01", "2027-W02"],
        False,
    )
    assert facts.weeks_asked([], first=None, last=None) == ([], False)
    assert facts.weeks_asked([], first=None, last="2026-W05") == (["2026-W05"], False)
    assert facts.weeks_asked(covered, first="2027-W05", last="2027-W01") == ([], False)
    long, cut = facts.weeks_asked([_assignment("2020-W01", "2026-W01")], first=None, last=None)
    assert (len(long), long[0], cut) == (MAX_WEEKS, "2020-W01", True)


def test_a_resource_is_its_person_else_its_role() -> None:
    person = facts.ResourceFact(uuid4(), "person", {"sealed": 1}, None, Decimal(40))
    role = facts.ResourceFact(UUID(int=0xABCDEF12 << 96), "role", None, "Tester", Decimal(20))
    assert facts.label(person, "ann@example.org") == "ann@example.org"
    assert facts.label(person, "[erased]") == "[erased]"
    assert facts.label(role, None) == "Tester"
    nameless = facts.ResourceFact(UUID(int=0xABCDEF12 << 96), "role", None, None, Decimal(20))
    assert facts.label(nameless, None) == "resource abcdef12"


def test_the_projection_reads_every_topic_as_each_producers_readers_do() -> None:
    for source in (events.registry, program_events.registry, portfolio_events.registry):
        for reader in source:
            assert readers.schema_of(reader.event_type, reader.schema_version) is reader
            assert readers.latest_version(reader.event_type) == source.latest_version(
                reader.event_type
            )
    old = {"baseline_number": 1, "budget_at_completion": "10", "planned_start": "2026-01-01"}
    v1 = {**old, "planned_finish": "2026-02-01"}
    assert readers.decode("ProjectBaselined", 1, v1) == events.registry.decode(
        "ProjectBaselined", 1, v1
    )
    latest = {
        r
        for s in (events.registry, program_events.registry, portfolio_events.registry)
        for r in s
        if not r.bookkeeping and r.schema_version == s.latest_version(r.event_type)
    }
    # The selection's inputs, which the portfolio roll-up does not show: decoded, passed over.
    passed_over = {
        portfolio_events.CapacitySet,
        portfolio_events.DependencyDeclared,
        portfolio_events.ExclusiveGroupDeclared,
        portfolio_events.ScenarioSaved,
    }
    # every reader of a fact reporting keeps has its handler (upcast to the latest)
    assert set(HANDLERS) == latest - passed_over
    assert not passed_over & set(HANDLERS)
