"""The in-memory rows keep PostgreSQL's transactional behaviour, which the handler tests rely
on: a unit of work sees its own rows at once, others only once it committed, and nothing of a
unit whose block raised."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest

from project_svc.adapters.rows import DuplicateCodeError
from project_svc.domain.project import Project
from project_svc.domain.standards import Standards
from project_svc.domain.values import Methodology

from .given import PMO, TENANT, World, proposed


def _project(code: str = "PAY-7") -> Project:
    return Project.propose(
        uuid4(),
        code=code,
        name="Ledger migration",
        description="",
        manager="pm-ann",
        sponsor="cfo-bob",
        methodology=Methodology.AGILE,
        currency="EUR",
        flagged_large=False,
    )


async def _listed(world: World) -> list[str]:
    rows = await world.rows.list_projects(
        tenant_id=TENANT,
        status=None,
        manager=None,
        large=None,
        after=None,
        limit=50,
        standards=Standards(),
    )
    return [r.code for r in rows]


async def test_a_unit_sees_its_own_rows_and_others_see_them_once_committed(
    world: World,
) -> None:
    async with world.units(TENANT, write=True) as uow:
        await uow.save(_project(), metadata=PMO.metadata())
        assert await _listed(world) == ["PAY-7"]
        assert await in_another_task(_listed(world)) == []

    assert await _listed(world) == ["PAY-7"]
    assert world.types() == ["ProjectProposed"]


async def test_a_unit_that_raised_leaves_no_rows(world: World) -> None:
    async def save_then_fail() -> None:
        async with world.units(TENANT, write=True) as uow:
            await uow.save(_project(), metadata=PMO.metadata())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await save_then_fail()

    assert await _listed(world) == []
    assert world.events() == []
    await proposed(world, code="PAY-7")  # the code is free: nothing of the failed unit stayed


async def test_a_duplicate_code_in_the_same_unit_is_refused(world: World) -> None:
    async def save_twice() -> None:
        async with world.units(TENANT, write=True) as uow:
            await uow.save(_project("PAY-8"), metadata=PMO.metadata())
            await uow.save(_project("PAY-8"), metadata=PMO.metadata())

    with pytest.raises(DuplicateCodeError):
        await save_twice()

    assert await _listed(world) == []
    assert world.events() == []


async def in_another_task(coroutine: Any) -> Any:
    """Run `coroutine` in a task of its own (another connection, as it were)."""
    return await asyncio.create_task(coroutine)
