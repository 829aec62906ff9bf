"""What the acknowledged commands left behind: the event store's events and reporting's read
model, compared with the driver's acknowledgements; the read model compared with a rebuild."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from reporting_svc.readmodel.ddl import CONTENT_TABLES

from .resilience_load import Ack

PROJECTION = "project-reports"


@asynccontextmanager
async def engine_of(url: str, schema: str) -> AsyncIterator[AsyncEngine]:
    """A small engine on one schema of the fault stack's database."""
    engine = create_engine_for(url, schema=schema, pool_size=1)
    try:
        yield engine
    finally:
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class Tally:
    """How the acknowledged commands show up somewhere: missing ones, extra ones, ones that
    are there more than once, and ones whose content differs."""

    missing: int
    extra: int
    doubled: int
    differing: int

    @property
    def exact(self) -> bool:
        """Every acknowledged command there exactly once with its content, nothing else."""
        return self.missing == self.extra == self.doubled == self.differing == 0


def _tally(expected: dict[uuid.UUID, tuple[Any, ...]], found: list[tuple[Any, ...]]) -> Tally:
    """`found` rows are (id, *content)."""
    seen = Counter(row[0] for row in found)
    content = {row[0]: tuple(row[1:]) for row in found}
    return Tally(
        missing=sum(1 for k in expected if k not in seen),
        extra=sum(1 for k in seen if k not in expected),
        doubled=sum(1 for n in seen.values() if n > 1),
        differing=sum(1 for k, c in expected.items() if k in content and content[k] != c),
    )


def expected_projects(acks: list[Ack]) -> dict[uuid.UUID, tuple[Any, ...]]:
    """project id → (code, name) of the acknowledged proposals."""
    return {a.created: (a.body["code"], a.body["name"]) for a in acks if a.kind == "project"}


def expected_lessons(acks: list[Ack]) -> dict[uuid.UUID, tuple[Any, ...]]:
    """lesson id → (project id, what happened) of the acknowledged lessons."""
    return {a.created: (a.project_id, a.body["what_happened"]) for a in acks if a.kind == "lesson"}


async def store_tally(database_url: str, tenant: str, acks: list[Ack]) -> dict[str, Tally]:
    """The tenant's ProjectProposed and LessonLearned events in project-svc's event store."""
    async with engine_of(database_url, "project") as engine, engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT event_type, stream_id, payload FROM events WHERE tenant_id = :t"
                    " AND event_type IN ('ProjectProposed', 'LessonLearned')"
                ),
                {"t": tenant},
            )
        ).all()
    projects = [
        (r.stream_id, r.payload["code"], r.payload["name"])
        for r in rows
        if r.event_type == "ProjectProposed"
    ]
    lessons = [
        (uuid.UUID(r.payload["lesson_id"]), r.stream_id, r.payload["what_happened"])
        for r in rows
        if r.event_type == "LessonLearned"
    ]
    return {
        "store projects": _tally(expected_projects(acks), projects),
        "store lessons": _tally(expected_lessons(acks), lessons),
    }


async def read_model_tally(
    database_url: str, schema: str, tenant: str, acks: list[Ack]
) -> dict[str, Tally]:
    """The tenant's projects and lessons in reporting's live read model, and the lessons each
    project counts there (a double-counted event would show up as one more)."""
    async with engine_of(database_url, schema) as engine, engine.connect() as conn:
        projects = (
            await conn.execute(
                text("SELECT project_id, code, name FROM projects WHERE tenant_id = :t"),
                {"t": tenant},
            )
        ).all()
        lessons = (
            await conn.execute(
                text(
                    "SELECT lesson_id, project_id, what_happened FROM lessons WHERE tenant_id = :t"
                ),
                {"t": tenant},
            )
        ).all()
    return {
        "read model projects": _tally(expected_projects(acks), [tuple(r) for r in projects]),
        "read model lessons": _tally(expected_lessons(acks), [tuple(r) for r in lessons]),
    }


async def live_generation(admin: httpx.AsyncClient) -> dict[str, Any]:
    """The live generation of reporting's project-reports projection."""
    response = await admin.get("/v1/projections")
    response.raise_for_status()
    projection = next(p for p in response.json() if p["name"] == PROJECTION)
    return next(g for g in projection["generations"] if g["status"] == "live")


async def until_caught_up(
    database_url: str, admin: httpx.AsyncClient, tenant: str, acks: list[Ack], *, timeout: float
) -> float:
    """Poll until the read model holds every acknowledged command exactly; the seconds it
    took. Fails with the last tally after `timeout`."""
    started = time.monotonic()
    while True:
        tallies: dict[str, Tally] = {}
        try:
            schema = (await live_generation(admin))["schema_name"]
            tallies = await read_model_tally(database_url, schema, tenant, acks)
        except (httpx.HTTPError, OSError):
            pass  # reporting-svc still restarting
        if tallies and all(t.exact for t in tallies.values()):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"read model not caught up after {timeout}s: {tallies}")
        await asyncio.sleep(0.2)


async def content(database_url: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every content table of a generation, ordered by its key."""
    async with engine_of(database_url, schema) as engine, engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in await conn.execute(
                    text(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 - constants
                )
            ]
            for table, key in CONTENT_TABLES.items()
        }
