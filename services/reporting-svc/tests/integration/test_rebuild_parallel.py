"""A rebuild fed by two consumer processes' supervisors at once (one consumer group, the
topic's partitions split between them) makes exactly the tables the incremental build made
one event at a time as the events arrived: every table of the two generations, row for row,
and every event recorded once.

Each supervisor stands for one process (reporting-svc's API process, a `reporting-consumer`):
two of them in one event loop are two members of every generation's group, as two processes
are. The events go to a topic of this test alone (6 partitions), in waves while the first
generation is live, with every event of the first wave published twice (as a relay may after
its crash)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine
from pmo_shared.domain.events import EventEnvelope, JsonDict
from pmo_shared.messaging import cloudevents
from reporting_svc.application.supervisor import GenerationStatus, ProjectionSupervisor
from reporting_svc.readmodel import generations
from reporting_svc.settings import ReportingSettings, load_settings

pytestmark = pytest.mark.integration

PROJECTS = 120
WAVES = 3
TIMEOUT = 120.0
TENANT = "it-rebuild-parallel"


def _life(project: uuid.UUID, n: int) -> list[tuple[str, JsonDict]]:
    """One project's events (type, payload), inserts and every kind of update among them."""
    start = date(2026, 1, 5) + timedelta(days=n % 30)
    milestone, risk = str(uuid.uuid4()), str(uuid.uuid4())
    life: list[tuple[str, JsonDict]] = [
        (
            "ProjectProposed",
            {
                "project_id": str(project),
                "code": f"PAR-{n:04d}",
                "name": f"Parallel rebuild {n}",
                "manager": f"pm-{n % 7}",
                "sponsor": f"sponsor-{n % 3}",
                "methodology": "agile",
                "currency": "EUR",
                "flagged_large": n % 5 == 0,
            },
        ),
        (
            "ProjectBaselined",
            {
                "baseline_number": 1,
                "budget_at_completion": str(10_000 + n),
                "planned_start": start.isoformat(),
                "planned_finish": (start + timedelta(days=200)).isoformat(),
                "planned_values": [
                    {"date": (start + timedelta(days=200)).isoformat(), "planned_value": "10000"}
                ],
                "effective_on": start.isoformat(),
            },
        ),
        ("ProjectApproved", {"approved_by": "pmo-lead", "effective_on": start.isoformat()}),
        ("ProjectStarted", {"actual_start": start.isoformat()}),
        (
            "MilestoneAdded",
            {"milestone_id": milestone, "name": "Design", "due_date": start.isoformat()},
        ),
        (
            "RiskRaised",
            {
                "risk_id": risk,
                "title": "Late supplier",
                "probability": "0.3",
                "impact": "5000",
                "owner": f"pm-{n % 7}",
                "raised_on": start.isoformat(),
            },
        ),
    ]
    for k in range(3):
        day = (start + timedelta(days=10 * (k + 1))).isoformat()
        life.append(("ProgressReported", {"percent_complete": str(20 * (k + 1)), "as_of": day}))
        life.append(
            (
                "CostRecorded",
                {
                    "cost_id": str(uuid.uuid4()),
                    "amount": f"{100 + n}.{k}5",
                    "incurred_on": day,
                    "category": "labour",
                },
            )
        )
    finish = (start + timedelta(days=90)).isoformat()
    life += [
        ("MilestoneAchieved", {"milestone_id": milestone, "achieved_on": finish}),
        ("RiskClosed", {"risk_id": risk, "closed_on": finish, "outcome": "avoided"}),
        ("ProjectCompleted", {"actual_finish": finish}),
    ]
    return life


def _messages(lives: dict[uuid.UUID, list[tuple[str, JsonDict]]]) -> list[list[Any]]:
    """The encoded events in WAVES waves, streams interleaved, each stream in order."""
    waves: list[list[Any]] = [[] for _ in range(WAVES)]
    at = datetime(2026, 3, 1, tzinfo=UTC)
    for project, life in lives.items():
        for version, (event_type, payload) in enumerate(life, start=1):
            envelope = EventEnvelope(
                event_id=uuid.uuid4(),
                event_type=event_type,
                schema_version=2 if event_type in _V2 else 1,
                stream_type="project",
                stream_id=project,
                stream_version=version,
                occurred_at=at + timedelta(minutes=version),
                tenant_id=TENANT,
                actor="pm-1",
                correlation_id=uuid.uuid4().hex,
                causation_id=None,
                payload=payload,
            )
            waves[(version - 1) * WAVES // len(life)].append(cloudevents.encode(envelope))
    return waves


_V2 = frozenset({"ProjectBaselined", "ProjectApproved", "RiskRaised", "RiskClosed"})


async def _publish(servers: str, topic: str, messages: list[Any]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers, enable_idempotence=True)
    await producer.start()
    try:
        for m in messages:
            await producer.send(topic, value=m.value, key=m.key, headers=m.headers)
        await producer.flush()
    finally:
        await producer.stop()


@pytest.fixture
async def topic() -> str:
    settings = load_settings()
    name = f"it.rebuild-parallel.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 6, 1)])
    finally:
        await admin.close()
    return name


@pytest.fixture
async def projection() -> AsyncIterator[tuple[str, ReportingSettings, AsyncEngine]]:
    """A projection of this test alone; its generations' schemas are dropped afterwards."""
    settings = load_settings()
    engine = create_engine(settings)
    name = f"it-par-{uuid.uuid4().hex[:8]}"
    try:
        yield name, settings, engine
    finally:
        async with engine.begin() as conn:
            rows = await conn.execute(
                text("SELECT schema_name FROM projection_generations WHERE projection = :p"),
                {"p": name},
            )
            for (schema,) in rows.all():
                await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            await conn.execute(
                text("DELETE FROM projection_generations WHERE projection = :p"), {"p": name}
            )
        await engine.dispose()


async def _until(supervisor: ProjectionSupervisor, what: str, ok: Any) -> list[GenerationStatus]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        status = await supervisor.status()
        if ok(status):
            return status
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {status}"
        await asyncio.sleep(0.05)


def _caught_up(n: int, generation: int) -> Any:
    def ok(status: list[GenerationStatus]) -> bool:
        return any(
            s.generation.generation == generation
            and s.events_applied >= n
            and all(p.lag == 0 for p in s.partitions)
            for s in status
        )

    return ok


async def _differences(engine: AsyncEngine, a: str, b: str) -> dict[str, int]:
    """Rows in one generation's table and not in the other's, per table (processed events
    compared by event and position, not by when they were processed)."""
    out = {}
    async with engine.connect() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                    "ORDER BY table_name"
                ),
                {"s": a},
            )
        ).scalars()
        for table in list(tables):
            cols = "*"
            if table == "processed_events":
                cols = 'consumer, event_id, topic, partition, "offset"'
            elif table == "dead_letters":
                cols = 'consumer, topic, partition, "offset", event_id, reason'
            sql = (
                f"SELECT count(*) FROM ((SELECT {cols} FROM {a}.{table} EXCEPT ALL "  # noqa: S608
                f"SELECT {cols} FROM {b}.{table}) UNION ALL (SELECT {cols} FROM {b}.{table} "
                f"EXCEPT ALL SELECT {cols} FROM {a}.{table})) d"
            )
            out[table] = int((await conn.execute(text(sql))).scalar_one())
    return out


async def test_a_rebuild_by_two_processes_equals_the_incremental_build(
    topic: str, projection: tuple[str, ReportingSettings, AsyncEngine]
) -> None:
    name, settings, engine = projection
    servers = settings.kafka_bootstrap_servers
    ids = [uuid.uuid4() for _ in range(PROJECTS)]
    lives = {project: _life(project, n) for n, project in enumerate(ids)}
    waves = _messages(lives)
    total = sum(len(w) for w in waves)

    stop = asyncio.Event()
    first = ProjectionSupervisor(
        engine, settings=settings, projection=name, topics=(topic,), poll_seconds=0.05
    )
    tasks = [asyncio.create_task(first.run(stop))]
    second_engine = create_engine(settings)
    try:
        await _until(first, "generation 1", lambda s: len(s) == 1)
        sent = 0
        for n, wave in enumerate(waves):  # incremental: the live generation follows the waves
            await _publish(servers, topic, wave + (wave if n == 0 else []))
            sent += len(wave)
            await _until(first, f"wave {n}", _caught_up(sent, 1))

        second = ProjectionSupervisor(
            second_engine, settings=settings, projection=name, topics=(topic,), poll_seconds=0.05
        )
        tasks.append(asyncio.create_task(second.run(stop)))
        rebuilt = await generations.start_rebuild(
            engine, service_schema=settings.db_schema, projection=name, requested_by="it/test"
        )

        def switched(status: list[GenerationStatus]) -> bool:
            return any(
                s.generation.generation == rebuilt.generation and s.generation.status == "live"
                for s in status
            )

        await _until(first, "the switch", switched)
        status = await _until(second, "the rebuild on both", _caught_up(total, rebuilt.generation))
        applied = {s.generation.generation: s.events_applied for s in status}
        dead = {s.generation.generation: s.dead_letters for s in status}
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await second_engine.dispose()

    register = {g.generation: g for g in await generations.current(engine, name)}
    assert register[rebuilt.generation].status == "live"
    assert register[1].status == "retired"
    assert applied[rebuilt.generation] == total
    assert dead[rebuilt.generation] == 0
    differences = await _differences(
        engine, register[1].schema_name, register[rebuilt.generation].schema_name
    )
    assert differences, "no tables compared"
    assert set(differences.values()) == {0}, differences
    async with engine.connect() as conn:
        projects = await conn.execute(
            text(
                f"SELECT count(*) FROM {register[rebuilt.generation].schema_name}.projects "  # noqa: S608
                "WHERE status = 'completed' AND actual_start IS NOT NULL "
                "AND actual_finish IS NOT NULL"
            )
        )
        assert projects.scalar_one() == PROJECTS
