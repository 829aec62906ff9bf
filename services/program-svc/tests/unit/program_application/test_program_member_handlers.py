"""Members and funds through the bus: what program-svc knows of projects (from project-svc's
events) decides whether one may join, what its actual cost is, and whether the program may
close; a project belongs to one program at most."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from pmo_shared.domain.errors import InvalidValueError
from program_svc.application import commands as c
from program_svc.application.errors import ProjectInAnotherProgramError, UnknownProjectError
from program_svc.domain.errors import (
    BelowActualCostError,
    CurrencyMismatchError,
    FundingExceededError,
    OpenMembersError,
)
from program_svc.domain.values import ProgramStatus

from .program_world import MIA, OTHER_TENANT, TENANT, World, active, with_members


async def test_a_known_project_of_the_tenant_joins(world: World) -> None:
    program = await active(world)
    project_id = world.know_project()

    joined = await world.run(c.AddMemberProject(program_id=program.id, project_id=project_id))

    assert joined.members == {project_id}
    assert world.rows.members == {(TENANT, project_id): program.id}


async def test_an_unknown_project_is_a_422_that_names_it(world: World) -> None:
    program = await active(world)
    missing = uuid4()

    with pytest.raises(UnknownProjectError) as refused:
        await world.run(c.AddMemberProject(program_id=program.id, project_id=missing))

    assert refused.value.status == 422
    assert str(refused.value) == f"unknown project {missing} (events may still be arriving)"


async def test_another_tenants_project_is_unknown(world: World) -> None:
    program = await active(world)
    theirs = world.know_project(tenant=OTHER_TENANT)

    with pytest.raises(UnknownProjectError):
        await world.run(c.AddMemberProject(program_id=program.id, project_id=theirs))


async def test_a_project_in_another_currency_is_a_422_naming_both(world: World) -> None:
    program = await active(world)
    yen = world.know_project(currency="JPY")

    with pytest.raises(CurrencyMismatchError) as refused:
        await world.run(c.AddMemberProject(program_id=program.id, project_id=yen))

    assert refused.value.status == 422
    assert (refused.value.project_currency, refused.value.program_currency) == ("JPY", "EUR")


async def test_a_project_of_another_program_is_a_409_naming_that_program(world: World) -> None:
    holder, (project_id, _) = await with_members(world)
    other = await active(world, code="OTHER")

    with pytest.raises(ProjectInAnotherProgramError) as refused:
        await world.run(c.AddMemberProject(program_id=other.id, project_id=project_id))

    assert refused.value.status == 409
    assert str(holder.id) in str(refused.value)
    assert refused.value.problem_extra() == {
        "project_id": str(project_id),
        "program_id": str(holder.id),
    }
    assert world.types(other.id) == ["ProgramProposed", "ProgramActivated"]


async def test_a_removed_member_may_join_another_program(world: World) -> None:
    first, (project_id, _) = await with_members(world)
    await world.run(c.RemoveMemberProject(program_id=first.id, project_id=project_id), by=MIA)
    second = await active(world, code="SECOND")

    joined = await world.run(c.AddMemberProject(program_id=second.id, project_id=project_id))

    assert project_id in joined.members
    assert world.rows.members[(TENANT, project_id)] == second.id


async def test_a_cancelled_program_lets_its_projects_go(world: World) -> None:
    first, members = await with_members(world)
    await world.run(c.CancelProgram(program_id=first.id, reason="Merged into another"))

    assert world.rows.members == {}
    second = await active(world, code="SECOND")
    joined = await world.run(c.AddMemberProject(program_id=second.id, project_id=members[0]))
    assert members[0] in joined.members


async def test_allocations_never_exceed_the_pool(world: World) -> None:
    program, (a, b) = await with_members(world, pool="1000")
    await world.run(c.AllocateFunds(program_id=program.id, project_id=a, amount=Decimal(600)))

    with pytest.raises(FundingExceededError) as refused:
        await world.run(c.AllocateFunds(program_id=program.id, project_id=b, amount=Decimal(500)))

    assert refused.value.problem_extra()["available"] == "400.00"


async def test_money_beyond_the_currencys_minor_unit_is_a_422(world: World) -> None:
    program, (a, _) = await with_members(world)

    with pytest.raises(InvalidValueError):
        await world.run(
            c.AllocateFunds(program_id=program.id, project_id=a, amount=Decimal("1.005"))
        )


async def test_a_reallocation_leaves_the_source_at_least_its_actual_cost(world: World) -> None:
    program, (a, b) = await with_members(world, pool="1000")
    await world.run(c.AllocateFunds(program_id=program.id, project_id=a, amount=Decimal(800)))
    world.know_project(project_id=a, actual_cost="500")

    with pytest.raises(BelowActualCostError) as refused:
        await world.run(
            c.ReallocateFunds(
                program_id=program.id, from_project_id=a, to_project_id=b, amount=Decimal(400)
            )
        )
    assert refused.value.problem_extra()["actual_cost"] == "500.00"

    moved = await world.run(
        c.ReallocateFunds(
            program_id=program.id, from_project_id=a, to_project_id=b, amount=Decimal(300)
        )
    )
    assert dict(moved.allocations) == {a: Decimal(500), b: Decimal(300)}


async def test_a_program_closes_once_every_member_has_ended(world: World) -> None:
    program, (a, b) = await with_members(world)
    world.know_project(project_id=a, status="completed")

    with pytest.raises(OpenMembersError) as refused:
        await world.run(c.CloseProgram(program_id=program.id))
    assert refused.value.open_members == ((b, "active"),)

    world.know_project(project_id=b, status="cancelled")
    closed = await world.run(c.CloseProgram(program_id=program.id))
    assert closed.status == ProgramStatus.CLOSED
    assert world.rows.members == {}


async def test_a_member_program_svc_knows_nothing_of_keeps_it_open(world: World) -> None:
    program, (a,) = await with_members(world, count=1)
    world.rows.refs.clear()

    with pytest.raises(OpenMembersError) as refused:
        await world.run(c.CloseProgram(program_id=program.id))

    assert refused.value.open_members == ((a, "unknown"),)


async def test_a_refused_add_changes_neither_the_program_nor_the_rows(world: World) -> None:
    holder, (project_id, second) = await with_members(world)
    other = await active(world, code="OTHER")
    before = dict(world.rows.members)

    with pytest.raises(ProjectInAnotherProgramError):
        await world.run(c.AddMemberProject(program_id=other.id, project_id=project_id))

    assert (
        world.rows.members
        == before
        == {
            (TENANT, project_id): holder.id,
            (TENANT, second): holder.id,
        }
    )
    assert world.rows.programs[other.id].version == 2
