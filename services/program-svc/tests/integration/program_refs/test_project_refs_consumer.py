"""program-svc's project references on the test stack's real PostgreSQL and Kafka: a schema of
this test migrated by program-svc's Alembic migrations, project events built as project-svc
publishes them (payloads of its committed schemas, sealed personal fields, encoded as
CloudEvents), consumed by the kernel's runner as `project_refs_consumer` builds it. Each event
is applied once: a redelivery changes nothing, nor does a copy of a version already taken;
bookkeeping and Project Office events are passed over; an event under another tenant is a dead
letter; the reads are scoped to a tenant."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

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
from program_svc.references.events import registry
from program_svc.references.model import ProjectRef
from program_svc.references.projection import PROJECTION_NAME, ProjectRefsProjection
from program_svc.references.runner import project_refs_consumer
from program_svc.references.store import read_project_ref, read_project_refs

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[3]
SCHEMAS = SERVICE.parent / "project-svc/events/schemas"
ALEMBIC = Path(sys.executable).parent / "alembic"
T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


# --- events as project-svc publishes them ---------------------------------------------------


def _sealed() -> dict[str, str]:
    """A sealed personal value: program-svc never opens one (it has no key to)."""
    return {
        "subject_ref": str(uuid.uuid4()),
        "key_id": str(uuid.uuid4()),
        "ciphertext": "q2V5LW5vdC1rbm93bi10by1wcm9ncmFt",
    }


@dataclass
class Stream:
    """One stream's events, numbered as its versions; `sent` keeps every envelope made."""

    tenant: str
    stream_type: str = "project"
    id: UUID = field(default_factory=uuid.uuid4)
    ordering_id: UUID | None = None
    version: int = 0
    sent: list[EventEnvelope] = field(default_factory=list)

    def add(
        self, event_type: str, payload: dict[str, Any], *, schema_version: int = 1, **over: Any
    ) -> EventEnvelope:
        self.version += 1
        fields: dict[str, Any] = {
            "event_id": uuid.uuid4(),
            "event_type": event_type,
            "schema_version": schema_version,
            "stream_type": self.stream_type,
            "stream_id": self.id,
            "stream_version": self.version,
            "occurred_at": T0 + timedelta(minutes=self.version),
            "tenant_id": self.tenant,
            "actor": str(uuid.uuid4()),  # a pseudonym, as published
            "correlation_id": f"corr-{uuid.uuid4().hex[:8]}",
            "causation_id": None,
            "payload": payload,
            "ordering_id": self.ordering_id,
        }
        envelope = EventEnvelope(**{**fields, **over})
        self.sent.append(envelope)
        return envelope

    # project events

    def proposed(self, code: str, *, manager: object = None) -> EventEnvelope:
        manager = manager if manager is not None else _sealed()
        return self.add(
            "ProjectProposed",
            {
                "project_id": str(self.id),
                "code": code,
                "name": f"Project {code}",
                "description": "A project program-svc learns of from its events.",
                "manager": manager,
                "sponsor": manager if isinstance(manager, str) else _sealed(),
                "methodology": "hybrid",
                "currency": "EUR",
                "flagged_large": False,
            },
        )

    def baselined(self, number: int, bac: str, finish: str, *, v2: bool = True) -> EventEnvelope:
        payload: dict[str, Any] = {
            "baseline_number": number,
            "budget_at_completion": bac,
            "planned_start": "2026-04-01",
            "planned_finish": finish,
            "planned_values": [{"date": "2026-06-30", "planned_value": "100.00", "label": "Q2"}],
            "reason": "" if number == 1 else "scope change",
        }
        if v2:
            payload["effective_on"] = "2026-03-20"
        return self.add("ProjectBaselined", payload, schema_version=2 if v2 else 1)

    def approved(self) -> EventEnvelope:
        return self.add("ProjectApproved", {"approved_by": _sealed()})  # v1: no date

    def started(self) -> EventEnvelope:
        return self.add("ProjectStarted", {"actual_start": "2026-04-02"})

    def progress(self, percent: str) -> EventEnvelope:
        return self.add("ProgressReported", {"percent_complete": percent, "as_of": "2026-05-01"})

    def cost(self, amount: str) -> EventEnvelope:
        return self.add(
            "CostRecorded",
            {
                "cost_id": str(uuid.uuid4()),
                "amount": amount,
                "incurred_on": "2026-04-15",
                "category": "labour",
                "description": "sprint 3",
            },
        )

    def put_on_hold(self) -> EventEnvelope:
        payload = {"reason": "funding review", "effective_on": "2026-05-02"}
        return self.add("ProjectPutOnHold", payload, schema_version=2)

    def resumed(self) -> EventEnvelope:
        return self.add("ProjectResumed", {})  # v1

    def completed(self) -> EventEnvelope:
        return self.add("ProjectCompleted", {"actual_finish": "2026-11-30"})

    def closed(self) -> EventEnvelope:
        payload = {"effective_on": "2026-12-05", "no_lessons_reason": None}
        return self.add("ProjectClosed", payload, schema_version=2)

    def cancelled(self) -> EventEnvelope:
        return self.add("ProjectCancelled", {"reason": "no longer needed"})  # v1

    def milestone(self) -> EventEnvelope:
        payload = {"milestone_id": str(uuid.uuid4()), "name": "Design", "due_date": "2026-06-01"}
        return self.add("MilestoneAdded", payload)

    def risk(self) -> EventEnvelope:
        payload = {
            "risk_id": str(uuid.uuid4()),
            "title": "Key supplier late",
            "probability": "0.4",
            "impact": "0.7",
            "owner": _sealed(),
        }
        return self.add("RiskRaised", payload)

    def erased(self) -> EventEnvelope:
        payload = {"subject_ref": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())}
        return self.add("PersonalDataErased", payload)

    # Project Office events (their own stream, ordered with their project)

    def office_established(self, project: Stream) -> EventEnvelope:
        payload = {
            "office_id": str(self.id),
            "project_id": str(project.id),
            "lead": _sealed(),
            "reporting_cadence_days": 14,
            "charter": "",
            "established_on": "2026-04-03",
        }
        return self.add("ProjectOfficeEstablished", payload, schema_version=2)

    def staff_assigned(self) -> EventEnvelope:
        return self.add("OfficeStaffAssigned", {"user_id": _sealed(), "role": "analyst"})


def _office_of(project: Stream) -> Stream:
    return Stream(project.tenant, stream_type="project_office", ordering_id=project.id)


def _history(tenant: str) -> tuple[Stream, Stream]:
    """A project's whole life, with everything program-svc passes over mixed in."""
    project = Stream(tenant)
    project.proposed("APOLLO")
    project.baselined(1, "1000000.00", "2026-12-31", v2=False)
    project.approved()
    project.milestone()
    project.started()
    office = _office_of(project)
    office.office_established(project)
    office.staff_assigned()
    project.cost("0.10")
    project.risk()
    project.cost("0.20")
    project.progress("12.5")
    project.erased()
    project.baselined(2, "1250000.505", "2027-03-31")
    project.put_on_hold()
    project.resumed()
    project.cost("1234567890.123456789")
    project.progress("99.99")
    project.completed()
    project.closed()
    return project, office


# --- the test schema, topics and consumer ---------------------------------------------------


def _alembic(schema: str, *args: str) -> None:
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
    schema: str
    engine: AsyncEngine

    async def scalar(self, sql: str) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar_one()

    async def refs(self, tenant: str, *ids: UUID) -> dict[UUID, ProjectRef]:
        async with self.engine.connect() as conn:
            return await read_project_refs(conn, tenant_id=tenant, project_ids=ids)


@pytest.fixture
async def db() -> AsyncIterator[Db]:
    """A program-svc schema of this test, migrated to head (dropped afterwards)."""
    url, schema = required_env("DATABASE_URL"), f"program_refs_{uuid.uuid4().hex[:10]}"
    await asyncio.to_thread(_alembic, schema, "upgrade", "head")
    engine = create_engine_for(url, schema=schema, pool_size=4)
    try:
        yield Db(schema, engine)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@dataclass
class Kafka:
    servers: str
    topic: str
    dead_letters: str
    partitions: int = 3
    group: str = field(default_factory=lambda: f"program-refs-test-{uuid.uuid4().hex[:8]}")

    async def publish(self, envelopes: Iterable[EventEnvelope]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.servers, enable_idempotence=True)
        await producer.start()
        try:
            for envelope in envelopes:
                message = cloudevents.encode(envelope)
                await producer.send_and_wait(
                    self.topic, value=message.value, key=message.key, headers=message.headers
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
            parts = [TopicPartition(self.topic, p) for p in range(self.partitions)]
            ends = await probe.end_offsets(parts)
            committed = await admin.list_consumer_group_offsets(self.group)
        finally:
            await probe.stop()
            await admin.close()
        assert len(ends) == self.partitions
        return all(
            end == 0 or (tp in committed and committed[tp].offset >= end)
            for tp, end in ends.items()
        )


@pytest.fixture
async def kafka() -> Kafka:
    """A project-events topic and a dead-letter topic of this test."""
    servers = required_env("KAFKA_BOOTSTRAP_SERVERS")
    names = (f"test.project.{uuid.uuid4().hex[:10]}", f"test.dlq.{uuid.uuid4().hex[:10]}")
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(names[0], 3, 1), NewTopic(names[1], 1, 1)])
    finally:
        await admin.close()
    return Kafka(servers, *names)


@contextlib.asynccontextmanager
async def consuming(db: Db, kafka: Kafka) -> AsyncIterator[None]:
    """program-svc's project-refs consumer, as it runs in the service, on the test's topics."""
    settings = KernelSettings(
        service_name="program-svc",
        database_url=required_env("DATABASE_URL"),
        db_schema=db.schema,
        kafka_bootstrap_servers=kafka.servers,
        dead_letter_topic=kafka.dead_letters,
    )
    task_of = project_refs_consumer(
        settings, db.engine, topics=(kafka.topic,), group_id=kafka.group
    )
    stop = asyncio.Event()
    task = asyncio.create_task(task_of(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def _expected_apollo(project: Stream) -> ProjectRef:
    closed = project.sent[-1]
    return ProjectRef(
        project_id=project.id,
        tenant_id=project.tenant,
        code="APOLLO",
        name="Project APOLLO",
        status="closed",
        currency="EUR",
        budget_at_completion=Decimal("1250000.505"),
        actual_cost=Decimal("1234567890.423456789"),
        planned_start=date(2026, 4, 1),
        planned_finish=date(2027, 3, 31),
        percent_complete=Decimal("99.99"),
        last_version=closed.stream_version,
        updated_at=closed.occurred_at,
    )


# --- the tests ------------------------------------------------------------------------------


def test_the_events_this_module_builds_are_valid_for_the_committed_schemas() -> None:
    """So the tests below feed program-svc exactly what project-svc may publish."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    project, office = _history("tenant-x")
    cancelled = Stream("tenant-x")
    cancelled.proposed("C")
    cancelled.cancelled()
    for envelope in [*project.sent, *office.sent, *cancelled.sent]:
        name = f"{envelope.event_type}.v{envelope.schema_version}.json"
        schema = json.loads((SCHEMAS / name).read_text())
        errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(envelope.payload)]
        assert not errors, f"{name}: {errors}"


async def test_a_projects_events_fold_into_its_reference_once_each(db: Db, kafka: Kafka) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    project, office = _history(tenant)
    legacy = Stream(tenant)
    legacy.proposed("LEGACY", manager="pmo-paula")  # published before sealing existed
    legacy.cancelled()
    stray = Stream(tenant)  # a project whose proposal never came
    stray.version = 4
    stray.cost("5.00")
    published = [*project.sent[:5], *office.sent, *project.sent[5:], *legacy.sent, *stray.sent]

    async with consuming(db, kafka):
        await kafka.publish(published)
        await eventually(kafka.consumed_everything, what="every event consumed")
        refs = await db.refs(tenant, project.id, legacy.id, stray.id)
        assert refs[project.id] == _expected_apollo(project)
        assert (refs[legacy.id].status, refs[legacy.id].last_version) == ("cancelled", 2)
        assert refs[legacy.id].ended
        assert stray.id not in refs
        assert await db.scalar("SELECT count(*) FROM processed_events") == len(published)
        assert await db.scalar("SELECT count(*) FROM dead_letters") == 0

        # Redelivery: every message again (the relay after a crash), and copies under new
        # event ids of versions already taken (a cost and a status): nothing changes.
        copies = [
            e.model_copy(update={"event_id": uuid.uuid4()})
            for e in project.sent
            if e.event_type in ("CostRecorded", "ProjectPutOnHold")
        ]
        await kafka.publish([*published, *copies])
        await eventually(kafka.consumed_everything, what="the redelivery consumed")
        again = await db.refs(tenant, project.id, legacy.id)
        assert again == {project.id: refs[project.id], legacy.id: refs[legacy.id]}
        count = await db.scalar("SELECT count(*) FROM processed_events")
        assert count == len(published) + len(copies)
        assert await db.scalar("SELECT count(*) FROM dead_letters") == 0


async def test_reads_are_scoped_to_a_tenant_and_a_foreign_event_is_a_dead_letter(
    db: Db, kafka: Kafka
) -> None:
    ours, theirs = f"tenant-{uuid.uuid4().hex[:8]}", f"tenant-{uuid.uuid4().hex[:8]}"
    mine, other = Stream(ours), Stream(theirs)
    mine.proposed("MINE")
    mine.baselined(1, "500", "2026-09-30")
    other.proposed("OTHER")
    # an event naming our project under the other tenant
    intruder = Stream(theirs, id=mine.id, version=mine.version)
    intruder.cost("1000000")

    async with consuming(db, kafka):
        await kafka.publish([*mine.sent, *other.sent, *intruder.sent])
        await eventually(kafka.consumed_everything, what="every event consumed")

    async with db.engine.connect() as conn:
        found = await read_project_ref(conn, tenant_id=ours, project_id=mine.id)
        assert found is not None
        assert (found.code, found.tenant_id) == ("MINE", ours)
        assert (found.budget_at_completion, found.actual_cost) == (Decimal(500), Decimal(0))
        assert await read_project_ref(conn, tenant_id=theirs, project_id=mine.id) is None
        assert await read_project_ref(conn, tenant_id=ours, project_id=other.id) is None
        assert await read_project_ref(conn, tenant_id=ours, project_id=uuid.uuid4()) is None
        many = await read_project_refs(
            conn, tenant_id=ours, project_ids=[mine.id, other.id, mine.id, uuid.uuid4()]
        )
        assert list(many) == [mine.id]
        assert await read_project_refs(conn, tenant_id=ours, project_ids=[]) == {}
        [(consumer, event_id, reason)] = (
            await conn.execute(text("SELECT consumer, event_id, reason FROM dead_letters"))
        ).all()
    assert consumer == PROJECTION_NAME
    assert event_id == str(intruder.sent[0].event_id)
    assert "ForeignTenantError" in reason


async def test_one_batch_folds_many_events_of_a_project_and_refuses_versions_taken(
    db: Db,
) -> None:
    """The projection alone, as the runner drives it: a batch's events buffered by `apply`,
    folded at `flush` (several of one project in one flush), a redelivered or out-of-order
    version refused, in the batch's transaction; messages decoded as they come off Kafka."""
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    project, office = _history(tenant)
    projection = ProjectRefsProjection()

    async def batch(envelopes: Iterable[EventEnvelope]) -> None:
        async with db.engine.begin() as conn:
            for envelope, event in _decoded(envelopes):
                await projection.apply(conn, envelope, event)
            await projection.flush(conn)

    await batch([*project.sent, *office.sent])
    [ref] = (await db.refs(tenant, project.id)).values()
    assert ref == _expected_apollo(project)

    await batch(project.sent)  # redelivered, the dedupe of processed_events bypassed
    first_cost = next(e for e in project.sent if e.event_type == "CostRecorded")
    late = first_cost.model_copy(update={"event_id": uuid.uuid4()})  # an old version
    await batch([late, *reversed(project.sent)])
    assert await db.refs(tenant, project.id) == {project.id: ref}

    # a failed attempt's buffer is dropped by `reset`
    extra = project.cost("7")
    async with db.engine.begin() as conn:
        [(envelope, event)] = _decoded([extra])
        await projection.apply(conn, envelope, event)
        projection.reset()
        await projection.flush(conn)
    assert (await db.refs(tenant, project.id))[project.id].actual_cost == ref.actual_cost
    await batch([extra])
    assert (await db.refs(tenant, project.id))[project.id].actual_cost == ref.actual_cost + 7


def _decoded(envelopes: Iterable[EventEnvelope]) -> Iterator[tuple[EventEnvelope, DomainEvent]]:
    for envelope in envelopes:
        message = cloudevents.encode(envelope)
        wire = cloudevents.decode(message.value, message.headers)
        yield wire, registry.decode_envelope(wire)


async def test_the_migration_goes_down_and_up(db: Db) -> None:
    exists = "SELECT to_regclass('project_refs') IS NOT NULL"
    assert await db.scalar(exists)
    await asyncio.to_thread(_alembic, db.schema, "downgrade", "0003")
    await db.engine.dispose()  # cached statements name the dropped table
    assert not await db.scalar(exists)
    assert await db.scalar("SELECT to_regclass('processed_events') IS NOT NULL")
    await asyncio.to_thread(_alembic, db.schema, "upgrade", "head")
    assert await db.scalar(exists)
