"""The register of read-model generations: one live, at most one being rebuilt, the last
retired one kept for comparison; older schemas are dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from reporting_svc.readmodel.ddl import generation_ddl


class RebuildInProgressError(Exception):
    """A rebuild of this projection is already running."""


@dataclass(frozen=True, slots=True)
class Generation:
    """One set of read-model tables, in its own schema, fed by its own consumer group."""

    projection: str
    generation: int
    schema_name: str
    status: str
    requested_by: str
    started_at: datetime
    switched_at: datetime | None

    @property
    def group_id(self) -> str:
        """The Kafka consumer group that feeds this generation."""
        return f"reporting.{self.projection}.g{self.generation}"


# A constant column list (not input), interpolated into the statements below.
_COLUMNS = "projection, generation, schema_name, status, requested_by, started_at, switched_at"


def schema_for(service_schema: str, projection: str, generation: int) -> str:
    """The schema name of a generation."""
    return f"{service_schema}_{projection.replace('-', '_')}_g{generation}"


async def current(engine: AsyncEngine, projection: str) -> list[Generation]:
    """The projection's live and building generations, and its last retired one."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM projection_generations WHERE projection = :p "  # noqa: S608
                "ORDER BY generation DESC LIMIT 3"
            ),
            {"p": projection},
        )
        return [Generation(*row) for row in rows]


async def ensure_initial(engine: AsyncEngine, *, service_schema: str, projection: str) -> None:
    """Create generation 1 when the projection has none (safe with several replicas)."""
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:p))"), {"p": projection})
        exists = await conn.execute(
            text("SELECT 1 FROM projection_generations WHERE projection = :p"), {"p": projection}
        )
        if exists.first() is None:
            await _create(conn, service_schema, projection, 1, status="live", by="bootstrap")


async def start_rebuild(
    engine: AsyncEngine, *, service_schema: str, projection: str, requested_by: str
) -> Generation:
    """Register a new generation to be built from the beginning of the topics."""
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:p))"), {"p": projection})
        rows = await conn.execute(
            text(
                "SELECT max(generation), bool_or(status = 'building') FROM projection_generations "
                "WHERE projection = :p"
            ),
            {"p": projection},
        )
        latest, building = rows.one()
        if building:
            raise RebuildInProgressError(f"a rebuild of {projection} is already running")
        number = (latest or 0) + 1
        return await _create(
            conn, service_schema, projection, number, status="building", by=requested_by
        )


async def switch(engine: AsyncEngine, building: Generation) -> bool:
    """Make a caught-up generation live and retire the old one; False if someone else did."""
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:p))"), {"p": building.projection}
        )
        still = await conn.execute(
            text(
                "SELECT 1 FROM projection_generations WHERE projection = :p AND generation = :g "
                "AND status = 'building'"
            ),
            {"p": building.projection, "g": building.generation},
        )
        if still.first() is None:
            return False
        await conn.execute(
            text(
                "UPDATE projection_generations SET status = 'retired' "
                "WHERE projection = :p AND status = 'live'"
            ),
            {"p": building.projection},
        )
        await conn.execute(
            text(
                "UPDATE projection_generations SET status = 'live', switched_at = now() "
                "WHERE projection = :p AND generation = :g"
            ),
            {"p": building.projection, "g": building.generation},
        )
        await _drop_old(conn, building)
    return True


async def _create(
    conn: AsyncConnection,
    service_schema: str,
    projection: str,
    number: int,
    *,
    status: str,
    by: str,
) -> Generation:
    schema = schema_for(service_schema, projection, number)
    await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    for statement in generation_ddl(schema):
        await conn.execute(text(statement))
    await conn.execute(text(f"SET LOCAL search_path TO {service_schema}"))
    row = await conn.execute(
        text(
            "INSERT INTO projection_generations (projection, generation, schema_name, status, "  # noqa: S608
            f"requested_by) VALUES (:p, :g, :s, :status, :by) RETURNING {_COLUMNS}"
        ),
        {"p": projection, "g": number, "s": schema, "status": status, "by": by},
    )
    return Generation(*row.one())


async def _drop_old(conn: AsyncConnection, live: Generation) -> None:
    # Keep the generation just retired (for comparison and a quick look back); drop the rest.
    rows = await conn.execute(
        text(
            "SELECT generation, schema_name FROM projection_generations "
            "WHERE projection = :p AND status = 'retired' ORDER BY generation DESC OFFSET 1"
        ),
        {"p": live.projection},
    )
    for generation, schema in rows.all():
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await conn.execute(
            text("DELETE FROM projection_generations WHERE projection = :p AND generation = :g"),
            {"p": live.projection, "g": generation},
        )
