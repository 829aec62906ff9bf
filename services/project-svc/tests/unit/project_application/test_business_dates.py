"""A business date a command leaves out is its tenant's today (the bus's per-tenant clock); one
it gives is recorded as given."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pmo_shared.application.handlers import CommandBus, today_in
from pmo_shared.domain.errors import InvalidValueError
from project_svc.application import commands as c
from project_svc.application.handlers import HANDLERS, ProjectPolicy

from .given import (
    OUTSIDE_PROPOSER,
    OUTSIDER,
    PMO,
    THRESHOLD,
    TODAY,
    World,
    active,
    baseline_command,
    large_with_office,
    propose_command,
    proposed,
)
from .memory_rows import project_units

EARLIER = date(2026, 3, 2)


async def test_dates_left_out_are_today(world: World) -> None:
    project, office = await large_with_office(world)
    await world.run(c.HoldProject(project_id=project.id, reason="vendor"))
    await world.run(c.ResumeProject(project_id=project.id))
    await world.run(c.CancelProject(project_id=project.id, reason="dropped"))
    await world.run(c.CloseProject(project_id=project.id, no_lessons_reason="none"))

    dates = {
        e.event_type: e.payload.get("effective_on") or e.payload.get("established_on")
        for e in world.events(project.id) + world.events(office.id)
    }
    dates["ProjectOfficeDisbanded"] = world.events(office.id)[-1].payload["disbanded_on"]
    assert dates == {
        "ProjectProposed": None,
        "ProjectBaselined": TODAY.isoformat(),
        "ProjectApproved": TODAY.isoformat(),
        "ProjectStarted": None,  # its date is actual_start, today as well
        "ProjectPutOnHold": TODAY.isoformat(),
        "ProjectResumed": TODAY.isoformat(),
        "ProjectCancelled": TODAY.isoformat(),
        "ProjectClosed": TODAY.isoformat(),
        "ProjectOfficeEstablished": TODAY.isoformat(),
        "ProjectOfficeDisbanded": TODAY.isoformat(),
    }


async def test_dates_given_are_recorded(world: World) -> None:
    project = await proposed(world, flagged_large=True)
    await world.run(baseline_command(project.id, effective_on=date(2026, 1, 1)))
    await world.run(c.ApproveProject(project_id=project.id, effective_on=date(2026, 1, 10)))
    await world.run(c.StartProject(project_id=project.id, actual_start=date(2026, 1, 12)))
    await world.run(
        c.EstablishOffice(
            project_id=project.id,
            lead="po-lead",
            reporting_cadence_days=7,
            charter="",
            established_on=date(2026, 2, 1),
        )
    )
    await world.run(c.HoldProject(project_id=project.id, reason="x", effective_on=EARLIER))
    await world.run(c.DisbandOffice(project_id=project.id, reason="x", disbanded_on=EARLIER))
    ended = await world.run(
        c.CancelProject(project_id=project.id, reason="x", effective_on=date(2026, 4, 1))
    )

    assert (ended.baselines[0].effective_on, ended.approved_on, ended.status_since) == (
        date(2026, 1, 1),
        date(2026, 1, 10),
        date(2026, 4, 1),
    )
    office_events = [e for e in world.events() if e.stream_type == "project_office"]
    assert [
        e.payload.get("established_on") or e.payload["disbanded_on"] for e in office_events
    ] == [
        "2026-02-01",
        EARLIER.isoformat(),
    ]


async def test_a_date_in_the_future_is_refused(world: World) -> None:
    project = await active(world)

    with pytest.raises(InvalidValueError, match="in the future"):
        await world.run(
            c.HoldProject(project_id=project.id, reason="x", effective_on=date(2026, 6, 16))
        )


async def test_today_is_the_tenants_in_its_time_zone() -> None:
    # 23:30 UTC on 14 June: already the 15th in Berlin, still the 14th in New York.
    zones = {PMO.tenant: ZoneInfo("Europe/Berlin"), OUTSIDER.tenant: ZoneInfo("America/New_York")}
    now = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)
    units = project_units()
    bus: CommandBus[Any, ProjectPolicy] = CommandBus(
        HANDLERS,
        units,
        config=ProjectPolicy(THRESHOLD),
        clock=today_in(zones.__getitem__, now=lambda: now),
    )
    world = World(bus, units)

    in_berlin = await proposed(world)
    in_new_york = await world.run(propose_command(), by=OUTSIDE_PROPOSER)
    for project, who in ((in_berlin, PMO), (in_new_york, OUTSIDER)):
        await world.run(baseline_command(project.id), by=who)

    assert [e.payload["effective_on"] for e in world.events() if "effective_on" in e.payload] == [
        "2026-06-15",
        "2026-06-14",
    ]
    with pytest.raises(InvalidValueError, match="2026-06-15 is in the future"):
        await world.run(
            c.ApproveProject(project_id=in_new_york.id, effective_on=date(2026, 6, 15)),
            by=OUTSIDER,
        )


def _risk(project_id: Any, **dated: Any) -> c.RaiseRisk:
    return c.RaiseRisk(
        project_id=project_id,
        title="Vendor late",
        probability=Decimal("0.3"),
        impact=Decimal(1000),
        owner="pm-ann",
        **dated,
    )


async def test_a_risk_left_undated_is_raised_and_closed_today_with_no_outcome(
    world: World,
) -> None:
    project = await active(world)
    risk = await world.run(_risk(project.id))
    await world.run(c.CloseRisk(project_id=project.id, risk_id=risk.id, resolution="gone"))

    payloads = [e.payload for e in world.events(project.id)[-2:]]
    assert (payloads[0]["raised_on"], payloads[1]["closed_on"], payloads[1]["outcome"]) == (
        TODAY.isoformat(),
        TODAY.isoformat(),
        "unrecorded",
    )


async def test_a_risks_days_and_outcome_given_are_recorded(world: World) -> None:
    project = await proposed(world)
    await world.run(baseline_command(project.id, effective_on=date(2026, 1, 1)))
    await world.run(c.ApproveProject(project_id=project.id, effective_on=date(2026, 1, 10)))
    risk = await world.run(_risk(project.id, raised_on=date(2026, 2, 1)))
    with pytest.raises(InvalidValueError, match="before 2026-02-01, when the risk was raised"):
        await world.run(
            c.CloseRisk(
                project_id=project.id,
                risk_id=risk.id,
                resolution="x",
                closed_on=date(2026, 1, 31),
            )
        )
    closed = await world.run(
        c.CloseRisk(
            project_id=project.id,
            risk_id=risk.id,
            resolution="it happened",
            outcome="materialised",
            closed_on=EARLIER,
        )
    )

    held = closed.risks[risk.id]
    assert (held.raised_on, held.closed_on, held.outcome) == (
        date(2026, 2, 1),
        EARLIER,
        "materialised",
    )
