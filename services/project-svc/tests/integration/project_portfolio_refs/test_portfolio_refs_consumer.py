"""project-svc's portfolio references on the test stack's real PostgreSQL and Kafka: a schema of
this test migrated by project-svc's Alembic migrations, portfolio events built as portfolio-svc
publishes them (payloads of its committed schemas, sealed personal fields, encoded as
CloudEvents), consumed by the kernel's runner as `portfolio_refs_consumer` builds it. Each event
is applied once: a redelivery changes nothing, nor does a copy of a version already taken; the
events project-svc passes over change nothing; an event under another tenant is a dead letter;
the reads are scoped to a tenant and a business date."""

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
from uuid import NAMESPACE_URL, UUID, uuid5

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
from project_svc.references.events import registry
from project_svc.references.model import DecisionRef, StandardsSet
from project_svc.references.projection import PROJECTION_NAME, PortfolioRefsProjection
from project_svc.references.runner import portfolio_refs_consumer
from project_svc.references.store import read_decision_on, read_standards_on

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[3]
SCHEMAS = SERVICE.parent / "portfolio-svc/events/schemas"
ALEMBIC = Path(sys.executable).parent / "alembic"
T0 = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
D1, D2, D3 = date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)


# --- events as portfolio-svc publishes them -------------------------------------------------


def _sealed() -> dict[str, str]:
    """A sealed personal value: project-svc never opens one (it has no key to)."""
    return {
        "subject_ref": str(uuid.uuid4()),
        "key_id": str(uuid.uuid4()),
        "ciphertext": "q2V5LW5vdC1rbm93bi10by1wcm9qZWN0",
    }


@dataclass
class Stream:
    """One stream's events, numbered as its versions; `sent` keeps every envelope made."""

    tenant: str
    stream_type: str = "portfolio"
    id: UUID = field(default_factory=uuid.uuid4)
    version: int = 0
    sent: list[EventEnvelope] = field(default_factory=list)

    @classmethod
    def standards_of(cls, tenant: str) -> Stream:
        stream_id = uuid5(NAMESPACE_URL, f"urn:pmo:standards:{tenant}")
        return cls(tenant, stream_type="pmo_standards", id=stream_id)

    def add(self, event_type: str, payload: dict[str, Any], **over: Any) -> EventEnvelope:
        self.version += 1
        fields: dict[str, Any] = {
            "event_id": uuid.uuid4(),
            "event_type": event_type,
            "schema_version": 1,
            "stream_type": self.stream_type,
            "stream_id": self.id,
            "stream_version": self.version,
            "occurred_at": T0 + timedelta(minutes=self.version),
            "tenant_id": self.tenant,
            "actor": str(uuid.uuid4()),
            "correlation_id": f"corr-{uuid.uuid4().hex[:8]}",
            "causation_id": None,
            "payload": payload,
        }
        envelope = EventEnvelope(**{**fields, **over})
        self.sent.append(envelope)
        return envelope

    def standards_set(self, on: date, *, large: str, gates: Iterable[str] = ()) -> EventEnvelope:
        band = {"green": "0.95", "amber": "0.85"}
        return self.add(
            "PmoStandardsSet",
            {
                "spi": band,
                "cpi": band,
                "large_project_threshold": {"EUR": large, "JPY": "150000000"},
                "portfolio_approval_threshold": {"EUR": "5000000.00"},
                "reporting_cadence_days": 14,
                "required_gates": list(gates),
                "size_classes": {
                    "EUR": [{"name": "S", "up_to": "100000.00"}, {"name": "L", "up_to": None}]
                },
                "benchmark_min_group": 5,
                "reference_class_min": 3,
                "fiscal_year_start_month": 4,
                "time_zone": "Europe/Berlin",
                "effective_on": on.isoformat(),
            },
        )

    def decision(
        self,
        component: UUID,
        decision: str,
        on: date,
        *,
        kind: str = "project",
        covers: Iterable[UUID] = (),
    ) -> EventEnvelope:
        return self.add(
            "DecisionRecorded",
            {
                "component_id": str(component),
                "kind": kind,
                "covers": [str(c) for c in covers],
                "decision": decision,
                "rationale": "fits the objectives",
                "decided_on": on.isoformat(),
                "decided_by": _sealed(),
            },
        )

    # events project-svc passes over

    def created(self) -> EventEnvelope:
        payload = {
            "portfolio_id": str(self.id),
            "code": "CORE",
            "name": "Core portfolio",
            "manager": _sealed(),
            "currency": "EUR",
            "created_on": "2026-01-01",
        }
        return self.add("PortfolioCreated", payload)

    def budget(self) -> EventEnvelope:
        return self.add("BudgetSet", {"amount": "1000000.00", "effective_on": "2026-01-01"})

    def erased(self) -> EventEnvelope:
        payload = {"subject_ref": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())}
        return self.add("PersonalDataErased", payload)


def _history(tenant: str) -> tuple[Stream, Stream, list[UUID]]:
    """A tenant's standards (three sets, one replacing another of its date) and a portfolio's
    decisions on a project and on a program of two, with what project-svc passes over."""
    standards, portfolio = Stream.standards_of(tenant), Stream(tenant)
    solo, member_a, member_b, program = (uuid.uuid4() for _ in range(4))
    standards.standards_set(D1, large="1000000.00")
    standards.standards_set(D2, large="750000.00", gates=["rebaseline_active_needs_pmo"])
    standards.standards_set(D2, large="800000.00", gates=["rebaseline_active_needs_pmo"])
    portfolio.created()
    portfolio.budget()
    portfolio.decision(solo, "defer", D1)
    portfolio.decision(program, "approve", D2, kind="program", covers=[member_a, member_b])
    portfolio.erased()
    portfolio.decision(solo, "approve", D3)
    return standards, portfolio, [solo, member_a, member_b, program]


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

    async def standards_on(self, tenant: str, on: date) -> StandardsSet | None:
        async with self.engine.connect() as conn:
            return await read_standards_on(conn, tenant_id=tenant, on=on)

    async def decision_on(self, tenant: str, project: UUID, on: date) -> DecisionRef | None:
        async with self.engine.connect() as conn:
            return await read_decision_on(conn, tenant_id=tenant, project_id=project, on=on)

    async def add_project(self, project_id: UUID, tenant: str, *, flagged: bool, bac: str) -> None:
        """A project of project-svc's own: its list row and its proposal in the store."""
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO events (event_id, stream_type, stream_id, stream_version, "
                    "event_type, schema_version, occurred_at, tenant_id, actor, correlation_id, "
                    "payload) VALUES (:id, 'project', :p, 1, 'ProjectProposed', 1, now(), :t, "
                    "'a', 'c', CAST(:payload AS jsonb))"
                ),
                {
                    "id": uuid.uuid4(),
                    "p": project_id,
                    "t": tenant,
                    "payload": json.dumps({"code": str(project_id), "flagged_large": flagged}),
                },
            )
            await conn.execute(
                text(
                    "INSERT INTO projects (project_id, seq, tenant_id, code, name, status, "
                    "manager, flagged_large, budget_at_completion, currency, version, "
                    "updated_at) VALUES (:p, (SELECT max(position) FROM events), :t, :code, "
                    "'n', 'proposed', 'm', :flagged, :bac, 'EUR', 2, now())"
                ),
                {
                    "p": project_id,
                    "t": tenant,
                    "code": str(project_id),
                    "flagged": flagged,
                    "bac": Decimal(bac),
                },
            )


@pytest.fixture
async def db() -> AsyncIterator[Db]:
    """A project-svc schema of this test, migrated to head (dropped afterwards)."""
    url, schema = required_env("DATABASE_URL"), f"project_refs_{uuid.uuid4().hex[:10]}"
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
    group: str = field(default_factory=lambda: f"project-refs-test-{uuid.uuid4().hex[:8]}")

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
    """A portfolio-events topic and a dead-letter topic of this test."""
    servers = required_env("KAFKA_BOOTSTRAP_SERVERS")
    names = (f"test.portfolio.{uuid.uuid4().hex[:10]}", f"test.dlq.{uuid.uuid4().hex[:10]}")
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(names[0], 3, 1), NewTopic(names[1], 1, 1)])
    finally:
        await admin.close()
    return Kafka(servers, *names)


@contextlib.asynccontextmanager
async def consuming(db: Db, kafka: Kafka) -> AsyncIterator[None]:
    """project-svc's portfolio-refs consumer, as it runs in the service, on the test's topics."""
    settings = KernelSettings(
        service_name="project-svc",
        database_url=required_env("DATABASE_URL"),
        db_schema=db.schema,
        kafka_bootstrap_servers=kafka.servers,
        dead_letter_topic=kafka.dead_letters,
    )
    task_of = portfolio_refs_consumer(
        settings, db.engine, topics=(kafka.topic,), group_id=kafka.group
    )
    stop = asyncio.Event()
    task = asyncio.create_task(task_of(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def _snapshot(db: Db) -> list[tuple[Any, ...]]:
    async with db.engine.connect() as conn:
        sets = await conn.execute(text("SELECT * FROM pmo_standards ORDER BY 1, 2"))
        decisions = await conn.execute(
            text("SELECT * FROM portfolio_decisions ORDER BY project_id, portfolio_id, event_id")
        )
        return [tuple(r) for r in (*sets.all(), *decisions.all())]


# --- the tests ------------------------------------------------------------------------------


def test_the_events_this_module_builds_are_valid_for_the_committed_schemas() -> None:
    """So the tests below feed project-svc exactly what portfolio-svc may publish."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    standards, portfolio, _ = _history("tenant-x")
    for envelope in [*standards.sent, *portfolio.sent]:
        name = f"{envelope.event_type}.v{envelope.schema_version}.json"
        schema = json.loads((SCHEMAS / name).read_text())
        errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(envelope.payload)]
        assert not errors, f"{name}: {errors}"


async def test_standards_and_decisions_fold_into_the_references_once_each(
    db: Db, kafka: Kafka
) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    standards, portfolio, (solo, member_a, member_b, program) = _history(tenant)
    published = [*standards.sent, *portfolio.sent]

    async with consuming(db, kafka):
        await kafka.publish(published)
        await eventually(kafka.consumed_everything, what="every event consumed")

        assert await db.standards_on(tenant, D1 - timedelta(days=1)) is None
        first = await db.standards_on(tenant, D1)
        assert first is not None
        assert first.large_project_threshold == {
            "EUR": Decimal("1000000.00"),
            "JPY": Decimal(150000000),
        }
        in_force = await db.standards_on(tenant, D3)
        assert in_force is not None
        assert (in_force.effective_on, in_force.stream_version) == (D2, 3)  # the replacing set
        assert in_force.standards().large_threshold("EUR") == Decimal("800000.00")
        assert in_force.standards().approval_threshold("EUR") == Decimal("5000000.00")
        assert in_force.required_gates == ("rebaseline_active_needs_pmo",)
        assert in_force.time_zone == "Europe/Berlin"

        solo_then = await db.decision_on(tenant, solo, D2)
        solo_now = await db.decision_on(tenant, solo, D3)
        assert (solo_then and solo_then.decision, solo_now and solo_now.decision) == (
            "defer",
            "approve",
        )
        for member in (member_a, member_b):
            covered = await db.decision_on(tenant, member, D2)
            assert covered is not None
            assert (covered.component_id, covered.kind, covered.decision) == (
                program,
                "program",
                "approve",
            )
            assert await db.decision_on(tenant, member, D1) is None
        assert await db.decision_on(tenant, program, D3) is None  # a program is no project
        assert await db.scalar("SELECT count(*) FROM processed_events") == len(published)
        assert await db.scalar("SELECT count(*) FROM dead_letters") == 0
        before = await _snapshot(db)

        # Redelivery: every message again (the relay after a crash), and copies under new
        # event ids of versions already taken (a set, a decision): nothing changes.
        copies = [
            e.model_copy(update={"event_id": uuid.uuid4()})
            for e in (standards.sent[1], portfolio.sent[2])
        ]
        await kafka.publish([*published, *copies])
        await eventually(kafka.consumed_everything, what="the redelivery consumed")
        assert await _snapshot(db) == before
        assert await db.scalar("SELECT count(*) FROM processed_events") == len(published) + 2
        assert await db.scalar("SELECT count(*) FROM dead_letters") == 0


async def test_reads_are_scoped_and_events_naming_another_tenant_are_dead_letters(
    db: Db, kafka: Kafka
) -> None:
    ours, theirs = f"tenant-{uuid.uuid4().hex[:8]}", f"tenant-{uuid.uuid4().hex[:8]}"
    our_project = uuid.uuid4()
    await db.add_project(our_project, ours, flagged=False, bac="10")
    mine, other = Stream.standards_of(ours), Stream(theirs)
    mine.standards_set(D1, large="1.00")
    forged = Stream(theirs, stream_type="pmo_standards", id=mine.id)  # our stream, their tenant
    forged.version = 1
    forged.standards_set(D2, large="999.00")
    other.decision(our_project, "approve", D1)  # their decision on our project
    legit = other.decision(uuid.uuid4(), "approve", D1)
    intruder = Stream(ours, id=other.id, version=other.version)  # their portfolio, our tenant
    intruder.decision(uuid.uuid4(), "terminate", D2)
    published = [*mine.sent, *forged.sent, *other.sent]

    async with consuming(db, kafka):
        await kafka.publish(published)
        await eventually(kafka.consumed_everything, what="every event consumed")
        await kafka.publish(intruder.sent)  # after their portfolio's decision is stored
        await eventually(kafka.consumed_everything, what="the intruder consumed")

    ours_now = await db.standards_on(ours, D3)
    assert ours_now is not None
    assert ours_now.large_project_threshold["EUR"] == Decimal("1.00")
    assert await db.standards_on(theirs, D3) is None
    assert await db.decision_on(ours, our_project, D3) is None
    assert await db.decision_on(theirs, our_project, D3) is None
    legit_id = UUID(legit.payload["component_id"])
    found = await db.decision_on(theirs, legit_id, D3)
    assert found is not None
    assert found.decision == "approve"
    assert await db.decision_on(ours, legit_id, D3) is None
    async with db.engine.connect() as conn:
        dead = (
            await conn.execute(text("SELECT consumer, event_id, reason FROM dead_letters"))
        ).all()
    assert {(c, e) for c, e, _ in dead} == {
        (PROJECTION_NAME, str(forged.sent[0].event_id)),
        (PROJECTION_NAME, str(other.sent[0].event_id)),
        (PROJECTION_NAME, str(intruder.sent[0].event_id)),
    }
    assert all("ForeignTenantError" in reason for _, _, reason in dead)


async def test_one_batch_folds_many_events_and_refuses_versions_taken(db: Db) -> None:
    """The projection alone, as the runner drives it: a batch's events buffered by `apply`,
    folded at `flush` (several sets of one date in one flush), a redelivered or out-of-order
    version refused, in the batch's transaction; messages decoded as they come off Kafka."""
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    standards, portfolio, (solo, *_) = _history(tenant)
    projection = PortfolioRefsProjection()

    async def batch(envelopes: Iterable[EventEnvelope]) -> None:
        async with db.engine.begin() as conn:
            for envelope, event in _decoded(envelopes):
                await projection.apply(conn, envelope, event)
            await projection.flush(conn)

    await batch([*standards.sent, *portfolio.sent])
    snapshot = await _snapshot(db)
    await batch(reversed([*standards.sent, *portfolio.sent]))  # redelivered, out of order
    assert await _snapshot(db) == snapshot
    in_force = await db.standards_on(tenant, D3)
    assert in_force is not None
    assert in_force.stream_version == 3

    # a failed attempt's buffer is dropped by `reset`
    later = standards.standards_set(D3, large="1.00")
    async with db.engine.begin() as conn:
        [(envelope, event)] = _decoded([later])
        await projection.apply(conn, envelope, event)
        projection.reset()
        await projection.flush(conn)
    assert await db.standards_on(tenant, D3) == in_force
    await batch([later])
    latest = await db.standards_on(tenant, D3)
    assert latest is not None
    assert latest.large_project_threshold["EUR"] == Decimal("1.00")
    solo_now = await db.decision_on(tenant, solo, D3)
    assert solo_now is not None
    assert solo_now.decision == "approve"


def _decoded(envelopes: Iterable[EventEnvelope]) -> Iterator[tuple[EventEnvelope, DomainEvent]]:
    for envelope in envelopes:
        message = cloudevents.encode(envelope)
        wire = cloudevents.decode(message.value, message.headers)
        yield wire, registry.decode_envelope(wire)


async def test_the_migration_goes_down_and_up_keeping_the_list_s_flag(db: Db) -> None:
    flagged, big, small = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await db.add_project(flagged, "acme", flagged=True, bac="10")
    await db.add_project(big, "acme", flagged=False, bac="1000000")
    await db.add_project(small, "acme", flagged=False, bac="999999.99")
    exists = "SELECT to_regclass('{}') IS NOT NULL"

    await asyncio.to_thread(_alembic, db.schema, "downgrade", "0005")
    await db.engine.dispose()  # cached statements name the dropped tables and columns

    assert not await db.scalar(exists.format("pmo_standards"))
    assert not await db.scalar(exists.format("portfolio_decisions"))
    async with db.engine.connect() as conn:
        large = dict((await conn.execute(text("SELECT project_id, large FROM projects"))).all())
    assert large == {flagged: True, big: True, small: False}  # as 0005's service wrote it

    await asyncio.to_thread(_alembic, db.schema, "upgrade", "head")
    await db.engine.dispose()

    assert await db.scalar(exists.format("pmo_standards"))
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT project_id, flagged_large FROM projects"))
        assert dict(rows.all()) == {flagged: True, big: False, small: False}
