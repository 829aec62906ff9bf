"""Segregation of duties, generated: every caller role, with every part the caller may play in
the project, sending every command whose authorisation the rule decides, against the rule
written once below as a table (`MAY`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from itertools import product
from uuid import UUID

import pytest

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.errors import ForbiddenError
from project_svc.application import commands as c
from project_svc.domain.values import ProjectStatus

from .given import PMO, PROPOSER, World, baseline_command, caller, propose_command

CALLER = "user-uma"  # the caller of every case; what else they are depends on the case
MANAGER, SPONSOR = "pm-mia", "exec-sam"  # the project's, when the caller is not


class Part(StrEnum):
    """The caller's part in the project."""

    PROPOSER = "proposer"
    MANAGER = "manager"
    SPONSOR = "sponsor"
    SPONSOR_AND_MANAGER = "sponsor-and-manager"
    UNRELATED = "unrelated"


class Act(StrEnum):
    """The commands whose authorisation the table pins."""

    APPROVE = "approve"
    BASELINE = "baseline"


EVERY_PART = frozenset(Part)
NONE: frozenset[Part] = frozenset()
APPROVING_SPONSOR = frozenset({Part.SPONSOR})

# The rule, once: for each command and role, the parts with which the caller may send it.
MAY: dict[Act, dict[Role, frozenset[Part]]] = {
    Act.APPROVE: {
        Role.PMO: frozenset({Part.SPONSOR, Part.UNRELATED}),
        Role.PORTFOLIO_MANAGER: APPROVING_SPONSOR,
        Role.PROGRAM_MANAGER: APPROVING_SPONSOR,
        Role.PROJECT_MANAGER: APPROVING_SPONSOR,
        Role.VIEWER: NONE,
        Role.PLATFORM_OPERATOR: NONE,
    },
    Act.BASELINE: {
        Role.PMO: EVERY_PART,
        Role.PORTFOLIO_MANAGER: NONE,
        Role.PROGRAM_MANAGER: NONE,
        Role.PROJECT_MANAGER: frozenset({Part.MANAGER, Part.SPONSOR_AND_MANAGER}),
        Role.VIEWER: NONE,
        Role.PLATFORM_OPERATOR: NONE,
    },
}

CASES = list(product(Act, Role, Part))


def test_the_table_covers_every_command_role_and_part() -> None:
    assert {act: set(by_role) for act, by_role in MAY.items()} == {act: set(Role) for act in Act}
    assert len(CASES) == len(Act) * len(Role) * len(Part)


async def project_where_the_caller_is(world: World, part: Part) -> UUID:
    """A proposed project in which `CALLER` plays `part` (and no other)."""
    manager = CALLER if part in (Part.MANAGER, Part.SPONSOR_AND_MANAGER) else MANAGER
    sponsor = CALLER if part in (Part.SPONSOR, Part.SPONSOR_AND_MANAGER) else SPONSOR
    proposer = caller(CALLER, Role.PMO) if part is Part.PROPOSER else PROPOSER
    command = propose_command(manager=manager, sponsor=sponsor)
    return (await world.run(command, by=proposer)).id


async def approve(world: World, project_id: UUID, by: Caller) -> None:
    await world.run(baseline_command(project_id), by=PMO)
    approved = await world.run(c.ApproveProject(project_id=project_id), by=by)
    assert (approved.status, approved.approved_by) == (ProjectStatus.APPROVED, by.subject)


async def baseline(world: World, project_id: UUID, by: Caller) -> None:
    baselined = await world.run(baseline_command(project_id), by=by)
    assert baselined.baseline is not None


SEND: dict[Act, Callable[[World, UUID, Caller], Awaitable[None]]] = {
    Act.APPROVE: approve,
    Act.BASELINE: baseline,
}


@pytest.mark.parametrize(("act", "role", "part"), CASES, ids=lambda v: str(v))
async def test_who_may_send_it(world: World, act: Act, role: Role, part: Part) -> None:
    project_id = await project_where_the_caller_is(world, part)
    by = caller(CALLER, role)

    if part in MAY[act][role]:
        await SEND[act](world, project_id, by)
    else:
        before = world.count()
        with pytest.raises(ForbiddenError):
            await SEND[act](world, project_id, by)
        appended = world.count() - before
        assert appended == (1 if act is Act.APPROVE else 0)  # only approve's own baseline


@pytest.mark.parametrize(
    ("part", "why"),
    [
        (Part.PROPOSER, "user-uma may not approve project PAY-1: they proposed it"),
        (Part.MANAGER, "user-uma may not approve project PAY-1: they manage it"),
        (
            Part.SPONSOR_AND_MANAGER,
            "user-uma may not approve project PAY-1: they sponsor and manage it",
        ),
        (Part.UNRELATED, "approving project PAY-1 needs the pmo role, or being its sponsor"),
    ],
)
async def test_a_refused_approval_says_why(world: World, part: Part, why: str) -> None:
    project_id = await project_where_the_caller_is(world, part)

    with pytest.raises(ForbiddenError, match=why):
        await approve(world, project_id, caller(CALLER, Role.PROJECT_MANAGER))


async def test_a_project_manager_may_baseline_but_not_approve_their_own_project(
    world: World,
) -> None:
    ann = caller("pm-ann", Role.PROJECT_MANAGER)
    project = await world.run(propose_command(manager=ann.subject), by=ann)
    await world.run(baseline_command(project.id), by=ann)

    with pytest.raises(ForbiddenError, match="they manage it"):
        await world.run(c.ApproveProject(project_id=project.id), by=ann)
    approved = await world.run(c.ApproveProject(project_id=project.id), by=PMO)
    assert approved.approved_by == PMO.subject
