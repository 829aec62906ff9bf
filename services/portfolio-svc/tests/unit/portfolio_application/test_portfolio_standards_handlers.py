"""The PMO's standards through the bus: the PMO alone sets them, the first set begins the
tenant's stream, each set is in force from its date, and reads answer both time axes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from pmo_shared.application.errors import ForbiddenError, StaleVersionError
from pmo_shared.domain.errors import InvalidValueError
from portfolio_svc.application import commands as c
from portfolio_svc.application import queries
from portfolio_svc.application.errors import NoStandardsError
from portfolio_svc.domain.errors import BackdatedFactError
from portfolio_svc.domain.standards_events import standards_id

from .portfolio_world import OUTSIDER, PIA, TENANT, VIEWER, World, standards

D1, D2 = date(2026, 3, 1), date(2026, 5, 1)


async def test_the_first_set_begins_the_tenants_stream(world: World) -> None:
    set_ = await world.run(c.SetPmoStandards(standards=standards(), effective_on=D1))

    assert set_.id == standards_id(TENANT)
    assert set_.version == 1
    assert world.types(set_.id) == ["PmoStandardsSet"]
    assert world.rows.portfolios == {}


@pytest.mark.parametrize("who", [PIA, VIEWER])
async def test_only_the_pmo_sets_the_standards(world: World, who: object) -> None:
    with pytest.raises(ForbiddenError):
        await world.run(c.SetPmoStandards(standards=standards()), by=who)  # type: ignore[arg-type]


async def test_each_set_is_in_force_from_its_date_on_both_axes(world: World) -> None:
    await world.run(c.SetPmoStandards(standards=standards(), effective_on=D1))
    between = datetime.now(UTC)
    await world.run(
        c.SetPmoStandards(
            standards=standards(reporting_cadence_days=7),
            effective_on=D2,
            expected_version=1,
        )
    )

    early = await queries.standards_in_force(world.bus, VIEWER, as_of=date(2026, 4, 1))
    late = await queries.standards_in_force(world.bus, VIEWER, as_of=D2)
    known_then = await queries.standards_in_force(world.bus, VIEWER, as_of=D2, known_at=between)
    history = await queries.standards_history(world.bus, VIEWER)

    assert (early.standards.reporting_cadence_days, early.version) == (14, 2)
    assert late.standards.reporting_cadence_days == 7
    assert (known_then.standards.reporting_cadence_days, known_then.version) == (14, 1)
    assert [(h.standards.effective_on, h.version) for h in history] == [(D1, 1), (D2, 2)]
    assert all(h.recorded_at is not None for h in history)
    with pytest.raises(NoStandardsError) as none:
        await queries.standards_in_force(world.bus, VIEWER, as_of=date(2026, 2, 28))
    assert none.value.status == 404
    with pytest.raises(NoStandardsError):
        await queries.standards_in_force(world.bus, OUTSIDER)
    assert await queries.standards_history(world.bus, OUTSIDER) == []


async def test_a_stale_version_a_backdated_set_and_bad_values_are_refused(world: World) -> None:
    await world.run(c.SetPmoStandards(standards=standards(), effective_on=D2))

    with pytest.raises(StaleVersionError):
        await world.run(c.SetPmoStandards(standards=standards(), expected_version=0))
    with pytest.raises(BackdatedFactError):
        await world.run(c.SetPmoStandards(standards=standards(), effective_on=D1))
    with pytest.raises(InvalidValueError, match="time_zone"):
        await world.run(c.SetPmoStandards(standards=standards(time_zone="Mars/Olympus")))
    with pytest.raises(InvalidValueError, match="large_project_threshold"):
        await world.run(
            c.SetPmoStandards(
                standards=standards(large_project_threshold={"EUR": Decimal("0.001")})
            )
        )
