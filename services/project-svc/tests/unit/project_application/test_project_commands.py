"""Commands on an existing project: versions, tenants, who may change it, and a process manager
(a consumer) running the same handlers on its own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.errors import (
    AggregateNotFoundError,
    ForbiddenError,
    StaleVersionError,
)
from pmo_shared.domain.errors import InvalidTransitionError, InvalidValueError
from project_svc.application import commands as c
from project_svc.domain.values import ProjectStatus

from .given import (
    ANN,
    DAN,
    OUTSIDER,
    PMO,
    TENANT,
    TODAY,
    VIEWER,
    World,
    active,
    baseline_command,
    caller,
    proposed,
)


async def test_a_project_goes_from_proposed_to_active(world: World) -> None:
    project = await proposed(world)

    await world.run(baseline_command(project.id, "100000", expected_version=1))
    await world.run(c.ApproveProject(project_id=project.id, expected_version=2))
    started = await world.run(c.StartProject(project_id=project.id, expected_version=3))

    assert (started.status, started.version, started.actual_start) == (
        ProjectStatus.ACTIVE,
        4,
        TODAY,  # the bus's clock
    )
    events = world.events(project.id)
    assert [(e.event_type, e.stream_version) for e in events] == [
        ("ProjectProposed", 1),
        ("ProjectBaselined", 2),
        ("ProjectApproved", 3),
        ("ProjectStarted", 4),
    ]
    assert events[2].payload["approved_by"] == PMO.subject
    assert events[3].payload["actual_start"] == TODAY.isoformat()
    row = world.rows.projects[project.id]
    assert (row.status, row.version, row.budget_at_completion) == ("active", 4, Decimal(100000))


async def test_a_stale_expected_version_is_refused_and_appends_nothing(world: World) -> None:
    project = await proposed(world)
    await world.run(baseline_command(project.id))

    with pytest.raises(StaleVersionError) as refused:
        await world.run(c.ApproveProject(project_id=project.id, expected_version=1))

    assert (refused.value.status, refused.value.expected, refused.value.actual) == (412, 1, 2)
    assert refused.value.problem_headers() == {"ETag": '"2"'}
    assert world.types(project.id) == ["ProjectProposed", "ProjectBaselined"]
    assert world.rows.projects[project.id].status == "proposed"
    # At the version it is at, the same command goes through.
    approved = await world.run(c.ApproveProject(project_id=project.id, expected_version=2))
    assert approved.version == 3


async def test_no_expected_version_means_no_precondition(world: World) -> None:
    project = await proposed(world)
    await world.run(baseline_command(project.id))

    approved = await world.run(c.ApproveProject(project_id=project.id))

    assert approved.status is ProjectStatus.APPROVED


async def test_another_tenants_project_is_not_found(world: World) -> None:
    project = await proposed(world)
    before = world.count()

    with pytest.raises(AggregateNotFoundError) as refused:
        await world.run(baseline_command(project.id), by=OUTSIDER)

    assert refused.value.status == 404
    assert refused.value.aggregate_id == project.id
    assert world.count() == before


async def test_an_unknown_project_is_not_found(world: World) -> None:
    missing = uuid4()

    with pytest.raises(AggregateNotFoundError, match=f"project {missing} not found"):
        await world.run(c.HoldProject(project_id=missing, reason="no such thing"))

    assert world.events() == []


async def test_a_refused_decision_appends_nothing(world: World) -> None:
    project = await proposed(world)
    with pytest.raises(InvalidTransitionError, match="cannot start while proposed"):
        await world.run(c.StartProject(project_id=project.id))
    await world.run(baseline_command(project.id))
    await world.run(c.ApproveProject(project_id=project.id))

    with pytest.raises(InvalidValueError, match="in the future"):
        await world.run(c.StartProject(project_id=project.id, actual_start=date(2026, 6, 16)))

    assert world.types(project.id) == ["ProjectProposed", "ProjectBaselined", "ProjectApproved"]
    assert world.rows.projects[project.id].status == "approved"
    started = await world.run(c.StartProject(project_id=project.id, expected_version=3))
    assert started.version == 4  # the refused command left nothing behind, not even in the cache


async def test_what_a_command_adds_is_returned_with_its_id(world: World) -> None:
    project = await active(world)

    added = await world.run(
        c.RecordCost(
            project_id=project.id,
            amount=Decimal("1250.50"),
            incurred_on=date(2026, 6, 15),  # the day it started: no cost before that
            category="licences",
        )
    )

    assert added.aggregate.actual_cost == Decimal("1250.50")
    [event] = world.events(project.id)[-1:]
    assert event.event_type == "CostRecorded"
    assert event.payload["cost_id"] == str(added.id)
    assert event.stream_version == added.aggregate.version == 5


# -- who may change a project ------------------------------------------------------------------
async def test_the_projects_own_manager_may_change_it(world: World) -> None:
    project = await active(world, manager=ANN.subject)

    added = await world.run(
        c.AddMilestone(project_id=project.id, name="Go-live", due_date=date(2026, 9, 1)),
        by=ANN,
    )

    assert added.aggregate.milestones[added.id].name == "Go-live"
    assert world.events(project.id)[-1].actor == ANN.subject


@pytest.mark.parametrize(
    "who",
    [
        DAN,  # another project manager
        VIEWER,
        caller(ANN.subject, Role.VIEWER),  # the manager, but not as project manager
        caller("prog-pete", Role.PROGRAM_MANAGER),
    ],
    ids=["another-project-manager", "viewer", "manager-without-the-role", "program-manager"],
)
async def test_no_one_else_may_change_it(world: World, who: Caller) -> None:
    project = await active(world, manager=ANN.subject)
    before = world.count()

    with pytest.raises(ForbiddenError, match="only the PMO and the project's manager"):
        await world.run(c.HoldProject(project_id=project.id, reason="waiting"), by=who)

    assert world.count() == before


async def test_the_pmo_may_change_any_project(world: World) -> None:
    project = await active(world, manager=ANN.subject)

    held = await world.run(c.HoldProject(project_id=project.id, reason="budget review"), by=PMO)

    assert held.status is ProjectStatus.ON_HOLD


# -- a process manager acting on its own -------------------------------------------------------
async def test_a_consumer_runs_a_handler_as_its_service(world: World) -> None:
    project = await active(world)
    program_svc = Caller.system(
        "program-svc",
        tenant=TENANT,
        roles=frozenset({Role.PMO}),
        correlation_id="corr-program-42",
        causation_id="evt-program-cancelled-7",
    )

    cancelled = await world.run(
        c.CancelProject(project_id=project.id, reason="its programme was cancelled"),
        by=program_svc,
    )

    assert cancelled.status is ProjectStatus.CANCELLED
    event = world.events(project.id)[-1]
    assert event.event_type == "ProjectCancelled"
    assert (event.tenant_id, event.actor, event.correlation_id, event.causation_id) == (
        TENANT,
        "system:program-svc",
        "corr-program-42",
        "evt-program-cancelled-7",
    )
    # The events the users caused carry no causation id.
    assert {e.causation_id for e in world.events(project.id)[:-1]} == {None}


async def test_a_consumer_is_refused_like_anyone_without_the_role(world: World) -> None:
    project = await active(world)
    watcher = Caller.system(
        "reporting-svc", tenant=TENANT, roles=frozenset({Role.VIEWER}), correlation_id="corr-9"
    )

    with pytest.raises(ForbiddenError):
        await world.run(c.HoldProject(project_id=project.id, reason="x"), by=watcher)
