"""A rebuild covers the portfolio read model, on the real PostgreSQL and Kafka: portfolio-svc's,
program-svc's and project-svc's events published as CloudEvents on their topics, a supervisor
of a projection of this test alone (its own generations, schemas and consumer groups, fed from
the beginning of every topic); while a rebuild runs and switches over, readers polling the
portfolio reports (the roll-up, the list, the bubble chart's components) get every answer
complete, never an error or an empty answer; afterwards the rebuilt generation holds exactly
the rows the incremental one did."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from pmo_shared.database.engine import create_engine, create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.topics import TOPIC_BY_STREAM_TYPE
from pmo_shared.testing import required_env
from reporting_svc.application.portfolios import PortfolioReport, PortfolioReportService
from reporting_svc.application.reports import ReportNotFoundError, ReportService, When
from reporting_svc.application.supervisor import ProjectionSupervisor
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.readmodel import generations
from reporting_svc.readmodel.portfolio_ddl import PORTFOLIO_CONTENT_TABLES
from reporting_svc.settings import load_settings

pytestmark = pytest.mark.integration

TIMEOUT = 120.0
AS_OF = date(2026, 2, 20)  # day 50 of 100


def _sealed() -> dict[str, str]:
    return {"subject_ref": str(uuid.uuid4()), "key_id": str(uuid.uuid4()), "ciphertext": "eA"}


@dataclass
class _Stream:
    tenant: str
    type: str
    id: UUID = field(default_factory=uuid.uuid4)
    envelopes: list[EventEnvelope] = field(default_factory=list)

    def event(self, kind: str, payload: dict[str, Any], version: int = 1) -> None:
        self.envelopes.append(
            EventEnvelope(
                event_id=uuid.uuid4(),
                event_type=kind,
                schema_version=version,
                stream_type=self.type,
                stream_id=self.id,
                stream_version=len(self.envelopes) + 1,
                occurred_at=datetime.now(UTC) - timedelta(minutes=60 - len(self.envelopes)),
                tenant_id=self.tenant,
                actor=str(uuid.uuid4()),
                correlation_id="c",
                causation_id=None,
                payload=payload,
            )
        )


def _project(tenant: str, code: str, *, bac: str, percent: str, cost: str) -> _Stream:
    p = _Stream(tenant, "project")
    p.event(
        "ProjectProposed",
        {
            "project_id": str(p.id),
            "code": code,
            "name": code,
            "description": "",
            "manager": _sealed(),
            "sponsor": _sealed(),
            "methodology": "hybrid",
            "currency": "EUR",
            "flagged_large": True,
        },
    )
    schedule = {"planned_start": "2026-01-01", "planned_finish": "2026-04-11"}
    p.event(
        "ProjectBaselined",
        {"baseline_number": 1, "budget_at_completion": bac, **schedule, "reason": ""},
        version=2,
    )
    p.event("ProgressReported", {"percent_complete": percent, "as_of": "2026-02-15"})
    p.event(
        "CostRecorded",
        {
            "cost_id": str(uuid.uuid4()),
            "amount": cost,
            "incurred_on": "2026-02-01",
            "category": "labour",
        },
    )
    return p


def _component(
    f: _Stream, component: _Stream, kind: str, cost: str, scores: dict[str, str]
) -> None:
    f.event(
        "ComponentAdded",
        {
            "component_id": str(component.id),
            "kind": kind,
            "cost": cost,
            "cost_is_estimate": False,
            "risk_score": "0.2",
            "currency": "EUR",
            "effective_on": "2026-01-05",
        },
    )
    for objective, score in scores.items():
        f.event(
            "ComponentScored",
            {
                "component_id": str(component.id),
                "objective": objective,
                "score": score,
                "rationale": "",
                "effective_on": "2026-01-05",
            },
        )


def _history(tenant: str) -> tuple[_Stream, list[_Stream]]:
    """A program of R1 and R2 and a project R3, all three in one portfolio."""
    r1 = _project(tenant, "R1", bac="400", percent="25", cost="150")
    r2 = _project(tenant, "R2", bac="100", percent="60", cost="40")
    r3 = _project(tenant, "R3", bac="500", percent="0", cost="0")
    g = _Stream(tenant, "program")
    g.event(
        "ProgramProposed",
        {
            "program_id": str(g.id),
            "code": "RB-G",
            "name": "Rebuilt",
            "area": "Ops",
            "description": "",
            "manager": _sealed(),
            "sponsor": _sealed(),
            "currency": "EUR",
            "proposed_on": "2026-01-01",
        },
    )
    for member in (r1, r2):
        g.event("MemberProjectAdded", {"project_id": str(member.id), "effective_on": "2026-01-10"})
    f = _Stream(tenant, "portfolio")
    f.event(
        "PortfolioCreated",
        {
            "portfolio_id": str(f.id),
            "code": "RB-PF",
            "name": "Rebuilt portfolio",
            "manager": _sealed(),
            "currency": "EUR",
            "created_on": "2026-01-01",
        },
    )
    weights = {"growth": "0.5", "cost": "0.5"}
    f.event(
        "ObjectivesWeighted", {"weights": weights, "method": "direct", "effective_on": "2026-01-01"}
    )
    f.event("BudgetSet", {"amount": "1000", "effective_on": "2026-01-01"})
    _component(f, g, "program", "500", {"growth": "4", "cost": "2"})
    _component(f, r3, "project", "500", {"growth": "2", "cost": "2"})
    f.event(
        "DecisionRecorded",
        {
            "component_id": str(g.id),
            "kind": "program",
            "covers": [str(r1.id), str(r2.id)],
            "decision": "approve",
            "rationale": "fund it",
            "decided_on": "2026-01-20",
            "decided_by": _sealed(),
        },
    )
    f.event(
        "SelectionAdopted",
        {
            "as_of": "2026-02-01",
            "budget": "1000",
            "value": "5",
            "cost": "1000",
            "selected": [str(g.id), str(r3.id)],
            "excluded": [],
            "frontier": [
                {"budget": "1000", "feasible": True, "value": "5", "cost": "1000", "current": True}
            ],
            "adopted_on": "2026-02-01",
            "adopted_by": _sealed(),
        },
    )
    return f, [g, r1, r2, r3]


async def _publish(streams: list[_Stream]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"))
    await producer.start()
    try:
        for stream in streams:
            for envelope in stream.envelopes:
                message = cloudevents.encode(envelope)
                await producer.send_and_wait(
                    TOPIC_BY_STREAM_TYPE[envelope.stream_type],
                    value=message.value,
                    key=message.key,
                    headers=message.headers,
                )
    finally:
        await producer.stop()


@pytest.fixture
async def supervisor() -> AsyncIterator[ProjectionSupervisor]:
    """A running supervisor of a projection of this test alone; its schemas dropped after."""
    settings = load_settings()
    engine = create_engine(settings)
    projection = f"it-portfolios-{uuid.uuid4().hex[:8]}"
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
                text("DELETE FROM projection_generations WHERE projection = :p"), {"p": projection}
            )
        await engine.dispose()


def _complete(report: PortfolioReport) -> bool:
    totals = report.performance.totals
    return (
        len(report.components) == 2
        and all(c.known for c in report.components)
        and (totals.bac, totals.spi, totals.cpi)
        == (Decimal("1000.00"), Decimal("0.3200"), Decimal("0.8421"))
        and report.decisions["approved"] == 1
        and report.selection is not None
        and [c.valuation.value for c in report.components] == [Decimal("3.0"), Decimal("2.0")]
        and [o.funded for o in report.coverage] == [Decimal("400.00"), Decimal("200.00")]
    )


@dataclass
class _Reads:
    count: int = 0
    wrong: list[str] = field(default_factory=list)


async def _read_until(
    portfolios: PortfolioReportService,
    tenant: str,
    portfolio_id: UUID,
    stop: asyncio.Event,
    reads: _Reads,
) -> None:
    while not stop.is_set():
        reads.count += 1
        try:
            report = await portfolios.portfolio(tenant, portfolio_id, when=When(as_of=AS_OF))
            if not _complete(report):
                reads.wrong.append(f"incomplete: {report.components} {report.performance}")
            page, _ = await portfolios.portfolios(
                tenant, when=When(as_of=AS_OF), after=None, limit=5
            )
            if [p.row.portfolio_id for p in page] != [portfolio_id] or not _complete(page[0]):
                reads.wrong.append(f"list: {page}")
        except Exception as exc:  # every failure is a finding here
            reads.wrong.append(repr(exc))
        await asyncio.sleep(0)


async def _rows(schema: str, portfolio_id: UUID) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine_for(required_env("DATABASE_URL"), schema=schema, pool_size=1)
    try:
        async with engine.connect() as conn:
            found = {}
            for table, key in PORTFOLIO_CONTENT_TABLES.items():
                sql = f"SELECT * FROM {table} WHERE portfolio_id = :f ORDER BY {key}"  # noqa: S608
                found[table] = [
                    tuple(r) for r in await conn.execute(text(sql), {"f": portfolio_id})
                ]
            return found
    finally:
        await engine.dispose()


async def _settled(supervisor: ProjectionSupervisor, *, after: int) -> int:
    deadline = time.monotonic() + TIMEOUT
    while True:
        running = [s.generation for s in await supervisor.status()]
        if len(running) == 1 and running[0].status == "live" and running[0].generation > after:
            return running[0].generation
        assert time.monotonic() < deadline, f"no switch after {TIMEOUT} s: {running}"
        await asyncio.sleep(0.05)


async def test_a_rebuild_reproduces_the_portfolio_read_model_while_readers_read(
    supervisor: ProjectionSupervisor,
) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:10]}"
    portfolio, others = _history(tenant)
    reports = ReportService(supervisor, thresholds=HealthThresholds())
    portfolios = PortfolioReportService(supervisor, reports=reports)
    live = await _settled(supervisor, after=0)
    await _publish([portfolio, *others])
    deadline = time.monotonic() + TIMEOUT
    while True:  # the incremental generation has it all
        with contextlib.suppress(ReportNotFoundError):  # until its first event is in
            if _complete(await portfolios.portfolio(tenant, portfolio.id, when=When(as_of=AS_OF))):
                break
        assert time.monotonic() < deadline, "the portfolio never showed up complete"
        await asyncio.sleep(0.1)
    [old] = list(await generations.current(supervisor.engine, supervisor.projection))
    before = await _rows(old.schema_name, portfolio.id)
    assert len(before["portfolio_components"]) == 2
    assert before["portfolio_selections"]

    stop, reads = asyncio.Event(), _Reads()
    readers = [
        asyncio.create_task(_read_until(portfolios, tenant, portfolio.id, stop, reads))
        for _ in range(3)
    ]
    try:
        await generations.start_rebuild(
            supervisor.engine,
            service_schema=supervisor.service_schema,
            projection=supervisor.projection,
            requested_by="it/test",
        )
        live = await _settled(supervisor, after=live)
    finally:
        stop.set()
        await asyncio.gather(*readers)
    assert reads.count > 10
    assert reads.wrong == [], reads.wrong[:3]
    register = await generations.current(supervisor.engine, supervisor.projection)
    new = next(g for g in register if g.generation == live)
    assert await _rows(new.schema_name, portfolio.id) == before
