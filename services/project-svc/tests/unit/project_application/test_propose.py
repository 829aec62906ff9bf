"""Proposing a project: who may, unique codes, and Idempotency-Key replays."""

from __future__ import annotations

import pytest

from pmo_shared.application.caller import Role
from pmo_shared.application.errors import ForbiddenError, IdempotencyKeyReuseError
from project_svc.adapters.rows import DuplicateCodeError
from project_svc.domain.values import ProjectStatus

from .given import ANN, DAN, OUTSIDER, PMO, TENANT, VIEWER, World, caller, propose_command


async def test_the_pmo_proposes_a_project_for_any_manager(world: World) -> None:
    proposal = await world.propose(propose_command(manager="pm-zoe"), by=PMO)

    assert not proposal.replayed
    project = proposal.result
    assert (project.status, project.manager, project.version) == (
        ProjectStatus.PROPOSED,
        "pm-zoe",
        1,
    )
    [event] = world.events()
    assert (event.event_type, event.stream_type, event.stream_id) == (
        "ProjectProposed",
        "project",
        project.id,
    )
    assert (event.stream_version, event.tenant_id, event.actor, event.correlation_id) == (
        1,
        TENANT,
        "pmo-carol",
        "corr-pmo-carol",
    )
    assert event.causation_id is None
    assert event.payload["code"] == "PAY-1"
    assert event.payload["manager"] == "pm-zoe"
    [row] = world.rows.projects.values()
    assert (row.project_id, row.seq, row.status, row.version) == (
        project.id,
        world.store.events()[0].position,
        "proposed",
        1,
    )


async def test_a_project_manager_proposes_a_project_they_manage(world: World) -> None:
    proposal = await world.propose(propose_command(manager=ANN.subject), by=ANN)

    assert proposal.result.manager == ANN.subject
    assert [e.actor for e in world.events()] == [ANN.subject]


async def test_a_project_manager_may_not_propose_for_someone_else(world: World) -> None:
    with pytest.raises(ForbiddenError, match="only propose projects they manage") as refused:
        await world.propose(propose_command(manager=DAN.subject), by=ANN)

    assert refused.value.status == 403
    assert world.events() == []


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PROGRAM_MANAGER, Role.PORTFOLIO_MANAGER])
async def test_other_roles_may_not_propose(world: World, role: Role) -> None:
    someone = caller("someone", role)

    with pytest.raises(ForbiddenError, match="pmo, project_manager"):
        await world.propose(propose_command(manager="someone"), by=someone)

    assert world.events() == []


async def test_a_viewer_may_not_propose_even_for_themselves(world: World) -> None:
    with pytest.raises(ForbiddenError):
        await world.propose(propose_command(manager=VIEWER.subject), by=VIEWER)

    assert world.events() == []


async def test_a_code_already_used_in_the_tenant_is_refused(world: World) -> None:
    first = await world.propose(propose_command(code="PAY-1"))

    with pytest.raises(DuplicateCodeError, match="'PAY-1' already exists") as refused:
        await world.propose(propose_command(code="PAY-1", name="Another payroll project"))

    assert (refused.value.status, refused.value.code) == (409, "rule-violation")
    assert world.types() == ["ProjectProposed"]  # the second proposal's event rolled back
    assert [r.project_id for r in world.rows.projects.values()] == [first.result.id]


async def test_another_tenant_may_use_the_same_code(world: World) -> None:
    ours = await world.propose(propose_command(code="PAY-1"))
    theirs = await world.propose(propose_command(code="PAY-1"), by=OUTSIDER)

    assert ours.result.id != theirs.result.id
    assert [e.tenant_id for e in world.events()] == [TENANT, OUTSIDER.tenant]


# -- Idempotency-Key ---------------------------------------------------------------------------
async def test_a_repeated_key_with_the_same_request_replays_the_first_project(
    world: World,
) -> None:
    first = await world.propose(propose_command(), key="key-1")

    again = await world.propose(propose_command(), key="key-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.result.id == first.result.id
    assert again.result.version == 1
    assert world.types() == ["ProjectProposed"]  # no second event
    assert len(world.rows.projects) == 1


async def test_a_repeated_key_with_a_different_request_is_refused(world: World) -> None:
    await world.propose(propose_command(), key="key-1")

    with pytest.raises(IdempotencyKeyReuseError) as refused:
        await world.propose(propose_command(name="Something else"), key="key-1")

    assert refused.value.status == 422
    assert world.types() == ["ProjectProposed"]


async def test_the_same_key_in_another_tenant_is_another_request(world: World) -> None:
    ours = await world.propose(propose_command(), key="key-1")

    theirs = await world.propose(propose_command(), by=OUTSIDER, key="key-1")

    assert not theirs.replayed
    assert theirs.result.id != ours.result.id
    assert world.types() == ["ProjectProposed", "ProjectProposed"]


async def test_without_a_key_the_same_request_proposes_again(world: World) -> None:
    await world.propose(propose_command(code="PAY-1"))
    await world.propose(propose_command(code="PAY-2"))

    assert world.types() == ["ProjectProposed", "ProjectProposed"]


async def test_a_refused_proposal_does_not_keep_its_key(world: World) -> None:
    await world.propose(propose_command(code="PAY-1"))
    with pytest.raises(DuplicateCodeError):
        await world.propose(propose_command(code="PAY-1"), key="key-2")

    retried = await world.propose(propose_command(code="PAY-2"), key="key-2")

    # Not a reused key: the refused attempt remembered nothing.
    assert not retried.replayed
    assert world.types() == ["ProjectProposed", "ProjectProposed"]
