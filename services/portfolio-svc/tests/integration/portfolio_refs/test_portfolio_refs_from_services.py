"""portfolio-svc learns programs and projects from the running program-svc and project-svc,
through the stack's real topics only: a program and its projects made over HTTP, and
portfolio-svc's references consumer, as `references_consumer` builds it for the service (the
stack's topics, portfolio-svc's schema of the test stack) but under a group of this test, folds
what those services published into the references portfolio-svc reads. Every event on those
topics decodes: none becomes a dead letter."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.settings import KernelSettings
from pmo_shared.testing import TokenFor, eventually, required_env
from pmo_shared.web.auth import issue_dev_token
from portfolio_svc.references.projection import PROJECTION_NAME
from portfolio_svc.references.runner import references_consumer
from portfolio_svc.references.store import programs_with_member, read_program_ref, read_project_ref
from portfolio_svc.settings import DB_SCHEMA

pytestmark = pytest.mark.integration

PROPOSER = "pmo-paula"
"""Who proposes this test's programs and projects: not the clients' PMO (`pmo-carol`), who
activates and approves them (nobody approves their own proposal)."""
PROJECT: dict[str, Any] = {
    "name": "Payroll upgrade",
    "manager": "pm-ann",
    "sponsor": "cfo-bob",
    "methodology": "hybrid",
    "currency": "EUR",
}
BASELINE = {
    "budget_at_completion": "500000.50",
    "planned_start": "2026-01-01",
    "planned_finish": "2026-12-31",
}
PROGRAM: dict[str, Any] = {
    "name": "Payroll improvement",
    "area": "the Payroll application",
    "manager": "pgm-mia",
    "sponsor": "cfo-bob",
    "currency": "EUR",
}


@pytest.fixture
async def portfolio_db() -> AsyncIterator[AsyncEngine]:
    """portfolio-svc's schema of the test stack (migrated when the stack came up)."""
    engine = create_engine_for(required_env("DATABASE_URL"), schema=DB_SCHEMA, pool_size=2)
    yield engine
    await engine.dispose()


@contextlib.asynccontextmanager
async def consuming(engine: AsyncEngine) -> AsyncIterator[None]:
    """portfolio-svc's references consumer on the stack's topics and portfolio-svc's schema,
    under a group of this test (which starts at the topics' beginning; events another member
    of the consumer applied already are duplicates), its dead letters to a topic of this test."""
    servers = required_env("KAFKA_BOOTSTRAP_SERVERS")
    dead_letters = f"test.dlq.{uuid.uuid4().hex[:10]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(dead_letters, 1, 1)])
    finally:
        await admin.close()
    settings = KernelSettings(
        service_name="portfolio-svc",
        database_url=required_env("DATABASE_URL"),
        db_schema=DB_SCHEMA,
        kafka_bootstrap_servers=servers,
        dead_letter_topic=dead_letters,
    )
    group = f"portfolio-refs-test-{uuid.uuid4().hex[:8]}"
    task_of = references_consumer(settings, engine, group_id=group)
    stop = asyncio.Event()
    task = asyncio.ensure_future(task_of(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def _client(url: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
async def projects(
    project_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running project-svc, as the PMO of this test's tenant."""
    async for client in _client(project_url, token_for(tenant, "pmo")):
        yield client


@pytest.fixture
async def programs(
    program_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running program-svc, as the PMO of this test's tenant."""
    async for client in _client(program_url, token_for(tenant, "pmo")):
        yield client


def _proposer(tenant: str) -> dict[str, str]:
    token = issue_dev_token(required_env("JWT_SECRET"), sub=PROPOSER, tenant=tenant, roles=["pmo"])
    return {"Authorization": f"Bearer {token}"}


async def _post(client: httpx.AsyncClient, path: str, body: Any = None, **headers: str) -> Any:
    response = await client.post(path, json=body, headers=headers)
    assert response.is_success, f"{path}: {response.status_code} {response.text}"
    return response.json()


async def _project(projects: httpx.AsyncClient, tenant: str, *, large: bool) -> str:
    """The id of a project proposed and baselined in project-svc (2 events)."""
    body = {**PROJECT, "code": f"P-{uuid.uuid4().hex[:8]}", "flagged_large": large}
    proposed = await _post(projects, "/v1/projects", body, **_proposer(tenant))
    project_id: str = proposed["project_id"]
    await _post(projects, f"/v1/projects/{project_id}/baseline", BASELINE)
    return project_id


async def _add_member(programs: httpx.AsyncClient, program: str, project: str) -> None:
    """Add a member once program-svc knows the project from project-svc's events (422 until
    then)."""
    deadline = time.monotonic() + 60
    while True:
        response = await programs.post(
            f"/v1/programs/{program}/members", json={"project_id": project}
        )
        if response.status_code != 422 or time.monotonic() > deadline:
            assert response.is_success, response.text
            return
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Made:
    """What this test made in the services: each stream's id and its last version."""

    code: str
    versions: dict[UUID, int]
    program: UUID
    large: UUID
    small: UUID


async def _make(projects: httpx.AsyncClient, programs: httpx.AsyncClient, tenant: str) -> Made:
    """A large project started, a small one cancelled, and an active program (pool set,
    raised, cut) that both joined and the small one left, now on hold."""
    a = await _project(projects, tenant, large=True)
    b = await _project(projects, tenant, large=False)
    await _post(projects, f"/v1/projects/{a}/approve")
    a_version = (await _post(projects, f"/v1/projects/{a}/start", {}))["version"]
    code = f"G-{uuid.uuid4().hex[:8]}"
    g = (await _post(programs, "/v1/programs", {**PROGRAM, "code": code}, **_proposer(tenant)))[
        "program_id"
    ]
    p = f"/v1/programs/{g}"
    await _post(programs, f"{p}/activate")
    await _post(programs, f"{p}/funding/set", {"amount": "1000000.00"})
    await _post(programs, f"{p}/funding/increase", {"amount": "0.50", "reason": "fx"})
    await _add_member(programs, g, a)
    await _add_member(programs, g, b)
    await _post(programs, f"{p}/members/{b}/remove", {"reason": "elsewhere"})
    await _post(programs, f"{p}/funding/decrease", {"amount": "100", "reason": "cut"})
    g_version = (await _post(programs, f"{p}/hold", {"reason": "review"}))["version"]
    b_version = (await _post(projects, f"/v1/projects/{b}/cancel", {"reason": "merged"}))["version"]
    versions = {UUID(g): g_version, UUID(a): a_version, UUID(b): b_version}
    return Made(code, versions, UUID(g), UUID(a), UUID(b))


async def _versions(engine: AsyncEngine, tenant: str, made: Made) -> dict[UUID, int]:
    """The last version portfolio-svc has applied of each stream made (0: none yet)."""
    async with engine.connect() as conn:
        program = await read_program_ref(conn, tenant_id=tenant, program_id=made.program)
        large = await read_project_ref(conn, tenant_id=tenant, project_id=made.large)
        small = await read_project_ref(conn, tenant_id=tenant, project_id=made.small)
    return {
        made.program: program.last_version if program else 0,
        made.large: large.last_version if large else 0,
        made.small: small.last_version if small else 0,
    }


async def test_programs_and_projects_made_over_http_reach_portfolios_references(
    portfolio_db: AsyncEngine,
    projects: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    tenant: str,
) -> None:
    started = datetime.now(UTC)
    async with consuming(portfolio_db):
        made = await _make(projects, programs, tenant)

        async def caught_up() -> bool:
            return await _versions(portfolio_db, tenant, made) == made.versions

        await eventually(caught_up, what="portfolio-svc's references of the program and projects")

    async with portfolio_db.connect() as conn:
        program = await read_program_ref(conn, tenant_id=tenant, program_id=made.program)
        large = await read_project_ref(conn, tenant_id=tenant, project_id=made.large)
        small = await read_project_ref(conn, tenant_id=tenant, project_id=made.small)
        holders = [
            await programs_with_member(conn, tenant_id=tenant, project_id=made.large),
            await programs_with_member(conn, tenant_id=tenant, project_id=made.small),
        ]
        foreign = await read_program_ref(conn, tenant_id=f"{tenant}-b", program_id=made.program)
        dead = await conn.execute(
            text(
                "SELECT event_type, reason FROM dead_letters "
                "WHERE consumer = :consumer AND recorded_at >= :started"
            ),
            {"consumer": PROJECTION_NAME, "started": started},
        )
        dead_letters = dead.all()
    assert program is not None
    assert large is not None
    assert small is not None
    assert (program.code, program.name, program.currency) == (made.code, PROGRAM["name"], "EUR")
    assert (program.status, program.ended) == ("on_hold", False)
    assert program.pool == Decimal("999900.50")
    assert program.members == {made.large}
    assert holders == [[made.program], []]
    assert (large.status, large.flagged_large, large.ended) == ("active", True, False)
    assert (small.status, small.flagged_large, small.ended) == ("cancelled", False, True)
    for project in (large, small):
        assert (project.currency, project.budget_at_completion) == ("EUR", Decimal("500000.50"))
    for ref in (program, large, small):
        assert ref.tenant_id == tenant
        assert started <= ref.updated_at <= datetime.now(UTC)
    assert foreign is None
    # every event on the stack's topics decoded: none became a dead letter meanwhile
    assert dead_letters == []
