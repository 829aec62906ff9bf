"""The read model on the real PostgreSQL, fed through the projection with envelopes of chosen
recording instants: business time (`as_of`), record time (`known_at`), and v1 facts taking
effect on the day they were recorded, in the tenant's time zone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventEnvelope
from pmo_shared.testing import required_env
from reporting_svc.application.reports import project_report
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.events import registry
from reporting_svc.readmodel import queries
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection
from reporting_svc.readmodel.queries import Cutoff

pytestmark = pytest.mark.integration

TENANT = "acme"
THRESHOLDS = HealthThresholds(green=Decimal("0.95"), amber=Decimal("0.85"))
NOW = datetime.now(UTC)
LATE_ON_1_MARCH = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2 March in Berlin


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    """A fresh generation's tables in a schema of this test."""
    url, schema = required_env("DATABASE_URL"), f"reporting_it_{uuid.uuid4().hex[:10]}"
    engine = create_engine_for(url, schema=schema, pool_size=2)
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


class Stream:
    """Envelopes of one stream, numbered in order, recorded at the instants given."""

    def __init__(self, stream_type: str = "project") -> None:
        self.id, self.type, self.version = uuid.uuid4(), stream_type, 0

    def event(self, kind: str, at: datetime, payload: dict[str, Any], v: int = 2) -> EventEnvelope:
        self.version += 1
        return EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=kind,
            schema_version=v if registry.latest_version(kind) > 1 else 1,
            stream_type=self.type,
            stream_id=self.id,
            stream_version=self.version,
            occurred_at=at,
            tenant_id=TENANT,
            actor="pmo-carol",
            correlation_id="c",
            causation_id=None,
            payload=payload,
        )


def proposal(project: Stream, at: datetime) -> EventEnvelope:
    return project.event(
        "ProjectProposed",
        at,
        {
            "project_id": str(project.id),
            "code": f"P-{project.id.hex[:6]}",
            "name": "Payroll",
            "manager": "pm-ann",
            "sponsor": "cfo-bob",
            "methodology": "hybrid",
            "currency": "EUR",
            "flagged_large": True,
        },
    )


def establishment(office: Stream, project: Stream, at: datetime) -> EventEnvelope:
    """The v1 event of `project`'s office established at `at` (undated: it counts from the
    day it was recorded)."""
    payload = {
        "office_id": str(office.id),
        "project_id": str(project.id),
        "lead": "po-lu",
        "reporting_cadence_days": 7,
        "charter": "",
    }
    return office.event("ProjectOfficeEstablished", at, payload, v=1)


def plan(bac: str, **dated: str) -> dict[str, Any]:
    schedule = {"planned_start": "2026-01-01", "planned_finish": "2026-04-11"}
    return {"baseline_number": 1, "budget_at_completion": bac, **schedule, **dated}


async def feed(engine: AsyncEngine, envelopes: Sequence[EventEnvelope]) -> None:
    """Run the envelopes through the projection, as the consumer does."""
    projection = ProjectReportsProjection()
    async with engine.begin() as conn:
        for envelope in envelopes:
            await projection.apply(conn, envelope, registry.decode_envelope(envelope))
        await projection.flush(conn)


async def facts(engine: AsyncEngine, project_id: UUID, cutoff: Cutoff) -> Any:
    async with engine.connect() as conn:
        [row] = await queries.project_facts(
            conn, tenant_id=TENANT, cutoff=cutoff, project_id=project_id
        )
    return row


async def test_a_back_dated_cost_entered_today_is_not_what_was_known_yesterday(
    read_model: AsyncEngine,
) -> None:
    project, days_ago = Stream(), lambda n: NOW - timedelta(days=n)
    cost = {"category": "labour"}
    await feed(
        read_model,
        [
            proposal(project, days_ago(3)),
            project.event(
                "ProjectBaselined", days_ago(3), plan("100000", effective_on="2026-01-01")
            ),
            project.event("ProjectStarted", days_ago(3), {"actual_start": "2026-01-05"}),
            project.event(
                "CostRecorded",
                days_ago(2),
                {
                    **cost,
                    "cost_id": str(uuid.uuid4()),
                    "amount": "30000",
                    "incurred_on": "2026-02-01",
                },
            ),
            project.event(  # entered today, dated in January
                "CostRecorded",
                NOW,
                {
                    **cost,
                    "cost_id": str(uuid.uuid4()),
                    "amount": "5000",
                    "incurred_on": "2026-01-20",
                },
            ),
        ],
    )
    mid_february = date(2026, 2, 15)

    async def ac(known_at: datetime) -> Decimal | None:
        row = await facts(read_model, project.id, Cutoff(mid_february, known_at, "UTC"))
        report = project_report(
            row, at=mid_february, known_at=known_at, thresholds=THRESHOLDS, manager="pm-ann"
        )
        return report.metrics.ac

    assert await ac(NOW) == Decimal("35000.00")
    assert await ac(days_ago(1)) == Decimal("30000.00")
    async with read_model.connect() as conn:
        known_before = Cutoff(mid_february, days_ago(4), "UTC")
        assert await queries.project_facts(conn, tenant_id=TENANT, cutoff=known_before) == []


async def test_a_v1_fact_takes_effect_on_the_day_it_was_recorded_in_the_tenants_zone(
    read_model: AsyncEngine,
) -> None:
    project, office = Stream(), Stream("project_office")
    early = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    await feed(
        read_model,
        [
            proposal(project, early),
            project.event("ProjectBaselined", early, plan("100000"), v=1),
            project.event(
                "ProjectBaselined", LATE_ON_1_MARCH, {**plan("200000"), "baseline_number": 2}, v=1
            ),
            project.event("ProjectApproved", LATE_ON_1_MARCH, {"approved_by": "pmo-carol"}, v=1),
            establishment(office, project, LATE_ON_1_MARCH),
        ],
    )

    async def seen(day: date, zone: str) -> tuple[str, str, int]:
        cutoff = Cutoff(day, NOW, zone)
        row = await facts(read_model, project.id, cutoff)
        async with read_model.connect() as conn:
            offices = await queries.offices(conn, tenant_id=TENANT, cutoff=cutoff)
        return row.status, row.baseline["bac"], len(offices)

    assert await seen(date(2026, 3, 1), "UTC") == ("approved", "200000", 1)
    assert await seen(date(2026, 3, 1), "Europe/Berlin") == ("proposed", "100000", 0)
    assert await seen(date(2026, 3, 2), "Europe/Berlin") == ("approved", "200000", 1)
    # Before either baseline took effect, the first one.
    assert await seen(date(2025, 12, 31), "UTC") == ("proposed", "100000", 0)


async def test_the_overview_counts_the_offices_the_office_list_gives_as_live(
    read_model: AsyncEngine,
) -> None:
    """`live_offices` (the overview's count, in SQL) against `offices` (every office as it was
    then), on every axis: established by the day, disbanded by the day, known by the instant."""
    jan, feb, mar = (datetime(2026, m, 1, 9, 0, tzinfo=UTC) for m in (1, 2, 3))
    envelopes: list[EventEnvelope] = []
    for established, disbanded in (
        (jan, None),
        (jan + timedelta(days=9), feb),
        (feb, mar),
        (mar, None),
    ):
        project, office = Stream(), Stream("project_office")
        envelopes += [
            proposal(project, jan - timedelta(days=1)),
            establishment(office, project, established),
        ]
        if disbanded is not None:
            envelopes.append(
                office.event(
                    "ProjectOfficeDisbanded",
                    disbanded,
                    {"reason": "done", "automatic": False, "disbanded_on": str(disbanded.date())},
                )
            )
    await feed(read_model, envelopes)

    seen = []
    for day in (
        date(2025, 12, 31),
        date(2026, 1, 5),
        date(2026, 1, 15),
        date(2026, 2, 1),
        date(2026, 3, 2),
    ):
        for known in (jan + timedelta(days=10), feb + timedelta(hours=1), NOW):
            cutoff = Cutoff(day, known, "UTC")
            async with read_model.connect() as conn:
                rows = await queries.offices(conn, tenant_id=TENANT, cutoff=cutoff)
                live = await queries.live_offices(conn, tenant_id=TENANT, cutoff=cutoff)
            assert live == sum(r.disbanded_on is None for r in rows), (day, known)
            seen.append(live)
    assert set(seen) == {0, 1, 2}  # the cases differ: not every cut-off the same count
