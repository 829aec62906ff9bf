"""portfolio-svc's program and project references on the test stack's real PostgreSQL and
Kafka: a schema of this test migrated by portfolio-svc's Alembic migrations, events built as
program-svc and project-svc publish them (payloads of their committed schemas, sealed personal
fields, encoded as CloudEvents) on topics of this test, consumed by the kernel's runner as
`references_consumer` builds it (one projection over both topics). Each event is applied once:
a redelivery changes nothing, nor does a copy of a version already taken; bookkeeping, Project
Office and passed-over events are passed over; an event under another tenant is a dead letter;
the reads are scoped to a tenant."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import jsonschema_rs
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.settings import KernelSettings
from pmo_shared.testing import eventually, required_env
from portfolio_svc.references.events import registry
from portfolio_svc.references.model import ProgramRef, ProjectRef
from portfolio_svc.references.projection import PROJECTION_NAME, ReferencesProjection
from portfolio_svc.references.runner import references_consumer
from portfolio_svc.references.store import (
    programs_with_member,
    read_program_ref,
    read_program_refs,
    read_project_ref,
    read_project_refs,
)

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[3]
ALEMBIC = Path(sys.executable).parent / "alembic"
SCHEMAS = {
    "program": SERVICE.parent / "program-svc/events/schemas",
    "project": SERVICE.parent / "project-svc/events/schemas",
    "project_office": SERVICE.parent / "project-svc/events/schemas",
}
T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
ON = "2026-03-20"


# --- events as program-svc and project-svc publish them -------------------------------------


def _sealed() -> dict[str, str]:
    """A sealed personal value: portfolio-svc never opens one (it has no key to)."""
    return {
        "subject_ref": str(uuid.uuid4()),
        "key_id": str(uuid.uuid4()),
        "ciphertext": "q2V5LW5vdC1rbm93bi10by1wb3J0Zm9saW8",
    }


@dataclass
class Stream:
    """One stream's events, numbered as its versions; `sent` keeps every envelope made."""

    tenant: str
    stream_type: str
    id: UUID = field(default_factory=uuid.uuid4)
    ordering_id: UUID | None = None
    version: int = 0
    sent: list[EventEnvelope] = field(default_factory=list)

    def add(
        self, event_type: str, payload: dict[str, Any], *, schema_version: int = 1
    ) -> EventEnvelope:
        self.version += 1
        envelope = EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=event_type,
            schema_version=schema_version,
            stream_type=self.stream_type,
            stream_id=self.id,
            stream_version=self.version,
            occurred_at=T0 + timedelta(minutes=self.version),
            tenant_id=self.tenant,
            actor=str(uuid.uuid4()),  # a pseudonym, as published
            correlation_id=f"corr-{uuid.uuid4().hex[:8]}",
            causation_id=None,
            payload=payload,
            ordering_id=self.ordering_id,
        )
        self.sent.append(envelope)
        return envelope


class Program(Stream):
    def __init__(self, tenant: str, **fields: Any) -> None:
        super().__init__(tenant, "program", **fields)

    def proposed(self, code: str) -> EventEnvelope:
        payload = {
            "program_id": str(self.id),
            "code": code,
            "name": f"Program {code}",
            "area": "the Payroll application",
            "description": "A program portfolio-svc learns of from its events.",
            "manager": _sealed(),
            "sponsor": _sealed(),
            "currency": "EUR",
            "proposed_on": "2026-03-01",
        }
        return self.add("ProgramProposed", payload)

    def activated(self) -> EventEnvelope:
        return self.add("ProgramActivated", {"activated_by": _sealed(), "effective_on": ON})

    def pool(self, change: str, amount: str) -> EventEnvelope:
        """`change`: Set, Increased or Decreased."""
        payload = {"amount": amount, "reason": "budget round", "effective_on": ON}
        return self.add(f"FundingPool{change}", payload)

    def member(self, change: str, project: Stream) -> EventEnvelope:
        """`change`: Added or Removed."""
        return self.add(
            f"MemberProject{change}", {"project_id": str(project.id), "effective_on": ON}
        )

    def allocated(self, project: Stream, amount: str) -> EventEnvelope:
        payload = {"project_id": str(project.id), "amount": amount, "effective_on": ON}
        return self.add("FundsAllocated", payload)

    def resource(self) -> EventEnvelope:
        payload = {
            "resource_id": str(uuid.uuid4()),
            "kind": "person",
            "person": _sealed(),
            "skills": ["python"],
            "weekly_capacity_hours": "40",
            "cost_rate": "85.50",
            "effective_on": ON,
        }
        return self.add("ResourceAdded", payload)

    def lifecycle(self, event_type: str, **payload: Any) -> EventEnvelope:
        return self.add(event_type, {**payload, "effective_on": ON})


class Project(Stream):
    def __init__(self, tenant: str, **fields: Any) -> None:
        super().__init__(tenant, "project", **fields)

    def proposed(self, code: str, *, manager: object = None, large: bool = False) -> EventEnvelope:
        manager = manager if manager is not None else _sealed()
        payload = {
            "project_id": str(self.id),
            "code": code,
            "name": f"Project {code}",
            "description": "",
            "manager": manager,
            "sponsor": manager if isinstance(manager, str) else _sealed(),
            "methodology": "hybrid",
            "currency": "EUR",
            "flagged_large": large,
        }
        return self.add("ProjectProposed", payload)

    def baselined(self, number: int, bac: str, *, v2: bool = True) -> EventEnvelope:
        payload: dict[str, Any] = {
            "baseline_number": number,
            "budget_at_completion": bac,
            "planned_start": "2026-04-01",
            "planned_finish": "2027-03-31",
            "planned_values": [{"date": "2026-06-30", "planned_value": "100.00", "label": "Q2"}],
            "reason": "" if number == 1 else "scope change",
        }
        if v2:
            payload["effective_on"] = ON
        return self.add("ProjectBaselined", payload, schema_version=2 if v2 else 1)

    def approved(self) -> EventEnvelope:
        return self.add("ProjectApproved", {"approved_by": _sealed()})  # v1: no date

    def started(self) -> EventEnvelope:
        return self.add("ProjectStarted", {"actual_start": "2026-04-02"})

    def cost(self, amount: str) -> EventEnvelope:
        payload = {
            "cost_id": str(uuid.uuid4()),
            "amount": amount,
            "incurred_on": "2026-04-15",
            "category": "labour",
            "description": "sprint 3",
        }
        return self.add("CostRecorded", payload)

    def put_on_hold(self) -> EventEnvelope:
        payload = {"reason": "funding review", "effective_on": "2026-05-02"}
        return self.add("ProjectPutOnHold", payload, schema_version=2)

    def resumed(self) -> EventEnvelope:
        return self.add("ProjectResumed", {})  # v1

    def cancelled(self) -> EventEnvelope:
        return self.add("ProjectCancelled", {"reason": "no longer needed"})  # v1

    def erased(self) -> EventEnvelope:
        payload = {"subject_ref": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())}
        return self.add("PersonalDataErased", payload)


def _office_of(project: Project) -> Stream:
    office = Stream(project.tenant, "project_office", ordering_id=project.id)
    payload = {
        "office_id": str(office.id),
        "project_id": str(project.id),
        "lead": _sealed(),
        "reporting_cadence_days": 14,
        "charter": "",
        "established_on": "2026-04-03",
    }
    office.add("ProjectOfficeEstablished", payload, schema_version=2)
    office.add("OfficeStaffAssigned", {"user_id": _sealed(), "role": "analyst"})
    return office


@dataclass
class World:
    """A program of two projects (one leaves), a Project Office, all a tenant's."""

    program: Program
    apollo: Project
    gemini: Project
    office: Stream

    def published(self) -> list[EventEnvelope]:
        """Every event, interleaved as the two topics might deliver them."""
        p, a, g = self.program.sent, self.apollo.sent, self.gemini.sent
        return [*a[:3], *p[:4], *self.office.sent, *g, *a[3:], *p[4:]]


def _world(tenant: str) -> World:
    apollo, gemini = Project(tenant), Project(tenant)
    apollo.proposed("APOLLO", large=True)
    apollo.baselined(1, "1000000.00", v2=False)
    apollo.approved()
    apollo.started()
    apollo.cost("0.10")
    apollo.erased()
    apollo.baselined(2, "1250000.505")
    apollo.put_on_hold()
    apollo.resumed()
    gemini.proposed("GEMINI")
    gemini.baselined(1, "300.00")
    gemini.cancelled()
    program = Program(tenant)
    program.proposed("PAYROLL")
    program.activated()
    program.pool("Set", "1000000.00")
    program.member("Added", apollo)
    program.member("Added", gemini)
    program.allocated(apollo, "400000")
    program.resource()
    program.pool("Increased", "0.10")
    program.pool("Increased", "0.20")
    program.member("Removed", gemini)
    program.pool("Decreased", "250000.05")
    program.lifecycle("ProgramPutOnHold", reason="funding review")
    return World(program, apollo, gemini, _office_of(apollo))


def _expected(world: World) -> tuple[ProgramRef, ProjectRef]:
    program, apollo = world.program, world.apollo
    return (
        ProgramRef(
            program_id=program.id,
            tenant_id=program.tenant,
            code="PAYROLL",
            name="Program PAYROLL",
            status="on_hold",
            currency="EUR",
            pool=Decimal("750000.25"),
            members=frozenset({apollo.id}),
            last_version=program.version,
            updated_at=program.sent[-1].occurred_at,
        ),
        ProjectRef(
            project_id=apollo.id,
            tenant_id=apollo.tenant,
            code="APOLLO",
            name="Project APOLLO",
            status="active",
            currency="EUR",
            flagged_large=True,
            budget_at_completion=Decimal("1250000.505"),
            last_version=apollo.version,
            updated_at=apollo.sent[-1].occurred_at,
        ),
    )


# --- the test schema, topics and consumer ---------------------------------------------------


def _alembic(schema: str, *args: str) -> None:
    """Run portfolio-svc's migrations on `schema`."""
    run = subprocess.run(
        [str(ALEMBIC), "-c", str(SERVICE / "alembic.ini"), *args],
        env={**os.environ, "DB_SCHEMA": schema},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


@dataclass
class Db:
    """A portfolio-svc schema of one test."""

    schema: str
    engine: AsyncEngine

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar_one()

    async def programs(self, tenant: str, *ids: UUID) -> dict[UUID, ProgramRef]:
        async with self.engine.connect() as conn:
            return await read_program_refs(conn, tenant_id=tenant, program_ids=ids)

    async def projects(self, tenant: str, *ids: UUID) -> dict[UUID, ProjectRef]:
        async with self.engine.connect() as conn:
            return await read_project_refs(conn, tenant_id=tenant, project_ids=ids)

    async def dead_letters(self) -> list[tuple[str, str, str]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT consumer, coalesce(event_type, ''), reason FROM dead_letters")
            )
            return [(row[0], row[1], row[2]) for row in rows]


@dataclass
class Kafka:
    """The topics a test's consumer reads (program events, project events) and its group."""

    servers: str
    topics: tuple[str, str]
    dead_letters: str
    partitions: int = 3
    group: str = field(default_factory=lambda: f"portfolio-refs-test-{uuid.uuid4().hex[:8]}")

    def topic_of(self, envelope: EventEnvelope) -> str:
        """Where the producer publishes it: program events on the first topic, project and
        Project Office events on the second."""
        return self.topics[0] if envelope.stream_type == "program" else self.topics[1]

    async def publish(self, envelopes: Iterable[EventEnvelope]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.servers, enable_idempotence=True)
        await producer.start()
        try:
            for envelope in envelopes:
                message = cloudevents.encode(envelope)
                await producer.send_and_wait(
                    self.topic_of(envelope),
                    value=message.value,
                    key=message.key,
                    headers=message.headers,
                )
        finally:
            await producer.stop()

    async def consumed_everything(self) -> bool:
        """Whether the group's committed offsets reached the end of every partition."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.servers)
        probe = AIOKafkaConsumer(bootstrap_servers=self.servers, group_id=None)
        await admin.start()
        await probe.start()
        try:
            parts = [TopicPartition(t, p) for t in self.topics for p in range(self.partitions)]
            ends = await probe.end_offsets(parts)
            committed = await admin.list_consumer_group_offsets(self.group)
        finally:
            await probe.stop()
            await admin.close()
        assert len(ends) == len(parts)
        return all(
            end == 0 or (tp in committed and committed[tp].offset >= end)
            for tp, end in ends.items()
        )


@contextlib.asynccontextmanager
async def consuming(db: Db, kafka: Kafka) -> AsyncIterator[None]:
    """portfolio-svc's references consumer, as it runs in the service, on the test's topics and
    schema, under the test's group."""
    settings = KernelSettings(
        service_name="portfolio-svc",
        database_url=required_env("DATABASE_URL"),
        db_schema=db.schema,
        kafka_bootstrap_servers=kafka.servers,
        dead_letter_topic=kafka.dead_letters,
    )
    topics: Sequence[str] = kafka.topics
    task_of = references_consumer(settings, db.engine, topics=topics, group_id=kafka.group)
    stop = asyncio.Event()
    task = asyncio.ensure_future(task_of(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


@pytest.fixture
async def db() -> AsyncIterator[Db]:
    """A portfolio-svc schema of this test, migrated to head (dropped afterwards)."""
    url, schema = required_env("DATABASE_URL"), f"portfolio_refs_{uuid.uuid4().hex[:10]}"
    await asyncio.to_thread(_alembic, schema, "upgrade", "head")
    engine = create_engine_for(url, schema=schema, pool_size=4)
    try:
        yield Db(schema, engine)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@pytest.fixture
async def kafka() -> Kafka:
    """A program-events topic, a project-events topic and a dead-letter topic of this test."""
    servers = required_env("KAFKA_BOOTSTRAP_SERVERS")
    tag = uuid.uuid4().hex[:10]
    names = (f"test.program.{tag}", f"test.project.{tag}", f"test.dlq.{tag}")
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(names[0], 3, 1), NewTopic(names[1], 3, 1), NewTopic(names[2], 1, 1)]
        )
    finally:
        await admin.close()
    return Kafka(servers, (names[0], names[1]), names[2])


# --- the tests ------------------------------------------------------------------------------


def test_the_events_this_module_builds_are_valid_for_the_committed_schemas() -> None:
    """So the tests below feed portfolio-svc exactly what its producers may publish."""
    for envelope in _world("tenant-x").published():
        name = f"{envelope.event_type}.v{envelope.schema_version}.json"
        schema = json.loads((SCHEMAS[envelope.stream_type] / name).read_text())
        errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(envelope.payload)]
        assert not errors, f"{name}: {errors}"


async def test_both_topics_fold_into_their_references_once_each(db: Db, kafka: Kafka) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    world = _world(tenant)
    legacy = Project(tenant)
    legacy.proposed("LEGACY", manager="pmo-paula")  # published before sealing existed
    stray_program, stray_project = Program(tenant, version=4), Project(tenant, version=2)
    stray_program.pool("Set", "5")  # their proposals never came
    stray_project.cancelled()
    published = [*world.published(), *legacy.sent, *stray_program.sent, *stray_project.sent]
    program, apollo = _expected(world)

    async with consuming(db, kafka):
        await kafka.publish(published)
        await eventually(kafka.consumed_everything, what="every event consumed")
        assert await db.programs(tenant, program.program_id, stray_program.id) == {
            program.program_id: program
        }
        projects = await db.projects(tenant, apollo.project_id, world.gemini.id, legacy.id)
        assert projects[apollo.project_id] == apollo
        gemini = projects[world.gemini.id]
        assert (gemini.status, gemini.budget_at_completion, gemini.ended) == (
            "cancelled",
            Decimal("300.00"),
            True,
        )
        assert (projects[legacy.id].code, projects[legacy.id].last_version) == ("LEGACY", 1)
        assert await db.projects(tenant, stray_project.id) == {}
        assert await db.scalar("SELECT count(*) FROM processed_events") == len(published)
        assert await db.dead_letters() == []

        # Redelivery: every message again (a relay after a crash), and copies under new event
        # ids of versions already taken (pool changes, a member removal, baselines): nothing
        # changes.
        copies = [
            e.model_copy(update={"event_id": uuid.uuid4()})
            for e in [*world.program.sent, *world.apollo.sent]
            if e.event_type.startswith(("FundingPool", "MemberProjectRemoved", "ProjectBaselined"))
        ]
        await kafka.publish([*published, *copies])
        await eventually(kafka.consumed_everything, what="the redelivery consumed")
        assert await db.programs(tenant, program.program_id) == {program.program_id: program}
        assert await db.projects(tenant, apollo.project_id) == {apollo.project_id: apollo}
        count = await db.scalar("SELECT count(*) FROM processed_events")
        assert count == len(published) + len(copies)
        assert await db.dead_letters() == []


async def test_reads_are_scoped_to_a_tenant_and_a_foreign_event_is_a_dead_letter(
    db: Db, kafka: Kafka
) -> None:
    ours, theirs = f"tenant-{uuid.uuid4().hex[:8]}", f"tenant-{uuid.uuid4().hex[:8]}"
    project, other_project = Project(ours), Project(theirs)
    project.proposed("MINE")
    other_project.proposed("OTHER")
    program, other_program = Program(ours), Program(theirs)
    program.proposed("MINE")
    program.member("Added", project)
    other_program.proposed("OTHER")
    other_program.member("Added", project)  # names our project, in their tenant
    # events naming our program and project under the other tenant
    program_intruder = Program(theirs, id=program.id, version=program.version)
    program_intruder.pool("Set", "1000000")
    project_intruder = Project(theirs, id=project.id, version=project.version)
    project_intruder.cancelled()
    intruders = [*program_intruder.sent, *project_intruder.sent]
    mine = [*project.sent, *program.sent]
    sent = [*mine, *other_project.sent, *other_program.sent, *intruders]

    async with consuming(db, kafka):
        await kafka.publish(sent)
        await eventually(kafka.consumed_everything, what="every event consumed")

    async with db.engine.connect() as conn:
        found = await read_program_ref(conn, tenant_id=ours, program_id=program.id)
        assert found is not None
        assert (found.tenant_id, found.members) == (ours, frozenset({project.id}))
        assert found.pool is None
        assert await read_program_ref(conn, tenant_id=theirs, program_id=program.id) is None
        assert await read_program_ref(conn, tenant_id=ours, program_id=other_program.id) is None
        known = await read_project_ref(conn, tenant_id=ours, project_id=project.id)
        assert known is not None
        assert (known.status, known.last_version) == ("proposed", 1)
        assert await read_project_ref(conn, tenant_id=theirs, project_id=project.id) is None
        assert await read_project_ref(conn, tenant_id=ours, project_id=other_project.id) is None
        many = await read_program_refs(
            conn,
            tenant_id=ours,
            program_ids=[program.id, other_program.id, program.id, uuid.uuid4()],
        )
        assert list(many) == [program.id]
        assert await read_program_refs(conn, tenant_id=ours, program_ids=[]) == {}
        assert await programs_with_member(conn, tenant_id=ours, project_id=project.id) == [
            program.id
        ]
        assert await programs_with_member(conn, tenant_id=theirs, project_id=project.id) == [
            other_program.id
        ]
        rows = await conn.execute(text("SELECT consumer, event_id, reason FROM dead_letters"))
        letters = {(row[0], row[1]): row[2] for row in rows}
    assert set(letters) == {(PROJECTION_NAME, str(e.event_id)) for e in intruders}
    assert all("ForeignTenantError" in reason for reason in letters.values())


async def test_one_batch_folds_both_kinds_and_refuses_versions_taken(db: Db) -> None:
    """The projection alone, as the runner drives it: a batch's events buffered by `apply`,
    folded at `flush` (programs and projects, several of one stream in one flush), a
    redelivered or out-of-order version refused, in the batch's transaction; messages decoded
    as they come off Kafka."""
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    world = _world(tenant)
    program, apollo = _expected(world)
    projection = ReferencesProjection()

    async def batch(envelopes: Iterable[EventEnvelope]) -> None:
        async with db.engine.begin() as conn:
            for envelope, event in _decoded(envelopes):
                await projection.apply(conn, envelope, event)
            await projection.flush(conn)

    await batch(world.published())
    assert await db.programs(tenant, program.program_id) == {program.program_id: program}
    assert await db.projects(tenant, apollo.project_id) == {apollo.project_id: apollo}

    await batch(world.published())  # redelivered, the dedupe of processed_events bypassed
    first_increase = next(e for e in world.program.sent if e.event_type == "FundingPoolIncreased")
    late = first_increase.model_copy(update={"event_id": uuid.uuid4()})  # an old version
    await batch([late, *reversed(world.published())])
    assert await db.programs(tenant, program.program_id) == {program.program_id: program}
    assert await db.projects(tenant, apollo.project_id) == {apollo.project_id: apollo}

    # a failed attempt's buffer is dropped by `reset`
    extra = world.program.pool("Increased", "7")
    async with db.engine.begin() as conn:
        [(envelope, event)] = _decoded([extra])
        await projection.apply(conn, envelope, event)
        projection.reset()
        await projection.flush(conn)
    assert (await db.programs(tenant, program.program_id))[program.program_id].pool == program.pool
    await batch([extra])
    after = (await db.programs(tenant, program.program_id))[program.program_id]
    assert (after.pool, after.last_version) == (Decimal("750007.25"), program.last_version + 1)


def _decoded(envelopes: Iterable[EventEnvelope]) -> Iterator[tuple[EventEnvelope, DomainEvent]]:
    for envelope in envelopes:
        message = cloudevents.encode(envelope)
        wire = cloudevents.decode(message.value, message.headers)
        yield wire, registry.decode_envelope(wire)


async def test_the_migration_goes_down_and_up(db: Db) -> None:
    """Down to 0003 drops both tables and what this consumer recorded, not another's."""
    exists = (
        "SELECT to_regclass('program_refs') IS NOT NULL AND to_regclass('project_refs') IS NOT NULL"
    )
    assert await db.scalar(exists)
    async with db.engine.begin() as conn:
        for consumer in (PROJECTION_NAME, "another-consumer"):
            await conn.execute(
                text(
                    "INSERT INTO processed_events (consumer, event_id, topic, partition, "
                    '"offset") VALUES (:consumer, :id, :topic, 0, 0)'
                ),
                {"consumer": consumer, "id": uuid.uuid4(), "topic": "pmo.program.events"},
            )
    await asyncio.to_thread(_alembic, db.schema, "downgrade", "0003")
    await db.engine.dispose()  # cached statements name the dropped tables
    assert not await db.scalar("SELECT to_regclass('program_refs') IS NOT NULL")
    assert not await db.scalar("SELECT to_regclass('project_refs') IS NOT NULL")
    consumers = "SELECT array_agg(consumer) FROM processed_events"
    assert await db.scalar(consumers) == ["another-consumer"]
    await asyncio.to_thread(_alembic, db.schema, "upgrade", "head")
    assert await db.scalar(exists)
