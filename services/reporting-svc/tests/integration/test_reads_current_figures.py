"""The current figures (issue 16): the list, the overview and the members' reports of the
roll-ups asked for the tenant's today as known now come from `project_figures` rows, and answer
exactly what the fold answers (the same request with `known_at` = now folds every project),
over many generated projects, after new facts, a day's roll-over, a change of the standards, a
rebuild into a fresh generation, and with a manager erased. On the test stack's PostgreSQL,
fed through the projection, with a clock of the test's."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.privacy.remote import RemoteKeys
from pmo_shared.testing import required_env
from reporting_svc.api import reports as api
from reporting_svc.application.reports import ReportService, When
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection, readers

pytestmark = pytest.mark.integration

TENANT = "acme-figures"
THRESHOLDS = HealthThresholds(green=Decimal("0.95"), amber=Decimal("0.85"))
START = datetime(2026, 6, 15, 10, tzinfo=UTC)
PROJECTS = 60
MANAGERS = 5


class Keys(RemoteKeys):
    """A stand-in for the key services: a (plain) manager opens as `opened:<value>`, or
    `[erased]` once erased; a lookup finds the person's own value unless erased."""

    def __init__(self) -> None:
        super().__init__({}, token=None)
        self.erased: set[str] = set()

    async def open(self, tenant_id: str, values: Sequence[Any]) -> list[Any]:
        return ["[erased]" if v in self.erased else f"opened:{v}" for v in values]

    async def lookup(self, tenant_id: str, user_id: str) -> list[uuid.UUID]:
        return [] if user_id in self.erased else [uuid.uuid5(uuid.NAMESPACE_URL, user_id)]


class Live:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def live_engine(self) -> AsyncEngine:
        return self.engine


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Stream:
    """Events of one stream, numbered in order."""

    def __init__(self, stream_type: str, stream_id: uuid.UUID) -> None:
        self.stream_type, self.stream_id, self.version = stream_type, stream_id, 0

    def event(self, kind: str, payload: dict[str, Any], at: datetime) -> EventEnvelope:
        self.version += 1
        return EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=kind,
            schema_version=readers.latest_version(kind),
            stream_type=self.stream_type,
            stream_id=self.stream_id,
            stream_version=self.version,
            occurred_at=at,
            tenant_id=TENANT,
            actor="pmo-carol",
            correlation_id="c",
            causation_id=None,
            payload=payload,
        )


def _day(offset: int) -> str:
    return (START.date() + timedelta(days=offset)).isoformat()


def _projects(seed: int) -> tuple[list[EventEnvelope], list[Stream]]:
    """PROJECTS projects of varied currency, status, baselines, progress, costs (some dated
    after today: they count once the day rolls over), risks and milestones."""
    rng = random.Random(seed)
    events: list[EventEnvelope] = []
    streams = []
    for i in range(PROJECTS):
        s = Stream("project", uuid.UUID(int=rng.getrandbits(128)))
        streams.append(s)
        at = START - timedelta(days=20) + timedelta(minutes=i)
        currency = rng.choice(["EUR", "EUR", "JPY", "USD"])
        events.append(
            s.event(
                "ProjectProposed",
                {
                    "project_id": str(s.stream_id),
                    "code": f"F-{rng.randrange(1000):03d}-{i}",
                    "name": rng.choice(["Alpha", "beta", "Gamma", "Ärger", "delta"]),
                    "manager": f"pm-{i % MANAGERS}",
                    "sponsor": "cfo-bob",
                    "methodology": "hybrid",
                    "currency": currency,
                    "flagged_large": False,
                },
                at,
            )
        )
        if i % 7 == 0:
            continue  # proposed only: no figures but AC
        bac = rng.randrange(10_000, 2_000_000)
        events.append(
            s.event(
                "ProjectBaselined",
                {
                    "baseline_number": 1,
                    "budget_at_completion": str(bac),
                    "planned_start": _day(-60),
                    "planned_finish": _day(rng.randrange(10, 200)),
                    "planned_values": [{"date": _day(-30), "planned_value": str(bac // 4)}],
                    "effective_on": _day(-60),
                },
                at,
            )
        )
        events.append(s.event("ProjectStarted", {"actual_start": _day(-55)}, at))
        for k in range(rng.randrange(0, 4)):
            events.append(
                s.event(
                    "ProgressReported",
                    {"percent_complete": str(rng.randrange(0, 101)), "as_of": _day(-10 + 4 * k)},
                    at,
                )
            )
        for _ in range(rng.randrange(0, 5)):
            events.append(
                s.event(
                    "CostRecorded",
                    {
                        "cost_id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "amount": f"{rng.randrange(-500, 90_000)}.{rng.randrange(100):02d}",
                        "incurred_on": _day(rng.randrange(-40, 4)),
                        "category": "labour",
                    },
                    at,
                )
            )
        if i % 5 == 0:
            events.append(
                s.event(
                    "RiskRaised",
                    {
                        "risk_id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "title": "late supplier",
                        "probability": "0.3",
                        "impact": str(rng.randrange(1000, 9000)),
                        "owner": "risk-owner",
                        "raised_on": _day(-5),
                    },
                    at,
                )
            )
        if i % 4 == 0:
            events.append(
                s.event(
                    "MilestoneAdded",
                    {
                        "milestone_id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "name": "gate",
                        "due_date": _day(rng.randrange(-5, 5)),
                    },
                    at,
                )
            )
        if i % 9 == 0:
            events.append(s.event("ProjectCompleted", {"actual_finish": _day(-3)}, at))
        elif i % 11 == 0:
            events.append(s.event("ProjectCancelled", {"effective_on": _day(2)}, at))
    return events, streams


async def _apply(engine: AsyncEngine, events: Sequence[EventEnvelope]) -> None:
    projection = ProjectReportsProjection()
    async with engine.begin() as conn:
        for envelope in events:
            await projection.apply(conn, envelope, readers.decode_envelope(envelope))
        await projection.flush(conn)


async def _generation(tag: str) -> AsyncEngine:
    url, schema = required_env("DATABASE_URL"), f"reporting_fig_{tag}_{uuid.uuid4().hex[:8]}"
    engine = create_engine_for(url, schema=schema, pool_size=3)
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
    return engine


async def _drop(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


@pytest.fixture
async def world() -> AsyncIterator[SimpleNamespace]:
    events, streams = _projects(seed=16)
    engine = await _generation("live")
    await _apply(engine, events)
    clock, keys = Clock(), Keys()
    service = ReportService(Live(engine), thresholds=THRESHOLDS, keys=keys, now=clock)
    yield SimpleNamespace(
        engine=engine, service=service, clock=clock, keys=keys, events=events, streams=streams
    )
    await _drop(engine)


PRINCIPAL = SimpleNamespace(tenant=TENANT)
LISTS: list[dict[str, Any]] = [
    {},
    {"sort": "-code"},
    {"sort": "name"},
    {"sort": "-name"},
    {"sort": "status"},
    {"sort": "-status"},
    {"sort": "bac"},
    {"sort": "-bac"},
    {"sort": "spi"},
    {"sort": "-spi"},
    {"sort": "cpi"},
    {"sort": "-cpi"},
    {"status": "active"},
    {"status": "proposed", "sort": "-bac"},
    {"status": "completed"},
    {"health": "green"},
    {"health": "red", "sort": "spi"},
    {"health": "amber", "sort": "-cpi"},
    {"manager": "pm-2"},
    {"manager": "pm-3", "sort": "-spi", "status": "active"},
]


async def _list(service: ReportService, when: When, **params: Any) -> list[dict[str, Any]]:
    """Every page (of 7) of the list, as the API answers them, cursors included."""
    got: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(PROJECTS):
        page = await api.list_project_metrics(
            service,
            PRINCIPAL,  # type: ignore[arg-type]
            when,
            status=params.get("status"),
            health=params.get("health"),
            manager=params.get("manager"),
            sort=params.get("sort", "code"),
            cursor=cursor,
            limit=7,
        )
        got.append(page.model_dump(mode="json"))
        cursor = page.next_cursor
        if cursor is None:
            break
    return got


async def _answers(world: SimpleNamespace, when: When) -> dict[str, Any]:
    """The list at every parameter set, the overview, and every project's report as the
    roll-ups read them, asked `when`."""
    service = world.service
    lists = {str(p): await _list(service, when, **p) for p in LISTS}
    overview = await api.pmo_overview(service, PRINCIPAL, when)  # type: ignore[arg-type]
    ids = [s.stream_id for s in world.streams] + [uuid.uuid4()]
    async with service.reading(TENANT, when) as (conn, asked):
        members = await service.reports_of(conn, TENANT, asked, ids)
    return {
        "lists": lists,
        "overview": overview.model_dump(mode="json"),
        "members": {
            str(k): api.metrics_read(v).model_dump(mode="json") for k, v in members.items()
        },
        "current": asked.current,
    }


async def _compare(world: SimpleNamespace) -> dict[str, Any]:
    """The answers from the current figures equal the fold's at the same instant."""
    current = await _answers(world, When())
    folded = await _answers(world, When(known_at=world.clock.now))
    assert current.pop("current") is True
    assert folded.pop("current") is False
    assert current == folded
    return current


async def _figures(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT project_id, tenant_id, valid_on, rated_key, recorded_through, code, name,"
                " status, currency, health, bac::text, pv::text, ev::text, ac::text, spi::text,"
                " cpi::text, report FROM project_figures ORDER BY project_id"
            )
        )
        return [tuple(r) for r in rows]


async def test_reads_current_figures_answer_as_the_fold(world: SimpleNamespace) -> None:
    answers = await _compare(world)
    assert len(answers["members"]) == PROJECTS
    rows = await _figures(world.engine)
    assert len(rows) == PROJECTS
    assert {r[2] for r in rows} == {START.date()}  # computed for today, once
    assert sum(len(page["items"]) for page in answers["lists"]["{}"]) == PROJECTS
    statuses = answers["overview"]["projects_by_status"]
    assert {"active", "proposed", "completed"} <= set(statuses)
    assert len(answers["overview"]["totals"]) == 3  # EUR, JPY, USD


async def test_reads_computed_once_then_served(world: SimpleNamespace) -> None:
    service = world.service
    assert await service.refresh(TENANT) == PROJECTS
    assert await service.refresh(TENANT) == 0  # nothing stale: nothing computed
    await _compare(world)
    assert await service.refresh(TENANT) == 0


async def test_reads_new_facts_mark_their_project(world: SimpleNamespace) -> None:
    await _compare(world)
    stream = world.streams[1]
    world.clock.now += timedelta(hours=1)
    cost = {
        "cost_id": str(uuid.uuid4()),
        "amount": "12345.67",
        "incurred_on": _day(0),
        "category": "labour",
    }
    await _apply(world.engine, [stream.event("CostRecorded", cost, world.clock.now)])
    rows = {r[0]: r for r in await _figures(world.engine)}
    assert rows[stream.stream_id][2] is None  # marked in the facts' transaction
    assert sum(r[2] is None for r in rows.values()) == 1
    answers = await _compare(world)
    assert await world.service.refresh(TENANT) == 0
    assert answers["members"][str(stream.stream_id)]["ac"] is not None


async def test_reads_day_roll_over_recomputes(world: SimpleNamespace) -> None:
    before = await _compare(world)
    for days in (1, 3, 40):
        world.clock.now = START + timedelta(days=days)
        after = await _compare(world)
        rows = await _figures(world.engine)
        assert {r[2] for r in rows} == {(START + timedelta(days=days)).date()}
    assert after["members"] != before["members"]  # costs dated later, PV moving on


async def test_reads_standards_change_recomputes(world: SimpleNamespace) -> None:
    before = await _compare(world)
    standards = Stream("pmo-standards", uuid.uuid4())
    world.clock.now += timedelta(minutes=5)
    event = standards.event(
        "PmoStandardsSet",
        {
            "spi": {"green": "1.05", "amber": "0.99"},
            "cpi": {"green": "0.5", "amber": "0.2"},
            "reporting_cadence_days": 14,
            "time_zone": "Pacific/Kiritimati",  # UTC+14: its today is tomorrow already
            "effective_on": _day(-100),
        },
        world.clock.now - timedelta(minutes=1),
    )
    await _apply(world.engine, [event])
    after = await _compare(world)
    assert after["overview"]["thresholds"] != before["overview"]["thresholds"]
    assert {r[2] for r in await _figures(world.engine)} == {START.date() + timedelta(days=1)}


async def test_reads_a_rebuild_gives_identical_rows(world: SimpleNamespace) -> None:
    answers = await _compare(world)
    rebuilt = await _generation("rebuilt")
    try:
        await _apply(rebuilt, list(reversed(world.events[:1])) + world.events[1:])
        service = ReportService(
            Live(rebuilt), thresholds=THRESHOLDS, keys=world.keys, now=world.clock
        )
        again = await _answers(
            SimpleNamespace(service=service, streams=world.streams, clock=world.clock), When()
        )
        assert again.pop("current") is True
        answers.pop("current", None)
        assert again == answers
        assert await _figures(rebuilt) == await _figures(world.engine)
    finally:
        await _drop(rebuilt)


async def test_reads_erasure_applies_to_current_figures(world: SimpleNamespace) -> None:
    await _compare(world)
    world.keys.erased.add("pm-2")
    answers = await _compare(world)
    assert answers["lists"][str({"manager": "pm-2"})] == [{"items": [], "next_cursor": None}]
    shown = [i["manager"] for p in answers["lists"]["{}"] for i in p["items"]]
    assert shown.count("[erased]") == len([i for i in range(PROJECTS) if i % MANAGERS == 2])
    assert "opened:pm-2" not in shown
    async with world.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT report::text FROM project_figures"))).all()
    assert not any("pm-" in row[0] for row in stored)  # no person kept with the figures


async def test_reads_a_fact_stamped_ahead_folds(world: SimpleNamespace) -> None:
    stream = world.streams[2]
    ahead = world.clock.now + timedelta(minutes=10)  # a producer's clock ahead of ours
    progress = {"percent_complete": "55", "as_of": _day(0)}
    await _apply(world.engine, [stream.event("ProgressReported", progress, ahead)])
    current = await _answers(world, When())
    assert current.pop("current") is False  # a row would count what now does not know yet
    world.clock.now = ahead + timedelta(seconds=1)
    await _compare(world)


def test_reads_fixture_dates_straddle_today() -> None:
    days = {date.fromisoformat(_day(k)) for k in range(-40, 4)}
    assert min(days) < START.date() < max(days)
