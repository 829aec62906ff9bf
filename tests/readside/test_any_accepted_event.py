"""No event project-svc could have accepted breaks a report (issue 10, item 3).

Hypothesis generates events of every project-svc event type and version from the committed
JSON Schemas (`services/project-svc/events/schemas/`, through `schema_strategies`), keeps
those the producer's own models accept (its amounts, percents and probabilities), orders them
as streams do (a proposed project first; its office's events after the office was established
for that project, recorded in order, in the past), feeds them through reporting's real
projection into a real generation schema of the test PostgreSQL, and asks every report for the
tenant. Each must answer: never an exception."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.application.caller import Principal
from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.privacy.fields import open_sealed
from pmo_shared.testing import required_env
from project_svc.domain.events import registry as producer_registry
from reporting_svc.api import reports as api
from reporting_svc.application.reports import ReportService, When
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.events import registry as reader_registry
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection

from .schema_strategies import from_schema

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).parents[2] / "services/project-svc/events/schemas"
OFFICE_TYPES = {
    "ProjectOfficeEstablished",
    "OfficeStaffAssigned",
    "OfficeStaffReleased",
    "OfficeReportPublished",
    "OfficeDocumentFiled",
    "ProjectOfficeDisbanded",
}
# Decimal fields are plain strings in the committed schemas; as the producer's models bound
# them: at most 15 integer digits and 4 decimals (19 digits), so the extremes come up often.
_DECIMAL = {"type": "string", "pattern": r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?\Z"}
_DECIMAL_FIELDS = {
    "amount",
    "budget_at_completion",
    "planned_value",
    "percent_complete",
    "probability",
    "impact",
}
# The API's widest status dates and the extremes of the calendar an event may carry.
AS_OF = [None, date(1900, 1, 1), date(2999, 12, 31)]


def _with_decimals(schema: Any) -> Any:
    """The schema with every decimal field given the producer's digits."""
    if isinstance(schema, dict):
        return {
            key: (
                {
                    name: _DECIMAL if name in _DECIMAL_FIELDS else _with_decimals(s)
                    for name, s in value.items()
                }
                if key == "properties"
                else _with_decimals(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_with_decimals(item) for item in schema]
    return schema


def _schemas() -> dict[tuple[str, int], dict[str, Any]]:
    found = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text())
        found[(schema["x-event-type"], schema["x-schema-version"])] = _with_decimals(schema)
    return found


SCHEMA_OF = _schemas()
STRATEGY_OF = {kind: from_schema(schema) for kind, schema in SCHEMA_OF.items()}
PRODUCER = {(cls.event_type, cls.schema_version): cls for cls in producer_registry}


def _no_nul(value: Any) -> Any:
    """The payload without NUL characters: PostgreSQL's jsonb, where project-svc keeps its
    events, cannot hold one, so no stored event has it."""
    if isinstance(value, str):
        return value.replace("\x00", "0")
    if isinstance(value, dict):
        return {key: _no_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_no_nul(item) for item in value]
    return value


@st.composite
def accepted(draw: st.DrawFn, kinds: list[tuple[str, int]]) -> tuple[str, int, dict[str, Any]]:
    """One event of one of `kinds` that the producer's model accepts. The schemas describe the
    published form, personal fields sealed (random pseudonyms no key service knows: reporting
    must answer all the same); the producer's model holds them opened, as user ids."""
    kind = draw(st.sampled_from(kinds))
    payload = _no_nul(draw(STRATEGY_OF[kind]))
    try:
        PRODUCER[kind].model_validate(open_sealed(payload, lambda _sealed: "someone"))
    except ValidationError:
        payload = draw(st.nothing())  # hypothesis: try another (the producer refuses this one)
    return (*kind, payload)


PROJECT_KINDS = sorted(k for k in SCHEMA_OF if k[0] not in OFFICE_TYPES | {"ProjectProposed"})
OFFICE_KINDS = sorted(k for k in SCHEMA_OF if k[0] in OFFICE_TYPES - {"ProjectOfficeEstablished"})
ESTABLISHED = sorted(k for k in SCHEMA_OF if k[0] == "ProjectOfficeEstablished")
# Recorded in the past (project-svc records at its clock's now), so known to every report.
RECORDED_FROM, RECORDED_TO = datetime(2000, 1, 1, tzinfo=UTC), datetime(2026, 1, 1)


@st.composite
def tenant_history(draw: st.DrawFn) -> list[EventEnvelope]:
    """A project's stream (proposed first) and its office's stream, as envelopes."""
    tenant = f"hyp-{uuid.uuid4().hex[:12]}"
    project_id, office_id = uuid.uuid4(), uuid.uuid4()
    proposed = draw(accepted([("ProjectProposed", 1)]))
    project = [proposed, *draw(st.lists(accepted(PROJECT_KINDS), min_size=1, max_size=12))]
    envelopes = _stream(tenant, project_id, project, draw(_instants(len(project))))
    if draw(st.booleans()):
        kind, version, payload = draw(accepted(ESTABLISHED))
        office = [(kind, version, {**payload, "project_id": str(project_id)})]
        office += draw(st.lists(accepted(OFFICE_KINDS), max_size=8))
        at = draw(_instants(len(office), after=envelopes[0].occurred_at))
        envelopes += _stream(tenant, office_id, office, at, ordering=project_id)
    return envelopes


def _instants(count: int, *, after: datetime = RECORDED_FROM) -> st.SearchStrategy[list[datetime]]:
    """`count` recording instants in order, from `after` on."""
    instants = st.datetimes(min_value=after.replace(tzinfo=None), max_value=RECORDED_TO)
    moments = st.lists(instants, min_size=count, max_size=count).map(sorted)
    return moments.map(lambda ats: [at.replace(tzinfo=UTC) for at in ats])


def _stream(
    tenant: str,
    stream: uuid.UUID,
    events: list[tuple[str, int, dict[str, Any]]],
    at: list[datetime],
    *,
    ordering: uuid.UUID | None = None,
) -> list[EventEnvelope]:
    return [
        _envelope(tenant, stream, n, event, when, ordering=ordering)
        for n, (event, when) in enumerate(zip(events, at, strict=True), 1)
    ]


def _envelope(
    tenant: str,
    stream: uuid.UUID,
    version: int,
    event: tuple[str, int, dict[str, Any]],
    at: datetime,
    *,
    ordering: uuid.UUID | None = None,
) -> EventEnvelope:
    kind, schema_version, payload = event
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=kind,
        schema_version=schema_version,
        stream_type="project-office" if ordering else "project",
        stream_id=stream,
        stream_version=version,
        occurred_at=at,
        tenant_id=tenant,
        actor="hypothesis",
        correlation_id=str(uuid.uuid4()),
        causation_id=None,
        payload=payload,
        ordering_id=ordering,
    )


class _Schema:
    """A generation schema of this test alone, read as the live one."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def live_engine(self) -> AsyncEngine:
        return self.engine


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture(scope="module")
def generation(loop: asyncio.Runner) -> Iterator[_Schema]:
    """A fresh generation schema (the projection's real tables), dropped afterwards."""
    schema = f"reporting_hyp_{uuid.uuid4().hex[:8]}"
    url = required_env("DATABASE_URL")
    engine = keep_dates_literal(create_engine_for(url, schema=schema, pool_size=2))

    async def create() -> None:
        async with engine.begin() as conn:
            for statement in generation_ddl(schema):
                await conn.execute(text(statement))

    async def drop() -> None:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await engine.dispose()

    loop.run(create())
    try:
        yield _Schema(engine)
    finally:
        loop.run(drop())


async def _project(generation: _Schema, envelopes: list[EventEnvelope]) -> None:
    projection = ProjectReportsProjection()
    async with generation.engine.begin() as conn:
        for envelope in envelopes:
            event: DomainEvent = reader_registry.decode_envelope(envelope)
            await projection.apply(conn, envelope, event)
        await projection.flush(conn)


async def _every_report(generation: _Schema, tenant: str, project_id: uuid.UUID) -> None:
    reports = ReportService(generation, thresholds=HealthThresholds())
    principal = Principal(subject="hypothesis", tenant=tenant, roles=frozenset({"viewer"}))
    for as_of in AS_OF:
        when = When(as_of=as_of)
        await api.project_metrics(project_id, reports, principal, when)
        for sort in ("code", "-bac"):
            await api.list_project_metrics(
                reports,
                principal,
                when,
                sort=sort,
                cursor=None,
                limit=100,
                status=None,
                health=None,
                manager=None,
            )
        await api.evm_series(project_id, reports, principal, when)
        await api.evm_chart(project_id, reports, principal, when)
        await api.project_offices(reports, principal, when, state=None)
        await api.pmo_overview(reports, principal, when)
    await api.lessons(reports, principal, q=None, category=None, cursor=None, limit=50)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(history=tenant_history())
def test_every_report_answers_whatever_events_were_accepted(
    loop: asyncio.Runner, generation: _Schema, history: list[EventEnvelope]
) -> None:
    loop.run(_project(generation, history))
    loop.run(_every_report(generation, history[0].tenant_id, history[0].stream_id))


async def _stored_schedule(generation: _Schema, project_id: uuid.UUID) -> tuple[str, str]:
    async with generation.engine.connect() as conn:
        row = await conn.execute(
            text(
                "SELECT planned_start::text, planned_finish::text FROM baselines "
                "WHERE project_id = :id"
            ),
            {"id": project_id},
        )
        start, finish = row.one()
        return start, finish


def test_a_baseline_at_the_ends_of_the_calendar_is_stored_as_those_days(
    loop: asyncio.Runner, generation: _Schema
) -> None:
    """0001-01-01 and 9999-12-31 (Python's date.min and date.max) were stored as -infinity
    and infinity, and every report of the tenant then failed on them."""
    tenant, project_id = f"hyp-{uuid.uuid4().hex[:12]}", uuid.uuid4()
    proposed = {
        "project_id": str(project_id),
        "code": "EDGE-1",
        "name": "Edge",
        "description": "",
        "manager": "m",
        "sponsor": "s",
        "methodology": "hybrid",
        "currency": "EUR",
        "flagged_large": False,
    }
    baseline = {
        "effective_on": "2020-01-01",
        "baseline_number": 1,
        "budget_at_completion": "1200000",
        "planned_start": "0001-01-01",
        "planned_finish": "9999-12-31",
    }
    events = [("ProjectProposed", 1, proposed), ("ProjectBaselined", 2, baseline)]
    at = [datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)]
    loop.run(_project(generation, _stream(tenant, project_id, events, at)))
    assert loop.run(_stored_schedule(generation, project_id)) == ("0001-01-01", "9999-12-31")
    reports = ReportService(generation, thresholds=HealthThresholds())
    report = loop.run(reports.project(tenant, project_id, when=When(as_of=date(2026, 1, 1))))
    assert report.baseline is not None
    assert (report.baseline.planned_start, report.baseline.planned_finish) == (date.min, date.max)
    assert report.metrics.bac == Decimal("1200000.00")
    loop.run(_every_report(generation, tenant, project_id))
