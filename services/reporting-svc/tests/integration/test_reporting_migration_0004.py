"""Migration 0004 on the real PostgreSQL, in a service schema of this test: a generation made
before it (plain text personal columns, plain user ids in them) gets the sealed layout in place
(jsonb values, pseudonym columns, the manager index), and a rebuild into a fresh generation of
the new layout is registered, so the running service rebuilds; downgrading gives text back."""

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
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.testing import required_env

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).parent / "alembic"

# The personal tables as migration 0003 left them (the other tables do not matter here).
OLD_TABLES = (
    """CREATE TABLE projects (project_id uuid PRIMARY KEY, tenant_id text NOT NULL,
       code text NOT NULL, manager text NOT NULL, sponsor text NOT NULL)""",
    """CREATE TABLE risks (risk_id uuid PRIMARY KEY, project_id uuid NOT NULL,
       owner text NOT NULL)""",
    """CREATE TABLE offices (office_id uuid PRIMARY KEY, project_id uuid NOT NULL,
       tenant_id text NOT NULL, lead text NOT NULL)""",
    """CREATE TABLE office_staff (office_id uuid NOT NULL, version integer NOT NULL,
       user_id text NOT NULL, PRIMARY KEY (office_id, version))""",
)


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


@pytest.fixture
async def db() -> AsyncIterator[Schemas]:
    """Engines on a service schema of this test and on its generation schemas (all dropped
    afterwards)."""
    schemas = Schemas(f"reporting_mig_{uuid.uuid4().hex[:8]}")
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


class Schemas:
    def __init__(self, service: str) -> None:
        self.service = service
        self.engines: dict[str, AsyncEngine] = {}

    def on(self, schema: str) -> AsyncEngine:
        """An engine whose search path is `schema`."""
        if schema not in self.engines:
            url = required_env("DATABASE_URL")
            self.engines[schema] = create_engine_for(url, schema=schema, pool_size=1)
        return self.engines[schema]

    def generation(self, number: int) -> str:
        return f"{self.service}_project_reports_g{number}"


async def _columns(conn: AsyncConnection) -> dict[tuple[str, str], str]:
    rows = await conn.execute(
        text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    )
    return {(r.table_name, r.column_name): r.data_type for r in rows}


PERSONAL = {
    ("projects", "manager"): "manager_ref",
    ("projects", "sponsor"): "sponsor_ref",
    ("risks", "owner"): "owner_ref",
    ("offices", "lead"): "lead_ref",
    ("office_staff", "user_id"): "user_ref",
}


async def test_an_old_generation_gets_the_sealed_layout_and_a_rebuild_is_registered(
    db: Schemas,
) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "0003")
    old, new = db.generation(1), db.generation(2)
    async with db.on(db.service).begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO projection_generations (projection, generation, schema_name, "
                "status, requested_by) VALUES ('project-reports', 1, :s, 'live', 'bootstrap')"
            ),
            {"s": old},
        )
        await conn.execute(text(f"CREATE SCHEMA {old}"))
    ids = {"p": uuid.uuid4(), "o": uuid.uuid4()}
    async with db.on(old).begin() as conn:
        for statement in OLD_TABLES:
            await conn.execute(text(statement))
        for insert in (
            "INSERT INTO projects VALUES (:p, 'acme', 'P-1', 'pm-ann', 'cfo-bob')",
            "INSERT INTO risks VALUES (:o, :p, 'pm-ann')",
            "INSERT INTO offices VALUES (:o, :p, 'acme', 'po-lu')",
            "INSERT INTO office_staff VALUES (:o, 2, 'an-al')",
        ):
            await conn.execute(text(insert), ids)

    await asyncio.to_thread(_alembic, db.service, "upgrade", "0004")
    async with db.on(old).connect() as conn:
        columns = await _columns(conn)
        for (table, column), ref in PERSONAL.items():
            assert columns[(table, column)] == "jsonb"
            assert columns[(table, ref)] == "uuid"
        row = (await conn.execute(text("SELECT manager, manager_ref, sponsor FROM projects"))).one()
        assert tuple(row) == ("pm-ann", None, "cfo-bob")  # plain, as published then
        assert (await conn.execute(text("SELECT lead FROM offices"))).scalar_one() == "po-lu"
        indexes = await conn.execute(
            text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        )
        assert "projects_manager_idx" in set(indexes.scalars())
    async with db.on(db.service).connect() as conn:
        register = await conn.execute(
            text("SELECT generation, schema_name, status FROM projection_generations ORDER BY 1")
        )
        assert [tuple(r) for r in register] == [(1, old, "live"), (2, new, "building")]
        version = await conn.execute(text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0004"
    async with db.on(new).connect() as conn:
        fresh = await _columns(conn)
        assert fresh[("projects", "manager")] == "jsonb"
        assert fresh[("office_staff", "user_ref")] == "uuid"
        assert ("processed_events", "event_id") in fresh  # a whole generation

    await asyncio.to_thread(_alembic, db.service, "downgrade", "0003")
    async with db.on(old).connect() as conn:
        columns = await _columns(conn)
        assert columns[("projects", "manager")] == "text"
        assert ("projects", "manager_ref") not in columns
        assert (await conn.execute(text("SELECT manager FROM projects"))).scalar_one() == "pm-ann"


async def test_a_fresh_install_registers_no_rebuild(db: Schemas) -> None:
    await asyncio.to_thread(_alembic, db.service, "upgrade", "head")
    async with db.on(db.service).connect() as conn:
        count = await conn.execute(text("SELECT count(*) FROM projection_generations"))
        assert count.scalar_one() == 0
