"""Per-tenant command rate limits on the real event store: a tenant over its rate gets a 429
with Retry-After and its refused command appends nothing, while another tenant's commands and
every read go on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.domain.events import EventMetadata
from pmo_shared.eventstore import store
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app
from pmo_shared.web.auth import CurrentPrincipal, issue_dev_token
from pmo_shared.web.problems import PROBLEM_CONTENT_TYPE

from .kit import CounterIncremented

pytestmark = pytest.mark.integration

SECRET = "web-rate-limits-secret-of-32-chars!!"
BURST = 3


def counters_router() -> APIRouter:
    router = APIRouter(prefix="/v1/counters")

    @router.post("/{counter_id}", status_code=201)
    async def increment(
        counter_id: uuid.UUID, request: Request, principal: CurrentPrincipal
    ) -> dict[str, int]:
        """Start a counter at one: one event appended."""
        async with request.app.state.engine.begin() as conn:
            await store.append(
                conn,
                stream_type="counter",
                stream_id=counter_id,
                expected_version=0,
                events=[CounterIncremented(amount=1)],
                metadata=EventMetadata(
                    tenant_id=principal.tenant, actor=principal.subject, correlation_id="c"
                ),
            )
        return {"version": 1}

    @router.get("")
    async def count(request: Request, principal: CurrentPrincipal) -> dict[str, int]:
        """How many counters the tenant has."""
        return {"counters": await events_of(request.app.state.engine, principal.tenant)}

    return router


async def events_of(engine: AsyncEngine, tenant: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT count(*) FROM events WHERE tenant_id = :t"), {"t": tenant}
        )
    return int(found or 0)


def bearer(tenant: str) -> dict[str, str]:
    token = issue_dev_token(SECRET, sub=f"u-{tenant}", tenant=tenant, roles=["pmo"])
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(
    database_url: str, kafka_servers: str, store_schema: tuple[str, AsyncEngine]
) -> AsyncIterator[httpx.AsyncClient]:
    schema, engine = store_schema
    settings = ServiceSettings(
        service_name="web-rate-test",
        environment="test",
        database_url=database_url,
        db_schema=schema,
        kafka_bootstrap_servers=kafka_servers,
        jwt_secret=SECRET,
        # a token every 1000 s: the burst is all a tenant gets during the test
        command_rate_per_second=0.001,
        command_burst=BURST,
    )
    app = create_service_app(
        settings, title="rates", version="0", engine=engine, routers=[counters_router()]
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


async def test_a_tenant_over_its_rate_is_refused_while_another_is_served(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    acme, globex = bearer("acme"), bearer("globex")
    admitted = [
        (await client.post(f"/v1/counters/{uuid.uuid4()}", headers=acme)).status_code
        for _ in range(BURST)
    ]

    refused = await client.post(f"/v1/counters/{uuid.uuid4()}", headers=acme)
    served = await client.post(f"/v1/counters/{uuid.uuid4()}", headers=globex)
    read = await client.get("/v1/counters", headers=acme)

    assert admitted == [201] * BURST
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert refused.headers["retry-after"] == "1000"
    assert refused.json()["type"] == "https://pmo.example/problems/rate-limited"
    assert "Tenant acme sent more than 0.001 commands per second" in refused.json()["detail"]
    assert served.status_code == 201
    assert read.status_code == 200
    assert read.json() == {"counters": BURST}  # the refused command appended nothing
    assert await events_of(engine, "acme") == BURST
    assert await events_of(engine, "globex") == 1
