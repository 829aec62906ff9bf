"""Drill: backup and restore. A service schema (event store, outbox, consumer records, its read
model) is dumped with pg_dump, dropped, and restored with pg_restore: its history comes back
identical and takes new commands where it left off, and the read model rebuilt from Kafka is
identical to the one lost. Then reporting-svc's projections are rebuilt from Kafka with
`pmoctl projections rebuild --wait`: a tenant's reports come out identical."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging.relay import OutboxRelay
from pmo_shared.testing import TokenFor

from .drill_kit import (
    LedgerProjection,
    PaymentReceived,
    PaymentReceivedV1,
    append,
    consumer,
    eventually,
    ledger,
    pmoctl,
    registry_v2,
    running,
)

pytestmark = pytest.mark.integration
STORE_TABLES = {
    "events": "position",
    "outbox": "position",
    "processed_events": "consumer, event_id",
    "dead_letters": "id",
}


def pg_tool(name: str) -> str:
    """A PostgreSQL client binary: from PG_BIN, the newest /usr/lib/postgresql/*/bin, or PATH."""
    folders = [os.environ.get("PG_BIN", "")]
    folders += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
        key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
        reverse=True,
    )
    for folder in filter(None, folders):
        if (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    found = shutil.which(name)
    assert found, f"{name} not found: set PG_BIN"
    return found


async def run_tool(database_url: str, tool: str, *args: str) -> None:
    """Run pg_dump or pg_restore against the stack's database."""
    url = make_url(database_url)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    process = await asyncio.create_subprocess_exec(
        pg_tool(tool),
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
        "-d",
        url.database or "postgres",
        *args,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, f"{tool}: {err.decode()}"


async def contents(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the kernel's tables and the ledger, in key order."""
    async with engine.connect() as conn:
        found = {
            table: [
                tuple(row)
                for row in await conn.execute(
                    text(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 - constants
                )
            ]
            for table, key in STORE_TABLES.items()
        }
    found["ledger"] = await ledger(engine)
    return found


async def test_a_dumped_dropped_and_restored_schema_is_identical_and_goes_on(
    drill_schema: tuple[str, AsyncEngine],
    database_url: str,
    kafka_servers: str,
    topic: str,
    dead_letter_topic: str,
    tmp_path: Path,
) -> None:
    schema, engine = drill_schema
    accounts = [uuid.uuid4() for _ in range(8)]
    group = f"drill-backup-{uuid.uuid4().hex[:8]}"

    def loops(table: str, group_id: str) -> tuple[OutboxRelay, Any]:
        relay = OutboxRelay(
            engine,
            service="drill-backup",
            bootstrap_servers=kafka_servers,
            topic_for=lambda _: topic,
        )
        projection = LedgerProjection(name="drill-backup", topics=[topic], table=table)
        return relay, consumer(
            engine,
            projection,
            registry_v2(),
            servers=kafka_servers,
            dead_letter_topic=dead_letter_topic,
            group=group_id,
        )

    async def has(table: str, count: int) -> bool:
        return len(await ledger(engine, table)) == count

    async with running(*loops("ledger", group)):
        for account in accounts:
            await append(engine, account, 0, [PaymentReceivedV1(amount=2)])
            await append(engine, account, 1, [PaymentReceived(amount_cents=99, currency="EUR")])
        await eventually(lambda: has("ledger", 16), what="the live read model")
    before = await contents(engine)

    dump = tmp_path / f"{schema}.dump"
    await run_tool(
        database_url, "pg_dump", "--format=custom", "--schema", schema, "--file", str(dump)
    )
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    await engine.dispose()  # its connections knew the dropped tables
    await run_tool(database_url, "pg_restore", "--exit-on-error", str(dump))

    assert await contents(engine) == before
    # The read model was lost with the schema: rebuilt from Kafka (a new group), identical.
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE ledger_rebuild"))
    rebuild = LedgerProjection(name="drill-rebuild", topics=[topic], table="ledger_rebuild")
    async with running(
        consumer(
            engine,
            rebuild,
            registry_v2(),
            servers=kafka_servers,
            dead_letter_topic=dead_letter_topic,
            group=f"{group}-rebuild",
        )
    ):
        await eventually(lambda: has("ledger_rebuild", 16), what="the rebuilt read model")
    assert await ledger(engine, "ledger_rebuild") == before["ledger"]
    # The restored store goes on where it left off: versions, positions, relay and consumer.
    async with running(*loops("ledger", group)):
        for account in accounts:
            await append(engine, account, 2, [PaymentReceivedV1(amount=1)])
        await eventually(lambda: has("ledger", 24), what="commands after the restore")
    async with engine.connect() as conn:
        positions = (await conn.execute(text("SELECT max(position) FROM events"))).scalar_one()
    assert positions == before["events"][-1][0] + len(accounts)


async def test_reporting_rebuilt_by_pmoctl_gives_identical_reports(
    project_url: str, reporting_url: str, token_for: TokenFor, tenant: str
) -> None:
    pmo = {"Authorization": f"Bearer {token_for(tenant, 'pmo', sub='drill-approver')}"}
    proposer = {"Authorization": f"Bearer {token_for(tenant, 'pmo', sub='drill-proposer')}"}
    viewer = {"Authorization": f"Bearer {token_for(tenant, 'viewer')}"}
    async with (
        httpx.AsyncClient(base_url=project_url, headers=pmo, timeout=30) as projects,
        httpx.AsyncClient(base_url=reporting_url, headers=viewer, timeout=30) as reports,
    ):
        project_id = await _started_project(projects, proposer)
        p = f"/v1/projects/{project_id}"
        cost = {"amount": "1234.56", "incurred_on": "2026-02-01", "category": "labour"}
        await _command(projects, f"{p}/costs", cost)
        lesson = {"category": "drill", "what_happened": "restored", "recommendation": "rehearse"}
        await _command(projects, f"{p}/lessons", lesson)
        urls = [f"/v1/reports/projects/{project_id}/metrics", "/v1/reports/lessons"]
        await _until(reports, urls[1], lambda body: len(body["items"]) == 1)
        await _until(reports, urls[0], lambda body: body.get("ac") == "1234.56")
        before = [await _figures(reports, url) for url in urls]

        out = await pmoctl(
            "projections", "rebuild", "project-reports", "--wait", "--timeout", "50",
            "--url", reporting_url, timeout=60,
        )  # fmt: skip
        assert "is live" in out
        status = await pmoctl("projections", "status", "--url", reporting_url)
        assert "project-reports" in status

        assert [await _figures(reports, url) for url in urls] == before


async def _started_project(projects: httpx.AsyncClient, proposer: dict[str, str]) -> str:
    body = {
        "code": f"DRILL-{uuid.uuid4().hex[:8]}",
        "name": "Backup drill",
        "manager": "pm-ann",
        "sponsor": "cio-bea",
        "methodology": "waterfall",
        "currency": "EUR",
    }
    created = await projects.post("/v1/projects", json=body, headers=proposer)
    assert created.status_code == 201, created.text
    project_id: str = created.json()["project_id"]
    p = f"/v1/projects/{project_id}"
    baseline = {
        "budget_at_completion": "100000",
        "planned_start": "2026-01-01",
        "planned_finish": "2026-04-11",
    }
    await _command(projects, f"{p}/baseline", baseline)
    await _command(projects, f"{p}/approve")
    await _command(projects, f"{p}/start", {"actual_start": "2026-01-05"})
    return project_id


async def _command(client: httpx.AsyncClient, path: str, body: Any = None) -> None:
    response = await client.post(path, json=body)
    assert response.is_success, f"{path}: {response.status_code} {response.text}"


async def _figures(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {key: value for key, value in body.items() if key != "known_at"}


async def _until(client: httpx.AsyncClient, url: str, check: Any) -> None:
    async def holds() -> bool:
        response = await client.get(url)
        return response.status_code == 200 and bool(check(response.json()))

    await eventually(holds, what=url)
