"""The project list at scale (issue 16): it filters, sorts and pages the reports before any
manager is opened, so a page opens only its own managers, and every page, filter and sort
answers exactly what the full fold (every report with its manager opened, then filtered, sorted
and paged) answers. On the test stack's PostgreSQL, fed through the projection."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
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
from reporting_svc.events import registry
from reporting_svc.readmodel.ddl import generation_ddl
from reporting_svc.readmodel.projection import ProjectReportsProjection

pytestmark = pytest.mark.integration

TENANT = "acme-reads"
THRESHOLDS = HealthThresholds(green=Decimal("0.95"), amber=Decimal("0.85"))
AT = datetime.now(UTC) - timedelta(days=1)
PROJECTS = 23


class CountingKeys(RemoteKeys):
    """A stand-in for the key services: each (plain) manager opens as `opened:<value>`, so a
    manager shown next to another project's figures would show; counts the values opened."""

    def __init__(self) -> None:
        super().__init__({}, token=None)
        self.opened = 0

    async def open(self, tenant_id: str, values: Sequence[Any]) -> list[Any]:
        self.opened += len(values)
        return [f"opened:{v}" for v in values]


class Live:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def live_engine(self) -> AsyncEngine:
        return self.engine


@pytest.fixture
async def read_model() -> AsyncIterator[AsyncEngine]:
    """A fresh generation's tables in a schema of this test, holding PROJECTS projects of
    varied status, health and manager."""
    url, schema = required_env("DATABASE_URL"), f"reporting_reads_{uuid.uuid4().hex[:10]}"
    engine = create_engine_for(url, schema=schema, pool_size=2)
    async with engine.begin() as conn:
        for statement in generation_ddl(schema):
            await conn.execute(text(statement))
    projection = ProjectReportsProjection()
    async with engine.begin() as conn:
        for i in range(PROJECTS):
            for envelope in _life(i):
                await projection.apply(conn, envelope, registry.decode_envelope(envelope))
        await projection.flush(conn)
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()


def _life(i: int) -> list[EventEnvelope]:
    """Project i: proposed (every third one only that), else baselined and started, with
    progress and costs that make its health vary."""
    pid, version = uuid.uuid4(), 0

    def event(kind: str, payload: dict[str, Any]) -> EventEnvelope:
        nonlocal version
        version += 1
        return EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=kind,
            schema_version=registry.latest_version(kind),
            stream_type="project",
            stream_id=pid,
            stream_version=version,
            occurred_at=AT + timedelta(seconds=i * 10 + version),
            tenant_id=TENANT,
            actor="pmo-carol",
            correlation_id="c",
            causation_id=None,
            payload=payload,
        )

    life = [
        event(
            "ProjectProposed",
            {
                "project_id": str(pid),
                "code": f"R-{(i * 7) % PROJECTS:03d}",
                "name": f"Reads {i % 5}",
                "manager": f"pm-{i % 4}",
                "sponsor": "cfo-bob",
                "methodology": "hybrid",
                "currency": "EUR",
                "flagged_large": False,
            },
        )
    ]
    if i % 3 == 0:
        return life
    life += [
        event(
            "ProjectBaselined",
            {
                "baseline_number": 1,
                "budget_at_completion": str(100_000 + 1_000 * i),
                "planned_start": "2026-01-01",
                "planned_finish": "2026-12-31",
                "effective_on": "2026-01-01",
            },
        ),
        event("ProjectStarted", {"actual_start": "2026-01-05", "effective_on": "2026-01-05"}),
        event("ProgressReported", {"percent_complete": str(10 + 4 * i), "as_of": "2026-03-01"}),
        event(
            "CostRecorded",
            {
                "cost_id": str(uuid.uuid4()),
                "amount": str(5_000 * (i % 6 + 1)),
                "incurred_on": "2026-02-01",
                "category": "labour",
            },
        ),
    ]
    return life


async def _listed(
    service: ReportService, *, cursor: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str | None]:
    page = await api.list_project_metrics(
        service,
        SimpleNamespace(tenant=TENANT),  # type: ignore[arg-type]
        When(as_of=datetime(2026, 3, 31).date(), known_at=None),
        status=params.get("status"),
        health=params.get("health"),
        manager=params.get("manager"),
        sort=params.get("sort", "code"),
        cursor=cursor,
        limit=params.get("limit", 100),
    )
    return [i.model_dump(mode="json", exclude={"known_at"}) for i in page.items], page.next_cursor


async def _folded(service: ReportService, **params: Any) -> list[dict[str, Any]]:
    """What the list answered before (issue 16): every report with its manager opened, then
    filtered, sorted, paged."""
    items = await service.projects(
        TENANT, when=When(as_of=datetime(2026, 3, 31).date()), manager=params.get("manager")
    )
    items = [
        r
        for r in items
        if (params.get("status") is None or r.status == params["status"])
        and (params.get("health") is None or r.metrics.health.overall == params["health"])
    ]
    sort = params.get("sort", "code")
    key = sort.lstrip("-")
    items.sort(
        key=lambda r: (api._sort_value(r, key), str(r.project_id)), reverse=sort.startswith("-")
    )
    return [api.metrics_read(r).model_dump(mode="json", exclude={"known_at"}) for r in items]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "-spi"},
        {"sort": "cpi"},
        {"sort": "-name"},
        {"status": "active"},
        {"status": "proposed", "sort": "-bac"},
        {"health": "green"},
        {"health": "red", "sort": "spi"},
    ],
)
async def test_reads_every_page_is_the_full_folds(
    read_model: AsyncEngine, params: dict[str, Any]
) -> None:
    service = ReportService(Live(read_model), thresholds=THRESHOLDS, keys=CountingKeys())
    expected = await _folded(service, **params)
    got: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(PROJECTS):
        page, cursor = await _listed(service, cursor=cursor, limit=5, **params)
        got += page
        if cursor is None:
            break
    assert got == expected  # managers included: each opened next to its own figures


async def test_reads_a_page_opens_only_its_own_managers(read_model: AsyncEngine) -> None:
    keys = CountingKeys()
    service = ReportService(Live(read_model), thresholds=THRESHOLDS, keys=keys)
    page, cursor = await _listed(service, limit=4, sort="-cpi")
    assert len(page) == 4
    assert cursor is not None
    assert keys.opened == 4
    assert {i["manager"] for i in page} <= {f"opened:pm-{k}" for k in range(4)}
    keys.opened = 0
    await _folded(service)
    assert keys.opened == PROJECTS  # the full fold opened every one


async def test_reads_an_empty_page_opens_nobody(read_model: AsyncEngine) -> None:
    keys = CountingKeys()
    service = ReportService(Live(read_model), thresholds=THRESHOLDS, keys=keys)
    page, cursor = await _listed(service, status="closed")
    assert page == []
    assert cursor is None
    assert keys.opened == 0
