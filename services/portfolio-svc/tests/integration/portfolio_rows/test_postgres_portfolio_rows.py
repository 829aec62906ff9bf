"""portfolio-svc's query rows on the real PostgreSQL, in a schema of their own made by the
service's migrations (0001..head): the handlers run through `PostgresUnitsOfWork` as in the
service, and the one-portfolio rule holds where only the unique index can keep it, when a
second portfolio adds a component while the first one's transaction is still open."""

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
from portfolio_svc.adapters.rows import PostgresPortfolioRows
from portfolio_svc.application import commands as c
from portfolio_svc.application.errors import (
    ComponentInAnotherPortfolioError,
    DuplicateCodeError,
)
from portfolio_svc.application.handlers import HANDLERS
from portfolio_svc.application.ports import PortfolioConfig, PortfolioRows
from portfolio_svc.domain.events import registry
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards, StandardsInput
from portfolio_svc.domain.standards_events import HealthBand
from portfolio_svc.references.model import ProjectRef
from portfolio_svc.references.store import write_project_refs

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[3]
KEY = base64.b64encode(os.urandom(32)).decode()
TENANT = "rows-tenant"
TODAY = date(2026, 6, 15)
CONFIG = PortfolioConfig(large_project_threshold=Decimal(1_000_000))
PMO = Caller(Principal("pmo-carol", TENANT, frozenset({Role.PMO})), correlation_id="c-1")


@dataclass
class Service:
    engine: AsyncEngine
    units: PostgresUnitsOfWork[PortfolioRows]
    bus: CommandBus[PortfolioRows, PortfolioConfig]


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    url = required_env("DATABASE_URL")
    schema = f"t_portfolios_{uuid.uuid4().hex[:10]}"
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
    units: PostgresUnitsOfWork[PortfolioRows] = PostgresUnitsOfWork(
        engine, registry, rows=lambda conn: PostgresPortfolioRows(conn, keys), keys=keys
    )
    bus: CommandBus[PortfolioRows, PortfolioConfig] = CommandBus(
        HANDLERS, units, config=CONFIG, clock=lambda _t: TODAY, aggregates=(Portfolio,)
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
        flagged_large=True,
        budget_at_completion=Decimal(2_000_000),
        last_version=2,
        updated_at=datetime.now(UTC),
    )
    async with service.engine.begin() as conn:
        await write_project_refs(conn, [ref])
    return project_id


async def _portfolio(service: Service, code: str) -> UUID:
    command = c.CreatePortfolio(code=code, name="N", manager="pf-pia", currency="EUR")
    return (await service.bus.execute(command, PMO)).id


async def _components(service: Service) -> list[tuple[UUID, UUID]]:
    async with service.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT component_id, portfolio_id FROM portfolio_components")
        )
        return [(r.component_id, r.portfolio_id) for r in rows]


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


async def test_a_second_portfolio_adding_a_component_waits_and_is_told_the_holder(
    service: Service,
) -> None:
    first, second = await _portfolio(service, "FIRST"), await _portfolio(service, "SECOND")
    project_id = await _known_project(service)
    add = HANDLERS.handler_of(c.AddComponent)

    async with service.units(TENANT, write=True) as uow:
        await add(
            c.AddComponent(portfolio_id=first, component_id=project_id, kind="project"),
            CommandContext(uow, PMO, TODAY, CONFIG),
        )
        # The first add is not committed: the second one's check sees no holder, and its
        # insert waits on the unique index for this transaction.
        rival = asyncio.create_task(
            service.bus.execute(
                c.AddComponent(portfolio_id=second, component_id=project_id, kind="project"), PMO
            )
        )
        await _until_a_lock_waits(service.engine, rival)
        assert not rival.done()

    with pytest.raises(ComponentInAnotherPortfolioError) as refused:
        await rival
    assert refused.value.portfolio_id == first
    assert await _components(service) == [(project_id, first)]
    async with service.bus.reading(PMO) as uow:
        loser = await uow.get(Portfolio, second)
    assert loser.components == {}


async def test_a_removal_lets_a_component_go(service: Service) -> None:
    first, second = await _portfolio(service, "FIRST"), await _portfolio(service, "SECOND")
    project_id = await _known_project(service)
    await service.bus.execute(
        c.AddComponent(portfolio_id=first, component_id=project_id, kind="project"), PMO
    )
    assert await _components(service) == [(project_id, first)]

    await service.bus.execute(
        c.RemoveComponent(portfolio_id=first, component_id=project_id, reason="moved"), PMO
    )
    assert await _components(service) == []
    await service.bus.execute(
        c.AddComponent(portfolio_id=second, component_id=project_id, kind="project"), PMO
    )
    assert await _components(service) == [(project_id, second)]


async def test_the_list_keeps_a_pseudonym_and_a_code_once_per_tenant(service: Service) -> None:
    portfolio_id = await _portfolio(service, "ONCE")

    with pytest.raises(DuplicateCodeError):
        await _portfolio(service, "ONCE")

    async with service.engine.connect() as conn:
        manager = (await conn.execute(text("SELECT manager FROM portfolios"))).scalar_one()
    assert uuid.UUID(manager)  # the manager's subject_ref, not the user id
    async with service.bus.reading(PMO) as uow:
        (row,) = await uow.rows.list_portfolios(
            tenant_id=TENANT, manager="pf-pia", after=None, limit=10
        )
    assert (row.portfolio_id, row.manager, row.version) == (portfolio_id, "pf-pia", 1)


async def test_the_standards_keep_no_rows_and_steer_the_large_project_rule(
    service: Service,
) -> None:
    portfolio_id = await _portfolio(service, "STD")
    project_id = await _known_project(service)
    standards = StandardsInput(
        spi=HealthBand(green=Decimal("0.95"), amber=Decimal("0.85")),
        cpi=HealthBand(green=Decimal("0.95"), amber=Decimal("0.85")),
        reporting_cadence_days=14,
        time_zone="UTC",
        large_project_threshold={},
        portfolio_approval_threshold={},
    )

    saved = await service.bus.execute(c.SetPmoStandards(standards=standards), PMO)
    added = await service.bus.execute(
        c.AddComponent(portfolio_id=portfolio_id, component_id=project_id, kind="project"), PMO
    )

    assert isinstance(saved, PmoStandards)
    assert project_id in added.components  # flagged large: no threshold needed
    async with service.engine.connect() as conn:
        listed = (await conn.execute(text("SELECT count(*) FROM portfolios"))).scalar_one()
    assert listed == 1
