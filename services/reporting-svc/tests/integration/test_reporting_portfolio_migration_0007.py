"""Migration 0007 on the real PostgreSQL, in a service schema of this test: every registered
generation made before it gets the portfolio tables, empty, its other rows untouched; a live
generation that had them not passed over the portfolio events it read, so a rebuild is
registered (a new generation with every table, building); a live generation that has them
already gets none, nor does a registered schema that is gone trouble it; downgrading drops the
portfolio tables again."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.eventstore.ddl import CONSUMER_DDL
from pmo_shared.testing import required_env
from reporting_svc.readmodel.ddl import CONTENT_TABLES, TABLES, generation_ddl
from reporting_svc.readmodel.portfolio_ddl import PORTFOLIO_CONTENT_TABLES
from reporting_svc.readmodel.program_ddl import PROGRAM_TABLES
from reporting_svc.readmodel.standards import STANDARDS_TABLES

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).parent / "alembic"
BEFORE_0007 = (*CONSUMER_DDL, *TABLES, *PROGRAM_TABLES, *STANDARDS_TABLES)


def _alembic(schema: str, *args: str) -> None:
    env = {**os.environ, "DB_SCHEMA": schema}
    run = subprocess.run(
        [str(ALEMBIC), "-c", str(SERVICE / "alembic.ini"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


class _Schemas:
    def __init__(self, service: str) -> None:
        self.service = service
        self.engines: dict[str, AsyncEngine] = {}

    def on(self, schema: str) -> AsyncEngine:
        if schema not in self.engines:
            url = required_env("DATABASE_URL")
            self.engines[schema] = create_engine_for(url, schema=schema, pool_size=1)
        return self.engines[schema]

    def generation(self, number: int) -> str:
        return f"{self.service}_project_reports_g{number}"


@pytest.fixture
async def db() -> AsyncIterator[_Schemas]:
    schemas = _Schemas(f"reporting_m7_{uuid.uuid4().hex[:8]}")
    yield schemas
    async with schemas.on(schemas.service).begin() as conn:
        names = await conn.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
            {"p": f"{schemas.service}%"},
        )
        for name in names.scalars().all():
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    for engine in schemas.engines.values():
        await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        )
        return set(rows.scalars())


async def _register(db: _Schemas, *generations: tuple[int, str, str]) -> None:
    async with db.on(db.service).begin() as conn:
        for number, schema, status in generations:
            await conn.execute(
                text(
                    "INSERT INTO projection_generations (projection, generation, schema_name, "
                    "status, requested_by) VALUES ('project-reports', :g, :s, :status, 'it')"
                ),
                {"g": number, "s": schema, "status": status},
            )


async def _create(db: _Schemas, schema: str, statements: tuple[str, ...] | list[str]) -> None:
    async with db.on(schema).begin() as conn:
        for statement in (
            f"CREATE SCHEMA IF NOT EXISTS {schema}",
            f"SET LOCAL search_path TO {schema}",
        ):
            await conn.execute(text(statement))
        for statement in statements:
            await conn.execute(text(statement))


async def _register_rows(db: _Schemas) -> list[tuple[int, str, str]]:
    async with db.on(db.service).connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT generation, status, requested_by FROM projection_generations "
                "WHERE projection = 'project-reports' ORDER BY 1"
            )
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_older_generations_get_the_tables_and_the_live_one_a_rebuild(db: _Schemas) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "0006")
    old, live, gone = db.generation(1), db.generation(2), db.generation(4)
    await _register(db, (1, old, "retired"), (2, live, "live"), (4, gone, "retired"))
    for schema in (old, live):  # the layout 0006 left
        await _create(db, schema, BEFORE_0007)
    async with db.on(live).begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO programs (program_id, tenant_id, code, name, area, manager, sponsor, "
                "currency, proposed_on, proposed_at) VALUES (:g, 'acme', 'PRG-1', 'Payroll', "
                "'Ops', '\"pm\"', '\"cfo\"', 'EUR', '2026-01-01', now())"
            ),
            {"g": uuid.uuid4()},
        )
    assert not set(PORTFOLIO_CONTENT_TABLES) & await _tables(db.on(live))

    await asyncio.to_thread(_alembic, db.service, "upgrade", "head")
    for schema in (old, live):
        assert set(PORTFOLIO_CONTENT_TABLES) <= await _tables(db.on(schema))
    async with db.on(live).connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM portfolios"))).scalar_one() == 0
        program = await conn.execute(text("SELECT code FROM programs"))
        assert program.scalar_one() == "PRG-1"
    register = await _register_rows(db)
    assert register[:3] == [
        (1, "retired", "it"),
        (2, "live", "it"),
        (4, "retired", "it"),
    ]
    assert register[3][:2] == (5, "building")
    assert set(CONTENT_TABLES) <= await _tables(db.on(db.generation(5)))

    await asyncio.to_thread(_alembic, db.service, "downgrade", "0006")
    for schema in (old, live, db.generation(5)):
        assert not set(PORTFOLIO_CONTENT_TABLES) & await _tables(db.on(schema))
    assert "programs" in await _tables(db.on(live))


async def test_a_live_generation_with_the_tables_needs_no_rebuild(db: _Schemas) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "0006")
    old, live = db.generation(1), db.generation(2)
    await _register(db, (1, old, "retired"), (2, live, "live"))
    await _create(db, old, BEFORE_0007)
    await _create(db, live, generation_ddl(live))  # made by this code: has them already

    await asyncio.to_thread(_alembic, db.service, "upgrade", "head")
    assert set(PORTFOLIO_CONTENT_TABLES) <= await _tables(db.on(old))
    assert await _register_rows(db) == [(1, "retired", "it"), (2, "live", "it")]
