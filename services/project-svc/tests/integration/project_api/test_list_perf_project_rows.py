"""The project list at scale, on the real PostgreSQL in a schema of its own (the service's
migrations): a page and its managers' key store rows come in one statement, each manager's
user id is opened once per process (then remembered), an erasure since shows `[erased]` at
once, also where another process erased, and a pseudonym written otherwise than the service
writes it is still named."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.application.caller import Caller, Principal, Role
from pmo_shared.application.handlers import CommandBus
from pmo_shared.database.engine import create_engine_for
from pmo_shared.database.unit_of_work import PostgresUnitsOfWork
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.fields import ERASED
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.testing import required_env
from project_svc.adapters.rows import PostgresProjectRows
from project_svc.application import commands as c
from project_svc.application import queries
from project_svc.application.handlers import HANDLERS, ProjectPolicy
from project_svc.application.ports import ProjectRows
from project_svc.domain.events import registry
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.values import Methodology

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[3]
KEY = base64.b64encode(os.urandom(32)).decode()
TENANT = "list-perf-tenant"
TODAY = date(2026, 6, 15)
PMO = Caller(Principal("pmo-carol", TENANT, frozenset({Role.PMO})), correlation_id="c-1")
MANAGERS = ("pm-ann", "pm-bob", "pm-cid")


class CountingMaster(MasterKey):
    """The master key, counting the data keys it unwraps (one per subject opened)."""

    unwrapped = 0

    def unwrap(self, wrapped: bytes, *, tenant_id: str, subject_ref: UUID, key_id: UUID) -> bytes:
        """See `MasterKey.unwrap`."""
        CountingMaster.unwrapped += 1
        return super().unwrap(wrapped, tenant_id=tenant_id, subject_ref=subject_ref, key_id=key_id)


@dataclass
class Service:
    engine: AsyncEngine
    keys: KeyStore
    keys_engine: AsyncEngine
    bus: CommandBus[ProjectRows, ProjectPolicy]
    statements: list[str]

    def bus_with(self, keys: KeyStore) -> CommandBus[ProjectRows, ProjectPolicy]:
        """A bus of another process of the service: the same tables, a key store of its own."""
        units: PostgresUnitsOfWork[ProjectRows] = PostgresUnitsOfWork(
            self.engine, registry, rows=lambda conn: PostgresProjectRows(conn, keys), keys=keys
        )
        return CommandBus(
            HANDLERS,
            units,
            config=ProjectPolicy(Decimal(1_000_000)),
            clock=lambda _t: TODAY,
            aggregates=(Project, ProjectOffice),
        )


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    url = required_env("DATABASE_URL")
    schema = f"t_list_perf_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "DATABASE_URL": url, "DB_SCHEMA": schema, "PERSONAL_DATA_MASTER_KEY": KEY}
    alembic = Path(sys.executable).parent / "alembic"
    subprocess.run(
        [str(alembic), "-c", str(SERVICE / "alembic.ini"), "upgrade", "head"],
        env=env,
        check=True,
        capture_output=True,
    )
    engine = create_engine_for(url, schema=schema, pool_size=4)
    keys_engine = create_engine_for(url, schema=schema, pool_size=2)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    keys = KeyStore(keys_engine, CountingMaster(KEY))
    service = Service(engine, keys, keys_engine, None, statements)  # type: ignore[arg-type]
    service.bus = service.bus_with(keys)
    try:
        yield service
    finally:
        await engine.dispose()
        await keys_engine.dispose()
        admin = create_engine_for(url, schema="public", pool_size=1)
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


@pytest.fixture(autouse=True)
def _count_from_zero() -> None:
    CountingMaster.unwrapped = 0


async def _propose(service: Service, count: int) -> None:
    for n in range(count):
        command = c.ProposeProject(
            code=f"LP-{n:03d}",
            name=f"Project {n}",
            manager=MANAGERS[n % len(MANAGERS)],
            sponsor="cfo-dan",
            methodology=Methodology.HYBRID,
            currency="EUR",
            flagged_large=n % 4 == 0,
        )
        await service.bus.run(command, PMO)


async def _page(
    bus: CommandBus[ProjectRows, ProjectPolicy], *, manager: str | None = None, limit: int = 50
) -> list[tuple[str, str, bool]]:
    rows = await queries.list_projects(
        bus, PMO, status=None, manager=manager, large=None, after=None, limit=limit
    )
    return [(r.code, r.manager, r.large) for r in rows]


async def test_a_page_reads_its_managers_in_its_own_statement_and_opens_each_once(
    service: Service,
) -> None:
    await _propose(service, 30)
    opened_by_writes = CountingMaster.unwrapped
    service.statements.clear()

    first = await _page(service.bus)

    assert [code for code, _, _ in first] == [f"LP-{n:03d}" for n in range(30)]
    assert [m for _, m, _ in first] == [MANAGERS[n % 3] for n in range(30)]
    assert [large for _, _, large in first] == [n % 4 == 0 for n in range(30)]
    # the standards in force, then the page with its people: no read of the store per row
    assert len(service.statements) == 2, service.statements
    assert [s for s in service.statements if "data_subjects" in s] == service.statements[1:]
    # the writes remembered the keys they sealed with; the page opened each manager once more
    assert CountingMaster.unwrapped - opened_by_writes == len(MANAGERS)

    service.statements.clear()
    assert await _page(service.bus) == first
    assert len(service.statements) == 2
    assert CountingMaster.unwrapped - opened_by_writes == len(MANAGERS)  # remembered


async def test_an_erased_manager_shows_erased_at_once_in_every_process(
    service: Service,
) -> None:
    await _propose(service, 6)
    assert {m for _, m, _ in await _page(service.bus)} == set(MANAGERS)
    other = service.bus_with(KeyStore(service.keys_engine, MasterKey(KEY)))
    assert {m for _, m, _ in await _page(other)} == set(MANAGERS)

    # erased through this process's store: the other one remembered the name, yet shows none
    async with service.engine.begin() as conn:
        ref = await service.keys.lookup(conn, TENANT, "pm-bob")
        assert ref is not None
        await service.keys.destroy(conn, tenant_id=TENANT, subject_ref=ref, erasure_id=uuid.uuid4())

    for bus in (service.bus, other):
        managers = [m for _, m, _ in await _page(bus)]
        assert managers == ["pm-ann", ERASED, "pm-cid"] * 2
    # nobody finds the erased person by their user id any more
    assert await _page(other, manager="pm-bob") == []
    assert [m for _, m, _ in await _page(other, manager="pm-cid")] == ["pm-cid"] * 2


async def test_the_manager_filter_finds_the_pseudonym_in_the_pages_statement(
    service: Service,
) -> None:
    await _propose(service, 9)
    service.statements.clear()

    assert [code for code, _, _ in await _page(service.bus, manager="pm-ann")] == [
        "LP-000",
        "LP-003",
        "LP-006",
    ]
    assert len(service.statements) == 2
    assert await _page(service.bus, manager="nobody-here") == []


async def test_a_pseudonym_written_otherwise_and_a_plain_value_are_named_as_before(
    service: Service,
) -> None:
    await _propose(service, 3)
    async with service.engine.begin() as conn:
        # one row as an older writer could have left it (the pseudonym upper case), and one
        # holding a value that is no pseudonym at all: it shows as it is
        await conn.execute(
            text("UPDATE projects SET manager = upper(manager) WHERE code = 'LP-001'")
        )
        await conn.execute(
            text("UPDATE projects SET manager = 'legacy-user' WHERE code = 'LP-002'")
        )

    assert [m for _, m, _ in await _page(service.bus)] == ["pm-ann", "pm-bob", "legacy-user"]
