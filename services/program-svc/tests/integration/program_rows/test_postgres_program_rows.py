"""program-svc's query rows on the real PostgreSQL, in a schema of their own made by the
service's migrations (0001..head): the handlers run through `PostgresUnitsOfWork` as in the
service, and the member rule holds where only the unique index can keep it, when a second
program adds a project while the first one's transaction is still open."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.application.caller import Caller, Principal, Role
from pmo_shared.application.handlers import CommandBus, CommandContext
from pmo_shared.database.engine import create_engine_for
from pmo_shared.database.unit_of_work import PostgresUnitsOfWork
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.testing import required_env
from program_svc.adapters.rows import PostgresProgramRows
from program_svc.application import commands as c
from program_svc.application.errors import DuplicateCodeError, ProjectInAnotherProgramError
from program_svc.application.handlers import HANDLERS
from program_svc.application.ports import ProgramRows
from program_svc.domain.events import registry
from program_svc.domain.program import Program
from program_svc.references.model import ProjectRef
from program_svc.references.store import write_project_refs

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[3]
KEY = base64.b64encode(os.urandom(32)).decode()
TENANT = "rows-tenant"
TODAY = date(2026, 6, 15)
PMO = Caller(Principal("pmo-carol", TENANT, frozenset({Role.PMO})), correlation_id="c-1")
PROPOSER = Caller(Principal("pmo-paula", TENANT, frozenset({Role.PMO})), correlation_id="c-2")


@dataclass
class Service:
    engine: AsyncEngine
    units: PostgresUnitsOfWork[ProgramRows]
    bus: CommandBus[ProgramRows, None]


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    url = required_env("DATABASE_URL")
    schema = f"t_programs_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "DATABASE_URL": url, "DB_SCHEMA": schema}
    alembic = Path(sys.executable).parent / "alembic"
    subprocess.run(
        [str(alembic), "-c", str(SERVICE / "alembic.ini"), "upgrade", "head"],
        env=env,
        check=True,
        capture_output=True,
    )
    engine = create_engine_for(url, schema=schema, pool_size=4)
    keys = KeyStore(create_engine_for(url, schema=schema, pool_size=2), MasterKey(KEY))
    units: PostgresUnitsOfWork[ProgramRows] = PostgresUnitsOfWork(
        engine, registry, rows=lambda conn: PostgresProgramRows(conn, keys), keys=keys
    )
    bus: CommandBus[ProgramRows, None] = CommandBus(
        HANDLERS, units, config=None, clock=lambda _t: TODAY, aggregates=(Program,)
    )
    try:
        yield Service(engine, units, bus)
    finally:
        await engine.dispose()
        admin = create_engine_for(url, schema="public", pool_size=1)
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


async def _known_project(service: Service) -> UUID:
    project_id = uuid.uuid4()
    ref = ProjectRef(
        project_id=project_id,
        tenant_id=TENANT,
        code="P-1",
        name="A project",
        status="active",
        currency="EUR",
        budget_at_completion=None,
        actual_cost=Decimal(0),
        planned_start=None,
        planned_finish=None,
        percent_complete=None,
        last_version=1,
        updated_at=datetime.now(UTC),
    )
    async with service.engine.begin() as conn:
        await write_project_refs(conn, [ref])
    return project_id


async def _active(service: Service, code: str) -> UUID:
    proposal = c.ProposeProgram(
        code=code, name="N", area="A", manager="pgm-mia", sponsor="cfo-bob", currency="EUR"
    )
    program = await service.bus.execute(proposal, PROPOSER)
    await service.bus.execute(c.ActivateProgram(program_id=program.id), PMO)
    return program.id


async def _members(service: Service) -> list[tuple[UUID, UUID]]:
    async with service.engine.connect() as conn:
        rows = await conn.execute(text("SELECT project_id, program_id FROM program_members"))
        return [(r.project_id, r.program_id) for r in rows]


async def _until_a_lock_waits(engine: AsyncEngine, job: asyncio.Task[object]) -> None:
    """Return once some session of the database waits for a lock (bounded), or `job` ended."""
    deadline = asyncio.get_running_loop().time() + 10
    while not job.done():
        async with engine.connect() as conn:
            waiting = (
                await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            ).scalar_one()
        if waiting:
            return
        assert asyncio.get_running_loop().time() < deadline, "the rival add never came to wait"
        await asyncio.sleep(0.01)


async def test_a_second_program_adding_a_project_waits_and_is_told_the_holder(
    service: Service,
) -> None:
    first, second = await _active(service, "FIRST"), await _active(service, "SECOND")
    project_id = await _known_project(service)
    add = HANDLERS.handler_of(c.AddMemberProject)

    async with service.units(TENANT, write=True) as uow:
        await add(
            c.AddMemberProject(program_id=first, project_id=project_id),
            CommandContext(uow, PMO, TODAY, None),
        )
        # The first add is not committed: the second one's check sees no holder, and its
        # insert waits on the unique index for this transaction.
        rival = asyncio.create_task(
            service.bus.execute(c.AddMemberProject(program_id=second, project_id=project_id), PMO)
        )
        await _until_a_lock_waits(service.engine, rival)
        assert not rival.done()

    with pytest.raises(ProjectInAnotherProgramError) as refused:
        await rival
    assert refused.value.program_id == first
    assert await _members(service) == [(project_id, first)]
    async with service.bus.reading(PMO) as uow:
        loser = await uow.get(Program, second)
    assert loser.members == frozenset()


async def test_removal_and_cancellation_let_a_project_go(service: Service) -> None:
    first, second = await _active(service, "FIRST"), await _active(service, "SECOND")
    a, b = await _known_project(service), await _known_project(service)
    for project_id in (a, b):
        await service.bus.execute(c.AddMemberProject(program_id=first, project_id=project_id), PMO)
    await service.bus.execute(c.RemoveMemberProject(program_id=first, project_id=a), PMO)
    assert await _members(service) == [(b, first)]

    await service.bus.execute(c.CancelProgram(program_id=first, reason="merged"), PMO)

    assert await _members(service) == []
    await service.bus.execute(c.AddMemberProject(program_id=second, project_id=b), PMO)
    assert await _members(service) == [(b, second)]


async def test_the_list_keeps_a_pseudonym_and_a_code_once_per_tenant(service: Service) -> None:
    program_id = await _active(service, "ONCE")

    with pytest.raises(DuplicateCodeError):
        await _active(service, "ONCE")

    async with service.engine.connect() as conn:
        manager = (await conn.execute(text("SELECT manager FROM programs"))).scalar_one()
    assert uuid.UUID(manager)  # the manager's subject_ref, not the user id
    async with service.bus.reading(PMO) as uow:
        (row,) = await uow.rows.list_programs(
            tenant_id=TENANT, status="active", manager="pgm-mia", after=None, limit=10
        )
    assert (row.program_id, row.manager, row.version) == (program_id, "pgm-mia", 2)
