"""Item 3: rebuild speed of reporting-svc's `project-reports` projection from 200,000 events,
with the personal data in them plain (as published before sealing existed) and sealed (as
project-svc publishes now), one after the other in the same run: plain, sealed, plain again
(SETS), so that the machine's drift during the item weighs on both alike (3b compares sealed
with the two plain runs pooled; rows 3 pool the two plain runs too).

1. EVENTS project events for PROJECTS projects are made with project-svc's own event classes
   (`project_svc.domain.events`, dumped as project-svc dumps them), wrapped in `EventEnvelope`s
   (stream versions 1, 2, ... per project) and encoded with
   `pmo_shared.messaging.cloudevents.encode`:
   binary-mode CloudEvents, key = stream id, exactly what the outbox relay publishes. Each project
   lives ProjectProposed, ProjectBaselined, ProjectApproved, ProjectStarted, then a mix of
   progress reports, costs, a milestone added and achieved, a risk, a status report and a lesson
   (EVENTS_PER_PROJECT in all); the projects' streams are interleaved at random (seeded), each in
   its own order. Building them is not measured. Sets of the same content (same seed; other
   ids; the sealed set in another tenant): *plain*, the personal fields (manager, sponsor,
   approved_by, owner) and the actor as user ids; *sealed*, those fields sealed with the
   kernel's own code
   (`pmo_shared.privacy.sealing.seal_events`, as `store.append` seals them, with a stand-in for
   the key store that makes one subject per person: 50 managers, 20 sponsors, one approver) and
   the actor as its subject's pseudonym, as project-svc's relay publishes them now.
2. For each set in turn: every record already on the topic is deleted (`delete_records` up to
   its end offsets), so the topic holds this set only and a rebuild, which reads the topic from
   its beginning (a new consumer group, offsets reset to earliest, i.e. the log start), reads
   exactly this set (the first set's deletion also removes what earlier items published, so
   every rebuild reads exactly EVENTS events); then steps 3 to 5. Before the catch-up and
   before the rebuild, PostgreSQL is let settle (`settle`: autovacuum finished, CHECKPOINT), so
   that no phase pays for the checkpoint the previous one's WAL made due.
3. They are produced straight to `pmo.project.events` with aiokafka (idempotent, acks=all); the
   live generation consumes them as they arrive: its catch-up rate is the second figure (events
   / time from the first send to its lag reaching 0 with all of them applied).
4. Baseline: a plain aiokafka consumer (no group, no processing, the services' fetch settings,
   read_committed, batches of 2,000 like the projection) reads the whole topic from the
   beginning: messages/s, the ceiling for any consumer of this broker in Python. Also, for the
   details, the same loop decoding each message as the projection does (CloudEvents -> envelope
   -> reporting's event model), the ceiling for any consumer that decodes.
5. `POST /v1/projections/project-reports/rebuild`, then `GET /v1/projections` every
   STATUS_POLL_SECONDS until the new generation is `live`. Rebuild events/s = the new
   generation's `events_applied` / (its `switched_at` - its `started_at`), both stamped by
   PostgreSQL in the request's and the switch's transactions.

Every rebuild starts from an empty generation. A live catch-up goes into the live generation
the previous set's rebuild made (its 10,000 projects; the first plain set's, into what earlier
items made): close enough for a comparison, which has no goal.

With --profile, one more (unmeasured) rebuild of the sealed set runs under py-spy
(reporting-svc's main thread) right after its measured one, whose top costs go into the result
file's details.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.records_to_delete import RecordsToDelete
from sqlalchemy import text

from bench import profiling
from bench.common import Context, Row, fmt_rate, fmt_ratio
from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import DomainEvent, EventEnvelope, JsonDict
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.cloudevents import KafkaMessage
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from pmo_shared.privacy import crypto
from pmo_shared.privacy.fields import is_sealed
from pmo_shared.privacy.keystore import KeyStore, SubjectKey
from pmo_shared.privacy.sealing import seal_events
from project_svc.domain import events as pe
from reporting_svc.events import registry as reporting_registry

PROJECTS = 10_000
EVENTS_PER_PROJECT = 20
EVENTS = PROJECTS * EVENTS_PER_PROJECT
# Measured in this order, each alone on the topic: plain on both sides of sealed, so that a
# machine growing slower or faster meanwhile weighs on both alike (plain figures pool the two).
SETS = ("plain", "sealed", "plain")
TENANTS = {"plain": "bench-rebuild", "sealed": "bench-rebuild-sealed"}
PROJECTION = "project-reports"
STATUS_POLL_SECONDS = 0.25
BATCH = 2000
SEED = 20261125
SETTLE_SECONDS = 60  # at most, for autovacuum to finish before a measured phase


# --- the events ----------------------------------------------------------------------------


def _project_events(rng: random.Random, i: int, tag: str) -> list[DomainEvent]:
    """One project's life: the four lifecycle events, then 16 facts in a plausible order."""
    pid = uuid.uuid4()  # ids apart from the seeded content: the two sets differ only in them
    planned_start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 180))
    planned_finish = planned_start + timedelta(days=rng.randrange(365, 900))
    bac = Decimal(rng.randrange(50_000, 5_000_000))
    actual_start = planned_start + timedelta(days=rng.randrange(0, 20))
    span = (planned_finish - planned_start).days
    points = tuple(
        {
            "date": (planned_start + timedelta(days=span * k // 4)).isoformat(),
            "planned_value": str(bac * k / 4),
        }
        for k in (1, 2, 3, 4)
    )
    life: list[DomainEvent] = [
        pe.ProjectProposed(
            project_id=pid,
            code=f"R{tag}-{i:05d}",
            name=f"Rebuild bench project {i}",
            description="A project made by bench/rebuild.py to measure the projection rebuild.",
            manager=f"pm-{i % 50}",
            sponsor=f"sponsor-{i % 20}",
            methodology=rng.choice(["waterfall", "agile", "hybrid"]),
            currency="EUR",
            flagged_large=bac >= 4_000_000,
        ),
        pe.ProjectBaselined.model_validate(
            {
                "baseline_number": 1,
                "budget_at_completion": bac,
                "planned_start": planned_start,
                "planned_finish": planned_finish,
                "planned_values": points,
                "effective_on": planned_start,
            }
        ),
        pe.ProjectApproved(approved_by="pmo-lead", effective_on=planned_start),
        pe.ProjectStarted(actual_start=actual_start),
    ]
    milestone = uuid.uuid4()
    facts: list[DomainEvent] = [
        pe.MilestoneAdded(
            milestone_id=milestone,
            name="Design signed off",
            due_date=actual_start + timedelta(days=90),
        )
    ]
    day = actual_start
    percent = 0
    for k in range(11):  # 5 progress reports and 6 costs, alternating
        day += timedelta(days=rng.randrange(5, 25))
        if k % 2:
            percent = min(100, percent + rng.randrange(2, 12))
            facts.append(pe.ProgressReported(percent_complete=Decimal(percent), as_of=day))
        else:
            facts.append(
                pe.CostRecorded(
                    cost_id=uuid.uuid4(),
                    amount=Decimal(f"{rng.randrange(100, 90_000)}.{rng.randrange(100):02d}"),
                    incurred_on=day,
                    category=rng.choice(["labour", "materials", "travel", "licences"]),
                )
            )
        if k == 3:
            facts.append(
                pe.RiskRaised(
                    risk_id=uuid.uuid4(),
                    title="Key supplier may deliver late",
                    probability=Decimal(rng.randrange(5, 95)) / 100,
                    impact=Decimal(rng.randrange(1_000, 200_000)),
                    owner=f"pm-{i % 50}",
                    raised_on=day,
                )
            )
        if k == 6:
            facts.append(
                pe.StatusReportSubmitted(
                    report_id=uuid.uuid4(),
                    schedule=rng.choice(["green", "amber", "red"]),
                    cost=rng.choice(["green", "amber"]),
                    scope="green",
                    summary="On track overall; one supplier risk being watched.",
                )
            )
        if k == 8:
            facts.append(pe.MilestoneAchieved(milestone_id=milestone, achieved_on=day))
    facts.append(
        pe.LessonLearned(
            lesson_id=uuid.uuid4(),
            category=rng.choice(["planning", "suppliers", "communication", "estimation"]),
            what_happened="Supplier lead times were longer than estimated at the baseline.",
            recommendation="Ask suppliers for written lead times before baselining.",
        )
    )
    life += facts
    assert len(life) == EVENTS_PER_PROJECT, len(life)
    return life


class _Subjects:
    """A stand-in for `KeyStore.subjects` (all `seal_events` asks of a key store): one subject
    per person of a tenant, made on first sight and kept, as the real store caches them."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], SubjectKey] = {}

    async def subjects(self, tenant_id: str, user_ids: Any) -> dict[str, SubjectKey]:
        found = {}
        for user_id in set(user_ids):
            key = (tenant_id, user_id)
            if key not in self._known:
                self._known[key] = SubjectKey(uuid.uuid4(), uuid.uuid4(), crypto.new_data_key())
            found[user_id] = self._known[key]
        return found


async def _sealed(
    lives: list[list[DomainEvent]], actors: list[str], tenant: str
) -> list[tuple[list[JsonDict], str]]:
    """Each life's payloads with their personal fields sealed, and its actor's pseudonym."""
    keys = cast(KeyStore, _Subjects())
    out = []
    for life, actor in zip(lives, actors, strict=True):
        payloads = [e.model_dump(mode="json") for e in life]
        sealed = await seal_events(
            keys, tenant_id=tenant, actor=actor, events=life, payloads=payloads
        )
        out.append((sealed.payloads, str(sealed.actor_ref)))
    return out


def build_messages(projects: int = PROJECTS, *, kind: str = "plain") -> list[KafkaMessage]:
    """The encoded messages of one set (plain or sealed), streams interleaved at random, each
    stream in order."""
    tenant = TENANTS[kind]
    rng = random.Random(SEED)  # test data, seeded
    tag = uuid.uuid4().hex[:6]
    lives = [_project_events(rng, i, tag) for i in range(projects)]
    ids = [life[0].project_id for life in lives]  # type: ignore[attr-defined]
    actors = [f"pm-{i % 50}" for i in range(projects)]
    if kind == "sealed":
        stored = asyncio.run(_sealed(lives, actors, tenant))
    else:
        stored = [
            ([e.model_dump(mode="json") for e in life], a)
            for life, a in zip(lives, actors, strict=True)
        ]
    order = [i for i in range(projects) for _ in range(EVENTS_PER_PROJECT)]
    rng.shuffle(order)
    nxt = [0] * projects
    start = datetime.now(UTC) - timedelta(seconds=len(order) // 1000 + 60)
    messages: list[KafkaMessage] = []
    for n, i in enumerate(order):
        event = lives[i][nxt[i]]
        payloads, actor = stored[i]
        payload = payloads[nxt[i]]
        nxt[i] += 1
        envelope = EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=event.event_type,
            schema_version=event.schema_version,
            stream_type="project",
            stream_id=ids[i],
            stream_version=nxt[i],
            occurred_at=start + timedelta(milliseconds=n),
            tenant_id=tenant,
            actor=actor,
            correlation_id=uuid.uuid4().hex,
            causation_id=None,
            payload=payload,
        )
        messages.append(cloudevents.encode(envelope))
    return messages


def check_decodes(messages: list[KafkaMessage], every: int = 97) -> None:
    """Every `every`-th message decodes with reporting-svc's own reader models (a set that does
    not would only fill the dead letters)."""
    for m in messages[::every]:
        envelope = cloudevents.decode(m.value, m.headers)
        try:
            reporting_registry.decode_envelope(envelope)
        except Exception as exc:
            sealed = any(is_sealed(v) for v in envelope.payload.values())
            raise RuntimeError(
                f"reporting-svc's reader models refuse a {'sealed ' if sealed else ''}"
                f"{envelope.event_type}: {exc}"
            ) from exc


def sealed_count(messages: list[KafkaMessage]) -> int:
    """How many personal values of these messages are sealed (a check of the sealed set)."""
    count = 0
    for m in messages:
        payload = cloudevents.decode(m.value, m.headers).payload
        count += sum(1 for v in payload.values() if is_sealed(v))
    return count


# --- Kafka ---------------------------------------------------------------------------------


async def produce(bootstrap: str, messages: list[KafkaMessage]) -> float:
    """Send every message; seconds until the last is acknowledged."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="bench-rebuild-producer",
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
        max_batch_size=1024 * 1024,
        request_timeout_ms=30_000,
    )
    await producer.start()
    try:
        t0 = time.perf_counter()
        pending: list[asyncio.Future[Any]] = []
        for m in messages:
            pending.append(
                await producer.send(
                    PROJECT_EVENTS_TOPIC, value=m.value, key=m.key, headers=m.headers
                )
            )
            if len(pending) >= 10_000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        return time.perf_counter() - t0
    finally:
        await producer.stop()


async def _partitions(bootstrap: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-rebuild-admin")
    await admin.start()
    try:
        described = await admin.describe_topics([PROJECT_EVENTS_TOPIC])
    finally:
        await admin.close()
    parts = sorted(int(p["partition"]) for p in described[0]["partitions"])
    if not parts:
        raise RuntimeError(f"no partitions found for {PROJECT_EVENTS_TOPIC}")
    return parts


async def read_topic(bootstrap: str, *, decode: bool, deadline: float) -> tuple[int, float]:
    """(messages, seconds) to read the whole topic from its beginning, no group."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        client_id="bench-raw-reader",
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",  # no group, so no committed offsets: from the start
        max_poll_records=BATCH,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(PROJECT_EVENTS_TOPIC, p) for p in await _partitions(bootstrap)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        begins = await consumer.beginning_offsets(tps)
        count = 0
        t0 = time.perf_counter()
        remaining = {tp for tp in tps if ends[tp] > begins[tp]}
        while remaining and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            for tp, msgs in batches.items():
                count += len(msgs)
                if decode:
                    for m in msgs:
                        reporting_registry.decode_envelope(cloudevents.decode(m.value, m.headers))
                if msgs and msgs[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        if remaining:
            raise TimeoutError("reading the topic took too long")
        return count, time.perf_counter() - t0
    finally:
        await consumer.stop()


async def clear_topic(bootstrap: str) -> int:
    """Delete every record on the topic (up to its end offsets); how many were deleted. A
    consumer group created afterwards (a rebuild) starts at the new log start."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-rebuild-admin")
    await consumer.start()
    await admin.start()
    try:
        tps = [TopicPartition(PROJECT_EVENTS_TOPIC, p) for p in await _partitions(bootstrap)]
        ends = await consumer.end_offsets(tps)
        begins = await consumer.beginning_offsets(tps)
        todo = {tp: RecordsToDelete(ends[tp]) for tp in tps if ends[tp] > begins[tp]}
        if todo:
            await admin.delete_records(todo, timeout_ms=30_000)
        after = await consumer.beginning_offsets(tps)
        if any(after[tp] != ends[tp] for tp in tps):
            raise RuntimeError(f"records still on {PROJECT_EVENTS_TOPIC}: {after} vs {ends}")
        return sum(ends[tp] - begins[tp] for tp in tps)
    finally:
        await admin.close()
        await consumer.stop()


# --- PostgreSQL ----------------------------------------------------------------------------


async def settle(database_url: str) -> dict[str, float]:
    """Before a measured phase: wait (bounded) until no autovacuum worker runs (they analyse
    and vacuum what the previous phase wrote), then CHECKPOINT, so that each phase starts from
    the same state and none pays for a checkpoint the previous ones' WAL made due (a rebuild
    writes ~150 MB of WAL, a catch-up about as much; max_wal_size is 1 GB, so about one
    checkpoint would fall in the item's six phases). Seconds spent waiting and checkpointing."""
    engine = create_engine_for(database_url, schema="public", pool_size=1)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            t0 = time.monotonic()
            while time.monotonic() - t0 < SETTLE_SECONDS:
                busy = (
                    await conn.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE backend_type = 'autovacuum worker'"
                        )
                    )
                ).scalar_one()
                if not busy:
                    break
                await asyncio.sleep(0.5)
            t1 = time.monotonic()
            await conn.execute(text("CHECKPOINT"))
            return {"autovacuum_wait": t1 - t0, "checkpoint": time.monotonic() - t1}
    finally:
        await engine.dispose()


# --- reporting-svc -------------------------------------------------------------------------


class Reporting:
    """The projections status and rebuild endpoints."""

    def __init__(self, ctx: Context) -> None:
        self.client = httpx.AsyncClient(
            base_url=ctx.env["REPORTING_URL"],
            headers={"Authorization": f"Bearer {ctx.token}"},
            timeout=30,
        )

    async def generations(self) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/projections")
        response.raise_for_status()
        body = response.json()
        projection = next(p for p in body if p["name"] == PROJECTION)
        gens: list[dict[str, Any]] = projection["generations"]
        return gens

    async def live(self) -> dict[str, Any]:
        return next(g for g in await self.generations() if g["status"] == "live")

    async def rebuild(self) -> int:
        response = await self.client.post(f"/v1/projections/{PROJECTION}/rebuild")
        if response.status_code != 202:
            raise RuntimeError(f"rebuild: {response.status_code} {response.text[:300]}")
        gens = response.json()["generations"]
        return max(int(g["generation"]) for g in gens)

    async def wait_live(self, number: int, deadline: float) -> tuple[dict[str, Any], float]:
        """The generation once it is live, and when it was first seen live (perf_counter)."""
        while time.monotonic() < deadline:
            for g in await self.generations():
                if g["generation"] == number and g["status"] == "live":
                    return g, time.perf_counter()
            await asyncio.sleep(STATUS_POLL_SECONDS)
        raise TimeoutError(f"generation {number} not live in time")

    async def close(self) -> None:
        await self.client.aclose()


async def _catch_up(ctx: Context, messages: list[KafkaMessage], deadline: float) -> dict[str, Any]:
    """Produce the events while watching the live generation consume them."""
    reporting = Reporting(ctx)
    try:
        before = await reporting.live()
        applied0 = int(before["events_applied"])
        t0 = time.perf_counter()
        produce_task = asyncio.create_task(produce(ctx.env["KAFKA_BOOTSTRAP_SERVERS"], messages))
        produce_seconds: float | None = None
        while time.monotonic() < deadline:
            await asyncio.sleep(STATUS_POLL_SECONDS)
            if produce_task.done() and produce_seconds is None:
                produce_seconds = produce_task.result()
            live = await reporting.live()
            applied = int(live["events_applied"]) - applied0
            if produce_seconds is not None and live["lag"] == 0 and applied >= len(messages):
                return {
                    "seconds": time.perf_counter() - t0,
                    "produce_seconds": produce_seconds,
                    "applied": applied,
                    "generation": live["generation"],
                    "dead_letters": live["dead_letters"] - before["dead_letters"],
                }
        produce_task.cancel()
        raise TimeoutError("the live generation did not catch up in time")
    finally:
        await reporting.close()


def _seconds_between(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


async def _rebuild(ctx: Context, deadline: float) -> dict[str, Any]:
    reporting = Reporting(ctx)
    try:
        t0 = time.perf_counter()
        number = await reporting.rebuild()
        generation, seen = await reporting.wait_live(number, deadline)
        return {
            "generation": number,
            "events_applied": int(generation["events_applied"]),
            "dead_letters": int(generation["dead_letters"]),
            "db_seconds": _seconds_between(generation["started_at"], generation["switched_at"]),
            "observed_seconds": seen - t0,
        }
    finally:
        await reporting.close()


def _profile_rebuild(ctx: Context, expected_seconds: float) -> None:
    """One more rebuild under py-spy; its top costs into the details."""
    pid = int((Path(ctx.env["PMO_DATA_DIR"]) / "run" / "reporting-svc.pid").read_text().strip())
    seconds = int(max(5, min(20, expected_seconds - 1)))
    raw = ctx.work / "reporting-svc.pyspy.txt"

    async def go() -> dict[str, Any]:
        reporting = Reporting(ctx)
        try:
            number = await reporting.rebuild()
            spy = profiling.start(pid, seconds, raw)
            if spy is None:
                raise FileNotFoundError("py-spy")
            generation, _ = await reporting.wait_live(number, time.monotonic() + 600)
            await asyncio.to_thread(spy.wait, 60)
            return generation
        finally:
            await reporting.close()

    try:
        generation = asyncio.run(go())
    except FileNotFoundError:
        ctx.note("profile: py-spy not found (pip install -r bench/requirements.txt)")
        return
    if raw.exists():
        ctx.note(
            f"profile of reporting-svc during a rebuild (py-spy {seconds} s at 100 Hz, main "
            f"thread; generation {generation['generation']}, "
            f"{generation['events_applied']:,} events):\n\n```\n"
            + "\n".join(profiling.summarize(raw, pid=pid, top=45, seconds=seconds))
            + "\n```"
        )


def _one_set(ctx: Context, kind: str) -> dict[str, Any]:
    """Steps 2 to 5 for one set: clear the topic, produce it (catch-up), read it raw, rebuild."""
    bootstrap = ctx.env["KAFKA_BOOTSTRAP_SERVERS"]
    cleared = asyncio.run(clear_topic(bootstrap))
    t0 = time.monotonic()
    messages = build_messages(kind=kind)
    check_decodes(messages)
    built = time.monotonic() - t0
    sealed_values = sealed_count(messages[::97])
    ctx.note(
        f"item 3 {kind}: {cleared:,} records deleted from {PROJECT_EVENTS_TOPIC} first; built "
        f"{len(messages):,} CloudEvents messages for {PROJECTS:,} projects in {built:.1f} s (not "
        f"measured); mean value {sum(len(m.value) for m in messages) / len(messages):.0f} bytes; "
        f"sealed values in every 97th message: {sealed_values}"
    )
    if (kind == "sealed") != (sealed_values > 0):
        raise RuntimeError(f"item 3: the {kind} set has {sealed_values} sealed values")
    settled = asyncio.run(settle(ctx.database_url))
    caught = asyncio.run(_catch_up(ctx, messages, time.monotonic() + 600))
    del messages
    ctx.note(f"item 3 {kind} live generation catch-up: {json.dumps(caught)}")

    raw_count, raw_seconds = asyncio.run(
        read_topic(bootstrap, decode=False, deadline=time.monotonic() + 120)
    )
    dec_count, dec_seconds = asyncio.run(
        read_topic(bootstrap, decode=True, deadline=time.monotonic() + 300)
    )
    ctx.note(
        f"item 3 {kind} plain consumer: {raw_count:,} messages in {raw_seconds:.2f} s "
        f"({raw_count / raw_seconds:,.0f} /s); decoding as the projection does: {dec_count:,} in "
        f"{dec_seconds:.2f} s ({dec_count / dec_seconds:,.0f} /s)"
    )

    settled_rebuild = asyncio.run(settle(ctx.database_url))
    result = asyncio.run(_rebuild(ctx, time.monotonic() + min(900, max(60, ctx.left() - 60))))
    ctx.note(
        f"item 3 {kind} rebuild: {json.dumps(result)}; before the catch-up and the rebuild, "
        f"waited for autovacuum {settled['autovacuum_wait']:.1f} s and "
        f"{settled_rebuild['autovacuum_wait']:.1f} s, CHECKPOINT took "
        f"{settled['checkpoint']:.1f} s and {settled_rebuild['checkpoint']:.1f} s"
    )
    clean = (
        not result["dead_letters"]
        and not caught["dead_letters"]
        and result["events_applied"] == raw_count
    )
    if not clean:
        ctx.note(
            f"item 3 {kind}: the new generation applied {result['events_applied']:,} of "
            f"{raw_count:,} messages on the topic, {result['dead_letters']} dead letters "
            f"({caught['dead_letters']} in the live catch-up)"
        )
    return {
        "caught": caught,
        "rebuild": result,
        "raw": (raw_count, raw_seconds),
        "decode": (dec_count, dec_seconds),
        "clean": clean,
    }


def _pooled(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The runs of one set pooled: all their events over all their seconds."""

    def rate(pairs: list[tuple[float, float]]) -> float:
        return sum(n for n, _ in pairs) / sum(t for _, t in pairs)

    return {
        "rate": rate([(r["rebuild"]["events_applied"], r["rebuild"]["db_seconds"]) for r in runs]),
        "catch_rate": rate([(r["caught"]["applied"], r["caught"]["seconds"]) for r in runs]),
        "raw_rate": rate([r["raw"] for r in runs]),
        "decode_rate": rate([r["decode"] for r in runs]),
        "events": [r["rebuild"]["events_applied"] for r in runs],
        "seconds": " and ".join(f"{r['rebuild']['db_seconds']:.1f} s" for r in runs),
        "caught_seconds": " and ".join(f"{r['caught']['seconds']:.1f} s" for r in runs),
        "clean": all(r["clean"] for r in runs),
        "dead_letters": sum(r["rebuild"]["dead_letters"] for r in runs),
    }


def measure_rebuild_speed(ctx: Context, *, profile: bool = False) -> list[Row]:
    """Item 3: catch-up and rebuild events/s from 200,000 events, vs a raw Kafka reader; and
    the same with the personal data in them sealed (3b)."""
    ctx.settings.update(
        {
            "item 3 events": f"{EVENTS:,} on {PROJECT_EVENTS_TOPIC}, {PROJECTS:,} projects "
            f"x {EVENTS_PER_PROJECT} (proposed, baselined, approved, started, 5 progress, "
            "6 costs, milestone added + achieved, risk, status report, lesson), produced "
            "directly (aiokafka, idempotent, acks=all, linger 20 ms); sets of the same "
            f"content, alone on the topic in turn (records before deleted), {', '.join(SETS)}: "
            "plain (personal fields and actor as user ids), sealed (manager, sponsor, "
            "approved_by, owner sealed by pmo_shared.privacy.sealing, actor as pseudonym); "
            "before each catch-up and rebuild, autovacuum let finish and CHECKPOINT",
            "item 3 baseline": f"aiokafka consumer, no group, batches of {BATCH}, "
            "read_committed, reading the whole topic, no processing",
        }
    )
    runs: dict[str, list[dict[str, Any]]] = {}
    for kind in SETS:
        run = _one_set(ctx, kind)
        runs.setdefault(kind, []).append(run)
        if profile and kind == "sealed":  # as project-svc publishes now
            _profile_rebuild(ctx, run["rebuild"]["db_seconds"])

    plain, sealed = _pooled(runs["plain"]), _pooled(runs["sealed"])
    rate, raw_rate, catch_rate = plain["rate"], plain["raw_rate"], plain["catch_rate"]
    ctx.note(
        "item 3 sealed vs plain (plain pooled over its runs): rebuild "
        f"{fmt_ratio(sealed['rate'], rate)}, live catch-up "
        f"{fmt_ratio(sealed['catch_rate'], catch_rate)}, plain consumer "
        f"{fmt_ratio(sealed['raw_rate'], raw_rate)}, decoding consumer "
        f"{fmt_ratio(sealed['decode_rate'], plain['decode_rate'])}"
    )
    n_plain = len(runs["plain"])
    return [
        Row(
            f"3 · projection rebuild, {plain['events'][0]:,} events on the topic (personal "
            f"data plain, {n_plain} rebuilds: request → switch {plain['seconds']}; vs plain "
            "aiokafka consumer, no processing)",
            fmt_rate(rate, "events/s"),
            fmt_rate(raw_rate, "messages/s"),
            fmt_ratio(rate, raw_rate),
            "≥ 0.3x",  # issue 16
            raw_rate > 0 and rate / raw_rate >= 0.3 and plain["clean"],
        ),
        Row(
            f"3 · live generation catch-up while {EVENTS:,} events arrive (plain, caught up "
            f"after {plain['caught_seconds']})",
            fmt_rate(catch_rate, "events/s"),
            fmt_rate(raw_rate, "messages/s"),
            fmt_ratio(catch_rate, raw_rate),
            "≥ 0.3x",
            raw_rate > 0 and catch_rate / raw_rate >= 0.3,
        ),
        Row(
            "3b · rebuild events/s with personal data sealed (vs plain, same run; "
            f"{sealed['events'][0]:,} events, request → switch {sealed['seconds']}"
            + ("" if sealed["clean"] else f"; {sealed['dead_letters']:,} dead letters")
            + ")",
            fmt_rate(sealed["rate"], "events/s"),
            fmt_rate(rate, "events/s"),
            fmt_ratio(sealed["rate"], rate),
            "≥ 0.9x",
            sealed["rate"] / rate >= 0.9 and sealed["clean"] if rate > 0 else None,
        ),
        Row(
            "3b · live generation catch-up with personal data sealed (vs plain, same run; "
            f"caught up after {sealed['caught_seconds']})",
            fmt_rate(sealed["catch_rate"], "events/s"),
            fmt_rate(catch_rate, "events/s"),
            fmt_ratio(sealed["catch_rate"], catch_rate),
        ),
    ]
