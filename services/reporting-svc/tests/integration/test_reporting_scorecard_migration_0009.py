"""Migration 0009 on the real PostgreSQL, in a service schema of this test: every registered
generation made before it gets `projects.description` ('' in the rows already there) and
`risks.raised_on`, `closed_on`, `outcome` (NULL in them), its rows otherwise untouched; a live
generation that had them not passed over the facts it read, so a rebuild is registered (a new
generation with every table, building); a live generation that has them already gets none, nor
does a registered schema that is gone trouble it; downgrading drops the columns again."""

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
from pmo_shared.testing import required_env
from reporting_svc.readmodel.ddl import CONTENT_TABLES, generation_ddl

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).parent / "alembic"
NEW_COLUMNS = {
    ("projects", "description"),
    ("risks", "raised_on"),
    ("risks", "closed_on"),
    ("risks", "outcome"),
}


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
    schemas = _Schemas(f"reporting_m9_{uuid.uuid4().hex[:8]}")
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


async def _create(db: _Schemas, schema: str, *, before_0009: bool) -> None:
    """A generation's tables as this code makes them; `before_0009`: as 0008 left them (the
    columns 0009 adds dropped again)."""
    async with db.on(schema).begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
        if before_0009:
            for table, column in NEW_COLUMNS:
                await conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))


async def _columns(engine: AsyncEngine) -> set[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            )
        )
        return {(r[0], r[1]) for r in rows}


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        )
        return set(rows.scalars())


async def _register_rows(db: _Schemas) -> list[tuple[int, str, str]]:
    async with db.on(db.service).connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT generation, status, requested_by FROM projection_generations "
                "WHERE projection = 'project-reports' ORDER BY 1"
            )
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_older_generations_get_the_columns_and_the_live_one_a_rebuild(db: _Schemas) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "0008")
    old, live, gone = db.generation(1), db.generation(2), db.generation(4)
    await _register(db, (1, old, "retired"), (2, live, "live"), (4, gone, "retired"))
    for schema in (old, live):
        await _create(db, schema, before_0009=True)
    project, risk = uuid.uuid4(), uuid.uuid4()
    async with db.on(live).begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO projects (project_id, tenant_id, code, name, manager, sponsor, "
                "methodology, currency, flagged_large, status, version, proposed_at) VALUES "
                "(:p, 'acme', 'P-1', 'Payroll', '\"pm\"', '\"cfo\"', 'agile', 'EUR', false, "
                "'active', 3, now())"
            ),
            {"p": project},
        )
        await conn.execute(
            text(
                "INSERT INTO risks (risk_id, project_id, title, probability, impact, owner, "
                "raised_at, closed_at) VALUES (:r, :p, 'Vendor', 0.5, 100, '\"ann\"', now(), "
                "now())"
            ),
            {"r": risk, "p": project},
        )
    assert not NEW_COLUMNS & await _columns(db.on(live))

    await asyncio.to_thread(_alembic, db.service, "upgrade", "head")
    for schema in (old, live):
        assert await _columns(db.on(schema)) >= NEW_COLUMNS
    async with db.on(live).connect() as conn:
        kept = await conn.execute(text("SELECT code, description FROM projects"))
        assert tuple(kept.one()) == ("P-1", "")
        risks = await conn.execute(
            text("SELECT title, raised_on, closed_on, outcome, closed_at IS NOT NULL FROM risks")
        )
        assert tuple(risks.one()) == ("Vendor", None, None, None, True)
    register = await _register_rows(db)
    assert register[:3] == [(1, "retired", "it"), (2, "live", "it"), (4, "retired", "it")]
    assert register[3] == (5, "building", "migration 0009 (closure facts)")
    rebuilt = db.on(db.generation(5))
    assert set(CONTENT_TABLES) <= await _tables(rebuilt)
    assert await _columns(rebuilt) >= NEW_COLUMNS

    await asyncio.to_thread(_alembic, db.service, "downgrade", "0008")
    for schema in (old, live, db.generation(5)):
        assert not NEW_COLUMNS & await _columns(db.on(schema))
    assert "projects" in await _tables(db.on(live))


async def test_a_live_generation_with_the_columns_needs_no_rebuild(db: _Schemas) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "0008")
    old, live = db.generation(1), db.generation(2)
    await _register(db, (1, old, "retired"), (2, live, "live"))
    await _create(db, old, before_0009=True)
    await _create(db, live, before_0009=False)  # made by this code: has them already

    await asyncio.to_thread(_alembic, db.service, "upgrade", "head")
    assert await _columns(db.on(old)) >= NEW_COLUMNS
    assert await _register_rows(db) == [(1, "retired", "it"), (2, "live", "it")]
