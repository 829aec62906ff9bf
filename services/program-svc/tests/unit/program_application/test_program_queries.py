"""The reads: a program now or as it was known, the list a page at a time, the audit trail;
and the representation every route answers with."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from pmo_shared.application.errors import AggregateNotFoundError
from program_svc.api.views import booked_stretches, program_read
from program_svc.application import commands as c
from program_svc.application import queries
from program_svc.domain.parts import Assignment
from program_svc.domain.values import ProgramStatus, ResourceKind

from .program_world import (
    MAX,
    MIA,
    OUTSIDER,
    TODAY,
    VIEWER,
    World,
    active,
    proposed,
    with_members,
)


async def test_the_list_filters_and_pages_in_creation_order(world: World) -> None:
    first = await proposed(world, code="A")
    second = await active(world, code="B")
    third = await proposed(world, code="C", manager=MAX.subject)

    page = await queries.list_programs(
        world.bus, VIEWER, status=None, manager=None, after=None, limit=2
    )
    rest = await queries.list_programs(
        world.bus, VIEWER, status=None, manager=None, after=page[-1].seq, limit=2
    )
    active_ones = await queries.list_programs(
        world.bus, VIEWER, status=ProgramStatus.ACTIVE, manager=None, after=None, limit=50
    )
    maxs = await queries.list_programs(
        world.bus, VIEWER, status=None, manager=MAX.subject, after=None, limit=50
    )
    theirs = await queries.list_programs(
        world.bus, OUTSIDER, status=None, manager=None, after=None, limit=50
    )

    assert [r.program_id for r in page] == [first.id, second.id]
    assert [r.program_id for r in rest] == [third.id]
    assert [r.program_id for r in active_ones] == [second.id]
    assert [r.program_id for r in maxs] == [third.id]
    assert theirs == []


async def test_a_program_as_it_was_known_and_its_audit_trail(world: World) -> None:
    program = await proposed(world)
    between = datetime.now(UTC)
    await world.run(c.ActivateProgram(program_id=program.id))

    then = await queries.get_program(world.bus, VIEWER, program.id, known_at=between)
    now = await queries.get_program(world.bus, VIEWER, program.id)
    trail = await queries.program_history(world.bus, VIEWER, program.id)

    assert (then.status, then.version) == (ProgramStatus.PROPOSED, 1)
    assert (now.status, now.version) == (ProgramStatus.ACTIVE, 2)
    assert [e.event_type for e in trail] == ["ProgramProposed", "ProgramActivated"]
    with pytest.raises(AggregateNotFoundError):
        await queries.get_program(world.bus, OUTSIDER, program.id)
    with pytest.raises(AggregateNotFoundError):
        await queries.program_history(world.bus, OUTSIDER, program.id)


async def test_the_representation_shows_funding_members_and_bookings(world: World) -> None:
    program, yen = await with_members(world, pool="1000", currency="JPY")
    await world.run(c.AllocateFunds(program_id=program.id, project_id=yen[0], amount=Decimal(300)))
    added = await world.run(
        c.AddResource(
            program_id=program.id,
            kind=ResourceKind.ROLE,
            role="tester",
            weekly_capacity_hours=Decimal("37.5"),
            cost_rate=Decimal(5000),
        ),
        by=MIA,
    )
    weeks_of = {yen[0]: ("2026-W10", "2026-W20"), yen[1]: ("2026-W15", "2026-W25")}
    for project_id, weeks in weeks_of.items():
        await world.run(
            c.AssignResource(
                program_id=program.id,
                resource_id=added.id,
                project_id=project_id,
                hours_per_week=Decimal("12.5"),
                first_week=weeks[0],
                last_week=weeks[1],
            )
        )

    read = program_read(await queries.get_program(world.bus, VIEWER, program.id))

    assert (read.funding.pool, read.funding.allocated, read.funding.unallocated) == (
        "1000",
        "300",
        "700",
    )
    assert [(m.project_id, m.allocation, m.joined_on) for m in read.members] == [
        (yen[0], "300", TODAY),
        (yen[1], "0", TODAY),
    ]
    (resource,) = read.resources
    assert (resource.weekly_capacity_hours, resource.cost_rate) == ("37.5", "5000")
    assert [(s.first_week, s.last_week, s.hours_per_week) for s in resource.booked] == [
        ("2026-W10", "2026-W14", "12.5"),
        ("2026-W15", "2026-W20", "25"),
        ("2026-W21", "2026-W25", "12.5"),
    ]
    assert read.benefits_realisation.planned == 0


def _assignment(first: str, last: str, hours: str) -> Assignment:
    return Assignment(
        resource_id=ANY_ID,
        project_id=ANY_ID,
        hours_per_week=Decimal(hours),
        first_week=first,
        last_week=last,
        assigned_on=TODAY,
    )


ANY_ID = uuid4()


def test_bookings_merge_adjacent_weeks_of_equal_hours_and_skip_gaps() -> None:
    stretches = booked_stretches(
        [
            _assignment("2026-W50", "2026-W52", "8"),
            _assignment("2026-W53", "2027-W02", "8"),  # 2026 has 53 weeks
            _assignment("2027-W05", "2027-W05", "4"),
        ]
    )

    assert [(s.first_week, s.last_week, s.hours_per_week) for s in stretches] == [
        ("2026-W50", "2027-W02", "8"),
        ("2027-W05", "2027-W05", "4"),
    ]


def test_a_booking_over_centuries_is_one_stretch() -> None:
    (stretch,) = booked_stretches([_assignment("2026-W01", "9999-W52", "1")])
    assert (stretch.first_week, stretch.last_week) == ("2026-W01", "9999-W52")
