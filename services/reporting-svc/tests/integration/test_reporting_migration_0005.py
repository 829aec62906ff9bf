"""Migration 0005 on the real PostgreSQL, in a service schema of this test: every registered
generation made before it (the project tables only) gets the program tables, empty, its
project rows untouched; a generation that has them already and a registered schema that is
gone are no trouble; no rebuild is registered; downgrading drops the program tables again."""

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
from reporting_svc.readmodel.ddl import TABLES, generation_ddl
from reporting_svc.readmodel.program_ddl import PROGRAM_CONTENT_TABLES

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).parent / "alembic"


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
    schemas = _Schemas(f"reporting_m5_{uuid.uuid4().hex[:8]}")
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


async def test_every_old_generation_gets_the_program_tables(db: _Schemas) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "0004")
    old, current, gone = db.generation(1), db.generation(2), db.generation(3)
    async with db.on(db.service).begin() as conn:
        for number, schema, status in (
            (1, old, "retired"),
            (2, current, "live"),
            (3, gone, "building"),
        ):
            await conn.execute(
                text(
                    "INSERT INTO projection_generations (projection, generation, schema_name, "
                    "status, requested_by) VALUES ('project-reports', :g, :s, :status, 'it')"
                ),
                {"g": number, "s": schema, "status": status},
            )
    async with db.on(old).begin() as conn:  # the layout 0004 left: project tables only
        for statement in (f"CREATE SCHEMA {old}", f"SET LOCAL search_path TO {old}"):
            await conn.execute(text(statement))
        for statement in (*CONSUMER_DDL, *TABLES):
            await conn.execute(text(statement))
        await conn.execute(
            text(
                "INSERT INTO projects (project_id, tenant_id, code, name, manager, sponsor, "
                "methodology, currency, flagged_large, status, version, proposed_at) VALUES "
                "(:p, 'acme', 'P-1', 'Payroll', '\"pm-ann\"', '\"cfo-bob\"', 'hybrid', 'EUR', "
                "false, 'active', 3, now())"
            ),
            {"p": uuid.uuid4()},
        )
    async with db.on(current).begin() as conn:  # made by this code: has them already
        for statement in generation_ddl(current):
            await conn.execute(text(statement))
    assert not set(PROGRAM_CONTENT_TABLES) & await _tables(db.on(old))

    await asyncio.to_thread(_alembic, db.service, "upgrade", "0005")
    for schema in (old, current):
        assert set(PROGRAM_CONTENT_TABLES) <= await _tables(db.on(schema))
    async with db.on(old).connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM programs"))).scalar_one() == 0
        project = await conn.execute(text("SELECT code, status, version FROM projects"))
        assert tuple(project.one()) == ("P-1", "active", 3)
    async with db.on(db.service).connect() as conn:
        register = await conn.execute(
            text("SELECT generation, status FROM projection_generations ORDER BY 1")
        )
        assert [tuple(r) for r in register] == [(1, "retired"), (2, "live"), (3, "building")]
        version = await conn.execute(text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0005"

    await asyncio.to_thread(_alembic, db.service, "downgrade", "0004")
    for schema in (old, current):
        assert not set(PROGRAM_CONTENT_TABLES) & await _tables(db.on(schema))
    assert "projects" in await _tables(db.on(old))
