"""Operating the projections: redelivery changes nothing; a rebuild reproduces the read
models exactly and switches over while queries keep answering; only platform operators see
the projections or rebuild them (they hold every tenant's data)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from pmo_shared.database.engine import create_engine_for
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from pmo_shared.testing import TokenFor, required_env
from reporting_svc.readmodel.ddl import CONTENT_TABLES

from .steps import command, new_project, poll
from .test_project_reports import started_project

pytestmark = pytest.mark.integration
TOPIC = PROJECT_EVENTS_TOPIC


async def _messages_of(key: str) -> list[Any]:
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets(list(consumer.assignment()))
        found: list[Any] = []
        remaining = {tp for tp, end in ends.items() if end > 0}
        while remaining:
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                found += [m for m in records if m.key == key.encode()]
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        return found
    finally:
        await consumer.stop()


def _figures(response: httpx.Response) -> dict[str, Any]:
    """A report without the instant it was asked at (`known_at`, if the report names it)."""
    body: dict[str, Any] = response.json()
    return {key: value for key, value in body.items() if key != "known_at"}


async def _live(admin: httpx.AsyncClient) -> dict[str, Any]:
    body = (await admin.get("/v1/projections")).json()[0]
    return next(g for g in body["generations"] if g["status"] == "live")


OPERATOR_TENANT, OPERATOR_SUB = "platform", "ops-olga"
TENANT_ROLES = ("pmo", "viewer", "project_manager", "program_manager", "portfolio_manager")


@asynccontextmanager
async def operator_client(
    reporting_url: str, token_for: TokenFor
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of reporting-svc with a platform operator's token."""
    token = token_for(OPERATOR_TENANT, "platform_operator", sub=OPERATOR_SUB)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
async def admin(reporting_url: str, token_for: TokenFor) -> AsyncIterator[httpx.AsyncClient]:
    async with operator_client(reporting_url, token_for) as client:
        yield client


async def test_replaying_the_same_messages_twice_changes_nothing(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    project_id = await started_project(projects)
    await command(
        projects,
        f"/v1/projects/{project_id}/costs",
        {"amount": "1234.56", "incurred_on": "2026-02-01", "category": "labour"},
    )
    await command(
        projects,
        f"/v1/projects/{project_id}/lessons",
        {"category": "replay", "what_happened": "x", "recommendation": "y"},
    )
    url = f"/v1/reports/projects/{project_id}/metrics"
    before = _figures(
        await poll(reports, url, lambda r: r.status_code == 200 and r.json()["ac"] == "1234.56")
    )
    await poll(reports, "/v1/reports/lessons", lambda r: len(r.json()["items"]) == 1)
    applied_before = (await _live(admin))["events_applied"]
    messages = await _messages_of(project_id)
    assert len(messages) == 6

    producer = AIOKafkaProducer(bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"))
    await producer.start()
    try:
        for _ in range(2):
            for m in messages:
                await producer.send_and_wait(
                    TOPIC, value=m.value, key=m.key, headers=list(m.headers)
                )
    finally:
        await producer.stop()
    await poll(
        admin, "/v1/projections", lambda r: all(g["lag"] == 0 for g in r.json()[0]["generations"])
    )

    assert _figures(await reports.get(url)) == before
    assert (await _live(admin))["events_applied"] == applied_before
    lessons = await reports.get("/v1/reports/lessons", params={"category": "replay"})
    assert len(lessons.json()["items"]) == 1


async def _content(schema: str) -> dict[str, list[Any]]:
    engine = create_engine_for(os.environ["DATABASE_URL"], schema=schema, pool_size=1)
    try:
        async with engine.connect() as conn:
            return {
                table: [
                    tuple(row)
                    for row in await conn.execute(
                        text(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 - constants
                    )
                ]
                for table, key in CONTENT_TABLES.items()
            }
    finally:
        await engine.dispose()


async def test_a_rebuild_reproduces_the_read_models_and_switches_over(
    projects: httpx.AsyncClient,
    reports: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    token_for: TokenFor,
    tenant: str,
    reporting_url: str,
) -> None:
    project_id = await started_project(projects, flagged_large=True)
    p = f"/v1/projects/{project_id}"
    await command(projects, f"{p}/office", {"lead": "po", "reporting_cadence_days": 7})
    await command(projects, f"{p}/milestones", {"name": "Go live", "due_date": "2026-03-01"})
    await command(projects, f"{p}/cancel", {"reason": "budget cut"})
    url = f"/v1/reports/projects/{project_id}/metrics"
    before = _figures(await poll(reports, url, lambda r: r.json().get("status") == "cancelled"))
    old = await _live(admin)
    await poll(
        admin, "/v1/projections", lambda r: all(g["lag"] == 0 for g in r.json()[0]["generations"])
    )

    for role in TENANT_ROLES:  # a tenant's pmo too: the read models are every tenant's
        headers = {"Authorization": f"Bearer {token_for(tenant, role)}"}
        async with httpx.AsyncClient(base_url=reporting_url, headers=headers) as client:
            refused = await client.post("/v1/projections/project-reports/rebuild")
        assert refused.status_code == 403, (role, refused.text)
    started = await admin.post("/v1/projections/project-reports/rebuild")
    assert started.status_code == 202, started.text
    building = [g for g in started.json()["generations"] if g["status"] == "building"]
    assert [g["requested_by"] for g in building] == [f"{OPERATOR_TENANT}/{OPERATOR_SUB}"]
    # Meanwhile queries keep answering (from the old tables until the switch).
    assert (await reports.get(url)).status_code == 200

    await poll(
        admin,
        "/v1/projections",
        lambda r: any(
            g["status"] == "live" and g["generation"] > old["generation"]
            for g in r.json()[0]["generations"]
        ),
        timeout=60,
    )
    new = await _live(admin)
    assert _figures(await reports.get(url)) == before
    assert await _content(new["schema_name"]) == await _content(old["schema_name"])
    # Still fed after the switch: a new command shows up in the rebuilt generation.
    new_id = await new_project(projects)
    await poll(reports, f"/v1/reports/projects/{new_id}/metrics", lambda r: r.status_code == 200)


async def test_only_platform_operators_see_the_projections(
    admin: httpx.AsyncClient, token_for: TokenFor, tenant: str, reporting_url: str
) -> None:
    seen = (await admin.get("/v1/projections")).json()[0]["generations"]
    assert seen
    assert all(g["requested_by"] for g in seen)  # the operator sees everything
    # A tenant sees nothing there: no other tenant's rebuild requests, no shared figures.
    for role in TENANT_ROLES:
        headers = {"Authorization": f"Bearer {token_for(tenant, role)}"}
        async with httpx.AsyncClient(base_url=reporting_url, headers=headers) as client:
            refused = await client.get("/v1/projections")
        assert refused.status_code == 403, (role, refused.text)
        assert "requested_by" not in refused.text
        assert not any(g["requested_by"] in refused.text for g in seen)
