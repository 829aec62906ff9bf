"""Migration 0008 on the real PostgreSQL, in a service schema of this test: pg_trgm is there in
the `public` schema afterwards (the suggestions call `public.similarity`), every registered
generation gets the (empty) verdicts table `lesson_feedback` with its other rows untouched, a
generation that has it already is left alone, a registered schema that is gone troubles
nothing, and downgrading drops the table again."""

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
from reporting_svc.readmodel.ddl import TABLES
from reporting_svc.readmodel.lesson_ddl import LESSON_CONTENT_TABLES, LESSON_TABLES
from reporting_svc.readmodel.portfolio_ddl import PORTFOLIO_TABLES
from reporting_svc.readmodel.program_ddl import PROGRAM_TABLES
from reporting_svc.readmodel.standards import STANDARDS_TABLES

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).parent / "alembic"
BEFORE_0008 = (*CONSUMER_DDL, *TABLES, *PROGRAM_TABLES, *PORTFOLIO_TABLES, *STANDARDS_TABLES)


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
    schemas = _Schemas(f"reporting_m8_{uuid.uuid4().hex[:8]}")
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


async def _create(db: _Schemas, schema: str, statements: tuple[str, ...]) -> None:
    async with db.on(schema).begin() as conn:
        for statement in (
            f"CREATE SCHEMA IF NOT EXISTS {schema}",
            f"SET LOCAL search_path TO {schema}",
            *statements,
        ):
            await conn.execute(text(statement))


async def test_every_generation_gets_the_verdicts_table_and_trigrams_work(db: _Schemas) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "0007")
    old, live, had, gone = (db.generation(n) for n in (1, 2, 3, 5))
    await _register(db, (1, old, "retired"), (2, live, "live"), (3, had, "retired"))
    await _register(db, (5, gone, "retired"))
    for schema in (old, live):  # the layout 0007 left
        await _create(db, schema, BEFORE_0008)
    await _create(db, had, (*BEFORE_0008, *LESSON_TABLES))
    async with db.on(had).begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO lesson_feedback (tenant_id, version, project_id, lesson_id, useful, "
                "note, judged_on, judged_by, occurred_at) VALUES ('acme', 1, :p, :l, true, '', "
                "'2026-05-01', '\"pmo\"', now())"
            ),
            {"p": uuid.uuid4(), "l": uuid.uuid4()},
        )
    assert not set(LESSON_CONTENT_TABLES) & await _tables(db.on(live))

    await asyncio.to_thread(_alembic, db.service, "upgrade", "0008")

    for schema in (old, live, had):
        assert set(LESSON_CONTENT_TABLES) <= await _tables(db.on(schema))
    async with db.on(live).connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM lesson_feedback"))).scalar() == 0
        similarity = await conn.execute(text("SELECT public.similarity('payroll', 'payrol')"))
        assert similarity.scalar_one() > 0.5
    async with db.on(had).connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM lesson_feedback"))).scalar() == 1

    await asyncio.to_thread(_alembic, db.service, "downgrade", "0007")
    for schema in (old, live, had):
        assert not set(LESSON_CONTENT_TABLES) & await _tables(db.on(schema))
    assert "lessons" in await _tables(db.on(live))
