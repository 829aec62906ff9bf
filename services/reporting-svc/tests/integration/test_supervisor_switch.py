"""The projection supervisor on the real PostgreSQL and Kafka: while rebuilds switch over, a
reader always finds a live generation; a topic Kafka cannot describe never makes a rebuild look
caught up (it would switch in empty tables)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from pmo_shared.database.engine import create_engine
from pmo_shared.testing import required_env
from reporting_svc.application.offsets import OffsetReader, TopicUnavailableError
from reporting_svc.application.supervisor import NoLiveGenerationError, ProjectionSupervisor
from reporting_svc.readmodel import generations
from reporting_svc.settings import load_settings

pytestmark = pytest.mark.integration

REBUILDS = 2
TIMEOUT = 120.0


@dataclass
class Looks:
    """How often a reader looked up the live generation, and how often it found none."""

    count: int = 0
    missed: int = 0


@pytest.fixture
async def supervisor() -> AsyncIterator[ProjectionSupervisor]:
    """A running supervisor of a projection of this test alone (its own generations, schemas
    and consumer groups, fed by the real topics); its schemas are dropped afterwards."""
    settings = load_settings()
    engine = create_engine(settings)
    projection = f"it-switch-{uuid.uuid4().hex[:8]}"
    supervisor = ProjectionSupervisor(
        engine, settings=settings, projection=projection, poll_seconds=0.05
    )
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.run(stop))
    try:
        yield supervisor
    finally:
        stop.set()
        await task
        async with engine.begin() as conn:
            rows = await conn.execute(
                text("SELECT schema_name FROM projection_generations WHERE projection = :p"),
                {"p": projection},
            )
            for (schema,) in rows.all():
                await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            await conn.execute(
                text("DELETE FROM projection_generations WHERE projection = :p"),
                {"p": projection},
            )
        await engine.dispose()


async def _settled(supervisor: ProjectionSupervisor, *, after: int) -> int:
    """Wait until the supervisor runs one generation only, live and newer than `after`."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        running = [s.generation for s in await supervisor.status()]
        if len(running) == 1 and running[0].status == "live" and running[0].generation > after:
            return running[0].generation
        assert time.monotonic() < deadline, f"no switch after {TIMEOUT} s: {running}"
        await asyncio.sleep(0.05)


async def _look_until(supervisor: ProjectionSupervisor, done: asyncio.Event, looks: Looks) -> None:
    """Look up the live engine at every turn of the event loop until `done`."""
    while not done.is_set():
        looks.count += 1
        try:
            supervisor.live_engine()
        except NoLiveGenerationError:
            looks.missed += 1
        await asyncio.sleep(0)


async def test_a_reader_always_finds_a_live_generation_across_switches(
    supervisor: ProjectionSupervisor,
) -> None:
    live = await _settled(supervisor, after=0)
    looks, done = Looks(), asyncio.Event()
    reader = asyncio.create_task(_look_until(supervisor, done, looks))
    try:
        for _ in range(REBUILDS):
            await generations.start_rebuild(
                supervisor.engine,
                service_schema=supervisor.service_schema,
                projection=supervisor.projection,
                requested_by="it/test",
            )
            live = await _settled(supervisor, after=live)
    finally:
        done.set()
        await reader
    assert looks.count > 0
    assert looks.missed == 0, f"{looks.missed} of {looks.count} look-ups found no live generation"


async def test_a_topic_kafka_cannot_describe_is_refused_not_read_as_empty() -> None:
    reader = OffsetReader(required_env("KAFKA_BOOTSTRAP_SERVERS"))
    try:
        with pytest.raises(TopicUnavailableError, match=r"it\.no-such-topic"):
            await reader.group_offsets("it-no-group", (f"it.no-such-topic.{uuid.uuid4().hex}",))
    finally:
        await reader.close()
