"""Proposing and the lifecycle of a program through the bus: who may, segregation of duties at
activation, business dates defaulting to the tenant's today, idempotent proposals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pmo_shared.application.caller import Role
from pmo_shared.application.errors import (
    AggregateNotFoundError,
    ForbiddenError,
    IdempotencyKeyReuseError,
    StaleVersionError,
)
from pmo_shared.domain.errors import InvalidTransitionError
from program_svc.application import commands as c
from program_svc.application.errors import DuplicateCodeError, FutureDateError
from program_svc.domain.values import ProgramStatus

from .program_world import (
    MAX,
    MIA,
    OUTSIDER,
    PMO,
    PROPOSER,
    SPONSOR,
    TENANT,
    TODAY,
    VIEWER,
    World,
    active,
    caller,
    propose_command,
    proposed,
)


async def test_the_pmo_proposes_a_program_dated_today(world: World) -> None:
    program = await proposed(world)

    assert (program.status, program.version, program.proposed_on) == (
        ProgramStatus.PROPOSED,
        1,
        TODAY,
    )
    assert world.types(program.id) == ["ProgramProposed"]
    assert world.events(program.id)[0].actor == PROPOSER.subject
    row = world.rows.programs[program.id]
    assert (row.code, row.status, row.manager, row.currency) == (
        "PAYROLL",
        "proposed",
        MIA.subject,
        "EUR",
    )


async def test_a_program_manager_proposes_only_programs_they_manage(world: World) -> None:
    mine = await world.run(propose_command(), by=MIA)
    assert mine.manager == MIA.subject

    with pytest.raises(ForbiddenError):
        await world.run(propose_command(code="OTHER", manager=MAX.subject), by=MIA)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PROJECT_MANAGER, Role.PORTFOLIO_MANAGER])
async def test_other_roles_may_not_propose(world: World, role: Role) -> None:
    with pytest.raises(ForbiddenError):
        await world.run(propose_command(), by=caller(MIA.subject, role))
    assert world.types() == []


async def test_a_code_is_unique_in_a_tenant_not_across_tenants(world: World) -> None:
    await proposed(world)

    with pytest.raises(DuplicateCodeError) as refused:
        await proposed(world)

    assert refused.value.status == 409
    assert "PAYROLL" in str(refused.value)
    elsewhere = await world.run(propose_command(), by=OUTSIDER)
    assert elsewhere.code == "PAYROLL"


async def test_an_earlier_proposal_date_is_kept_a_future_one_refused(world: World) -> None:
    earlier = await world.run(propose_command(proposed_on=date(2026, 1, 5)))
    assert earlier.proposed_on == date(2026, 1, 5)

    with pytest.raises(FutureDateError) as refused:
        await world.run(propose_command(code="LATER", proposed_on=TODAY + timedelta(days=1)))
    assert refused.value.status == 422


async def test_the_same_idempotency_key_proposes_once(world: World) -> None:
    first = await world.propose(propose_command(), key="k-1")
    again = await world.propose(propose_command(), key="k-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.result.id == first.result.id
    assert world.types() == ["ProgramProposed"]
    with pytest.raises(IdempotencyKeyReuseError):
        await world.propose(propose_command(name="Another"), key="k-1")


async def test_the_pmo_activates_another_ones_proposal(world: World) -> None:
    program = await proposed(world)

    activated = await world.run(c.ActivateProgram(program_id=program.id, expected_version=1))

    assert (activated.status, activated.activated_by, activated.activated_on) == (
        ProgramStatus.ACTIVE,
        PMO.subject,
        TODAY,
    )
    assert world.rows.programs[program.id].status == "active"


async def test_the_sponsor_activates(world: World) -> None:
    program = await proposed(world)

    activated = await world.run(c.ActivateProgram(program_id=program.id), by=SPONSOR)

    assert activated.activated_by == SPONSOR.subject


@pytest.mark.parametrize(
    "who",
    [
        PROPOSER,  # nobody approves their own proposal, the PMO included
        MIA,  # the manager
        caller(MIA.subject, Role.PMO),  # the manager, even as PMO
        MAX,  # a program manager who is neither
        VIEWER,
    ],
    ids=["proposer", "manager", "manager-as-pmo", "other-manager", "viewer"],
)
async def test_activation_is_refused_to_whoever_is_too_close_or_lacks_authority(
    world: World, who: object
) -> None:
    program = await proposed(world)

    with pytest.raises(ForbiddenError):
        await world.run(c.ActivateProgram(program_id=program.id), by=who)  # type: ignore[arg-type]

    assert world.types(program.id) == ["ProgramProposed"]


async def test_hold_resume_and_cancel_by_its_manager(world: World) -> None:
    program = await active(world)

    held = await world.run(c.HoldProgram(program_id=program.id, reason="Budget review"), by=MIA)
    assert (held.status, held.hold_reason, held.status_since) == (
        ProgramStatus.ON_HOLD,
        "Budget review",
        TODAY,
    )
    resumed = await world.run(c.ResumeProgram(program_id=program.id), by=MIA)
    assert resumed.status == ProgramStatus.ACTIVE
    cancelled = await world.run(c.CancelProgram(program_id=program.id, reason="Merged"), by=MIA)

    assert cancelled.status == ProgramStatus.CANCELLED
    assert world.types(program.id)[-3:] == [
        "ProgramPutOnHold",
        "ProgramResumed",
        "ProgramCancelled",
    ]
    with pytest.raises(InvalidTransitionError):
        await world.run(c.ResumeProgram(program_id=program.id))


@pytest.mark.parametrize(
    "who",
    [MAX, VIEWER, caller(MIA.subject, Role.VIEWER), caller(MIA.subject, Role.PROJECT_MANAGER)],
    ids=["other-manager", "viewer", "manager-name-as-viewer", "manager-name-as-pm"],
)
async def test_only_the_pmo_and_its_program_manager_command_it(world: World, who: object) -> None:
    program = await active(world)

    with pytest.raises(ForbiddenError):
        await world.run(c.HoldProgram(program_id=program.id, reason="x"), by=who)  # type: ignore[arg-type]


async def test_a_future_effective_date_is_refused(world: World) -> None:
    program = await active(world)

    with pytest.raises(FutureDateError):
        await world.run(
            c.HoldProgram(program_id=program.id, reason="x", effective_on=TODAY + timedelta(1))
        )


async def test_a_stale_expected_version_is_a_412(world: World) -> None:
    program = await active(world)

    with pytest.raises(StaleVersionError) as refused:
        await world.run(c.HoldProgram(program_id=program.id, reason="x", expected_version=1))

    assert (refused.value.status, refused.value.actual) == (412, 2)


async def test_another_tenants_program_is_not_found(world: World) -> None:
    program = await active(world)

    with pytest.raises(AggregateNotFoundError):
        await world.run(c.HoldProgram(program_id=program.id, reason="x"), by=OUTSIDER)
    assert program.id in world.rows.programs
    assert world.rows.programs[program.id].tenant_id == TENANT
