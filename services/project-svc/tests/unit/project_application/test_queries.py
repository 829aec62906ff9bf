"""The reads: a project now or as it was, the filtered and paged list, the audit trail."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from pmo_shared.application.errors import AggregateNotFoundError
from project_svc.application import commands as c
from project_svc.application import queries
from project_svc.domain.values import ProjectStatus

from .given import (
    ANN,
    DAN,
    OUTSIDER,
    PMO,
    PROPOSER,
    VIEWER,
    World,
    active,
    baseline_command,
    establish_office,
    large_with_office,
    propose_command,
    proposed,
)


async def _a_moment_passes() -> None:
    """Let the clock move on, so that consecutive events have distinct `occurred_at`."""
    await asyncio.sleep(0.002)


# -- one project -------------------------------------------------------------------------------
async def test_a_project_now(world: World) -> None:
    project = await active(world)

    now = await queries.get_project(world.bus, VIEWER, project.id)

    assert (now.id, now.status, now.version) == (project.id, ProjectStatus.ACTIVE, 4)


async def test_a_project_as_it_was(world: World) -> None:
    project = await proposed(world)
    await _a_moment_passes()
    await world.run(baseline_command(project.id))
    await _a_moment_passes()
    await world.run(c.ApproveProject(project_id=project.id))
    proposed_at, baselined_at, approved_at = (e.occurred_at for e in world.events(project.id))
    assert proposed_at < baselined_at < approved_at

    then = await queries.get_project(world.bus, VIEWER, project.id, known_at=baselined_at)
    before = await queries.get_project(world.bus, VIEWER, project.id, known_at=approved_at)

    assert (then.version, then.status, then.baseline is not None) == (
        2,
        ProjectStatus.PROPOSED,
        True,
    )
    assert (before.version, before.status) == (3, ProjectStatus.APPROVED)


async def test_a_past_state_does_not_replace_the_current_one(world: World) -> None:
    project = await proposed(world)
    await _a_moment_passes()
    await world.run(baseline_command(project.id))
    first_moment = world.events(project.id)[0].occurred_at

    await queries.get_project(world.bus, VIEWER, project.id, known_at=first_moment)
    approved = await world.run(c.ApproveProject(project_id=project.id, expected_version=2))

    assert approved.version == 3


async def test_a_project_before_it_was_proposed_is_not_found(world: World) -> None:
    project = await proposed(world)
    proposed_at = world.events(project.id)[0].occurred_at

    with pytest.raises(AggregateNotFoundError):
        await queries.get_project(
            world.bus, VIEWER, project.id, known_at=proposed_at - timedelta(seconds=1)
        )


async def test_another_tenants_project_cannot_be_read(world: World) -> None:
    project = await proposed(world)

    with pytest.raises(AggregateNotFoundError) as refused:
        await queries.get_project(world.bus, OUTSIDER, project.id)

    assert refused.value.status == 404


# -- the list ----------------------------------------------------------------------------------
async def _listed(
    world: World,
    *,
    status: ProjectStatus | None = None,
    manager: str | None = None,
    large: bool | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[UUID]:
    rows = await queries.list_projects(
        world.bus, VIEWER, status=status, manager=manager, large=large, after=after, limit=limit
    )
    return [row.project_id for row in rows]


async def test_the_list_filters_and_pages_in_creation_order(world: World) -> None:
    small = await proposed(world, code="PAY-1", manager=ANN.subject)
    big = await active(world, bac="2500000", code="PAY-2", manager=DAN.subject)
    flagged = await proposed(world, code="PAY-3", manager=ANN.subject, flagged_large=True)
    await world.run(propose_command(code="PAY-9", manager=ANN.subject), by=OUTSIDER)

    assert await _listed(world) == [small.id, big.id, flagged.id]  # not the other tenant's
    assert await _listed(world, status=ProjectStatus.ACTIVE) == [big.id]
    assert await _listed(world, status=ProjectStatus.CLOSED) == []
    assert await _listed(world, manager=ANN.subject) == [small.id, flagged.id]
    assert await _listed(world, large=True) == [big.id, flagged.id]
    assert await _listed(world, large=False) == [small.id]
    assert await _listed(world, manager=ANN.subject, large=True) == [flagged.id]
    seq = {r.project_id: r.seq for r in world.rows.projects.values()}
    assert await _listed(world, limit=2) == [small.id, big.id]
    assert await _listed(world, after=seq[big.id], limit=2) == [flagged.id]
    assert await _listed(world, after=seq[flagged.id]) == []


async def test_a_rows_seq_is_its_first_events_position(world: World) -> None:
    first = await proposed(world, code="PAY-1")
    second = await proposed(world, code="PAY-2")
    await world.run(baseline_command(first.id, "2500000"))  # the first changes last

    rows = await queries.list_projects(
        world.bus, VIEWER, status=None, manager=None, large=None, after=None, limit=10
    )

    positions = {
        r.envelope.stream_id: r.position
        for r in world.store.events()
        if r.envelope.stream_version == 1
    }
    assert [(r.project_id, r.seq) for r in rows] == [
        (first.id, positions[first.id]),
        (second.id, positions[second.id]),
    ]
    listed_first = rows[0]
    assert (listed_first.version, listed_first.large, listed_first.budget_at_completion) == (
        2,
        True,
        Decimal(2500000),
    )


# -- the audit trail ---------------------------------------------------------------------------
async def test_the_history_is_the_projects_events_in_order(world: World) -> None:
    project, _office = await large_with_office(world)

    history = await queries.project_history(world.bus, VIEWER, project.id)

    assert [(e.event_type, e.stream_version) for e in history] == [
        ("ProjectProposed", 1),
        ("ProjectBaselined", 2),
        ("ProjectApproved", 3),
        ("ProjectStarted", 4),
    ]  # not the office's
    assert {e.actor for e in history} == {PROPOSER.subject, PMO.subject}


async def test_the_history_of_an_unknown_project_is_not_found(world: World) -> None:
    missing = uuid4()

    with pytest.raises(AggregateNotFoundError, match=f"project {missing} not found"):
        await queries.project_history(world.bus, VIEWER, missing)


async def test_the_history_of_another_tenants_project_is_not_found(world: World) -> None:
    project = await proposed(world)

    with pytest.raises(AggregateNotFoundError):
        await queries.project_history(world.bus, OUTSIDER, project.id)


# -- the office's audit trail ------------------------------------------------------------------
async def test_the_office_history_is_the_latest_offices_events_in_order(world: World) -> None:
    project, first = await large_with_office(world)
    await world.run(c.AssignOfficeStaff(project_id=project.id, user_id="ana-lyst", role="analyst"))
    await world.run(c.DisbandOffice(project_id=project.id, reason="merged into the PMO"))

    history = await queries.office_history(world.bus, VIEWER, project.id)

    assert [(e.event_type, e.stream_version, e.stream_id) for e in history] == [
        ("ProjectOfficeEstablished", 1, first.id),
        ("OfficeStaffAssigned", 2, first.id),
        ("ProjectOfficeDisbanded", 3, first.id),
    ]  # not the project's
    second = await establish_office(world, project.id)
    latest = await queries.office_history(world.bus, VIEWER, project.id)
    assert [(e.event_type, e.stream_id) for e in latest] == [
        ("ProjectOfficeEstablished", second.id)
    ]


async def test_no_office_history_without_an_office(world: World) -> None:
    project = await active(world)

    with pytest.raises(AggregateNotFoundError, match="Project Office of project"):
        await queries.office_history(world.bus, VIEWER, project.id)


async def test_the_office_history_of_an_unknown_or_another_tenants_project_is_not_found(
    world: World,
) -> None:
    project, _office = await large_with_office(world)

    with pytest.raises(AggregateNotFoundError, match="project"):
        await queries.office_history(world.bus, VIEWER, uuid4())
    with pytest.raises(AggregateNotFoundError):
        await queries.office_history(world.bus, OUTSIDER, project.id)


# -- an office's id is not a project's id ------------------------------------------------------
# An office's id (which the API shows) is not a project's: 404, never a fold of office events.


async def test_an_office_id_is_not_a_project_to_read(world: World) -> None:
    _, office = await large_with_office(world)

    with pytest.raises(AggregateNotFoundError):
        await queries.get_project(world.bus, VIEWER, office.id)


async def test_an_office_id_is_not_a_project_to_change(world: World) -> None:
    _, office = await large_with_office(world)

    with pytest.raises(AggregateNotFoundError):
        await world.run(c.HoldProject(project_id=office.id, reason="wrong id"))


async def test_an_office_id_has_no_project_history(world: World) -> None:
    _, office = await large_with_office(world)

    with pytest.raises(AggregateNotFoundError):
        await queries.project_history(world.bus, VIEWER, office.id)
