"""The Project Office through its handlers: one live office per project, disbanded with its
project in the same unit of work, and what its lead may do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pmo_shared.application.errors import (
    AggregateNotFoundError,
    ForbiddenError,
    StaleVersionError,
)
from pmo_shared.domain.errors import InvalidTransitionError, RuleViolationError
from project_svc.application import commands as c
from project_svc.application import queries
from project_svc.domain.office_state import OfficeState
from project_svc.domain.values import ProjectStatus

from .given import (
    ANN,
    DAN,
    LEAD,
    PMO,
    TODAY,
    VIEWER,
    World,
    active,
    caller,
    establish_office,
    large_with_office,
)


def _report(project_id: Any, **more: Any) -> c.PublishOfficeReport:
    return c.PublishOfficeReport(
        project_id=project_id,
        kind="financial",
        period_end=date(2026, 5, 31),
        summary="Spend on plan",
        metrics={"cpi": Decimal("1.02")},
        **more,
    )


async def test_an_office_is_established_for_a_large_project(world: World) -> None:
    project, office = await large_with_office(world)

    assert (office.project_id, office.lead, office.state) == (
        project.id,
        LEAD.subject,
        OfficeState.ESTABLISHED,
    )
    [event] = world.events(office.id)
    assert (event.event_type, event.stream_type, event.stream_version) == (
        "ProjectOfficeEstablished",
        "project_office",
        1,
    )
    assert event.payload["project_id"] == str(project.id)
    assert await world.rows.live_office_id(project_id=project.id, tenant_id="acme") == office.id


async def test_a_small_project_gets_no_office(world: World) -> None:
    project = await active(world, bac="100000")
    before = world.count()

    with pytest.raises(RuleViolationError, match="only large projects"):
        await establish_office(world, project.id)

    assert world.count() == before


async def test_a_second_live_office_is_refused(world: World) -> None:
    project, office = await large_with_office(world)
    before = world.count()

    with pytest.raises(RuleViolationError, match="already has a Project Office") as refused:
        await establish_office(world, project.id, lead="po-other")

    assert refused.value.status == 409
    assert world.count() == before  # the second office's event rolled back
    assert list(world.rows.offices) == [office.id]


async def test_another_project_manager_may_not_establish_an_office(world: World) -> None:
    project = await active(world, bac="2500000", manager=ANN.subject)

    with pytest.raises(ForbiddenError):
        await world.run(
            c.EstablishOffice(
                project_id=project.id, lead="po-lead", reporting_cadence_days=7, charter="x"
            ),
            by=DAN,
        )

    assert world.types() == [
        "ProjectProposed",
        "ProjectBaselined",
        "ProjectApproved",
        "ProjectStarted",
    ]


@pytest.mark.parametrize(
    ("ending", "status"),
    [
        (lambda pid: c.CompleteProject(project_id=pid), ProjectStatus.COMPLETED),
        (
            lambda pid: c.CancelProject(project_id=pid, reason="no longer needed"),
            ProjectStatus.CANCELLED,
        ),
    ],
    ids=["complete", "cancel"],
)
async def test_ending_a_project_disbands_its_live_office_in_the_same_unit(
    world: World, ending: Any, status: ProjectStatus
) -> None:
    project, office = await large_with_office(world)
    before = world.count()

    ended = await world.run(ending(project.id), by=ANN)

    assert ended.status == status
    new = world.events()[before:]
    assert [(e.stream_id, e.event_type) for e in new] == [
        (project.id, f"Project{status.value.capitalize()}"),
        (office.id, "ProjectOfficeDisbanded"),
    ]
    disbanded = new[1]
    assert disbanded.payload == {
        "reason": f"project {status.value}",
        "automatic": True,
        "disbanded_on": TODAY.isoformat(),  # the day the project ended
    }
    assert disbanded.stream_version == 2
    # One unit of work, one caller: the same actor and correlation id on both streams.
    assert {(e.actor, e.correlation_id) for e in new} == {(ANN.subject, "corr-pm-ann")}
    assert await world.rows.live_office_id(project_id=project.id, tenant_id="acme") is None
    latest = await queries.project_office(world.bus, PMO, project.id)
    assert (latest.id, latest.state, latest.disbanded_automatically) == (
        office.id,
        OfficeState.DISBANDED,
        True,
    )


async def test_ending_a_project_without_an_office_touches_no_office(world: World) -> None:
    project = await active(world, bac="2500000")
    before = world.count()

    await world.run(c.CompleteProject(project_id=project.id))

    assert [e.event_type for e in world.events()[before:]] == ["ProjectCompleted"]


async def test_ending_a_project_whose_office_was_disbanded_by_hand_appends_once(
    world: World,
) -> None:
    project, office = await large_with_office(world)
    await world.run(c.DisbandOffice(project_id=project.id, reason="not needed"))
    before = world.count()

    await world.run(c.CancelProject(project_id=project.id, reason="stop"))

    assert [e.event_type for e in world.events()[before:]] == ["ProjectCancelled"]
    assert world.types(office.id)[-1] == "ProjectOfficeDisbanded"


async def test_a_stale_project_version_ends_nothing(world: World) -> None:
    project, office = await large_with_office(world)
    before = world.count()

    with pytest.raises(StaleVersionError):
        await world.run(c.CompleteProject(project_id=project.id, expected_version=3))

    assert world.count() == before
    assert await world.rows.live_office_id(project_id=project.id, tenant_id="acme") == office.id


# -- the office's lead ----------------------------------------------------------------------
async def test_the_lead_may_publish_a_report(world: World) -> None:
    project, office = await large_with_office(world)

    added = await world.run(_report(project.id, expected_version=1), by=LEAD)

    assert added.aggregate.id == office.id
    assert [(r.report_id, r.kind) for r in added.aggregate.reports] == [(added.id, "financial")]
    event = world.events(office.id)[-1]
    assert (event.event_type, event.stream_version, event.actor) == (
        "OfficeReportPublished",
        2,
        LEAD.subject,
    )
    assert event.payload["report_id"] == str(added.id)
    assert event.payload["metrics"] == {"cpi": "1.02"}


async def test_the_lead_may_not_disband_the_office(world: World) -> None:
    project, office = await large_with_office(world)

    with pytest.raises(ForbiddenError):
        await world.run(c.DisbandOffice(project_id=project.id, reason="done"), by=LEAD)

    assert world.types(office.id) == ["ProjectOfficeEstablished"]


async def test_the_projects_manager_may_disband_the_office(world: World) -> None:
    project, office = await large_with_office(world, manager=ANN.subject)

    disbanded = await world.run(c.DisbandOffice(project_id=project.id, reason="done"), by=ANN)

    assert (disbanded.state, disbanded.disbanded_automatically) == (OfficeState.DISBANDED, False)
    assert world.events(office.id)[-1].payload == {
        "reason": "done",
        "automatic": False,
        "disbanded_on": TODAY.isoformat(),
    }


@pytest.mark.parametrize("who", [DAN, VIEWER], ids=["another-project-manager", "viewer"])
async def test_someone_neither_lead_nor_manager_may_not_publish(world: World, who: Any) -> None:
    project, office = await large_with_office(world)

    with pytest.raises(ForbiddenError):
        await world.run(_report(project.id), by=who)

    assert world.types(office.id) == ["ProjectOfficeEstablished"]


async def test_an_office_command_checks_the_offices_version(world: World) -> None:
    project, office = await large_with_office(world)
    await world.run(c.AssignOfficeStaff(project_id=project.id, user_id="analyst-al", role="data"))

    with pytest.raises(StaleVersionError) as refused:
        await world.run(_report(project.id, expected_version=1), by=LEAD)

    assert refused.value.actual == 2
    assert world.types(office.id) == ["ProjectOfficeEstablished", "OfficeStaffAssigned"]


async def test_a_disbanded_office_takes_no_more_reports(world: World) -> None:
    project, office = await large_with_office(world)
    await world.run(c.DisbandOffice(project_id=project.id, reason="done"))

    with pytest.raises(InvalidTransitionError, match="cannot publish a report while disbanded"):
        await world.run(_report(project.id), by=LEAD)

    assert world.types(office.id) == ["ProjectOfficeEstablished", "ProjectOfficeDisbanded"]


async def test_a_new_office_may_follow_a_disbanded_one(world: World) -> None:
    project, first = await large_with_office(world)
    await world.run(c.DisbandOffice(project_id=project.id, reason="re-organised"))

    second = await establish_office(world, project.id, lead="po-second")

    assert second.id != first.id
    assert await world.rows.latest_office_id(project_id=project.id, tenant_id="acme") == second.id
    assert (await queries.project_office(world.bus, PMO, project.id)).lead == "po-second"
    # The office commands now address the new office.
    added = await world.run(_report(project.id), by=caller("po-second"))
    assert world.events(second.id)[-1].payload["report_id"] == str(added.id)


async def test_the_latest_office_is_the_one_disbanded_last(world: World) -> None:
    project, first = await large_with_office(world)
    for user in ("analyst-al", "analyst-bea", "analyst-cy"):  # the first gets a high version
        await world.run(c.AssignOfficeStaff(project_id=project.id, user_id=user, role="data"))
    await world.run(c.DisbandOffice(project_id=project.id, reason="re-organised"))
    second = await establish_office(world, project.id, lead="po-second")
    await world.run(c.DisbandOffice(project_id=project.id, reason="project paused"))

    latest = await queries.project_office(world.bus, PMO, project.id)

    assert (latest.id, latest.version, first.id) == (second.id, 2, first.id)


async def test_a_project_without_an_office_has_none_to_show(world: World) -> None:
    project = await active(world, bac="2500000")

    with pytest.raises(AggregateNotFoundError, match="Project Office of project"):
        await queries.project_office(world.bus, PMO, project.id)
    with pytest.raises(AggregateNotFoundError):
        await world.run(_report(project.id), by=LEAD)
